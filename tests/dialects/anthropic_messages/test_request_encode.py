"""Requests to an Anthropic upstream: the named rules, spec validity, and decode(encode(x)) keeping every
field this dialect carries (Hypothesis)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dragoman.canonical.content import (
    DocumentPart,
    ImagePart,
    ReasoningPart,
    RefusalPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import Message, Request, Role, Tool
from dragoman.dialects.anthropic_messages import codec
from dragoman.dialects.anthropic_messages.codec import CODEC, DEFAULT_MAX_TOKENS
from tests.recordings import fixture_path
from tests.schemas import assert_valid

CREATE_MESSAGE = ("anthropic", "CreateMessageParams")


def encode(request: Request, model: str = "claude-up") -> dict[str, Any]:
    body = CODEC.encode_request(request, model)
    assert_valid(*CREATE_MESSAGE, json.loads(json.dumps(body)))
    return body


def text(role: Role, *texts: str) -> Message:
    return Message(role, [TextPart(value) for value in texts])


def test_upstream_surface() -> None:
    assert CODEC.name == "anthropic_messages" and CODEC.upstream_path == "/v1/messages"
    assert CODEC.upstream_headers("sk-ant") == {"x-api-key": "sk-ant", "anthropic-version": "2023-06-01",
                                                "content-type": "application/json"}
    assert CODEC.upstream_headers(None) == {"anthropic-version": "2023-06-01", "content-type": "application/json"}


def test_system_and_developer_messages_are_hoisted_in_order() -> None:
    request = Request(model="gpt", messages=[
        text("system", "one"), text("user", "hi"), text("developer", "two"), text("assistant", "hello"),
        Message("system", [TextPart("three", {"type": "ephemeral"})]), text("user", "bye"),
    ])
    body = encode(request)
    assert body["system"] == [{"type": "text", "text": "one"}, {"type": "text", "text": "two"},
                              {"type": "text", "text": "three", "cache_control": {"type": "ephemeral"}}]
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "hi"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "hello"}]},
        {"role": "user", "content": [{"type": "text", "text": "bye"}]},
    ]


def test_same_role_messages_are_merged_and_empty_text_left_out() -> None:
    request = Request(model="gpt", messages=[
        text("user", "a"), text("user", "b", ""), text("assistant", ""), text("user", "c"),
        text("assistant", "x"), Message("assistant", [RefusalPart("no")]),
    ])
    assert encode(request)["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"},
                                     {"type": "text", "text": "c"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "x"}, {"type": "text", "text": "no"}]},
    ]


def test_assistant_first_is_left_as_it_is() -> None:
    body = encode(Request(model="gpt", messages=[text("assistant", "earlier"), text("user", "now")]))
    assert [message["role"] for message in body["messages"]] == ["assistant", "user"]


def test_parameters() -> None:
    request = Request(model="gpt", messages=[text("user", "hi")], stream=True, max_tokens=300, temperature=1.7,
                      top_p=0.5, stop=["###"], user="u-9", metadata={"team": "a"}, include_usage=True,
                      parallel_tool_calls=False)
    body = encode(request, "claude-sonnet-4-5")
    assert body == {
        "model": "claude-sonnet-4-5", "max_tokens": 300,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        "temperature": 1.0, "top_p": 0.5, "stop_sequences": ["###"], "metadata": {"user_id": "u-9"}, "stream": True,
    }


def test_default_max_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    request = Request(model="gpt", messages=[text("user", "hi")])
    assert DEFAULT_MAX_TOKENS == 8192
    assert encode(request)["max_tokens"] == 8192
    monkeypatch.setattr(codec, "DEFAULT_MAX_TOKENS", 1024)
    assert encode(request)["max_tokens"] == 1024
    request.max_tokens = 77  # what the server does for a deployment with its own default
    assert encode(request)["max_tokens"] == 77


def test_reasoning_in_history() -> None:
    request = Request(model="m", messages=[text("user", "q"), Message("assistant", [
        ReasoningPart(text="signed", signature="sig", origin="anthropic_messages"),
        ReasoningPart(redacted_data="opaque"),
        ReasoningPart(text="unsigned from chat"),
        ReasoningPart(summary=["s"], encrypted="gAAA", origin="openai_responses"),
        ReasoningPart(text="foreign", signature="other", origin="gemini"),
        TextPart("answer"),
    ]), text("user", "more")])
    assert encode(request)["messages"][1]["content"] == [
        {"type": "thinking", "thinking": "signed", "signature": "sig"},
        {"type": "redacted_thinking", "data": "opaque"},
        {"type": "text", "text": "answer"},
    ]


@pytest.mark.parametrize(
    ("message", "param"),
    [
        (Message("user", [TextPart("a"), ImagePart(url="https://x/a.png")]), "messages[0].content[1]"),
        (Message("user", [DocumentPart(text="doc")]), "messages[0].content[0]"),
        (Message("assistant", [ToolCallPart("c1", "f", "{}")]), "messages[0].content[0]"),
        (Message("user", [ToolResultPart("c1")]), "messages[0].content[0]"),
        (Message("tool", [ToolResultPart("c1")]), "messages[0]"),
        (Message("system", [ImagePart(url="https://x/a.png")]), "messages[0].content[0]"),
    ],
)
def test_untranslated_parts_are_refused(message: Message, param: str) -> None:
    with pytest.raises(InvalidRequest) as raised:
        CODEC.encode_request(Request(model="m", messages=[message, text("user", "x")]), "claude")
    assert raised.value.param == param and "not translated" in raised.value.message


def test_tools_are_refused_and_tool_choice_without_tools_ignored() -> None:
    with pytest.raises(InvalidRequest) as raised:
        CODEC.encode_request(Request(model="m", messages=[text("user", "x")], tools=[Tool("f")]), "claude")
    assert raised.value.param == "tools"


def test_text_only_sdk_requests_survive_decode_then_encode() -> None:
    for line in fixture_path("clients/anthropic-python.requests.jsonl").read_text().splitlines():
        record = json.loads(line)
        if record["path"] != "/v1/messages":
            continue
        original = json.loads(record["body"])
        request = CODEC.decode_request(original)
        if request.untranslated:
            continue
        body = encode(request, original["model"])
        expected = {**original, "messages": [{"role": "user", "content": [{"type": "text", "text": "say hi"}]}]}
        if "system" in original:
            expected["system"] = [{"type": "text", "text": original["system"]}]
        assert body == expected


# --- Hypothesis: decode(encode(x)) keeps everything the dialect carries ---

texts = st.text(min_size=1, max_size=20)
cache = st.none() | st.just({"type": "ephemeral"})
parts = st.lists(st.builds(TextPart, texts, cache), min_size=1, max_size=3)
messages = st.lists(st.builds(Message, st.sampled_from(["system", "developer", "user", "assistant"]), parts),
                    min_size=0, max_size=6)
requests = st.builds(
    Request,
    model=st.just("gpt-x"),
    messages=st.tuples(messages, st.builds(Message, st.just("user"), parts), messages).map(
        lambda groups: [*groups[0], groups[1], *groups[2]]),
    stream=st.booleans(),
    max_tokens=st.none() | st.integers(1, 200_000),
    temperature=st.none() | st.floats(0, 1),
    top_p=st.none() | st.floats(0, 1),
    stop=st.lists(texts, max_size=4),
    user=st.none() | texts,
)


def expected_messages(request: Request) -> list[Message]:
    system = [part for message in request.messages if message.role in ("system", "developer")
              for part in message.content]
    merged: list[Message] = [Message("system", list(system))] if system else []
    for message in request.messages:
        if message.role in ("system", "developer"):
            continue
        if len(merged) > (1 if system else 0) and merged[-1].role == message.role:
            merged[-1].content.extend(message.content)
        else:
            merged.append(Message(message.role, list(message.content)))
    return merged


@settings(max_examples=150, deadline=None)
@given(requests)
def test_decode_of_encode_keeps_every_carried_field(request: Request) -> None:
    decoded = CODEC.decode_request(CODEC.encode_request(request, "claude-up"))
    assert decoded.model == "claude-up"
    assert decoded.messages == expected_messages(request)
    assert decoded.max_tokens == (request.max_tokens or DEFAULT_MAX_TOKENS)
    assert (decoded.temperature, decoded.top_p, decoded.stop, decoded.user, decoded.stream) == (
        request.temperature, request.top_p, request.stop, request.user, request.stream)
    assert decoded.untranslated == []
