"""The upstream stream state machine on hand-made streams: grammar, tolerated oddities, protocol errors."""

from __future__ import annotations

import pytest

from dragoman.canonical.content import ToolCallPart
from dragoman.canonical.errors import UpstreamError, UpstreamProtocolError, UpstreamUnavailable
from dragoman.canonical.events import (
    BlockDelta,
    BlockStart,
    BlockStop,
    ReasoningSignature,
    StreamError,
    StreamFinish,
    StreamStart,
)
from dragoman.canonical.response import StopKind, StopReason, Usage
from dragoman.dialects.anthropic_messages.codec import CODEC
from dragoman.dialects.anthropic_messages.stream_decode import Phase
from dragoman.dialects.anthropic_messages.tool_ids import encode_tool_id
from dragoman.sse import SSEMessage
from tests.dialects.anthropic_messages.streams import (
    MESSAGE_STOP,
    TEXT,
    block_delta,
    block_start,
    block_stop,
    decode_stream,
    message_delta,
    message_start,
    messages_of,
    sse,
)


def text_delta(index: int, text: str) -> dict[str, object]:
    return block_delta(index, {"type": "text_delta", "text": text})


def test_minimal_stream() -> None:
    events = decode_stream(sse(message_start(), block_start(0, TEXT), text_delta(0, "hi"), block_stop(0),
                               message_delta(), MESSAGE_STOP))
    assert events == [
        StreamStart("msg_1", "claude-x", usage=Usage(10, 1)),
        BlockStart(0, "text"),
        BlockDelta(0, "hi"),
        BlockStop(0),
        StreamFinish(StopReason(StopKind.END_TURN, "end_turn"), Usage(10, 5)),
    ]


def test_final_usage_takes_every_reported_count() -> None:
    start = message_start({"input_tokens": 5, "cache_read_input_tokens": 100, "cache_creation_input_tokens": 20,
                           "output_tokens": 1})
    final = {"input_tokens": 7, "cache_read_input_tokens": None, "cache_creation_input_tokens": 30,
             "output_tokens": 50, "output_tokens_details": {"thinking_tokens": 12}}
    events = decode_stream(sse(start, message_delta(usage=final), MESSAGE_STOP))
    assert events[0] == StreamStart("msg_1", "claude-x", usage=Usage(125, 1, 100, 20))
    assert events[-1] == StreamFinish(StopReason(StopKind.END_TURN, "end_turn"), Usage(137, 50, 100, 30, 12))


def test_stop_sequence_is_kept() -> None:
    events = decode_stream(sse(message_start(), message_delta("stop_sequence", stop_sequence="###"), MESSAGE_STOP))
    assert events[-1] == StreamFinish(StopReason(StopKind.STOP_SEQUENCE, "stop_sequence", "###"), Usage(10, 5))


def test_pings_unknown_events_and_unknown_deltas_are_ignored() -> None:
    raw = sse(
        {"type": "ping"}, message_start(), {"type": "ping"}, {"type": "brand_new_event", "x": 1},
        block_start(0, TEXT), block_delta(0, {"type": "citations_delta", "citation": {}}),
        block_delta(0, {"type": "future_delta", "x": 1}), text_delta(0, "a"), block_stop(0),
        message_delta(), {"type": "ping"}, MESSAGE_STOP,
    )
    events = decode_stream(raw)
    assert [type(event) for event in events] == [StreamStart, BlockStart, BlockDelta, BlockStop, StreamFinish]


def test_server_tool_blocks_are_skipped_with_their_deltas() -> None:
    raw = sse(
        message_start(),
        block_start(0, {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}}),
        block_delta(0, {"type": "input_json_delta", "partial_json": '{"q": 1}'}), block_stop(0),
        block_start(1, {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": []}), block_stop(1),
        block_start(2, TEXT), text_delta(2, "found"), block_stop(2),
        message_delta(), MESSAGE_STOP,
    )
    events = decode_stream(raw)
    assert events[1:4] == [BlockStart(0, "text"), BlockDelta(0, "found"), BlockStop(0)]


def test_initial_content_in_block_start_is_not_lost() -> None:
    raw = sse(
        message_start(),
        block_start(0, {"type": "thinking", "thinking": "pre", "signature": "sig0"}), block_stop(0),
        block_start(1, {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"a": 1}}), block_stop(1),
        message_delta("tool_use"), MESSAGE_STOP,
    )
    events = decode_stream(raw)
    assert events[1:8] == [
        BlockStart(0, "reasoning", origin="anthropic_messages"), BlockDelta(0, "pre"), ReasoningSignature(0, "sig0"),
        BlockStop(0),
        BlockStart(1, "tool_call", tool_call_id="toolu_1", tool_name="f"), BlockDelta(1, '{"a":1}'), BlockStop(1),
    ]


def test_a_block_starting_while_another_is_open_closes_it() -> None:
    raw = sse(message_start(), block_start(0, TEXT), text_delta(0, "a"), block_start(1, TEXT), text_delta(1, "b"),
              block_stop(0), block_stop(1), message_delta(), MESSAGE_STOP)
    events = decode_stream(raw)
    assert events[1:7] == [BlockStart(0, "text"), BlockDelta(0, "a"), BlockStop(0), BlockStart(1, "text"),
                           BlockDelta(1, "b"), BlockStop(1)]


def test_a_delta_for_a_block_closed_by_interleaving_is_an_error() -> None:
    raw = sse(message_start(), block_start(0, TEXT), block_start(1, TEXT), text_delta(0, "late"))
    with pytest.raises(UpstreamProtocolError, match="after it closed"):
        decode_stream(raw)


def test_error_mid_stream_becomes_a_stream_error_and_ends_the_stream() -> None:
    error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    raw = sse(message_start(), block_start(0, TEXT), text_delta(0, "par"), error, text_delta(0, "ignored"))
    events = decode_stream(raw)
    assert [type(event) for event in events] == [StreamStart, BlockStart, BlockDelta, StreamError]
    failure = events[-1]
    assert isinstance(failure, StreamError) and isinstance(failure.error, UpstreamUnavailable)
    assert failure.error.code == "overloaded_error" and "Overloaded" in failure.error.message


def test_error_before_message_start() -> None:
    raw = sse({"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}})
    events = decode_stream(raw)
    assert len(events) == 1 and isinstance(events[0], StreamError)
    assert isinstance(events[0].error, UpstreamError)
    assert (events[0].error.status, events[0].error.kind, events[0].error.message) == (429, "rate_limit", "slow down")


def test_finish_after_message_delta_without_message_stop_completes_the_answer() -> None:
    events = decode_stream(sse(message_start(), block_start(0, TEXT), text_delta(0, "x"), message_delta()))
    assert events[-2:] == [BlockStop(0), StreamFinish(StopReason(StopKind.END_TURN, "end_turn"), Usage(10, 5))]


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        (sse(message_start(), block_start(0, TEXT), text_delta(0, "cut")), "ended before message_stop"),
        (b"", "ended before message_stop"),
        (sse(block_start(0, TEXT)), "content_block_start not allowed in phase BEFORE_START"),
        (sse(message_start(), message_start()), "message_start not allowed in phase STREAMING"),
        (sse(message_start(), MESSAGE_STOP), "message_stop not allowed in phase STREAMING"),
        (sse(message_start(), message_delta(), block_start(0, TEXT)), "not allowed in phase STOPPING"),
        (sse(message_start(), text_delta(3, "x")), "unknown block 3"),
        (sse(message_start(), block_start(0, TEXT), block_start(0, TEXT)), "started twice"),
        (sse(message_start(), block_start(0, TEXT),
             block_delta(0, {"type": "input_json_delta", "partial_json": "{"})), "input_json_delta in a text block"),
        (sse(message_start(), block_start(0, TEXT), block_delta(0, {"type": "text_delta", "text": 5})),
         "not a string"),
        (sse(message_start(), {"type": "content_block_start", "index": "0", "content_block": TEXT}),
         "integer index"),
        (sse("{not json"), "invalid JSON"),
        (sse("[1, 2]"), "not an object"),
        (sse({"type": "message_start", "message": None}), "not an object"),
    ],
)
def test_protocol_errors(raw: bytes, match: str) -> None:
    with pytest.raises(UpstreamProtocolError, match=match):
        decode_stream(raw)


def test_phases_and_nothing_after_done() -> None:
    decoder = CODEC.stream_decoder()
    assert decoder.phase is Phase.BEFORE_START
    for message in messages_of(sse(message_start(), message_delta())):
        decoder.feed(message)
    assert decoder.phase.name == "STOPPING"
    decoder.feed(SSEMessage("message_stop", '{"type":"message_stop"}'))
    assert decoder.phase.name == "DONE"
    assert decoder.finish() == []
    with pytest.raises(UpstreamProtocolError):
        decoder.feed(SSEMessage("message_start", '{"type":"message_start","message":{}}'))


def test_event_name_is_used_when_the_data_has_no_type() -> None:
    decoder = CODEC.stream_decoder()
    decoder.feed(SSEMessage("message_start", '{"message": {"id": "msg_2", "model": "m", "usage": {}}}'))
    assert decoder.phase is Phase.STREAMING


def test_tool_ids_dragoman_made_safe_are_decoded_back() -> None:
    safe = encode_tool_id("call.1")
    raw = sse(message_start(), block_start(0, {"type": "tool_use", "id": safe, "name": "f", "input": {}}),
              block_stop(0), message_delta("tool_use"), MESSAGE_STOP)
    assert decode_stream(raw)[1] == BlockStart(0, "tool_call", tool_call_id="call.1", tool_name="f")
    body = {"id": "msg_1", "model": "m", "stop_reason": "tool_use", "usage": {},
            "content": [{"type": "tool_use", "id": safe, "name": "f", "input": {"a": 1}}]}
    (call,) = CODEC.decode_response(body).content
    assert call == ToolCallPart("call.1", "f", '{"a":1}')
