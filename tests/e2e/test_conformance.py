"""Raw bytes of every pair and mode: every body and stream event the gateway emits validates against the
official schemas, each stream follows its dialect's grammar, and the content still matches the upstream."""

from __future__ import annotations

import httpx2
import pytest

from tests.e2e.conformance import check_body, check_stream, relayed_payloads
from tests.e2e.matrix import VARIANT_CASES, only_call
from tests.e2e.outcome import STOPS, client_usage, expected_usage, of_answer, of_events, of_json
from tests.e2e.wire import post, request_body
from tests.upstream import Body, Dialect, FakeUpstream


@pytest.mark.parametrize(("client", "upstream_dialect", "scenario", "stream"), VARIANT_CASES)
def test_raw_answer_conforms(client: Dialect, upstream_dialect: Dialect, scenario: str, stream: bool,
                             http: httpx2.Client, upstream: FakeUpstream) -> None:
    extra = {"stream_options": {"include_usage": True}} if client == "chat" and stream else {}
    mark = upstream.mark()
    answer = post(http, client, request_body(client, f"{upstream_dialect}/{scenario}", stream=stream, **extra))
    call = only_call(upstream, mark, upstream_dialect)
    same = client == upstream_dialect
    if stream:
        outcome = of_events(client, check_stream(client, answer, relayed_payloads(call.answer) if same else None))
    else:
        assert answer.status == 200, answer.content[:500]
        relayed = call.answer.json() if same and isinstance(call.answer, Body) else None
        outcome = of_json(client, check_body(client, answer, relayed))
    served = of_answer(upstream_dialect, call.answer)
    assert outcome.text == served.text
    assert outcome.stop == STOPS[scenario][client]
    assert outcome.usage is not None and served.usage is not None
    assert client_usage(client, outcome.usage) == expected_usage(client, served.usage)
    assert not outcome.errors


@pytest.mark.parametrize("upstream_dialect", ["chat", "responses", "anthropic"])
@pytest.mark.parametrize("include_usage", [True, False], ids=["usage-asked", "usage-not-asked"])
def test_chat_usage_chunk_only_when_asked(upstream_dialect: Dialect, include_usage: bool, http: httpx2.Client,
                                          upstream: FakeUpstream) -> None:
    extra = {"stream_options": {"include_usage": True}} if include_usage else {}
    mark = upstream.mark()
    answer = post(http, "chat", request_body("chat", f"{upstream_dialect}/text", stream=True, **extra))
    call = only_call(upstream, mark, upstream_dialect)
    events = check_stream("chat", answer, relayed_payloads(call.answer) if upstream_dialect == "chat" else None)
    chunks = [event.json for event in events[:-1]]
    with_usage = [chunk for chunk in chunks if chunk.get("usage") is not None]
    if include_usage:
        assert len(with_usage) == 1, f"one usage chunk, got {len(with_usage)}"
        assert with_usage[0] is chunks[-1], "the usage chunk is the last one before [DONE]"
        assert with_usage[0]["choices"] == []
    else:
        assert with_usage == [], f"usage leaked to a client that did not ask: {with_usage}"
    if upstream_dialect == "chat":
        # dragoman always asks an OpenAI upstream for usage, whatever the client asked.
        assert call.json.get("stream_options", {}).get("include_usage") is True, call.json
    assert of_events("chat", events).text == of_answer(upstream_dialect, call.answer).text
