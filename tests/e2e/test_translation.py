"""What each upstream received is the correct translation of what each client sent."""

from __future__ import annotations

import httpx2
import pytest

from tests.e2e.conformance import check_error_body
from tests.e2e.matrix import PAIRS, only_call
from tests.e2e.translation import (
    MAX_TOKENS,
    STOP,
    SYSTEM,
    TEMPERATURE,
    TOP_P,
    TURNS,
    USER,
    conversation,
    max_tokens_of,
    rich_request,
    stop_of,
    text_of,
    user_of,
)
from tests.e2e.wire import post, request_body
from tests.upstream import DIALECTS, Dialect, FakeUpstream

MODES = [pytest.param(False, id="json"), pytest.param(True, id="stream")]


@pytest.mark.parametrize("stream", MODES)
@pytest.mark.parametrize(("client", "upstream_dialect"), PAIRS, ids=[f"{c}-via-{u}" for c, u in PAIRS])
def test_rich_request_translated(client: Dialect, upstream_dialect: Dialect, stream: bool, http: httpx2.Client,
                                 upstream: FakeUpstream) -> None:
    with_stop = upstream_dialect != "responses"
    mark = upstream.mark()
    answer = post(http, client, rich_request(client, f"{upstream_dialect}/text", stop=with_stop, stream=stream))
    assert answer.status == 200, answer.content[:500]
    sent = only_call(upstream, mark, upstream_dialect).json
    assert sent["model"] == "text"
    system, turns = conversation(upstream_dialect, sent)
    assert system == [SYSTEM], f"system prompt placement: {sent}"
    assert turns == TURNS
    if upstream_dialect == "anthropic":
        assert all(message["role"] in ("user", "assistant") for message in sent["messages"])
    assert max_tokens_of(upstream_dialect, sent) == MAX_TOKENS
    assert sent.get("temperature") == TEMPERATURE
    assert sent.get("top_p") == TOP_P
    if with_stop and client != "responses":
        assert stop_of(upstream_dialect, sent) == STOP
    assert user_of(upstream_dialect, sent) == USER
    assert (sent.get("stream") is True) is stream
    if upstream_dialect == "chat" and stream:
        assert sent.get("stream_options", {}).get("include_usage") is True


@pytest.mark.parametrize("client", ["chat", "anthropic"])
def test_stop_sequences_to_responses_upstream_refused(client: Dialect, http: httpx2.Client,
                                                      upstream: FakeUpstream) -> None:
    """Responses has no stop sequences: refused with a 400 naming the field, never dropped silently."""
    mark = upstream.mark()
    answer = post(http, client, rich_request(client, "responses/text"))
    assert answer.status == 400, answer.content[:500]
    body = answer.json()
    check_error_body(client, body)
    field = "stop" if client == "chat" else "stop_sequences"
    if client == "chat":
        assert body["error"]["param"] == field
    assert field in body["error"]["message"]
    assert upstream.since(mark) == []


@pytest.mark.parametrize("upstream_dialect", DIALECTS)
def test_responses_string_input_and_metadata(upstream_dialect: Dialect, http: httpx2.Client,
                                             upstream: FakeUpstream) -> None:
    mark = upstream.mark()
    answer = post(http, "responses", {"model": f"{upstream_dialect}/text", "input": "Hello",
                                      "metadata": {"ticket": "T-1"}})
    assert answer.status == 200, answer.content[:500]
    sent = only_call(upstream, mark, upstream_dialect).json
    assert conversation(upstream_dialect, sent) == ([], [("user", "Hello")])
    if upstream_dialect == "responses":
        assert sent["metadata"] == {"ticket": "T-1"}


@pytest.mark.parametrize("upstream_dialect", DIALECTS)
def test_anthropic_system_blocks_and_mid_conversation_system(upstream_dialect: Dialect, http: httpx2.Client,
                                                             upstream: FakeUpstream) -> None:
    """Top-level ``system`` as blocks (with cache_control), and a ``role: system`` message inside ``messages``
    as Claude Code sends it: both reach every upstream as system text, in order, none dropped."""
    body = {"model": f"{upstream_dialect}/text", "max_tokens": 100,
            "system": [{"type": "text", "text": "Part one. "},
                       {"type": "text", "text": "Part two.", "cache_control": {"type": "ephemeral"}}],
            "messages": [{"role": "user", "content": "Hello"},
                         {"role": "system", "content": "Mind the rules."},
                         {"role": "user", "content": [{"type": "text", "text": "Go on."}]}]}
    mark = upstream.mark()
    answer = post(http, "anthropic", body)
    assert answer.status == 200, answer.content[:500]
    sent = only_call(upstream, mark, upstream_dialect).json
    if upstream_dialect == "anthropic":
        assert sent == {**body, "model": "text"}
        return
    system, turns = conversation(upstream_dialect, sent)
    assert "".join("".join(system).split()).startswith("Partone.Parttwo."), system
    assert "Mind the rules." in system
    assert [text for role, text in turns if role == "user"] == ["Hello", "Go on."]
    items = sent["messages"] if upstream_dialect == "chat" else sent["input"]
    position = [text_of(item["content"]) for item in items].index("Mind the rules.")
    assert text_of(items[position - 1]["content"]) == "Hello", "the system message keeps its place"


@pytest.mark.parametrize("upstream_dialect", DIALECTS)
def test_responses_developer_message(upstream_dialect: Dialect, http: httpx2.Client,
                                     upstream: FakeUpstream) -> None:
    body = {"model": f"{upstream_dialect}/text",
            "input": [{"role": "developer", "content": [{"type": "input_text", "text": "Answer in French."}]},
                      {"role": "user", "content": [{"type": "input_text", "text": "Hello"}]}]}
    mark = upstream.mark()
    answer = post(http, "responses", body)
    assert answer.status == 200, answer.content[:500]
    sent = only_call(upstream, mark, upstream_dialect).json
    assert conversation(upstream_dialect, sent) == (["Answer in French."], [("user", "Hello")])


@pytest.mark.parametrize("client", ["chat", "responses"])
def test_anthropic_upstream_gets_max_tokens_when_client_omits_it(client: Dialect, http: httpx2.Client,
                                                                 upstream: FakeUpstream) -> None:
    """Anthropic requires max_tokens: the deployment's configured value, else a documented default that is
    no small cap."""
    sent = {}
    for model in ("anthropic/text", "capped/text"):
        mark = upstream.mark()
        answer = post(http, client, request_body(client, model))
        assert answer.status == 200, answer.content[:500]
        sent[model] = only_call(upstream, mark, "anthropic").json.get("max_tokens")
    assert isinstance(sent["anthropic/text"], int) and sent["anthropic/text"] >= 4096, sent
    assert sent["capped/text"] == 1234, sent


def test_chat_metadata_reaches_a_responses_upstream(http: httpx2.Client, upstream: FakeUpstream) -> None:
    mark = upstream.mark()
    answer = post(http, "chat", request_body("chat", "responses/text", metadata={"ticket": "T-1"}))
    assert answer.status == 200, answer.content[:500]
    assert only_call(upstream, mark, "responses").json["metadata"] == {"ticket": "T-1"}


def test_chat_legacy_max_tokens_field(http: httpx2.Client, upstream: FakeUpstream) -> None:
    mark = upstream.mark()
    answer = post(http, "chat", request_body("chat", "anthropic/text", max_tokens=55))
    assert answer.status == 200, answer.content[:500]
    assert only_call(upstream, mark, "anthropic").json["max_tokens"] == 55
