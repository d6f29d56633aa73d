"""Non-streamed chat completions: recorded bodies decoded, re-encoded field by field, spec-validated."""

from __future__ import annotations

from typing import Any

import pytest

from dragoman.canonical.content import (
    DocumentPart,
    ImagePart,
    ReasoningPart,
    RefusalPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from dragoman.canonical.errors import UpstreamError, UpstreamProtocolError, UpstreamUnavailable
from dragoman.canonical.request import Message, Request, Tool
from dragoman.canonical.response import Response, StopKind, StopReason, Usage
from dragoman.dialects.openai_chat.codec import CODEC
from tests.recordings import load_json
from tests.schemas import OPENAI_CHAT_RESPONSE, assert_valid

RESPONSES = [
    "openai/chat-nonstream-text.json",
    "openai/chat-nonstream-text-gpt4o.json",
    "openai/chat-nonstream-parallel-tool-calls.json",
    "openai/chat-nonstream-tool-call.json",
]
REQUEST = Request(model="alias", messages=[Message("user", [TextPart("hi")])])


@pytest.mark.parametrize("name", RESPONSES)
def test_recorded_response_round_trip(name: str) -> None:
    body = load_json(name)
    response = CODEC.decode_response(body)
    out = CODEC.encode_response(response, REQUEST)
    assert_valid(*OPENAI_CHAT_RESPONSE, out)

    for key in ("id", "object", "created", "model"):
        assert out[key] == body[key]
    (theirs,), (ours,) = body["choices"], out["choices"]
    assert ours["finish_reason"] == theirs["finish_reason"]
    assert ours["logprobs"] is None
    for key in ("role", "content", "refusal"):
        assert ours["message"][key] == theirs["message"][key]
    assert ours["message"].get("tool_calls") == theirs["message"].get("tool_calls")
    usage = body["usage"]
    for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
        assert out["usage"][key] == usage[key]
    assert out["usage"]["completion_tokens_details"]["reasoning_tokens"] == (
        usage["completion_tokens_details"]["reasoning_tokens"])
    assert out["usage"]["prompt_tokens_details"]["cached_tokens"] == (
        usage.get("prompt_tokens_details", {}).get("cached_tokens", 0))


def test_decoded_tool_calls_and_usage() -> None:
    response = CODEC.decode_response(load_json("openai/chat-nonstream-parallel-tool-calls.json"))
    assert response.content == [
        ToolCallPart("call_fdNz3vOBKYgOIpMdWotB9MjY", "GetWeatherArgs",
                     '{"city": "Edinburgh", "country": "GB", "units": "c"}'),
        ToolCallPart("call_h1DWI1POMJLb0KwIyQHWXD4p", "get_stock_price",
                     '{"ticker": "AAPL", "exchange": "NASDAQ"}'),
    ]
    assert response.stop_reason == StopReason(StopKind.TOOL_USE, "tool_calls")
    assert response.usage == Usage(input_tokens=149, output_tokens=60)
    assert (response.id, response.model, response.created) == (
        "chatcmpl-ABfvyvfNWKcl7Ohqos4UFrmMs1v4C", "gpt-4o-2024-08-06", 1727346166)


def test_decoded_text() -> None:
    body = load_json("openai/chat-nonstream-text.json")
    response = CODEC.decode_response(body)
    assert response.content == [TextPart(body["choices"][0]["message"]["content"])]
    assert response.stop_reason == StopReason(StopKind.END_TURN, "stop")
    assert response.usage == Usage(16, 363)


def message(**fields: Any) -> dict[str, Any]:
    return {"id": "x", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", **fields}, "finish_reason": "stop"}]}


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_reasoning_refusal_and_content_arrays(field: str) -> None:
    body = message(**{field: "Because.", "content": [{"type": "text", "text": "A"}, {"type": "text", "text": "B"}],
                      "refusal": "Not that."})
    assert CODEC.decode_response(body).content == [ReasoningPart(text="Because.", origin="openai_chat"),
                                                   TextPart("AB"), RefusalPart("Not that.")]


def test_custom_and_legacy_function_calls() -> None:
    body = message(content=None, tool_calls=[{"id": "c1", "type": "custom", "custom": {"name": "sh", "input": "ls"}}],
                   function_call={"name": "old", "arguments": "{}"})
    custom, legacy = CODEC.decode_response(body).content
    assert custom == ToolCallPart("c1", "sh", "ls", kind="custom")
    assert isinstance(legacy, ToolCallPart) and (legacy.name, legacy.arguments) == ("old", "{}")
    assert legacy.id.startswith("call_")


def test_error_inside_a_200_body_is_raised() -> None:
    with pytest.raises(UpstreamError) as caught:
        CODEC.decode_response({"error": {"message": "bad model", "type": "invalid_request_error", "code": None}})
    assert (caught.value.status, caught.value.message) == (400, "bad model")
    with pytest.raises(UpstreamUnavailable):
        CODEC.decode_response({"object": "error", "message": "engine died", "type": "InternalServerError",
                               "code": 500})


@pytest.mark.parametrize(
    "body",
    [{"id": "x"}, {"choices": []}, {"choices": ["x"]}, {"choices": [{"index": 0}]},
     message(tool_calls=["not an object"]), message(tool_calls=[{"id": "c", "type": "mcp"}])],
)
def test_malformed_bodies_are_protocol_errors(body: dict[str, Any]) -> None:
    with pytest.raises(UpstreamProtocolError):
        CODEC.decode_response(body)


def test_encode_every_part_kind() -> None:
    response = Response(
        id="msg_1", model="claude-x", created=1700000000,
        content=[
            ReasoningPart(text="First ", signature="sig"),
            TextPart("Hello"),
            ReasoningPart(summary=["then", "more"], encrypted="enc"),
            ReasoningPart(redacted_data="opaque"),
            TextPart(" world"),
            RefusalPart("Partly refused."),
            ToolCallPart("toolu_1", "weather", '{"city":"Oslo"}'),
            ImagePart(url="https://x/y.png"), DocumentPart(text="doc"), ToolResultPart("c"),
        ],
        stop_reason=StopReason(StopKind.TOOL_USE, "tool_use"),
        usage=Usage(input_tokens=50, output_tokens=20, cache_read_tokens=30, cache_write_tokens=10,
                    reasoning_tokens=5),
    )
    out = CODEC.encode_response(response, REQUEST)
    assert_valid(*OPENAI_CHAT_RESPONSE, out)
    assert out == {
        "id": "msg_1", "object": "chat.completion", "created": 1700000000, "model": "claude-x",
        "choices": [{
            "index": 0,
            "message": {
                "role": "assistant", "content": "Hello world", "refusal": "Partly refused.",
                "tool_calls": [{"id": "toolu_1", "type": "function",
                                "function": {"name": "weather", "arguments": '{"city":"Oslo"}'}}],
                "reasoning_content": "First then\n\nmore",
            },
            "logprobs": None, "finish_reason": "tool_calls",
        }],
        "usage": {"prompt_tokens": 50, "completion_tokens": 20, "total_tokens": 70,
                  "prompt_tokens_details": {"cached_tokens": 30, "cache_write_tokens": 10},
                  "completion_tokens_details": {"reasoning_tokens": 5}},
    }


def test_encode_empty_answer_fills_required_fields() -> None:
    out = CODEC.encode_response(Response("", "", [], StopReason(StopKind.OTHER, "pause")), REQUEST)
    assert_valid(*OPENAI_CHAT_RESPONSE, out)
    assert out["id"].startswith("chatcmpl-")
    assert out["model"] == "alias"
    assert out["created"] > 1_600_000_000
    assert out["choices"][0]["message"] == {"role": "assistant", "content": None, "refusal": None}
    assert out["choices"][0]["finish_reason"] == "stop"


def test_custom_calls_go_back_as_the_client_declared_them() -> None:
    """A custom tool the upstream only knew as a function (Anthropic) comes back custom, with its raw input."""
    request = Request(model="alias", messages=[Message("user", [TextPart("patch it")])],
                      tools=[Tool("apply_patch", kind="custom"), Tool("ls")])
    response = Response(
        id="msg_1", model="claude-x", created=1700000000,
        content=[ToolCallPart("toolu_1", "apply_patch", '{"input": "*** Begin Patch\\n*** End Patch"}'),
                 ToolCallPart("toolu_2", "ls", '{"input": "not unwrapped"}'),
                 ToolCallPart("call_3", "apply_patch", "raw already", kind="custom")],
        stop_reason=StopReason(StopKind.TOOL_USE, "tool_use"),
    )
    out = CODEC.encode_response(response, request)
    assert_valid(*OPENAI_CHAT_RESPONSE, out)
    assert out["choices"][0]["message"]["tool_calls"] == [
        {"id": "toolu_1", "type": "custom",
         "custom": {"name": "apply_patch", "input": "*** Begin Patch\n*** End Patch"}},
        {"id": "toolu_2", "type": "function", "function": {"name": "ls", "arguments": '{"input": "not unwrapped"}'}},
        {"id": "call_3", "type": "custom", "custom": {"name": "apply_patch", "input": "raw already"}},
    ]
    assert CODEC.decode_response(out).content == [
        ToolCallPart("toolu_1", "apply_patch", "*** Begin Patch\n*** End Patch", kind="custom"),
        ToolCallPart("toolu_2", "ls", '{"input": "not unwrapped"}'),
        ToolCallPart("call_3", "apply_patch", "raw already", kind="custom"),
    ]


@pytest.mark.parametrize(
    ("stop", "finish_reason"),
    [(StopReason(StopKind.END_TURN, "completed"), "tool_calls"),
     (StopReason(StopKind.OTHER, "pause_turn"), "tool_calls"),
     (StopReason(StopKind.MAX_TOKENS, "max_tokens"), "length")],
)
def test_an_answer_with_a_call_finishes_with_tool_calls_unless_cut_off(stop: StopReason, finish_reason: str) -> None:
    response = Response("r", "m", [TextPart("Checking."), ToolCallPart("c", "f", "{}")], stop)
    assert CODEC.encode_response(response, REQUEST)["choices"][0]["finish_reason"] == finish_reason
