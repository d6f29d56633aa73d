"""Helpers for the Anthropic Messages tests: run SSE bytes through the framer and the codec, read the
recordings without the codec (an independent reference), and validate what the encoder emits."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from dragoman.canonical.content import TextPart
from dragoman.canonical.events import StreamEvent
from dragoman.canonical.request import Message, Request
from dragoman.dialects.anthropic_messages.codec import CODEC
from dragoman.sse import SSEDecoder, SSEMessage
from tests.schemas import ANTHROPIC_ERROR, ANTHROPIC_STREAM_EVENT, assert_valid, assert_valid_event

STREAM_FIXTURES = [
    "anthropic/messages-stream-text.sse",
    "anthropic/messages-stream-text.chunks.txt",
    "anthropic/messages-stream-text-tool-use.sse",
    "anthropic/messages-stream-text-tool-use.chunks.txt",
    "anthropic/messages-stream-incomplete-partial-json.sse",
    "anthropic/messages-stream-thinking-signature.sse",
    "anthropic/messages-stream-thinking-signature.chunks.txt",
    "anthropic/messages-stream-redacted-thinking.sse",
    "anthropic/messages-stream-tool-use-no-args.chunks.txt",
]

NONSTREAM_FIXTURES = [
    "anthropic/messages-nonstream-text.json",
    "anthropic/messages-nonstream-parallel-tool-use.json",
    "anthropic/messages-nonstream-thinking.json",
    "anthropic/messages-nonstream-thinking-2.json",
    "anthropic/messages-nonstream-thinking-tool-use.json",
    "anthropic/messages-nonstream-tool-use.json",
]


def messages_of(raw: bytes, *, byte_by_byte: bool = False) -> list[SSEMessage]:
    framer = SSEDecoder()
    pieces = [raw[i : i + 1] for i in range(len(raw))] if byte_by_byte else [raw]
    out: list[SSEMessage] = []
    for piece in pieces:
        out.extend(framer.feed(piece))
    out.extend(framer.flush())
    return out


def decode_stream(raw: bytes, *, byte_by_byte: bool = False, finish: bool = True) -> list[StreamEvent]:
    decoder = CODEC.stream_decoder()
    events: list[StreamEvent] = []
    for message in messages_of(raw, byte_by_byte=byte_by_byte):
        events.extend(decoder.feed(message))
    if finish:
        events.extend(decoder.finish())
    return events


def encode_stream(events: list[StreamEvent], request: Request | None = None) -> bytes:
    encoder = CODEC.stream_encoder(request or client_request())
    return b"".join(encoder.encode(event) for event in events)


def client_request(model: str = "claude-test") -> Request:
    return Request(model=model, messages=[Message("user", [TextPart("hi")])], stream=True, max_tokens=100)


def frames(raw: bytes) -> list[tuple[str | None, dict[str, Any]]]:
    return [(message.event, json.loads(message.data)) for message in messages_of(raw)]


def assert_valid_stream(raw: bytes) -> list[tuple[str | None, dict[str, Any]]]:
    """Every frame has ``event:`` equal to its data's ``type`` and validates against the spec (the error
    frame against ``ErrorResponse``: the spec's stream-event union has no ``error`` member)."""
    records = frames(raw)
    for event, data in records:
        assert event == data["type"], (event, data)
        if event == "error":
            assert_valid(*ANTHROPIC_ERROR, data)
        else:
            assert_valid_event(*ANTHROPIC_STREAM_EVENT, data)
    return records


@dataclass
class RefBlock:
    type: str
    text: str = ""
    signature: str = ""
    data: str = ""
    id: str = ""
    name: str = ""


@dataclass
class Reference:
    """What a recorded stream says, read with plain ``json`` and no codec."""

    id: str = ""
    model: str = ""
    blocks: list[RefBlock] = field(default_factory=list)
    stop_reason: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)


def read_reference(raw: bytes) -> Reference:
    ref = Reference()
    by_index: dict[int, RefBlock] = {}
    for _, data in frames(raw):
        kind = data["type"]
        if kind == "message_start":
            ref.id, ref.model = data["message"]["id"], data["message"]["model"]
            ref.usage = dict(data["message"]["usage"])
        elif kind == "content_block_start":
            block = data["content_block"]
            by_index[data["index"]] = RefBlock(block["type"], block.get("text", block.get("thinking", "")),
                                               data=block.get("data", ""), id=block.get("id", ""),
                                               name=block.get("name", ""))
        elif kind == "content_block_delta":
            delta, target = data["delta"], by_index[data["index"]]
            if delta["type"] == "signature_delta":
                target.signature = delta["signature"]
            else:
                target.text += delta.get("text", delta.get("thinking", delta.get("partial_json", "")))
        elif kind == "message_delta":
            ref.stop_reason = data["delta"]["stop_reason"]
            ref.usage.update({key: value for key, value in data["usage"].items() if value is not None})
    ref.blocks = [by_index[index] for index in sorted(by_index)]
    return ref


def sse(*payloads: dict[str, Any] | str) -> bytes:
    """Frame payloads the way the API does (``event:`` = the payload's type); a string is sent raw."""
    out = b""
    for payload in payloads:
        if isinstance(payload, str):
            out += f"event: raw\ndata: {payload}\n\n".encode()
        else:
            out += f"event: {payload['type']}\ndata: {json.dumps(payload)}\n\n".encode()
    return out


def message_start(usage: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": "message_start", "message": {
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-x", "content": [],
        "stop_reason": None, "stop_sequence": None,
        "usage": usage if usage is not None else {"input_tokens": 10, "output_tokens": 1},
    }}


def block_start(index: int, block: dict[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_start", "index": index, "content_block": block}


def block_delta(index: int, delta: dict[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": index, "delta": delta}


def block_stop(index: int) -> dict[str, Any]:
    return {"type": "content_block_stop", "index": index}


def message_delta(stop_reason: str | None = "end_turn", usage: dict[str, Any] | None = None,
                  stop_sequence: str | None = None) -> dict[str, Any]:
    return {"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": stop_sequence},
            "usage": usage if usage is not None else {"output_tokens": 5}}


MESSAGE_STOP: dict[str, Any] = {"type": "message_stop"}
TEXT: dict[str, Any] = {"type": "text", "text": ""}
