"""Token counting: ``POST /v1/messages/count_tokens`` and ``POST /v1/responses/input_tokens``. Exact (the
upstream's own count) from an upstream of the endpoint's dialect; otherwise a local estimate marked
``x-dragoman-token-count: estimated`` that grows with the system prompt, the tools and the images. Never a
404 for a configured model."""

from __future__ import annotations

from typing import Any

import anthropic
import httpx2
import openai
import pytest

from tests.e2e.conformance import check_error_body
from tests.e2e.media import IMAGES, Media, part, text_part
from tests.e2e.tooling import tools_wire
from tests.e2e.wire import post
from tests.upstream import Dialect, FakeUpstream

ESTIMATED = "x-dragoman-token-count"
ENDPOINTS: dict[Dialect, str] = {"anthropic": "/v1/messages/count_tokens", "responses": "/v1/responses/input_tokens"}
SYSTEM = "You are a careful assistant. " * 20
IMAGE = Media("image", media_type="image/png", data=IMAGES["image/png"])


def _bodies(dialect: Dialect, model: str) -> list[dict[str, Any]]:
    """The same question, then with a system prompt, then tools, then an image: each asks for more."""
    key, system_key = ("input", "instructions") if dialect == "responses" else ("messages", "system")
    question = [text_part(dialect, "What is the weather like in Paris today?")]
    base: dict[str, Any] = {"model": model, key: [{"role": "user", "content": question}]}
    with_system = {**base, system_key: SYSTEM}
    with_tools = {**with_system, "tools": tools_wire(dialect)}
    with_image = {**with_tools, key: [{"role": "user", "content": [*question, part(dialect, IMAGE)]}]}
    return [base, with_system, with_tools, with_image]


def _count(http: httpx2.Client, dialect: Dialect, body: dict[str, Any]) -> tuple[int, httpx2.Headers]:
    answer = post(http, dialect, body, path=ENDPOINTS[dialect])
    assert answer.status == 200, (body["model"], answer.content[:300])
    payload = answer.json()
    if dialect == "responses":
        assert payload.get("object") == "response.input_tokens", payload
    assert isinstance(payload["input_tokens"], int) and payload["input_tokens"] > 0, payload
    return payload["input_tokens"], answer.headers


@pytest.mark.parametrize(("dialect", "model"), [("anthropic", "chat/text"), ("anthropic", "responses/text"),
                                                ("anthropic", "pool/text"), ("responses", "chat/text"),
                                                ("responses", "anthropic/text")])
def test_estimate_for_another_dialect_grows_with_the_request(dialect: Dialect, model: str, http: httpx2.Client,
                                                             upstream: FakeUpstream) -> None:
    counts = []
    for body in _bodies(dialect, model):
        mark = upstream.mark()
        tokens, headers = _count(http, dialect, body)
        if model == "pool/text" and upstream.since(mark):
            return  # this time the pool's Anthropic member counted exactly
        assert headers.get(ESTIMATED) == "estimated", dict(headers)
        assert upstream.since(mark) == [], "an estimate needs no upstream call"
        counts.append(tokens)
    assert counts == sorted(set(counts)), f"system prompt, tools and images must each add tokens: {counts}"


@pytest.mark.parametrize("dialect", ["anthropic", "responses"])
def test_exact_from_an_upstream_of_the_same_dialect(dialect: Dialect, http: httpx2.Client,
                                                    upstream: FakeUpstream) -> None:
    for body in _bodies(dialect, f"{dialect}/text"):
        mark = upstream.mark()
        tokens, headers = _count(http, dialect, body)
        (call,) = upstream.since(mark)
        assert call.path == ENDPOINTS[dialect] and call.json == {**body, "model": "text"}
        assert tokens == call.answer.json()["input_tokens"]  # type: ignore[union-attr]
        assert ESTIMATED not in headers


def test_through_the_sdks(openai_client: openai.OpenAI, anthropic_client: anthropic.Anthropic,
                          upstream: FakeUpstream) -> None:
    counted = openai_client.responses.input_tokens.count(model="responses/text", input="Hello there",
                                                         instructions=SYSTEM)
    assert counted.input_tokens > 0
    estimated = openai_client.responses.input_tokens.count(model="anthropic/text", input="Hello there")
    assert 0 < estimated.input_tokens < counted.input_tokens
    messages: Any = [{"role": "user", "content": "Hello there"}]
    assert anthropic_client.messages.count_tokens(model="chat/text", messages=messages).input_tokens > 0


@pytest.mark.parametrize("dialect", ["anthropic", "responses"])
def test_unknown_model_is_not_found_in_the_endpoints_dialect(dialect: Dialect, http: httpx2.Client) -> None:
    answer = post(http, dialect, _bodies(dialect, "no-such-model")[0], path=ENDPOINTS[dialect])
    assert answer.status == 404
    check_error_body(dialect, answer.json())
