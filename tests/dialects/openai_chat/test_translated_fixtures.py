"""Recorded Anthropic and Responses answers (thinking, signatures, redacted thinking, encrypted reasoning, tool
calls), decoded by their own codecs and rendered for a chat client: every chunk and body follows the spec, and
what chat can say comes back unchanged when our output is decoded again."""

from __future__ import annotations

import json

import pytest

from dragoman.canonical.assembler import assemble
from dragoman.canonical.content import Part, ReasoningPart, RefusalPart, TextPart, ToolCallPart
from dragoman.canonical.events import BlockStart, StreamEvent
from dragoman.canonical.response import Response, StopKind
from dragoman.dialects.anthropic_messages.codec import CODEC as ANTHROPIC
from dragoman.dialects.base import Codec
from dragoman.dialects.openai_chat.codec import CODEC
from dragoman.dialects.openai_responses.codec import CODEC as RESPONSES
from dragoman.sse import SSEDecoder
from tests.dialects.openai_chat.streams import chat_request, data_records, decode_stream, encode_stream
from tests.recordings import load_json, load_sse_bytes, split_responses_streams
from tests.schemas import OPENAI_CHAT_CHUNK, OPENAI_CHAT_RESPONSE, assert_valid

STREAMS: list[tuple[Codec, str]] = [
    (ANTHROPIC, "anthropic/messages-stream-thinking-signature.sse"),
    (ANTHROPIC, "anthropic/messages-stream-thinking-signature.chunks.txt"),
    (ANTHROPIC, "anthropic/messages-stream-redacted-thinking.sse"),
    (ANTHROPIC, "anthropic/messages-stream-text-tool-use.sse"),
    (ANTHROPIC, "anthropic/messages-stream-tool-use-no-args.chunks.txt"),
    (ANTHROPIC, "anthropic/messages-stream-incomplete-partial-json.sse"),
    (RESPONSES, "openai/responses-stream-reasoning-function-call.sse"),
    (RESPONSES, "openai/responses-stream-reasoning-text-function-call.sse"),
    (RESPONSES, "openai/responses-stream-function-call.sse"),
]
MULTISTEP = "openai/responses-stream-multistep-reasoning-summary-function-calls.chunks.txt"
BODIES: list[tuple[Codec, str]] = [
    (ANTHROPIC, "anthropic/messages-nonstream-thinking-tool-use.json"),
    (ANTHROPIC, "anthropic/messages-nonstream-thinking.json"),
    (ANTHROPIC, "anthropic/messages-nonstream-parallel-tool-use.json"),
    (RESPONSES, "openai/responses-nonstream-reasoning-encrypted-content.json"),
    (RESPONSES, "openai/responses-nonstream-reasoning.json"),
    (RESPONSES, "openai/responses-nonstream-parallel-function-calls.json"),
]
_FINISH = {StopKind.END_TURN: "stop", StopKind.TOOL_USE: "tool_calls", StopKind.MAX_TOKENS: "length"}


def foreign_events(codec: Codec, raw: bytes) -> list[StreamEvent]:
    framer, decoder = SSEDecoder(), codec.stream_decoder()
    events: list[StreamEvent] = []
    for message in framer.feed(raw) + framer.flush():
        events.extend(decoder.feed(message))
    return events + decoder.finish()


def what_chat_says(content: list[Part]) -> list[Part]:
    """The parts a chat client receives: reasoning as text of chat origin (proofs dropped), the rest as is."""
    out: list[Part] = []
    for part in content:
        if isinstance(part, ReasoningPart):
            text = part.text or "\n\n".join(part.summary)
            if text:
                out.append(ReasoningPart(text=text, origin="openai_chat"))
        elif isinstance(part, TextPart | RefusalPart | ToolCallPart):
            out.append(part)
    return out


def merged(parts: list[Part]) -> list[Part]:
    """A non-streamed chat message has one reasoning, one content and one refusal field."""
    reasoning = "".join(p.text for p in parts if isinstance(p, ReasoningPart))
    text = "".join(p.text for p in parts if isinstance(p, TextPart))
    out: list[Part] = [ReasoningPart(text=reasoning, origin="openai_chat")] if reasoning else []
    out += [TextPart(text)] if text else []
    return out + [p for p in parts if isinstance(p, ToolCallPart)]


def check_stream(codec: Codec, raw: bytes) -> None:
    events = foreign_events(codec, raw)
    theirs = assemble(events)
    ours_raw = encode_stream(events, chat_request(include_usage=True))
    records = data_records(ours_raw)
    assert records[-1] == "[DONE]"
    for record in records[:-1]:
        assert_valid(*OPENAI_CHAT_CHUNK, json.loads(record))
    ours_events = decode_stream(ours_raw)
    ours = assemble(ours_events)
    assert ours.content == what_chat_says(theirs.content)
    assert (ours.id, ours.model, ours.usage) == (theirs.id, theirs.model, theirs.usage)
    assert ours.stop_reason.raw == _FINISH[theirs.stop_reason.kind]
    first_block = next((e for e in ours_events if isinstance(e, BlockStart)), None)
    if isinstance(theirs.content[0], ToolCallPart):  # a turn that begins with a call opens no text block
        assert first_block is not None and first_block.kind == "tool_call"


@pytest.mark.parametrize(("codec", "name"), STREAMS, ids=[name for _, name in STREAMS])
def test_foreign_stream_for_a_chat_client(codec: Codec, name: str) -> None:
    check_stream(codec, load_sse_bytes(name))


def test_multistep_responses_streams_for_a_chat_client() -> None:
    steps = split_responses_streams(load_sse_bytes(MULTISTEP))
    assert len(steps) == 4
    for raw in steps:
        check_stream(RESPONSES, raw)


@pytest.mark.parametrize(("codec", "name"), BODIES, ids=[name for _, name in BODIES])
def test_foreign_answer_for_a_chat_client(codec: Codec, name: str) -> None:
    theirs: Response = codec.decode_response(load_json(name))
    body = CODEC.encode_response(theirs, chat_request())
    assert_valid(*OPENAI_CHAT_RESPONSE, body)
    ours = CODEC.decode_response(body)
    assert ours.content == merged(what_chat_says(theirs.content))
    assert (ours.id, ours.model, ours.usage) == (theirs.id, theirs.model, theirs.usage)
    assert body["choices"][0]["finish_reason"] == _FINISH[theirs.stop_reason.kind]
