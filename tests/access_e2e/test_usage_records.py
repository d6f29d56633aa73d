"""One usage record per request, with what the client saw, readable by the operator and by each key for
itself only."""

from __future__ import annotations

import math
from typing import Any

import anthropic
import openai
import pytest

from tests.access_e2e.conftest import PRICING
from tests.access_e2e.keys import create_key, usage, wait_for_records
from tests.gateway import Gateway

PROMPT = [{"role": "user", "content": "Say hi"}]


def expected_cost(input_tokens: int, cached: int, output: int) -> float:
    return ((input_tokens - cached) * PRICING["input_per_mtok"] + cached * PRICING["cached_input_per_mtok"]
            + output * PRICING["output_per_mtok"]) / 1_000_000


def by_model(records: list[dict[str, Any]]) -> dict[tuple[str, bool], dict[str, Any]]:
    return {(record["model"], record["stream"]): record for record in records}


def test_each_request_leaves_one_complete_record(secured: Gateway) -> None:
    secret, key = create_key(secured.url, "recorded")
    openai_sdk = openai.OpenAI(base_url=f"{secured.url}/v1", api_key=secret, max_retries=0, timeout=20)
    anthropic_sdk = anthropic.Anthropic(base_url=secured.url, api_key=secret, max_retries=0, timeout=20)

    cached = openai_sdk.chat.completions.create(model="chat/cache-hit", messages=PROMPT)  # type: ignore[arg-type]
    streamed = list(openai_sdk.chat.completions.create(model="chat/text", messages=PROMPT, stream=True))  # type: ignore[arg-type]
    translated = anthropic_sdk.messages.create(model="responses/text", max_tokens=30, messages=PROMPT)  # type: ignore[arg-type]
    with pytest.raises(anthropic.BadRequestError):
        anthropic_sdk.messages.create(model="anthropic/error-400", max_tokens=30, messages=PROMPT)  # type: ignore[arg-type]

    listed = wait_for_records(secured.url, 4, key_id=key["id"])["data"]
    records = by_model(listed)
    assert len(records) == 4, [(r["model"], r["stream"], r["status"], r["client_dialect"]) for r in listed]

    assert cached.usage is not None
    hit = records[("chat/cache-hit", False)]
    assert (hit["input_tokens"], hit["output_tokens"], hit["cached_tokens"]) == (
        cached.usage.prompt_tokens, cached.usage.completion_tokens, 1536)
    assert math.isclose(hit["cost_usd"], expected_cost(hit["input_tokens"], 1536, hit["output_tokens"]))
    assert hit["key_id"] == key["id"] and hit["status"] == 200 and hit["error"] is None
    assert (hit["client_dialect"], hit["upstream_dialect"], hit["deployment"]) == (
        "openai_chat", "openai_chat", "chat/cache-hit#0")
    assert hit["latency_ms"] > 0 and hit["ttft_ms"] is None

    stream = records[("chat/text", True)]
    assert streamed, "the stream had chunks"
    assert stream["output_tokens"] > 0 and stream["input_tokens"] > 0, "the relay's usage was recorded"
    assert stream["ttft_ms"] is not None and 0 < stream["ttft_ms"] <= stream["latency_ms"]

    crossed = records[("responses/text", False)]
    assert (crossed["client_dialect"], crossed["upstream_dialect"]) == ("anthropic_messages", "openai_responses")
    assert crossed["input_tokens"] == translated.usage.input_tokens
    assert crossed["output_tokens"] == translated.usage.output_tokens
    assert crossed["cost_usd"] > 0

    failed = records[("anthropic/error-400", False)]
    assert failed["status"] == 400 and failed["error"] and failed["cost_usd"] == 0


def test_refused_requests_are_recorded_with_their_status(secured: Gateway) -> None:
    secret, key = create_key(secured.url, "refused", rpm=1)
    client = openai.OpenAI(base_url=f"{secured.url}/v1", api_key=secret, max_retries=0, timeout=20)
    client.chat.completions.create(model="chat/text", messages=PROMPT)  # type: ignore[arg-type]
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model="chat/text", messages=PROMPT)  # type: ignore[arg-type]
    statuses = sorted(record["status"] for record in wait_for_records(secured.url, 2, key_id=key["id"])["data"])
    assert statuses == [200, 429]


def test_a_key_sees_its_own_usage_only(secured: Gateway) -> None:
    mine, my_key = create_key(secured.url, "mine")
    theirs, their_key = create_key(secured.url, "theirs")
    for secret in (mine, theirs):
        openai.OpenAI(base_url=f"{secured.url}/v1", api_key=secret, max_retries=0, timeout=20).chat.completions.create(
            model="chat/text", messages=PROMPT)  # type: ignore[arg-type]
    wait_for_records(secured.url, 1, key_id=their_key["id"])
    wait_for_records(secured.url, 1, key_id=my_key["id"])
    own = usage(secured.url, headers={"authorization": f"Bearer {mine}"})
    assert own.status_code == 200
    assert {record["key_id"] for record in own.json()["data"]} == {my_key["id"]}
    assert own.json()["total"] == 1
    prying = usage(secured.url, headers={"authorization": f"Bearer {mine}"}, key_id=their_key["id"])
    assert prying.status_code == 403
    assert usage(secured.url, headers={"authorization": "Bearer nobody"}).status_code == 401


def test_daily_aggregates_and_filters(secured: Gateway) -> None:
    secret, key = create_key(secured.url, "aggregated")
    client = openai.OpenAI(base_url=f"{secured.url}/v1", api_key=secret, max_retries=0, timeout=20)
    for _ in range(3):
        client.chat.completions.create(model="chat/text", messages=PROMPT)  # type: ignore[arg-type]
    client.responses.create(model="responses/text", input="hi")
    body = wait_for_records(secured.url, 4, key_id=key["id"])
    daily = {row["model"]: row for row in body["daily"] if row["key_id"] == key["id"]}
    assert daily["chat/text"]["requests"] == 3 and daily["responses/text"]["requests"] == 1
    rows = [record for record in body["data"] if record["model"] == "chat/text"]
    assert math.isclose(daily["chat/text"]["cost_usd"], sum(record["cost_usd"] for record in rows))
    only_chat = usage(secured.url, key_id=key["id"], model="chat/text").json()
    assert only_chat["total"] == 3
    future = usage(secured.url, key_id=key["id"], since="2999-01-01T00:00:00Z").json()
    assert future["total"] == 0
