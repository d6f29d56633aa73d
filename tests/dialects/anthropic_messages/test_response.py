"""Non-streamed answers: every recorded ``Message`` decoded, re-encoded, compared field by field, validated
against the spec and parsed by the SDK; the encoding rules on answers from other dialects."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import pytest

from dragoman.canonical.content import (
    ImagePart,
    Part,
    ReasoningPart,
    RefusalPart,
    TextPart,
    ToolCallPart,
)
from dragoman.canonical.errors import UpstreamError, UpstreamProtocolError
from dragoman.canonical.response import Response, StopKind, StopReason, Usage
from dragoman.dialects.anthropic_messages.codec import CODEC
from dragoman.dialects.anthropic_messages.tool_ids import decode_tool_id
from tests.dialects.anthropic_messages.streams import NONSTREAM_FIXTURES, client_request
from tests.recordings import load_json
from tests.schemas import ANTHROPIC_MESSAGE, assert_valid


def encode(response: Response, asked: str = "claude-req") -> dict[str, Any]:
    body = CODEC.encode_response(response, client_request(asked))
    assert_valid(*ANTHROPIC_MESSAGE, body)
    anthropic.types.Message.model_validate(body)
    return body


@pytest.mark.parametrize("name", NONSTREAM_FIXTURES)
def test_recorded_message_round_trip(name: str) -> None:
    original = load_json(name)
    response = CODEC.decode_response(original)
    assert response.id == original["id"] and response.model == original["model"]
    assert response.stop_reason.raw == original["stop_reason"]
    usage = original["usage"]
    cached = usage["cache_read_input_tokens"] + usage["cache_creation_input_tokens"]
    assert response.usage == Usage(usage["input_tokens"] + cached, usage["output_tokens"],
                                   usage["cache_read_input_tokens"], usage["cache_creation_input_tokens"])
    for part, block in zip(response.content, original["content"], strict=True):
        match block["type"]:
            case "text":
                assert part == TextPart(block["text"])
            case "thinking":
                assert part == ReasoningPart(text=block["thinking"], signature=block["signature"],
                                             origin="anthropic_messages")
            case "tool_use":
                assert isinstance(part, ToolCallPart) and (part.id, part.name) == (block["id"], block["name"])
                assert json.loads(part.arguments) == block["input"]

    body = encode(response, original["model"])  # the client asked for the model it got
    for key in ("id", "type", "role", "model", "stop_reason", "stop_sequence"):
        assert body[key] == original.get(key), key
    for key in ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens"):
        assert body["usage"][key] == usage[key], key
    assert len(body["content"]) == len(original["content"])
    for ours, theirs in zip(body["content"], original["content"], strict=True):
        extras: dict[str, dict[str, Any]] = {"text": {"citations": None}, "tool_use": {"caller": {"type": "direct"}}}
        extra = extras.get(theirs["type"], {})
        assert ours == {**theirs, **extra}
    assert CODEC.decode_response(body) == response


def test_parallel_tool_use_facts() -> None:
    response = CODEC.decode_response(load_json("anthropic/messages-nonstream-parallel-tool-use.json"))
    calls = [part for part in response.content if isinstance(part, ToolCallPart)]
    assert [(call.id, call.arguments) for call in calls] == [
        ("toolu_0167cfEnoQaPviGdVXA95zcu", '{"name":"Alice"}'),
        ("toolu_01EEe2V5HD1Ac4rKiUR4HD2T", '{"name":"Bob"}'),
        ("toolu_01XFyAjstT3966qvRynZyVPo", '{"name":"Charlie"}'),
        ("toolu_013mnQZbgtK2oe3Mo3XKJsx3", '{"name":"Daisy"}'),
    ]
    assert response.stop_reason == StopReason(StopKind.TOOL_USE, "tool_use")
    assert response.usage == Usage(423, 202)


def answer(*parts: Part, stop: StopReason | None = None, id: str = "chatcmpl-1", model: str = "gpt-x") -> Response:
    return Response(id=id, model=model, content=list(parts), stop_reason=stop or StopReason(StopKind.END_TURN, "stop"),
                    usage=Usage(50, 10, cache_read_tokens=20, cache_write_tokens=5))


def test_answer_from_an_openai_upstream() -> None:
    body = encode(answer(
        ReasoningPart(text="thinking aloud"),
        ReasoningPart(text="chat thoughts", origin="openai_chat"),
        ReasoningPart(summary=["first", "second"], encrypted="gAAAA", id="rs_1", origin="openai_responses"),
        ReasoningPart(encrypted="gAAAA", origin="openai_responses"),
        ReasoningPart(origin="openai_responses"),
        TextPart("Hello"),
        ToolCallPart("call_abc", "get", '{"a": [1, 2]}'),
        ToolCallPart("fc.1", "noargs", ""),
        ToolCallPart("call_p", "apply_patch", "*** Begin Patch", kind="custom"),
    ))
    assert body["id"] == "msg_chatcmpl-1" and body["model"] == "claude-req"  # rule client-model-name
    assert body["content"] == [
        {"type": "thinking", "thinking": "thinking aloud", "signature": ""},
        {"type": "thinking", "thinking": "chat thoughts", "signature": "dragoman.v1.chat.signature."},
        {"type": "thinking", "thinking": "first\n\nsecond",
         "signature": "dragoman.v1.responses.encrypted.rs_1@gAAAA"},
        {"type": "thinking", "thinking": "", "signature": "dragoman.v1.responses.encrypted.@gAAAA"},
        {"type": "text", "text": "Hello", "citations": None},
        {"type": "tool_use", "id": "call_abc", "name": "get", "input": {"a": [1, 2]}, "caller": {"type": "direct"}},
        {"type": "tool_use", "id": body["content"][6]["id"], "name": "noargs", "input": {},
         "caller": {"type": "direct"}},
        {"type": "tool_use", "id": "call_p", "name": "apply_patch", "input": {"input": "*** Begin Patch"},
         "caller": {"type": "direct"}},
    ]
    assert decode_tool_id(body["content"][6]["id"]) == "fc.1"
    assert body["usage"] == {"input_tokens": 25, "cache_creation_input_tokens": 5, "cache_read_input_tokens": 20,
                             "cache_creation": None, "output_tokens": 10, "server_tool_use": None,
                             "service_tier": None, "inference_geo": None}
    # Rule tool-use-stop: the upstream said "stop" after its calls; the client must still run them.
    assert (body["stop_reason"], body["stop_sequence"], body["stop_details"], body["container"]) == (
        "tool_use", None, None, None)


def test_proofs_sent_back_by_the_client_return_to_their_origin() -> None:
    parts = [ReasoningPart(text="chat thoughts", origin="openai_chat"),
             ReasoningPart(summary=["one summary"], encrypted="gAAAA", id="rs_1", origin="openai_responses"),
             ReasoningPart(text="signed", signature="EqQB", origin="anthropic_messages"),
             ReasoningPart(redacted_data="Emw", origin="anthropic_messages")]
    body = encode(answer(*parts, TextPart("done")))
    history = {"model": "claude-x", "max_tokens": 10, "messages": [
        {"role": "user", "content": "q"}, {"role": "assistant", "content": body["content"]}]}
    decoded = CODEC.decode_request(history).messages[1].content
    assert decoded == [*parts, TextPart("done")]


def test_a_turn_cut_off_in_a_tool_call_keeps_max_tokens() -> None:
    body = encode(answer(TextPart("x"), ToolCallPart("c", "f", "{}"), stop=StopReason(StopKind.MAX_TOKENS, "length")))
    assert body["stop_reason"] == "max_tokens"


def test_refusal_answer() -> None:
    body = encode(answer(RefusalPart("I can't help with that.")))
    assert body["content"] == [{"type": "text", "text": "I can't help with that.", "citations": None}]
    assert body["stop_reason"] == "refusal"
    cut = encode(answer(RefusalPart("I can"), stop=StopReason(StopKind.MAX_TOKENS, "length")))
    assert cut["stop_reason"] == "max_tokens"


def test_content_filter_and_stop_sequence() -> None:
    assert encode(answer(TextPart("x"), stop=StopReason(StopKind.CONTENT_FILTER, "content_filter")))[
        "stop_reason"] == "refusal"
    body = encode(answer(TextPart("x"), stop=StopReason(StopKind.STOP_SEQUENCE, "stop_sequence", "###")))
    assert (body["stop_reason"], body["stop_sequence"]) == ("stop_sequence", "###")


def test_broken_tool_arguments() -> None:
    with pytest.raises(UpstreamProtocolError, match="not a JSON object"):
        encode(answer(ToolCallPart("call_1", "f", '{"a": ')))
    with pytest.raises(UpstreamProtocolError, match="not a JSON object"):
        encode(answer(ToolCallPart("call_1", "f", "[1, 2]")))
    truncated = encode(answer(TextPart("partial"), ToolCallPart("call_1", "f", '{"a": '),
                              stop=StopReason(StopKind.MAX_TOKENS, "length")))
    assert [block["type"] for block in truncated["content"]] == ["text"]
    assert truncated["stop_reason"] == "max_tokens"


def test_ids_and_model_fallbacks() -> None:
    assert encode(answer(TextPart("x"), id="msg_keep"))["id"] == "msg_keep"
    fresh = encode(answer(TextPart("x"), id="", model=""))
    assert fresh["id"].startswith("msg_") and len(fresh["id"]) > 10 and fresh["model"] == "claude-req"
    # Rule client-model-name: the model the client asked for, the upstream's only when it asked for none.
    assert encode(answer(TextPart("x"), model="claude-e2e-snapshot"), "claude-opus")["model"] == "claude-opus"
    assert encode(answer(TextPart("x"), model="claude-e2e-snapshot"), "")["model"] == "claude-e2e-snapshot"


def test_request_only_parts_never_appear_in_an_answer() -> None:
    assert encode(answer(ImagePart(url="https://x/y.png"), TextPart("t")))["content"] == [
        {"type": "text", "text": "t", "citations": None}]


def test_decode_tolerates_and_refuses() -> None:
    body = {"id": "msg_1", "model": "m", "content": [
        {"type": "text", "text": "a", "citations": [{"type": "char_location"}]},
        {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}},
        {"type": "redacted_thinking", "data": "xyz"},
    ], "stop_reason": "brand_new_reason", "stop_sequence": None, "usage": {"input_tokens": 3, "output_tokens": 4}}
    response = CODEC.decode_response(body)
    assert response.content == [TextPart("a"), ReasoningPart(redacted_data="xyz", origin="anthropic_messages")]
    assert response.stop_reason == StopReason(StopKind.OTHER, "brand_new_reason")
    assert response.usage == Usage(3, 4)
    with pytest.raises(UpstreamProtocolError):
        CODEC.decode_response({"id": "msg_1"})
    with pytest.raises(UpstreamProtocolError):
        CODEC.decode_response({"content": ["not a block"]})
    with pytest.raises(UpstreamError) as raised:
        CODEC.decode_response({"type": "error", "error": {"type": "invalid_request_error", "message": "bad"}})
    assert (raised.value.status, raised.value.message) == (400, "bad")
