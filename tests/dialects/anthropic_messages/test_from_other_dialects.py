"""Answers recorded from OpenAI upstreams, decoded by their own codecs and rendered for an Anthropic client:
every frame and body validates against the Anthropic spec, the official SDK accumulates/parses them, and
what it gets matches the canonical answer (the translated path as the server runs it)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import anthropic
import pytest
from anthropic.lib.streaming._messages import accumulate_event

from dragoman.canonical.assembler import assemble
from dragoman.canonical.content import ReasoningPart, RefusalPart, TextPart, ToolCallPart
from dragoman.canonical.events import StreamEvent
from dragoman.canonical.response import Response
from dragoman.dialects.anthropic_messages.codec import CODEC
from dragoman.dialects.anthropic_messages.tool_ids import decode_tool_id
from dragoman.dialects.base import Codec
from dragoman.dialects.registry import CODECS
from tests.dialects.anthropic_messages.streams import assert_valid_stream, client_request, encode_stream, messages_of
from tests.recordings import load_json, load_sse_bytes, split_responses_streams
from tests.schemas import ANTHROPIC_MESSAGE, assert_valid

STREAMS = [
    "openai/chat-stream-text-usage.sse",
    "openai/chat-stream-parallel-tool-calls.sse",
    "openai/chat-stream-refusal.sse",
    "openai/chat-stream-text-usage-obfuscation.chunks.txt",
    "openai/responses-stream-function-call.sse",
    "openai/responses-stream-text.sse",
    "openai/responses-stream-reasoning-function-call.sse",
    "openai/responses-stream-reasoning-text-function-call.sse",
    "openai/responses-stream-text-shell-multiturn.chunks.txt",
    "openai/responses-stream-multistep-reasoning-summary-function-calls.chunks.txt",
]
BODIES = [
    "openai/chat-nonstream-text.json",
    "openai/chat-nonstream-text-gpt4o.json",
    "openai/chat-nonstream-parallel-tool-calls.json",
    "openai/chat-nonstream-tool-call.json",
    "openai/responses-nonstream-function-call.json",
    "openai/responses-nonstream-parallel-function-calls.json",
    "openai/responses-nonstream-reasoning.json",
    "openai/responses-nonstream-reasoning-encrypted-content.json",
]


def upstream_codec(name: str) -> Codec:
    return CODECS["openai_chat" if "/chat-" in name else "openai_responses"]


def upstream_events(codec: Codec, raw: bytes) -> list[StreamEvent]:
    decoder = codec.stream_decoder()
    events = [event for message in messages_of(raw) for event in decoder.feed(message)]
    return events + decoder.finish()


def assert_proof_comes_back(thinking: str, signature: str, part: ReasoningPart) -> None:
    """A client handing the thinking block back gives the upstream its own proof and item id again."""
    history = {"model": "claude-x", "max_tokens": 10, "messages": [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": [{"type": "thinking", "thinking": thinking, "signature": signature}]}]}
    (back,) = CODEC.decode_request(history).messages[1].content
    assert isinstance(back, ReasoningPart)
    if part.encrypted:
        assert signature.startswith("dragoman.v1.responses.encrypted.")
        assert (back.encrypted, back.id, back.origin) == (part.encrypted, part.id, "openai_responses")
    elif part.origin == "openai_chat":
        assert (back.text, back.origin) == (part.text, "openai_chat")
    else:
        assert signature == (part.signature or "")


def assert_sdk_content_matches(blocks: Sequence[object], response: Response) -> None:
    expected = [part for part in response.content
                if not (isinstance(part, ReasoningPart) and not (part.text or part.summary or part.signature
                                                                 or part.encrypted or part.redacted_data))]
    assert len(blocks) == len(expected)
    for block, part in zip(blocks, expected, strict=True):
        match part:
            case TextPart() | RefusalPart():
                assert block.type == "text" and block.text == part.text  # type: ignore[attr-defined]
            case ReasoningPart():
                assert block.type == "thinking"  # type: ignore[attr-defined]
                assert block.thinking == (part.text or "\n\n".join(part.summary))  # type: ignore[attr-defined]
                assert_proof_comes_back(block.thinking, block.signature, part)  # type: ignore[attr-defined]
            case ToolCallPart():
                assert block.type == "tool_use" and block.name == part.name  # type: ignore[attr-defined]
                assert decode_tool_id(block.id) == part.id  # type: ignore[attr-defined]
                assert block.input == json.loads(part.arguments or "{}")  # type: ignore[attr-defined]
            case _:
                raise AssertionError(f"unexpected part {part}")


@pytest.mark.parametrize("name", STREAMS)
def test_openai_streams_for_an_anthropic_client(name: str) -> None:
    raw = load_sse_bytes(name)
    for one in split_responses_streams(raw) if "multistep" in name else [raw]:
        events = upstream_events(upstream_codec(name), one)
        response = assemble(events)
        snapshot = None
        json_bufs: dict[int, bytes] = {}
        for event, data in assert_valid_stream(encode_stream(events)):
            if event != "ping":
                snapshot = accumulate_event(event=data, current_snapshot=snapshot, json_bufs=json_bufs)  # type: ignore[arg-type]
        assert snapshot is not None
        assert_sdk_content_matches(snapshot.content, response)
        uncached = response.usage.input_tokens - response.usage.cache_read_tokens - response.usage.cache_write_tokens
        assert snapshot.usage.input_tokens == uncached
        assert snapshot.usage.output_tokens == response.usage.output_tokens
        if any(isinstance(part, RefusalPart) for part in response.content):
            assert snapshot.stop_reason == "refusal"


@pytest.mark.parametrize("name", BODIES)
def test_openai_answers_for_an_anthropic_client(name: str) -> None:
    response = upstream_codec(name).decode_response(load_json(name))
    body = CODEC.encode_response(response, client_request())
    assert_valid(*ANTHROPIC_MESSAGE, body)
    message = anthropic.types.Message.model_validate(body)
    assert_sdk_content_matches(list(message.content), response)
    assert message.usage.output_tokens == response.usage.output_tokens
