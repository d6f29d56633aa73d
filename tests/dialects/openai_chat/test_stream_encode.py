"""The chat stream encoder: exact chunk grammar, usage chunk only when asked, errors at any point."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dragoman.canonical.assembler import assemble
from dragoman.canonical.content import TextPart, ToolCallPart
from dragoman.canonical.errors import RateLimited, UpstreamUnavailable
from dragoman.canonical.events import (
    BlockDelta,
    BlockStart,
    BlockStop,
    ReasoningSignature,
    StreamError,
    StreamEvent,
    StreamFinish,
    StreamStart,
)
from dragoman.canonical.request import Message, Request, Tool
from dragoman.canonical.response import StopKind, StopReason, Usage
from dragoman.dialects.openai_chat.codec import CODEC
from tests.dialects.openai_chat.streams import chat_request, data_records, decode_stream, encode_stream
from tests.schemas import OPENAI_CHAT_CHUNK, OPENAI_ERROR, assert_valid

USAGE = Usage(input_tokens=120, output_tokens=40, cache_read_tokens=100, reasoning_tokens=12)

MIXED: list[StreamEvent] = [
    StreamStart("msg_01", "claude-x", 1700000000),
    BlockStart(0, "reasoning"),
    BlockDelta(0, "Let me think."),
    ReasoningSignature(0, "sig=="),
    BlockStop(0),
    BlockStart(1, "text"),
    BlockDelta(1, "Checking."),
    BlockDelta(1, ""),
    BlockStop(1),
    BlockStart(2, "tool_call", tool_call_id="toolu_1", tool_name="weather"),
    BlockDelta(2, '{"city":'),
    BlockDelta(2, '"Oslo"}'),
    BlockStop(2),
    BlockStart(3, "tool_call", tool_call_id="toolu_2", tool_name="time"),
    BlockDelta(3, "{}"),
    BlockStop(3),
    BlockStart(4, "reasoning", redacted_data="opaque"),
    BlockStop(4),
    StreamFinish(StopReason(StopKind.TOOL_USE, "tool_use"), USAGE),
]


def chunks(raw: bytes) -> list[dict[str, Any]]:
    records = data_records(raw)
    assert records[-1] == "[DONE]"
    return [json.loads(record) for record in records[:-1]]


def test_exact_bytes_of_a_short_stream_with_usage() -> None:
    events = [StreamStart("chatcmpl-9", "gpt-x", 1700000001), BlockStart(0, "text"), BlockDelta(0, "Hi"),
              BlockStop(0), StreamFinish(StopReason(StopKind.END_TURN, "end_turn"), Usage(3, 1))]
    head = b'data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1700000001,"model":"gpt-x",'
    assert encode_stream(events, chat_request(include_usage=True)) == (
        head + b'"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,'
        b'"finish_reason":null}],"usage":null}\n\n'
        + head + b'"choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}],'
        b'"usage":null}\n\n'
        + head + b'"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}\n\n'
        + head + b'"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4,'
        b'"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}\n\n'
        b"data: [DONE]\n\n"
    )


def test_mixed_blocks_with_usage() -> None:
    out = chunks(encode_stream(MIXED, chat_request(include_usage=True)))
    for body in out:
        assert_valid(*OPENAI_CHAT_CHUNK, body)
        assert (body["id"], body["created"], body["model"]) == ("msg_01", 1700000000, "claude-x")
        assert body["object"] == "chat.completion.chunk"
    deltas = [body["choices"][0]["delta"] if body["choices"] else None for body in out]
    assert deltas == [
        {"role": "assistant", "content": ""},
        {"reasoning_content": "Let me think."},
        {"content": "Checking."},
        {"tool_calls": [{"index": 0, "id": "toolu_1", "type": "function",
                         "function": {"name": "weather", "arguments": ""}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": '{"city":'}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": '"Oslo"}'}}]},
        {"tool_calls": [{"index": 1, "id": "toolu_2", "type": "function",
                         "function": {"name": "time", "arguments": ""}}]},
        {"tool_calls": [{"index": 1, "function": {"arguments": "{}"}}]},
        {},
        None,
    ]
    assert [body["choices"][0]["finish_reason"] for body in out[:-1]] == [None] * 8 + ["tool_calls"]
    assert [body["usage"] for body in out[:-1]] == [None] * 9
    assert out[-1]["choices"] == []
    assert out[-1]["usage"] == {
        "prompt_tokens": 120, "completion_tokens": 40, "total_tokens": 160,
        "prompt_tokens_details": {"cached_tokens": 100}, "completion_tokens_details": {"reasoning_tokens": 12},
    }


def test_without_include_usage_there_is_no_usage_anywhere() -> None:
    out = chunks(encode_stream(MIXED, chat_request(include_usage=False)))
    assert all("usage" not in body for body in out)
    assert out[-1]["choices"][0]["finish_reason"] == "tool_calls"
    for body in out:
        assert_valid(*OPENAI_CHAT_CHUNK, body)


def test_our_stream_decodes_back_to_the_same_events_minus_what_chat_cannot_say() -> None:
    decoded = decode_stream(encode_stream(MIXED, chat_request()))
    expected = [BlockStart(e.index, e.kind, origin="openai_chat") if isinstance(e, BlockStart) and e.kind == "reasoning"
                else e for e in MIXED if not isinstance(e, ReasoningSignature)]
    expected = [e for e in expected if not (isinstance(e, BlockDelta) and not e.text)]
    expected = [*expected[:-3], StreamFinish(StopReason(StopKind.TOOL_USE, "tool_calls"), USAGE)]
    assert decoded == expected


def test_error_before_start_is_the_whole_stream() -> None:
    encoder = CODEC.stream_encoder(chat_request())
    out = encoder.encode(StreamError(RateLimited("slow down", retry_after=3)))
    assert out == (b'data: {"error":{"message":"slow down","type":"rate_limit_error","param":null,'
                   b'"code":"rate_limit_exceeded"}}\n\ndata: [DONE]\n\n')
    assert_valid(*OPENAI_ERROR, json.loads(data_records(out)[0]))
    assert encoder.encode(StreamStart("x", "y")) == b""
    assert encoder.encode(StreamFinish(StopReason(StopKind.END_TURN), Usage())) == b""


def test_error_mid_stream_ends_it() -> None:
    encoder = CODEC.stream_encoder(chat_request())
    encoder.encode(StreamStart("chatcmpl-1", "m", 1))
    encoder.encode(BlockStart(0, "text"))
    assert encoder.encode(BlockDelta(0, "par")) != b""
    out = encoder.encode(StreamError(UpstreamUnavailable("upstream reset the connection")))
    records = data_records(out)
    assert records[-1] == "[DONE]"
    error = json.loads(records[0])
    assert_valid(*OPENAI_ERROR, error)
    assert error["error"]["type"] == "server_error"
    assert encoder.encode(BlockDelta(0, "tial")) == b""
    assert encoder.encode(StreamFinish(StopReason(StopKind.END_TURN), Usage())) == b""


def test_nothing_after_finish() -> None:
    encoder = CODEC.stream_encoder(chat_request())
    encoder.encode(StreamStart("chatcmpl-1", "m", 1))
    assert encoder.encode(StreamFinish(StopReason(StopKind.END_TURN), Usage())).endswith(b"data: [DONE]\n\n")
    assert encoder.encode(StreamError(UpstreamUnavailable("late"))) == b""


def test_missing_identity_is_filled_in() -> None:
    out = chunks(encode_stream([StreamStart("", ""), StreamFinish(StopReason(StopKind.MAX_TOKENS), Usage())],
                               chat_request(model="my-alias")))
    assert out[0]["id"].startswith("chatcmpl-") and len(out[0]["id"]) > 9
    assert out[0]["model"] == "my-alias"
    assert out[0]["created"] > 1_600_000_000
    assert out[1]["choices"][0]["finish_reason"] == "length"


def test_events_without_a_start_still_open_the_stream() -> None:
    out = chunks(encode_stream([BlockStart(0, "refusal"), BlockDelta(0, "No."), BlockStop(0),
                                StreamFinish(StopReason(StopKind.REFUSAL, "refusal"), Usage())], chat_request()))
    assert [body["choices"][0]["delta"] for body in out[:3]] == [
        {"role": "assistant", "content": ""}, {"refusal": "No."}, {}]
    assert out[2]["choices"][0]["finish_reason"] == "content_filter"


def test_keepalive_is_an_sse_comment() -> None:
    assert CODEC.stream_encoder(chat_request()).keepalive() == b": keepalive\n\n"


def custom_request() -> Request:
    return Request("alias", [Message("user", [TextPart("patch")])], stream=True,
                   tools=[Tool("apply_patch", kind="custom"), Tool("ls")])


def valid_chunk(body: dict[str, Any]) -> None:
    """Spec allowance: OpenAI streams custom tool calls as ``type: "custom"`` with a ``custom`` object, which
    ``ChatCompletionMessageToolCallChunk`` does not list yet (openai/openai-openapi#576); such entries are
    checked for their exact shape here and validated without their ``type``."""
    for choice in body["choices"]:
        for call in choice["delta"].get("tool_calls", []):
            if "custom" in call:
                assert set(call) <= {"index", "id", "type", "custom"} and set(call["custom"]) <= {"name", "input"}
                assert call.get("type", "custom") == "custom"
    stripped = json.loads(json.dumps(body))
    for choice in stripped["choices"]:
        for call in choice["delta"].get("tool_calls", []):
            if "custom" in call:
                call.pop("type", None)
    assert_valid(*OPENAI_CHAT_CHUNK, stripped)


def test_custom_calls_stream_as_custom_and_anthropic_stand_ins_are_unwrapped() -> None:
    events: list[StreamEvent] = [
        StreamStart("msg_1", "claude-x", 1700000000),
        BlockStart(0, "tool_call", tool_call_id="toolu_1", tool_name="apply_patch"),  # the Anthropic stand-in
        BlockDelta(0, '{"input": "*** Begin'),
        BlockDelta(0, ' Patch\\n"}'),
        BlockStop(0),
        BlockStart(1, "tool_call", tool_call_id="call_2", tool_name="apply_patch", tool_kind="custom"),
        BlockDelta(1, "*** End"),
        BlockDelta(1, " Patch"),
        BlockStop(1),
        BlockStart(2, "tool_call", tool_call_id="toolu_3", tool_name="ls"),
        BlockDelta(2, '{"input": "kept"}'),
        BlockStop(2),
        StreamFinish(StopReason(StopKind.END_TURN, "completed"), Usage(5, 5)),
    ]
    raw = encode_stream(events, custom_request())
    out = chunks(raw)
    for body in out:
        valid_chunk(body)
    assert [body["choices"][0]["delta"].get("tool_calls") for body in out[1:-1]] == [
        [{"index": 0, "id": "toolu_1", "type": "custom", "custom": {"name": "apply_patch", "input": ""}}],
        [{"index": 0, "custom": {"input": "*** Begin Patch\n"}}],
        [{"index": 1, "id": "call_2", "type": "custom", "custom": {"name": "apply_patch", "input": ""}}],
        [{"index": 1, "custom": {"input": "*** End"}}],
        [{"index": 1, "custom": {"input": " Patch"}}],
        [{"index": 2, "id": "toolu_3", "type": "function", "function": {"name": "ls", "arguments": ""}}],
        [{"index": 2, "function": {"arguments": '{"input": "kept"}'}}],
    ]
    assert out[-1]["choices"][0]["finish_reason"] == "tool_calls"
    assert assemble(decode_stream(raw)).content == [
        ToolCallPart("toolu_1", "apply_patch", "*** Begin Patch\n", kind="custom"),
        ToolCallPart("call_2", "apply_patch", "*** End Patch", kind="custom"),
        ToolCallPart("toolu_3", "ls", '{"input": "kept"}'),
    ]


def test_a_stand_in_call_with_no_input_sends_only_its_opening() -> None:
    events: list[StreamEvent] = [StreamStart("m", "x", 1), BlockStart(0, "tool_call", tool_call_id="t",
                                                                      tool_name="apply_patch"),
                                 BlockStop(0), StreamFinish(StopReason(StopKind.TOOL_USE, "tool_use"), Usage())]
    out = chunks(encode_stream(events, custom_request()))
    assert [body["choices"][0]["delta"] for body in out] == [
        {"role": "assistant", "content": ""},
        {"tool_calls": [{"index": 0, "id": "t", "type": "custom", "custom": {"name": "apply_patch", "input": ""}}]},
        {},
    ]


@pytest.mark.parametrize(("stop", "finish_reason"), [(StopReason(StopKind.END_TURN, "stop"), "tool_calls"),
                                                     (StopReason(StopKind.MAX_TOKENS, "length"), "length")])
def test_a_stream_with_a_call_finishes_with_tool_calls_unless_cut_off(stop: StopReason, finish_reason: str) -> None:
    events: list[StreamEvent] = [StreamStart("m", "x", 1), BlockStart(0, "tool_call", tool_call_id="c",
                                                                      tool_name="f"),
                                 BlockDelta(0, "{}"), BlockStop(0), StreamFinish(stop, Usage())]
    out = chunks(encode_stream(events, chat_request(include_usage=False)))
    assert out[-1]["choices"][0]["finish_reason"] == finish_reason
