"""Helpers for the chat stream tests: run bytes through the SSE framer and the codec, build chunks."""

from __future__ import annotations

import json
from typing import Any

from dragoman.canonical.content import TextPart
from dragoman.canonical.events import StreamEvent
from dragoman.canonical.request import Message, Request
from dragoman.dialects.openai_chat.codec import CODEC
from dragoman.sse import SSEDecoder


def decode_stream(raw: bytes, *, byte_by_byte: bool = False, finish: bool = True) -> list[StreamEvent]:
    framer = SSEDecoder()
    decoder = CODEC.stream_decoder()
    events: list[StreamEvent] = []
    pieces = [raw[i : i + 1] for i in range(len(raw))] if byte_by_byte else [raw]
    for piece in pieces:
        for message in framer.feed(piece):
            events.extend(decoder.feed(message))
    for message in framer.flush():
        events.extend(decoder.feed(message))
    if finish:
        events.extend(decoder.finish())
    return events


def encode_stream(events: list[StreamEvent], request: Request) -> bytes:
    encoder = CODEC.stream_encoder(request)
    return b"".join(encoder.encode(event) for event in events)


def data_records(raw: bytes) -> list[str]:
    """The ``data:`` payloads of a chat stream, read without the codec (one-line records only)."""
    return [line[6:].decode() for line in raw.split(b"\n") if line.startswith(b"data: ")]


def chat_request(*, include_usage: bool = True, model: str = "gpt-test") -> Request:
    return Request(model=model, messages=[Message("user", [TextPart("hi")])], stream=True,
                   include_usage=include_usage)


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None, *, usage: Any = None,
          choices: list[Any] | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1700000000,
                            "model": "m"}
    if choices is None:
        choices = [{"index": 0, "delta": delta or {}, "logprobs": None, "finish_reason": finish}]
    body["choices"] = choices
    if usage is not None:
        body["usage"] = usage
    body.update(extra)
    return body


def sse(*records: dict[str, Any] | str, done: bool = True) -> bytes:
    out = b""
    for record in records:
        data = record if isinstance(record, str) else json.dumps(record)
        out += b"data: " + data.encode() + b"\n\n"
    return out + (b"data: [DONE]\n\n" if done else b"")
