"""The client-side stream encoder on round-2 events: foreign proofs wrapped for travel (and decoded back to
their origin when the client sends the blocks back), custom tool calls, the tool-use stop rule."""

from __future__ import annotations

from typing import Any

from anthropic.lib.streaming._messages import accumulate_event

from dragoman.canonical.content import ReasoningPart, TextPart, ToolCallPart
from dragoman.canonical.events import (
    BlockDelta,
    BlockStart,
    BlockStop,
    ReasoningSignature,
    StreamEvent,
    StreamFinish,
    StreamStart,
)
from dragoman.canonical.reasoning import wrap_proof
from dragoman.canonical.response import StopKind, StopReason, Usage
from dragoman.dialects.anthropic_messages.codec import CODEC
from tests.dialects.anthropic_messages.streams import assert_valid_stream, encode_stream, frames

START = StreamStart(id="resp_1", model="gpt-x", usage=Usage(10))
STOP = StreamFinish(StopReason(StopKind.END_TURN, "stop"), Usage(10, 5))


def content_of(raw: bytes) -> list[Any]:
    assert_valid_stream(raw)
    snapshot = None
    json_bufs: dict[int, bytes] = {}
    for event, data in frames(raw):
        if event != "ping":
            snapshot = accumulate_event(event=data, current_snapshot=snapshot, json_bufs=json_bufs)  # type: ignore[arg-type]
    assert snapshot is not None
    return [block.model_dump(exclude_none=True) for block in snapshot.content]


def test_foreign_proofs_are_wrapped_and_come_back_to_their_origin() -> None:
    events: list[StreamEvent] = [
        START,
        BlockStart(0, "reasoning", origin="openai_responses", item_id="rs_9"), BlockDelta(0, "summary"),
        ReasoningSignature(0, "gAAAAB", encrypted=True), BlockStop(0),
        BlockStart(1, "reasoning", origin="openai_chat"), BlockDelta(1, "chat "), BlockDelta(1, "thoughts"),
        BlockStop(1),
        BlockStart(2, "reasoning", origin="anthropic_messages"), BlockDelta(2, "mine"), ReasoningSignature(2, "EqQB"),
        BlockStop(2),
        BlockStart(3, "reasoning", origin="openai_chat"), BlockStop(3),
        BlockStart(4, "text"), BlockDelta(4, "answer"), BlockStop(4), STOP,
    ]
    blocks = content_of(encode_stream(events))
    assert blocks == [
        {"type": "thinking", "thinking": "summary",
         "signature": wrap_proof("openai_responses", "encrypted", "rs_9@gAAAAB")},
        {"type": "thinking", "thinking": "chat thoughts", "signature": wrap_proof("openai_chat", "signature", "")},
        {"type": "thinking", "thinking": "mine", "signature": "EqQB"},
        {"type": "text", "text": "answer"},
    ]
    history = {"model": "claude-x", "max_tokens": 10,
               "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": blocks}]}
    assert CODEC.decode_request(history).messages[1].content == [
        ReasoningPart(summary=["summary"], encrypted="gAAAAB", id="rs_9", origin="openai_responses"),
        ReasoningPart(text="chat thoughts", origin="openai_chat"),
        ReasoningPart(text="mine", signature="EqQB", origin="anthropic_messages"),
        TextPart("answer"),
    ]


def test_encrypted_only_reasoning_is_a_signature_only_block() -> None:
    events: list[StreamEvent] = [START, BlockStart(0, "reasoning", origin="openai_responses", item_id="rs_1"),
                                 ReasoningSignature(0, "gAAA", encrypted=True), BlockStop(0), STOP]
    (block,) = content_of(encode_stream(events))
    assert block == {"type": "thinking", "thinking": "",
                     "signature": wrap_proof("openai_responses", "encrypted", "rs_1@gAAA")}


def test_custom_tool_input_is_sent_as_one_wrapped_fragment() -> None:
    events: list[StreamEvent] = [
        START, BlockStart(0, "tool_call", tool_call_id="call_1", tool_name="apply_patch", tool_kind="custom"),
        BlockDelta(0, "*** Begin"), BlockDelta(0, ' Patch "x"'), BlockStop(0),
        StreamFinish(StopReason(StopKind.TOOL_USE, "tool_use"), Usage(1, 1)),
    ]
    raw = encode_stream(events)
    deltas = [data["delta"] for _, data in frames(raw) if data["type"] == "content_block_delta"]
    assert deltas == [{"type": "input_json_delta", "partial_json": '{"input":"*** Begin Patch \\"x\\""}'}]
    (block,) = content_of(raw)
    assert block["input"] == {"input": '*** Begin Patch "x"'}


def test_a_stream_that_made_a_call_stops_with_tool_use() -> None:
    call: list[StreamEvent] = [START, BlockStart(0, "tool_call", tool_call_id="c1", tool_name="f"),
                               BlockDelta(0, "{}"), BlockStop(0)]
    for reason, expected in [(StopReason(StopKind.END_TURN, "stop"), "tool_use"),
                             (StopReason(StopKind.OTHER, None), "tool_use"),
                             (StopReason(StopKind.MAX_TOKENS, "length"), "max_tokens")]:
        records = assert_valid_stream(encode_stream([*call, StreamFinish(reason, Usage())]))
        assert records[-2][1]["delta"]["stop_reason"] == expected


def test_a_turn_that_begins_with_a_call_opens_no_text_block() -> None:
    events: list[StreamEvent] = [START, BlockStart(0, "tool_call", tool_call_id="c1", tool_name="f"),
                                 BlockDelta(0, '{"a":1}'), BlockStop(0),
                                 StreamFinish(StopReason(StopKind.TOOL_USE, "tool_calls"), Usage())]
    raw = encode_stream(events)
    starts = [data["content_block"]["type"] for _, data in frames(raw) if data["type"] == "content_block_start"]
    assert starts == ["tool_use"]
    response = CODEC.decode_response({"id": "msg_1", "model": "m", "content": content_of(raw),
                                      "stop_reason": "tool_use", "usage": {}})
    assert response.content == [ToolCallPart("c1", "f", '{"a":1}')]
