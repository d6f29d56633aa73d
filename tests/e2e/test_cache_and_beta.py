"""Caching fields and Anthropic beta flags. ``cache_control`` reaches Anthropic upstreams on system, text,
tool and tool_result blocks (from chat clients' OpenRouter-style markers too); ``prompt_cache_key`` reaches
OpenAI upstreams. ``anthropic-beta`` reaches Anthropic upstreams through the deployment's allow/deny list,
plus its ``add`` flags on every route. (Cached-token usage mapped both ways is checked for every pair by
test_pairs.py's ``cache-hit`` cases.)"""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from tests.e2e.conformance import check_answer, check_upstream_request
from tests.e2e.formats import format_fields
from tests.e2e.matrix import only_call
from tests.e2e.tooling import WEATHER, tool_wire
from tests.e2e.wire import post, request_body
from tests.gateway import BETA_ADDED, BETA_ALLOWED, BETA_DENIED
from tests.upstream import Dialect, FakeUpstream, ReceivedRequest

EPHEMERAL = {"type": "ephemeral"}
LONG_LIVED = {"type": "ephemeral", "ttl": "1h"}


def _call(http: httpx2.Client, upstream: FakeUpstream, client: Dialect, upstream_dialect: Dialect, body: dict[str, Any],
          headers: dict[str, str] | None = None, *, translated: bool = True) -> ReceivedRequest:
    mark = upstream.mark()
    answer = post(http, client, body, extra_headers=headers)
    call = only_call(upstream, mark, upstream_dialect)
    check_answer(client, answer, None if translated else call.answer)
    if translated:
        check_upstream_request(upstream_dialect, call.json)
    return call


def test_chat_cache_markers_reach_anthropic(http: httpx2.Client, upstream: FakeUpstream) -> None:
    body = {"model": "anthropic/text", "messages": [
        {"role": "system", "content": [{"type": "text", "text": "A long, stable system prompt.",
                                        "cache_control": EPHEMERAL}]},
        {"role": "user", "content": [{"type": "text", "text": "First question.", "cache_control": LONG_LIVED},
                                     {"type": "text", "text": "Second part."}]}]}
    sent = _call(http, upstream, "chat", "anthropic", body).json
    assert sent["system"] == [{"type": "text", "text": "A long, stable system prompt.", "cache_control": EPHEMERAL}]
    (user,) = sent["messages"]
    assert user["content"] == [{"type": "text", "text": "First question.", "cache_control": LONG_LIVED},
                               {"type": "text", "text": "Second part."}]


def test_anthropic_cache_markers_survive_a_translated_route(http: httpx2.Client, upstream: FakeUpstream) -> None:
    """An Anthropic request decoded and encoded again (structured output emulated on an Anthropic
    deployment) keeps cache_control on system, text, tool and tool_result blocks."""
    weather = {**tool_wire("anthropic", WEATHER), "cache_control": EPHEMERAL}
    body = {"model": "structured-tool/anthropic", "max_tokens": 512,
            "system": [{"type": "text", "text": "Stable instructions.", "cache_control": EPHEMERAL}],
            "tools": [weather],
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "Weather?", "cache_control": EPHEMERAL}]},
                {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_01A", "name": WEATHER.name,
                                                   "input": {"city": "Paris"}}]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01A", "content": "17C",
                                              "cache_control": EPHEMERAL}]}],
            **format_fields("anthropic")}
    sent = _call(http, upstream, "anthropic", "anthropic", body).json
    assert sent["system"] == body["system"]
    assert sent["tools"][0]["cache_control"] == EPHEMERAL, sent["tools"]
    assert sent["messages"][0]["content"][0]["cache_control"] == EPHEMERAL
    assert sent["messages"][2]["content"][0]["cache_control"] == EPHEMERAL


@pytest.mark.parametrize(("client", "upstream_dialect"), [("chat", "responses"), ("responses", "chat"),
                                                          ("anthropic", "chat")])
def test_prompt_cache_key_reaches_openai_upstreams(client: Dialect, upstream_dialect: Dialect, http: httpx2.Client,
                                                   upstream: FakeUpstream) -> None:
    if client == "anthropic":
        # Anthropic clients have no cache key; the OpenAI upstream gets none invented.
        sent = _call(http, upstream, client, upstream_dialect, request_body(client, f"{upstream_dialect}/text")).json
        assert "prompt_cache_key" not in sent
        return
    body = request_body(client, f"{upstream_dialect}/text", prompt_cache_key="session-01a207a8")
    assert _call(http, upstream, client, upstream_dialect, body).json["prompt_cache_key"] == "session-01a207a8"


# --- anthropic-beta ----------------------------------------------------------------------------------------

CLIENT_BETAS = [*BETA_ALLOWED, "files-api-2025-04-14"]


def _beta_of(call: ReceivedRequest) -> list[str]:
    return [flag.strip() for flag in (call.header("anthropic-beta") or "").split(",") if flag.strip()]


@pytest.mark.parametrize(("model", "expected"), [
    ("anthropic/text", CLIENT_BETAS),
    ("beta-allow/anthropic", [flag for flag in BETA_ALLOWED if flag not in BETA_DENIED]),
    ("beta-add/anthropic", [*CLIENT_BETAS, BETA_ADDED]),
])
def test_anthropic_beta_filtered_per_deployment(model: str, expected: list[str], http: httpx2.Client,
                                                upstream: FakeUpstream) -> None:
    call = _call(http, upstream, "anthropic", "anthropic", request_body("anthropic", model),
                 {"anthropic-beta": ",".join(CLIENT_BETAS)}, translated=False)
    assert _beta_of(call) == expected


@pytest.mark.parametrize("client", ["chat", "responses"])
def test_anthropic_beta_added_on_translated_routes(client: Dialect, http: httpx2.Client,
                                                   upstream: FakeUpstream) -> None:
    assert _beta_of(_call(http, upstream, client, "anthropic", request_body(client, "beta-add/anthropic"))) == [
        BETA_ADDED]
    assert _beta_of(_call(http, upstream, client, "anthropic", request_body(client, "anthropic/text"))) == []


def test_anthropic_client_betas_on_a_translated_anthropic_route(http: httpx2.Client, upstream: FakeUpstream) -> None:
    """An Anthropic request that is decoded and encoded again (structured output emulated) still carries
    the client's beta flags through the deployment's filter."""
    body = request_body("anthropic", "structured-tool/anthropic", **format_fields("anthropic"))
    call = _call(http, upstream, "anthropic", "anthropic", body, {"anthropic-beta": ",".join(CLIENT_BETAS)})
    assert _beta_of(call) == CLIENT_BETAS
