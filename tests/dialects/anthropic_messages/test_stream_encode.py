"""The client-side stream encoder on canonical events from other dialects: exact frames, spec validity,
the named rules (unsigned and empty reasoning, refusals, tool ids) and in-stream errors."""

from __future__ import annotations

import json

from anthropic.lib.streaming._messages import accumulate_event

from dragoman.canonical.errors import Overloaded, UpstreamTimeout
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
from dragoman.canonical.response import StopKind, StopReason, Usage
from dragoman.dialects.anthropic_messages.codec import CODEC
from dragoman.dialects.anthropic_messages.stream_encode import PING
from dragoman.dialects.anthropic_messages.tool_ids import decode_tool_id
from tests.dialects.anthropic_messages.streams import (
    assert_valid_stream,
    client_request,
    decode_stream,
    encode_stream,
    frames,
)

START = StreamStart(id="chatcmpl-abc", model="gpt-x", created=1, usage=Usage(input_tokens=30, cache_read_tokens=10))
END = StreamFinish(StopReason(StopKind.END_TURN, "stop"), Usage(30, 7, cache_read_tokens=10, reasoning_tokens=3))


def sdk_message(raw: bytes) -> object:
    snapshot = None
    json_bufs: dict[int, bytes] = {}
    for event, data in frames(raw):
        if event != "ping":
            snapshot = accumulate_event(event=data, current_snapshot=snapshot, json_bufs=json_bufs)  # type: ignore[arg-type]
    return snapshot


def test_exact_frames_for_a_text_answer() -> None:
    raw = encode_stream([START, BlockStart(0, "text"), BlockDelta(0, "Hi"), BlockStop(0), END], client_request(""))
    assert raw == (
        b'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_chatcmpl-abc","type":"message",'
        b'"role":"assistant","model":"gpt-x","content":[],"stop_reason":null,"stop_sequence":null,'
        b'"stop_details":null,"usage":{"input_tokens":20,"cache_creation_input_tokens":0,'
        b'"cache_read_input_tokens":10,"cache_creation":null,"output_tokens":0,"server_tool_use":null,'
        b'"service_tier":null,"inference_geo":null},"container":null}}\n\n'
        b'event: content_block_start\ndata: {"type":"content_block_start","index":0,'
        b'"content_block":{"type":"text","text":"","citations":null}}\n\n'
        b'event: ping\ndata: {"type": "ping"}\n\n'
        b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
        b'"delta":{"type":"text_delta","text":"Hi"}}\n\n'
        b'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n'
        b'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn",'
        b'"stop_sequence":null,"stop_details":null,"container":null},"usage":{"input_tokens":20,'
        b'"cache_creation_input_tokens":0,"cache_read_input_tokens":10,"output_tokens":7,'
        b'"server_tool_use":null,"output_tokens_details":{"thinking_tokens":3}}}\n\n'
        b'event: message_stop\ndata: {"type":"message_stop"}\n\n'
    )
    assert_valid_stream(raw)


def test_unsigned_reasoning_becomes_thinking_with_an_empty_signature() -> None:
    events: list[StreamEvent] = [START, BlockStart(0, "reasoning"), BlockDelta(0, "let me think"), BlockStop(0),
                                 BlockStart(1, "text"), BlockDelta(1, "42"), BlockStop(1), END]
    raw = encode_stream(events)
    records = assert_valid_stream(raw)
    assert not [data for _, data in records if data.get("delta", {}).get("type") == "signature_delta"]
    message = sdk_message(raw)
    assert [block.type for block in message.content] == ["thinking", "text"]  # type: ignore[attr-defined]
    assert message.content[0].signature == "" and message.content[0].thinking == "let me think"  # type: ignore[attr-defined]


def test_reasoning_with_nothing_to_show_is_left_out_and_indices_stay_sequential() -> None:
    events: list[StreamEvent] = [START, BlockStart(0, "reasoning"), BlockStop(0), BlockStart(1, "text"),
                                 BlockDelta(1, "ok"), BlockStop(1), END]
    records = assert_valid_stream(encode_stream(events))
    starts = [data for _, data in records if data["type"] == "content_block_start"]
    assert [(data["index"], data["content_block"]["type"]) for data in starts] == [(0, "text")]
    assert {data["index"] for _, data in records if "index" in data} == {0}


def test_signed_reasoning_and_redacted_reasoning() -> None:
    events: list[StreamEvent] = [
        START, BlockStart(0, "reasoning"), ReasoningSignature(0, "sig"), BlockStop(0),
        BlockStart(1, "reasoning", redacted_data="opaque"), BlockDelta(1, "never shown"), BlockStop(1), END,
    ]
    raw = encode_stream(events)
    assert_valid_stream(raw)
    message = sdk_message(raw)
    assert message.content[0].type == "thinking" and message.content[0].signature == "sig"  # type: ignore[attr-defined]
    assert message.content[1].type == "redacted_thinking" and message.content[1].data == "opaque"  # type: ignore[attr-defined]


def test_refusal_is_a_text_block_and_a_refusal_stop() -> None:
    raw = encode_stream([START, BlockStart(0, "refusal"), BlockDelta(0, "I can't help with that."), BlockStop(0), END])
    records = assert_valid_stream(raw)
    assert records[1][1]["content_block"]["type"] == "text"
    assert records[-2][1]["delta"]["stop_reason"] == "refusal"


def test_content_filter_and_foreign_stops() -> None:
    for reason, expected in [
        (StopReason(StopKind.CONTENT_FILTER, "content_filter"), "refusal"),
        (StopReason(StopKind.MAX_TOKENS, "length"), "max_tokens"),
        (StopReason(StopKind.TOOL_USE, "tool_calls"), "tool_use"),
        (StopReason(StopKind.OTHER, "function_call"), "end_turn"),
        (StopReason(StopKind.STOP_SEQUENCE, None, "END"), "stop_sequence"),
    ]:
        records = assert_valid_stream(encode_stream([START, StreamFinish(reason, Usage())]))
        assert records[-2][1]["delta"]["stop_reason"] == expected
        assert records[-2][1]["delta"]["stop_sequence"] == ("END" if expected == "stop_sequence" else None)


def test_model_context_window_exceeded_round_trips_though_the_spec_lacks_it() -> None:
    stop = StopReason(StopKind.MAX_TOKENS, "model_context_window_exceeded")
    raw = encode_stream([START, StreamFinish(stop, Usage())])
    data = frames(raw)[-2][1]
    assert data["delta"]["stop_reason"] == "model_context_window_exceeded"  # real API and SDK value, not in spec


def test_tool_call_ids_are_made_safe_and_arguments_relayed() -> None:
    events: list[StreamEvent] = [
        START, BlockStart(0, "tool_call", tool_call_id="call.7:x", tool_name="lookup"),
        BlockDelta(0, '{"q": '), BlockDelta(0, '"paris"}'), BlockStop(0),
        StreamFinish(StopReason(StopKind.TOOL_USE, "tool_calls"), Usage(5, 5)),
    ]
    raw = encode_stream(events)
    assert_valid_stream(raw)
    message = sdk_message(raw)
    block = message.content[0]  # type: ignore[attr-defined]
    assert block.type == "tool_use" and block.name == "lookup" and block.input == {"q": "paris"}
    assert block.id != "call.7:x" and decode_tool_id(block.id) == "call.7:x"


def test_events_before_stream_start_get_an_opening() -> None:
    raw = encode_stream([BlockStart(0, "text"), BlockDelta(0, "x"), BlockStop(0), END], client_request("claude-req"))
    records = assert_valid_stream(raw)
    assert records[0][1]["message"]["model"] == "claude-req"
    assert records[0][1]["message"]["id"].startswith("msg_")


def test_error_before_start_is_the_whole_stream() -> None:
    encoder = CODEC.stream_encoder(client_request())
    raw = encoder.encode(StreamError(Overloaded("busy")))
    assert raw == (b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"busy"},'
                   b'"request_id":null}\n\n')
    assert_valid_stream(raw)
    assert encoder.encode(START) == b"" and encoder.encode(END) == b""


def test_error_mid_stream_ends_it() -> None:
    encoder = CODEC.stream_encoder(client_request())
    events: list[StreamEvent] = [START, BlockStart(0, "text"), BlockDelta(0, "pa"),
                                 StreamError(UpstreamTimeout("no answer in 60 s"))]
    out = b"".join(encoder.encode(event) for event in events)
    records = assert_valid_stream(out)
    error = {"type": "timeout_error", "message": "no answer in 60 s"}
    assert records[-1] == ("error", {"type": "error", "error": error, "request_id": None})
    assert encoder.encode(BlockDelta(0, "more")) == b"" and encoder.encode(BlockStop(0)) == b""


def test_keepalive_is_the_api_ping() -> None:
    assert CODEC.stream_encoder(client_request()).keepalive() == PING == b'event: ping\ndata: {"type": "ping"}\n\n'
    assert json.loads(PING.split(b"data: ")[1]) == {"type": "ping"}


def test_an_anthropic_stream_reencoded_decodes_to_the_same_events() -> None:
    events: list[StreamEvent] = [
        StreamStart("msg_x", "claude", usage=Usage(100, 1, 60, 20)),
        BlockStart(0, "reasoning", origin="anthropic_messages"), BlockDelta(0, "hmm"), ReasoningSignature(0, "s1"),
        BlockStop(0),
        BlockStart(1, "reasoning", redacted_data="opaque", origin="anthropic_messages"), BlockStop(1),
        BlockStart(2, "reasoning", origin="anthropic_messages"), ReasoningSignature(2, "signature-only"), BlockStop(2),
        BlockStart(3, "tool_call", tool_call_id="call.9", tool_name="f"), BlockDelta(3, "{}"), BlockStop(3),
        StreamFinish(StopReason(StopKind.TOOL_USE, "tool_use"), Usage(100, 40, 60, 20, 9)),
    ]
    assert decode_stream(encode_stream(events, client_request("claude"))) == events
