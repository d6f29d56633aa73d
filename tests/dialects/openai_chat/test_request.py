"""Chat request decoding (real client bodies, untranslated fields) and encoding for chat upstreams."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dragoman.canonical.content import ImagePart, Part, ReasoningPart, RefusalPart, TextPart, ToolCallPart
from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import Message, Request, Tool
from dragoman.dialects.openai_chat.codec import CODEC
from tests.recordings import fixture_path, load_json


def client_bodies(name: str, path: str = "/v1/chat/completions") -> list[dict[str, Any]]:
    lines = fixture_path(f"clients/{name}").read_text().splitlines()
    entries = [json.loads(line) for line in lines if line.strip()]
    return [json.loads(entry["body"]) for entry in entries if entry["path"] == path]


# --- decoding real bodies ---


def test_openai_python_sdk_requests() -> None:
    plain, streamed, with_usage, with_tools, _ = client_bodies("openai-python.requests.jsonl")
    request = CODEC.decode_request(plain)
    assert request.model == "gpt-4o-mini"
    assert request.messages == [Message("system", [TextPart("You are terse.")]), Message("user", [TextPart("say hi")])]
    assert (request.stream, request.include_usage, request.untranslated) == (False, False, [])

    assert CODEC.decode_request(streamed).stream is True
    assert CODEC.decode_request(streamed).include_usage is False
    assert CODEC.decode_request(with_usage).include_usage is True

    request = CODEC.decode_request(with_tools)
    assert (request.max_tokens, request.temperature) == (64, 0.2)
    assert request.untranslated == ["tool_choice", "tools"]


def test_aider_request() -> None:
    (body,) = client_bodies("aider.requests.jsonl")
    request = CODEC.decode_request(body)
    assert (request.model, request.stream, request.temperature) == ("test", True, 0.0)
    assert [m.role for m in request.messages] == ["system", "user", "assistant", "user", "assistant", "user",
                                                   "assistant", "user"]
    assert request.messages[2].content == [TextPart(body["messages"][2]["content"])]
    assert request.untranslated == []


def test_recorded_request_with_tool_history() -> None:
    request = CODEC.decode_request(load_json("openai/chat-nonstream-tool-call.request.json"))
    assert request.untranslated == ["messages[1].tool_calls", "messages[2]", "tool_choice", "tools"]
    assert [(m.role, m.content) for m in request.messages] == [
        ("user", [TextPart("What is the capital of France?")]),
        ("assistant", []),
        ("assistant", [TextPart("The capital of France is Paris.\n")]),
        ("user", [TextPart("What is the capital of England?")]),
    ]


def test_recorded_request_with_default_n() -> None:
    request = CODEC.decode_request(load_json("openai/chat-error-400.request.json"))
    assert (request.model, request.untranslated, request.stream) == ("o1-mini", [], False)
    assert request.messages[0] == Message("system", [TextPart("You are a helpful assistant.")])


def test_parts_names_refusals_and_positions() -> None:
    request = CODEC.decode_request({
        "messages": [
            {"role": "developer", "content": [{"type": "text", "text": "Be brief."}]},
            {"role": "user", "name": "ann", "content": [
                {"type": "text", "text": "Look:", "cache_control": {"type": "ephemeral"}},
                {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
                {"type": "input_audio", "input_audio": {"data": "AAA", "format": "wav"}},
                {"type": "file", "file": {"file_id": "file-1"}},
                {"type": "video_url", "video_url": {"url": "https://x/v.mp4"}},
            ]},
            {"role": "assistant", "content": [{"type": "text", "text": "Hm."}, {"type": "refusal", "refusal": "No."}]},
            {"role": "assistant", "content": None, "refusal": "Still no."},
            {"role": "system", "content": "Mid-conversation system note."},
            {"role": "assistant", "content": "ok", "reasoning_content": "because", "audio": {"id": "a1"}},
            {"role": "function", "name": "f", "content": "{}"},
            {"role": "user", "content": "go"},
        ],
    })
    assert request.model == ""
    assert request.messages == [
        Message("developer", [TextPart("Be brief.")]),
        Message("user", [TextPart("Look:", {"type": "ephemeral"})], name="ann"),
        Message("assistant", [TextPart("Hm."), RefusalPart("No.")]),
        Message("assistant", [RefusalPart("Still no.")]),
        Message("system", [TextPart("Mid-conversation system note.")]),
        Message("assistant", [TextPart("ok")]),
        Message("user", [TextPart("go")]),
    ]
    assert request.untranslated == [
        "messages[1].content[1]", "messages[1].content[2]", "messages[1].content[3]", "messages[1].content[4]",
        "messages[5].audio", "messages[5].reasoning_content", "messages[6]",
    ]


def test_parameters() -> None:
    request = CODEC.decode_request({
        "model": "m", "messages": [{"role": "user", "content": "x"}], "stream": True,
        "stream_options": {"include_usage": True, "include_obfuscation": False},
        "max_tokens": 50, "max_completion_tokens": 70, "temperature": 1, "top_p": 0.5, "stop": "END",
        "user": "u-1", "safety_identifier": "s-1", "metadata": {"k": "v"}, "parallel_tool_calls": False,
        "store": False, "service_tier": "auto", "prompt_cache_key": "pk", "prompt_cache_retention": "24h",
        "n": 1, "logprobs": False, "modalities": ["text"], "response_format": {"type": "text"},
        "tool_choice": "none", "tools": None, "seed": None,
    })
    assert request == Request(
        model="m", messages=[Message("user", [TextPart("x")])], stream=True, max_tokens=70, temperature=1.0,
        top_p=0.5, stop=["END"], user="u-1", metadata={"k": "v"}, include_usage=True, parallel_tool_calls=False,
    )


def test_legacy_max_tokens_and_safety_identifier_alone() -> None:
    request = CODEC.decode_request({"messages": [{"role": "user", "content": "x"}], "max_tokens": 9,
                                    "safety_identifier": "s-1", "stop": ["a", "b"]})
    assert (request.max_tokens, request.user, request.stop) == (9, "s-1", ["a", "b"])


def test_fields_that_change_the_answer_are_untranslated() -> None:
    fields = {
        "tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": "required",
        "functions": [{"name": "f"}], "function_call": "auto", "response_format": {"type": "json_object"},
        "n": 2, "audio": {"voice": "alloy", "format": "wav"}, "modalities": ["text", "audio"], "logprobs": True,
        "top_logprobs": 2, "reasoning_effort": "high", "verbosity": "low", "frequency_penalty": 0.5,
        "presence_penalty": 0.1, "logit_bias": {"50256": -100}, "seed": 7,
        "prediction": {"type": "content", "content": "x"}, "web_search_options": {}, "moderation": {},
        "top_k": 40, "repetition_penalty": 1.1,
    }
    request = CODEC.decode_request({"messages": [{"role": "user", "content": "x"}], **fields})
    assert request.untranslated == list(fields)


# --- validation: one test per rule, the parameter named ---

USER = {"role": "user", "content": "hi"}


@pytest.mark.parametrize(
    ("body", "param", "message"),
    [
        ({}, "messages", "'messages' is required"),
        ({"messages": {"role": "user"}}, "messages", "'messages' must be an array"),
        ({"messages": []}, "messages", "'messages' must not be empty"),
        ({"messages": [{"role": "system", "content": "x"}]}, "messages", "at least one message with role 'user'"),
        ({"messages": [{"role": "tool", "content": "x", "tool_call_id": "c"}]}, "messages", "role 'user'"),
        ({"messages": [USER], "temperature": 2.5}, "temperature", "between 0 and 2, got 2.5"),
        ({"messages": [USER], "temperature": -0.1}, "temperature", "between 0 and 2"),
        ({"messages": [USER], "temperature": "hot"}, "temperature", "must be a number"),
        ({"messages": [USER], "top_p": 1.5}, "top_p", "between 0 and 1"),
        ({"messages": [USER], "max_tokens": 0}, "max_tokens", "positive integer, got 0"),
        ({"messages": [USER], "max_tokens": 1.5}, "max_tokens", "positive integer"),
        ({"messages": [USER], "max_tokens": True}, "max_tokens", "positive integer"),
        ({"messages": [USER], "max_completion_tokens": -3}, "max_completion_tokens", "positive integer"),
        ({"messages": [USER], "max_completion_tokens": "64"}, "max_completion_tokens", "positive integer"),
        ({"messages": [USER], "stop": ["a", "b", "c", "d", "e"]}, "stop", "at most 4 sequences, got 5"),
        ({"messages": [USER], "stop": 5}, "stop", "a string or an array of strings"),
        ({"messages": [USER], "stop": ["a", 1]}, "stop", "a string or an array of strings"),
        ({"messages": [USER], "model": 5}, "model", "'model' must be a string"),
        ({"messages": [USER], "stream": "yes"}, "stream", "'stream' must be a boolean"),
        ({"messages": [USER], "user": 42}, "user", "'user' must be a string"),
        ({"messages": [USER], "safety_identifier": 42}, "safety_identifier", "must be a string"),
        ({"messages": [USER], "metadata": ["k"]}, "metadata", "'metadata' must be an object"),
        ({"messages": [USER], "stream_options": True}, "stream_options", "'stream_options' must be an object"),
        ({"messages": [USER], "stream_options": {"include_usage": "yes"}}, "stream_options.include_usage",
         "must be a boolean"),
        ({"messages": [USER], "parallel_tool_calls": "no"}, "parallel_tool_calls", "must be a boolean"),
        ({"messages": ["hi"]}, "messages[0]", "'messages[0]' must be an object"),
        ({"messages": [{"content": "hi"}]}, "messages[0].role", "'messages[0].role' is required"),
        ({"messages": [{"role": "robot", "content": "hi"}]}, "messages[0].role",
         "must be one of system, developer, user, assistant, tool, got 'robot'"),
        ({"messages": [{"role": 1, "content": "hi"}]}, "messages[0].role", "must be one of"),
        ({"messages": [USER, {"role": "user"}]}, "messages[1].content", "'messages[1].content' is required"),
        ({"messages": [{"role": "user", "content": 5}]}, "messages[0].content",
         "must be a string or an array of content parts"),
        ({"messages": [{"role": "system", "content": {"text": "x"}}, USER]}, "messages[0].content",
         "must be a string or an array"),
        ({"messages": [{"role": "user", "content": ["hi"]}]}, "messages[0].content[0]", "must be an object"),
        ({"messages": [{"role": "user", "content": [{"text": "hi"}]}]}, "messages[0].content[0].type",
         "is required and must be a string"),
        ({"messages": [{"role": "user", "content": [{"type": "text", "text": 5}]}]},
         "messages[0].content[0].text", "must be a string"),
        ({"messages": [{"role": "user", "content": [{"type": "refusal", "refusal": "no"}]}]},
         "messages[0].content[0].type", "refusal parts are allowed only in assistant messages"),
        ({"messages": [USER, {"role": "assistant", "content": [{"type": "refusal", "refusal": None}]}]},
         "messages[1].content[0].refusal", "must be a string"),
        ({"messages": [USER, {"role": "assistant", "content": "x", "refusal": 1}]}, "messages[1].refusal",
         "must be a string"),
        ({"messages": [{"role": "user", "content": "x", "name": 7}]}, "messages[0].name", "must be a string"),
    ],
)
def test_invalid_requests_name_the_field(body: dict[str, Any], param: str, message: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        CODEC.decode_request(body)
    assert caught.value.param == param
    assert caught.value.status == 400
    assert message in caught.value.message


# --- encoding for a chat upstream ---


def test_encode_request_rules() -> None:
    request = Request(
        model="alias",
        messages=[
            Message("developer", [TextPart("Be brief.", {"type": "ephemeral"})]),
            Message("user", [TextPart("a"), TextPart("b")], name="ann"),
            Message("assistant", [ReasoningPart(text="hmm", signature="sig"), TextPart("Sure.")]),
            Message("assistant", [TextPart("Well"), RefusalPart("No.")]),
            Message("assistant", [RefusalPart("A"), TextPart("B")]),
            Message("assistant", []),
            Message("system", [TextPart("late note")]),
            Message("user", [TextPart("go")]),
        ],
        stream=True, max_tokens=100, temperature=0.3, top_p=0.9, stop=["\n\n"], user="u-1",
        metadata={"trace": "t"}, include_usage=False, parallel_tool_calls=True,
    )
    assert CODEC.encode_request(request, "upstream-model") == {
        "model": "upstream-model",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}],
             "name": "ann"},
            {"role": "assistant", "content": "Sure."},
            {"role": "assistant", "content": "Well", "refusal": "No."},
            {"role": "assistant", "content": [{"type": "refusal", "refusal": "A"}, {"type": "text", "text": "B"}]},
            {"role": "assistant", "content": None},
            {"role": "system", "content": "late note"},
            {"role": "user", "content": "go"},
        ],
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_tokens": 100,
        "temperature": 0.3,
        "top_p": 0.9,
        "stop": ["\n\n"],
        "user": "u-1",
    }


def test_encode_minimal_request_sets_nothing_extra() -> None:
    request = Request(model="", messages=[Message("user", [TextPart("hi")])])
    assert CODEC.encode_request(request, "m") == {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


@pytest.mark.parametrize(
    ("request_", "param"),
    [
        (Request("m", [Message("user", [TextPart("x")])], tools=[Tool("f")]), "tools"),
        (Request("m", [Message("user", [TextPart("x"), ImagePart(url="https://x/y.png")])]), "messages[0].content[1]"),
        (Request("m", [Message("user", [TextPart("x")]), Message("assistant", [ToolCallPart("c", "f", "{}")])]),
         "messages[1].content[0]"),
        (Request("m", [Message("user", [TextPart("x")]), Message("tool", [])]), "messages[1]"),
        (Request("m", [Message("user", [RefusalPart("x")])]), "messages[0].content[0]"),
    ],
)
def test_encode_refuses_what_is_not_translated_yet(request_: Request, param: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        CODEC.encode_request(request_, "m")
    assert caught.value.param == param
    assert "OpenAI Chat Completions upstream" in caught.value.message


# --- round trip: every field chat carries survives encode -> JSON -> decode ---

texts = st.text(max_size=20)
names = st.none() | st.text(min_size=1, max_size=8)


@st.composite
def messages(draw: st.DrawFn) -> Message:
    role = draw(st.sampled_from(["system", "developer", "user", "assistant"]))
    if role != "assistant":
        parts: list[Part] = [TextPart(t) for t in draw(st.lists(texts, min_size=1, max_size=3))]
        return Message(role, parts, draw(names))
    parts = [TextPart(t) for t in draw(st.lists(texts, max_size=3))]
    if draw(st.booleans()):
        parts.append(RefusalPart(draw(st.text(min_size=1, max_size=20))))
        if draw(st.booleans()):
            parts.append(TextPart(draw(texts)))
    return Message("assistant", parts, draw(names))


@st.composite
def requests(draw: st.DrawFn) -> Request:
    history = draw(st.lists(messages(), max_size=5))
    history.insert(draw(st.integers(0, len(history))), Message("user", [TextPart(draw(texts))]))
    return Request(
        model=draw(st.text(max_size=10)),
        messages=history,
        stream=draw(st.booleans()),
        max_tokens=draw(st.none() | st.integers(1, 1_000_000)),
        temperature=draw(st.none() | st.floats(0, 2)),
        top_p=draw(st.none() | st.floats(0, 1)),
        stop=draw(st.lists(st.text(min_size=1, max_size=5), max_size=4)),
        user=draw(st.none() | st.text(max_size=10)),
    )


@settings(max_examples=150, deadline=None)
@given(requests())
def test_decode_of_encode_preserves_every_carried_field(request: Request) -> None:
    wire = orjson.loads(orjson.dumps(CODEC.encode_request(request, request.model)))
    decoded = CODEC.decode_request(wire)
    expected_messages = [
        Message("system" if m.role == "developer" else m.role, m.content, m.name) for m in request.messages
    ]
    assert decoded.messages == expected_messages
    assert (decoded.model, decoded.stream, decoded.max_tokens, decoded.temperature, decoded.top_p, decoded.stop,
            decoded.user) == (request.model, request.stream, request.max_tokens, request.temperature,
                              request.top_p, request.stop, request.user)
    assert decoded.include_usage is request.stream
    assert decoded.untranslated == []
