"""Every recorded Anthropic stream: decoded to canonical events, checked against a codec-free reading of
the recording, re-encoded, validated frame by frame against the spec, decoded back to the same events,
and accumulated by the official SDK's own stream helper."""

from __future__ import annotations

import json

import pytest
from anthropic.lib.streaming._messages import accumulate_event

from dragoman.canonical.assembler import assemble
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
from dragoman.canonical.response import StopKind
from tests.dialects.anthropic_messages.streams import (
    STREAM_FIXTURES,
    assert_valid_stream,
    client_request,
    decode_stream,
    encode_stream,
    read_reference,
)
from tests.recordings import load_sse_bytes


def assert_grammar(events: list[StreamEvent]) -> None:
    """StreamStart (BlockStart BlockDelta* ReasoningSignature? BlockStop)* StreamFinish, indices 0, 1, 2…"""
    assert isinstance(events[0], StreamStart)
    assert isinstance(events[-1], StreamFinish)
    expected_index, open_index, signed = 0, None, False
    for event in events[1:-1]:
        match event:
            case BlockStart():
                assert open_index is None and event.index == expected_index
                open_index, signed = event.index, False
                expected_index += 1
            case BlockDelta():
                assert event.index == open_index and event.text and not signed
            case ReasoningSignature():
                assert event.index == open_index and not signed
                signed = True
            case BlockStop():
                assert event.index == open_index
                open_index = None
            case _:
                raise AssertionError(f"unexpected {event}")
    assert open_index is None


@pytest.mark.parametrize("name", STREAM_FIXTURES)
def test_decode_matches_the_recording(name: str) -> None:
    raw = load_sse_bytes(name)
    events = decode_stream(raw)
    assert_grammar(events)
    ref = read_reference(raw)
    response = assemble(events)
    assert (response.id, response.model) == (ref.id, ref.model)
    blocks = [block for block in ref.blocks if block.type in ("text", "thinking", "redacted_thinking", "tool_use")]
    assert len(response.content) == len(blocks)
    for part, block in zip(response.content, blocks, strict=True):
        match block.type:
            case "text":
                assert part == TextPart(block.text)
            case "thinking":
                assert part == ReasoningPart(text=block.text, signature=block.signature or None,
                                             origin="anthropic_messages")
            case "redacted_thinking":
                assert part == ReasoningPart(redacted_data=block.data, origin="anthropic_messages")
            case "tool_use":
                assert part == ToolCallPart(id=block.id, name=block.name, arguments=block.text)
    assert response.stop_reason.raw == ref.stop_reason
    usage = ref.usage
    cached = (usage.get("cache_read_input_tokens") or 0) + (usage.get("cache_creation_input_tokens") or 0)
    assert response.usage.input_tokens == usage["input_tokens"] + cached
    assert response.usage.output_tokens == usage["output_tokens"]
    assert response.usage.cache_read_tokens == (usage.get("cache_read_input_tokens") or 0)
    assert response.usage.cache_write_tokens == (usage.get("cache_creation_input_tokens") or 0)


@pytest.mark.parametrize("name", STREAM_FIXTURES)
def test_reencoded_stream_is_valid_and_decodes_to_the_same_events(name: str) -> None:
    events = decode_stream(load_sse_bytes(name))
    start = events[0]
    assert isinstance(start, StreamStart)
    raw = encode_stream(events, client_request(start.model))  # the client asked for the model it got
    records = assert_valid_stream(raw)
    types = [event for event, _ in records]
    assert types[0] == "message_start" and types[-2:] == ["message_delta", "message_stop"]
    assert types.count("ping") == 1 and types[types.index("content_block_start") + 1] == "ping"
    assert decode_stream(raw) == events


@pytest.mark.parametrize("name", STREAM_FIXTURES)
def test_sdk_accumulates_the_reencoded_stream(name: str) -> None:
    events = decode_stream(load_sse_bytes(name))
    snapshot = None
    json_bufs: dict[int, bytes] = {}
    for event_name, data in assert_valid_stream(encode_stream(events)):
        if event_name != "ping":
            snapshot = accumulate_event(event=data, current_snapshot=snapshot, json_bufs=json_bufs)  # type: ignore[arg-type]
    assert snapshot is not None
    response = assemble(events)
    assert snapshot.id == response.id and snapshot.stop_reason == response.stop_reason.raw
    assert len(snapshot.content) == len(response.content)
    for block, part in zip(snapshot.content, response.content, strict=True):
        match part:
            case TextPart():
                assert block.type == "text" and block.text == part.text
            case ReasoningPart() if part.redacted_data:
                assert block.type == "redacted_thinking" and block.data == part.redacted_data
            case ReasoningPart():
                assert block.type == "thinking" and block.thinking == part.text
                assert block.signature == part.signature
            case ToolCallPart():
                assert block.type == "tool_use" and block.id == part.id and block.name == part.name
                if response.stop_reason.kind is not StopKind.MAX_TOKENS:
                    assert block.input == json.loads(part.arguments or "{}")


def test_byte_by_byte_gives_the_same_events() -> None:
    for name in ("anthropic/messages-stream-thinking-signature.sse", "anthropic/messages-stream-redacted-thinking.sse"):
        raw = load_sse_bytes(name)
        assert decode_stream(raw, byte_by_byte=True) == decode_stream(raw)


def test_text_stream_facts() -> None:
    response = assemble(decode_stream(load_sse_bytes("anthropic/messages-stream-text.sse")))
    assert response.content == [TextPart("Hello there!")]
    assert response.stop_reason.kind is StopKind.END_TURN
    assert (response.usage.input_tokens, response.usage.output_tokens) == (11, 6)


def test_tool_use_stream_facts() -> None:
    events = decode_stream(load_sse_bytes("anthropic/messages-stream-text-tool-use.sse"))
    assert BlockStart(1, "tool_call", tool_call_id="toolu_01NRLabsLyVHZPKxbKvkfSMn", tool_name="get_weather") in events
    # The empty first input_json_delta produces no event.
    assert [event.text for event in events if isinstance(event, BlockDelta) and event.index == 1] == [
        '{"locati', 'on": "P', "ar", 'is"}'
    ]
    response = assemble(events)
    assert response.content[1] == ToolCallPart("toolu_01NRLabsLyVHZPKxbKvkfSMn", "get_weather", '{"location": "Paris"}')
    assert response.stop_reason.kind is StopKind.TOOL_USE
    assert (response.usage.input_tokens, response.usage.output_tokens) == (377, 65)


def test_tool_use_without_arguments() -> None:
    response = assemble(decode_stream(load_sse_bytes("anthropic/messages-stream-tool-use-no-args.chunks.txt")))
    assert response.content[1] == ToolCallPart("toolu_01QE1WLsSVp5hy5Q3GmGTmjP", "updateIssueList", "")
    assert (response.usage.input_tokens, response.usage.output_tokens) == (565, 48)


def test_unclosed_tool_block_at_max_tokens_is_closed_by_message_delta() -> None:
    events = decode_stream(load_sse_bytes("anthropic/messages-stream-incomplete-partial-json.sse"))
    assert events[-2:] == [BlockStop(1), events[-1]]
    response = assemble(events)
    assert response.stop_reason.kind is StopKind.MAX_TOKENS
    assert isinstance(response.content[1], ToolCallPart)
    assert response.content[1].arguments.startswith('{"filename": "taxes.txt", "lines_of_text": [')
    assert response.content[1].arguments.endswith('\n"Filing taxes')


def test_thinking_signature_comes_right_before_the_block_stop() -> None:
    events = decode_stream(load_sse_bytes("anthropic/messages-stream-thinking-signature.chunks.txt"))
    position = next(i for i, event in enumerate(events) if isinstance(event, ReasoningSignature))
    assert events[position + 1] == BlockStop(0)
    signature = events[position]
    assert isinstance(signature, ReasoningSignature) and signature.signature.startswith("EvQBCkYICxgCKkAxhD4N")
    response = assemble(events)
    assert isinstance(response.content[0], ReasoningPart)
    assert response.content[0].text.endswith("925 ÷ 5 = 185")
    assert response.content[1] == TextPart("925 ÷ 5 = 185")
    # message_delta repeats input_tokens: the final usage takes it.
    assert (response.usage.input_tokens, response.usage.output_tokens) == (69, 53)


def test_redacted_thinking_blocks_have_no_deltas() -> None:
    events = decode_stream(load_sse_bytes("anthropic/messages-stream-redacted-thinking.sse"))
    starts = [event for event in events if isinstance(event, BlockStart)]
    assert [start.kind for start in starts] == ["reasoning", "reasoning", "text"]
    assert starts[0].redacted_data is not None and starts[0].redacted_data.startswith("EqkECkYIBxgCKkA8AZ4n")
    assert not [event for event in events if isinstance(event, BlockDelta) and event.index < 2]
