"""Responses requests: real client bodies decoded, every validation rule, encoding to an upstream."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dragoman.canonical.content import ImagePart, ReasoningPart, RefusalPart, TextPart, ToolCallPart
from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import Message, Request, Tool, ToolChoice
from dragoman.dialects.openai_responses.codec import CODEC
from tests.dialects.openai_responses.helpers import fixture
from tests.recordings import load_json
from tests.schemas import assert_valid


def client_bodies(name: str) -> list[dict[str, Any]]:
    lines = fixture(f"clients/{name}").read_text().splitlines()
    entries = [json.loads(line) for line in lines if line.strip()]
    return [json.loads(entry["body"]) for entry in entries
            if entry["method"] == "POST" and entry["path"] == "/v1/responses"]


def texts(message: Message) -> list[str]:
    return [part.text for part in message.content if isinstance(part, TextPart)]


# --- real request bodies ---

def test_openai_python_requests() -> None:
    plain, streamed, listed = (CODEC.decode_request(body) for body in client_bodies("openai-python.requests.jsonl"))
    assert [(m.role, texts(m)) for m in plain.messages] == [("system", ["You are terse."]), ("user", ["say hi"])]
    assert (plain.model, plain.stream, plain.untranslated) == ("gpt-4.1-mini", False, [])
    assert [(m.role, texts(m)) for m in streamed.messages] == [("user", ["say hi"])]
    assert streamed.stream and streamed.include_usage
    assert [(m.role, texts(m)) for m in listed.messages] == [("user", ["say hi"])]


def test_codex_requests_list_what_is_not_translated() -> None:
    for body in client_bodies("codex.requests.jsonl"):
        request = CODEC.decode_request(body)
        expected = [f"input[{index}]" for index, item in enumerate(body["input"]) if item.get("type") != "message"]
        expected += [key for key in ("tools", "reasoning") if body.get(key)]
        assert request.untranslated == expected
        assert request.model == body["model"] and request.stream
        assert request.parallel_tool_calls is body["parallel_tool_calls"]
        messages = [item for item in body["input"] if item.get("type") == "message"]
        assert [m.role for m in request.messages] == [item["role"] for item in messages]
        assert [texts(m) for m in request.messages] == [[p["text"] for p in item["content"]] for item in messages]


def test_codex_tool_followup_marks_reasoning_and_tool_items() -> None:
    followup = load_json("clients/codex.example-tool-followup.json")
    body = {**followup["other_fields"], "input": followup["input_tail"]}
    request = CODEC.decode_request(body)
    assert request.untranslated == ["input[1]", "input[2]", "input[3]", "reasoning"]
    assert [(m.role, texts(m)) for m in request.messages] == [("user", ["run echo hi-from-tool"])]


@pytest.mark.parametrize(("name", "untranslated", "system"), [
    ("responses-stream-function-call", ["tools"], []),
    ("responses-stream-text", ["input[1]", "input[2]", "tools"], []),
    ("responses-nonstream-function-call", ["tools"], []),
    ("responses-nonstream-parallel-function-calls", ["tools"], []),
    ("responses-nonstream-reasoning", ["reasoning"], []),
    ("responses-stream-reasoning-function-call", ["tool_choice", "reasoning", "tools"], []),
    ("responses-stream-reasoning-text-function-call", ["tools"],
     ["Briefly narrate what you are about to do before calling each tool."]),
])
def test_recorded_request_bodies(name: str, untranslated: list[str], system: list[str]) -> None:
    body = load_json(f"openai/{name}.request.json")
    request = CODEC.decode_request(body)
    assert request.untranslated == untranslated
    assert [texts(m)[0] for m in request.messages if m.role == "system"] == system
    assert texts(next(m for m in request.messages if m.role == "user")) == [body["input"][0]["content"]]
    assert request.model == body["model"] and request.stream is body.get("stream", False)


def test_recorded_bad_temperature_is_refused_like_openai_does() -> None:
    with pytest.raises(InvalidRequest) as caught:
        CODEC.decode_request(load_json("openai/responses-error-400.request.json"))
    assert caught.value.param == load_json("openai/responses-error-400.json")["error"]["param"] == "temperature"


# --- decoding details ---

def test_every_translated_field() -> None:
    request = CODEC.decode_request({
        "model": "m", "instructions": "Be brief.", "max_output_tokens": 100, "temperature": 0.3, "top_p": 0.8,
        "safety_identifier": "hashed", "metadata": {"k": "v"}, "stream": True, "parallel_tool_calls": False,
        "input": [
            {"role": "developer", "content": "dev"},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "q"}]},
            {"role": "assistant", "content": [{"type": "output_text", "text": "a", "annotations": []},
                                              {"type": "refusal", "refusal": "no"}], "id": "msg_1",
             "status": "completed", "phase": "final_answer"},
            {"role": "system", "content": [{"type": "input_text", "text": "late system"}]},
        ],
        "store": True, "service_tier": "flex", "truncation": "auto", "prompt_cache_key": "k",
        "stream_options": {"include_obfuscation": False}, "text": {"format": {"type": "text"}, "verbosity": "low"},
        "include": ["reasoning.encrypted_content"], "tool_choice": "none", "tools": [], "reasoning": None,
        "previous_response_id": None, "background": False, "top_logprobs": 0,
    })
    assert request == Request(
        model="m", stream=True, max_tokens=100, temperature=0.3, top_p=0.8, user="hashed", metadata={"k": "v"},
        include_usage=True, parallel_tool_calls=False,
        messages=[
            Message("system", [TextPart("Be brief.")]),
            Message("developer", [TextPart("dev")]),
            Message("user", [TextPart("q")]),
            Message("assistant", [TextPart("a"), RefusalPart("no")]),
            Message("system", [TextPart("late system")]),
        ],
    )


def test_user_wins_over_safety_identifier_and_model_may_be_absent() -> None:
    request = CODEC.decode_request({"input": "hi", "user": "u", "safety_identifier": "s", "instructions": ""})
    assert (request.model, request.user, len(request.messages)) == ("", "u", 1)


@pytest.mark.parametrize(("extra", "untranslated"), [
    ({"tool_choice": "required"}, ["tool_choice"]),
    ({"tool_choice": "none", "tools": [{"type": "web_search"}]}, ["tool_choice", "tools"]),
    ({"text": {"format": {"type": "json_object"}}}, ["text.format"]),
    ({"text": {"format": {"type": "text"}, "future": 1}}, ["text.future"]),
    ({"include": ["message.output_text.logprobs", "reasoning.encrypted_content"]}, ["include[0]"]),
    ({"previous_response_id": "resp_1", "conversation": "conv_1", "prompt": {"id": "p"}},
     ["previous_response_id", "conversation", "prompt"]),
    ({"background": True, "top_logprobs": 3, "max_tool_calls": 2}, ["background", "top_logprobs", "max_tool_calls"]),
    ({"stop": ["x"], "frequency_penalty": 1}, ["stop", "frequency_penalty"]),
    ({"input": [{"role": "user", "content": [{"type": "input_image", "image_url": "http://x"},
                                             {"type": "input_text", "text": "what is it?"},
                                             {"type": "input_file", "file_id": "f"}]}]},
     ["input[0].content[0]", "input[0].content[2]"]),
    ({"input": [{"type": "item_reference", "id": "msg_1"}, {"role": "user", "content": "x"}]}, ["input[0]"]),
])
def test_untranslated_fields_are_listed_by_wire_path(extra: dict[str, Any], untranslated: list[str]) -> None:
    request = CODEC.decode_request({"model": "m", "input": "hi", **extra})
    assert request.untranslated == untranslated


def test_request_without_user_turn_is_allowed_when_state_may_hold_it() -> None:
    body = {"previous_response_id": "resp_1", "input": [{"type": "function_call_output", "call_id": "c",
                                                         "output": "4"}]}
    assert CODEC.decode_request(body).untranslated == ["input[0]", "previous_response_id"]


@pytest.mark.parametrize(("body", "param", "message"), [
    ({}, "input", "'input' is required"),
    ({"input": 5}, "input", "must be a string or an array"),
    ({"input": []}, "input", "must not be empty"),
    ({"input": ""}, "input", "must not be empty"),
    ({"input": [{"role": "system", "content": "only system"}]}, "input", "at least one user message"),
    ({"input": ["hi"]}, "input[0]", "must be an object"),
    ({"input": [{"role": "tool", "content": "x"}]}, "input[0].role", "must be one of"),
    ({"input": [{"content": "x"}]}, "input[0].role", "is required"),
    ({"input": [{"role": "user", "content": 3}]}, "input[0].content", "must be a string or an array"),
    ({"input": [{"role": "user", "content": ["x"]}]}, "input[0].content[0]", "must be an object"),
    ({"input": [{"role": "user", "content": [{"type": "input_text", "text": 1}]}]},
     "input[0].content[0].text", "must be a string"),
    ({"input": [{"role": "user", "content": [{"text": "x"}]}]}, "input[0].content[0].type", "must be a string"),
    ({"input": [{"role": "user", "content": [{"type": "refusal", "refusal": "x"}]}]},
     "input[0].content[0].type", "only allowed in assistant"),
    ({"input": [{"type": 7}]}, "input[0].type", "must be a string"),
    ({"input": "hi", "temperature": 2.5}, "temperature", "between 0 and 2"),
    ({"input": "hi", "temperature": "hot"}, "temperature", "must be a number"),
    ({"input": "hi", "top_p": 1.5}, "top_p", "between 0 and 1"),
    ({"input": "hi", "max_output_tokens": 0}, "max_output_tokens", "positive integer"),
    ({"input": "hi", "max_output_tokens": 1.5}, "max_output_tokens", "positive integer"),
    ({"input": "hi", "model": 4}, "model", "must be a string"),
    ({"input": "hi", "stream": "yes"}, "stream", "must be a boolean"),
    ({"input": "hi", "instructions": ["x"]}, "instructions", "must be a string"),
    ({"input": "hi", "user": 1}, "user", "must be a string"),
    ({"input": "hi", "safety_identifier": 1}, "safety_identifier", "must be a string"),
    ({"input": "hi", "metadata": []}, "metadata", "must be an object"),
    ({"input": "hi", "parallel_tool_calls": 1}, "parallel_tool_calls", "must be a boolean"),
    ({"input": "hi", "store": "no"}, "store", "must be a boolean"),
    ({"input": "hi", "text": "plain"}, "text", "must be an object"),
    ({"input": "hi", "include": "all"}, "include", "array of strings"),
])
def test_validation(body: dict[str, Any], param: str, message: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        CODEC.decode_request(body)
    assert caught.value.param == param
    assert caught.value.status == 400
    assert message in caught.value.message


# --- encoding to a Responses upstream ---

def assert_valid_create(body: dict[str, Any]) -> None:
    """Validate against ``CreateResponse`` with allowances for spec/reality conflicts: the assistant history
    item the real API accepts (as pydantic-ai and vercel/ai send it) has no ``id``/``status`` and no
    ``output_text.logprobs``, which the spec's ``OutputMessage`` requires; and a ``message`` item with an
    ``input_text`` list matches both ``EasyInputMessage`` and ``InputMessage`` of the spec's ``oneOf``, so
    items are checked one at a time."""
    body = copy.deepcopy(body)
    for item in body["input"]:
        if item["role"] == "assistant":
            content = [{**part, "logprobs": []} if part["type"] == "output_text" else part for part in item["content"]]
            assert_valid("openai", "OutputMessage",
                         {**item, "content": content, "id": "msg_placeholder", "status": "completed"})
        else:
            assert_valid("openai", "InputMessage", item)
    assert_valid("openai", "CreateResponse", {**body, "input": "placeholder"})


def test_encode_request_shapes() -> None:
    request = Request(
        model="client", stream=True, max_tokens=64, temperature=0.5, top_p=0.9, user="u", metadata={"a": "b"},
        include_usage=True, parallel_tool_calls=True,
        messages=[
            Message("system", [TextPart("sys", cache_control={"type": "ephemeral"})]),
            Message("user", [TextPart("q1"), TextPart("q2")], name="alice"),
            Message("assistant", [TextPart("a"), RefusalPart("no")]),
            Message("developer", [TextPart("dev")]),
            Message("user", [TextPart("q3")]),
        ],
    )
    body = CODEC.encode_request(request, "gpt-5")
    assert body == {
        "model": "gpt-5", "store": False, "stream": True, "max_output_tokens": 64, "temperature": 0.5,
        "top_p": 0.9, "user": "u", "metadata": {"a": "b"},
        "input": [
            {"type": "message", "role": "system", "content": [{"type": "input_text", "text": "sys"}]},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "q1"},
                                                            {"type": "input_text", "text": "q2"}]},
            {"type": "message", "role": "assistant", "content": [
                {"type": "output_text", "text": "a", "annotations": []}, {"type": "refusal", "refusal": "no"}]},
            {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "dev"}]},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "q3"}]},
        ],
    }
    assert_valid_create(body)
    minimal = CODEC.encode_request(Request(model="", messages=[Message("user", [TextPart("x")])]), "m")
    assert set(minimal) == {"model", "input", "store"}


@pytest.mark.parametrize(("request_", "param"), [
    (Request(model="m", messages=[Message("user", [TextPart("x")])], stop=["END"]), "stop"),
    (Request(model="m", messages=[Message("user", [TextPart("x")])], tools=[Tool("f")]), "tools"),
    (Request(model="m", messages=[Message("user", [TextPart("x")])], tool_choice=ToolChoice("auto")),
     "tool_choice"),
    (Request(model="m", messages=[Message("user", [TextPart("x"), ImagePart(url="http://i")])]),
     "messages[0].content[1]"),
    (Request(model="m", messages=[Message("user", [TextPart("x")]),
                                  Message("assistant", [ToolCallPart("c", "f", "{}")])]), "messages[1].content[0]"),
    (Request(model="m", messages=[Message("assistant", [ReasoningPart(text="t")])]), "messages[0].content[0]"),
    (Request(model="m", messages=[Message("user", [RefusalPart("x")])]), "messages[0].content[0]"),
    (Request(model="m", messages=[Message("tool", [])]), "messages[0]"),
])
def test_encode_request_refuses_what_it_cannot_send(request_: Request, param: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        CODEC.encode_request(request_, "m")
    assert caught.value.param == param


def test_upstream_headers_and_path() -> None:
    assert CODEC.upstream_headers("sk-1") == {"Authorization": "Bearer sk-1"}
    assert CODEC.upstream_headers(None) == {}
    assert CODEC.upstream_path == "/responses" and CODEC.name == "openai_responses"


# --- property: what this dialect carries survives encode then decode ---

_text = st.text(max_size=20)
_message = st.one_of(
    st.builds(lambda role, parts: Message(role, [TextPart(p) for p in parts]),
              st.sampled_from(["system", "developer", "user"]), st.lists(_text, max_size=3)),
    st.builds(lambda parts: Message("assistant", parts),
              st.lists(st.one_of(st.builds(TextPart, _text), st.builds(RefusalPart, _text)), max_size=3)),
)


@st.composite
def text_requests(draw: st.DrawFn) -> Request:
    messages = draw(st.lists(_message, max_size=5))
    messages.insert(draw(st.integers(0, len(messages))), Message("user", [TextPart(draw(_text))]))
    stream = draw(st.booleans())
    return Request(
        model=draw(st.text(min_size=1, max_size=10)), messages=messages, stream=stream, include_usage=stream,
        max_tokens=draw(st.none() | st.integers(1, 100_000)),
        temperature=draw(st.none() | st.floats(0, 2)), top_p=draw(st.none() | st.floats(0, 1)),
        user=draw(st.none() | _text), metadata=draw(st.none() | st.dictionaries(_text, _text, max_size=3)),
    )


@settings(max_examples=150, deadline=None)
@given(text_requests())
def test_decode_of_encode_preserves_every_carried_field(request: Request) -> None:
    body = CODEC.encode_request(request, request.model)
    assert CODEC.decode_request(json.loads(json.dumps(body))) == request
