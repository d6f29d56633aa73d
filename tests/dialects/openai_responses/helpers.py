"""Shared helpers for the Responses codec tests: decode recorded streams, read the recordings directly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dragoman.canonical.events import StreamError, StreamEvent
from dragoman.dialects.openai_responses.stream_decode import ResponsesStreamDecoder
from dragoman.sse import SSEDecoder
from tests.paths import FIXTURES
from tests.recordings import load_sse_bytes, split_responses_streams


def stream_fixtures() -> list[tuple[str, int]]:
    """Every recorded Responses stream as (fixture name, stream number within the file)."""
    cases: list[tuple[str, int]] = []
    for path in sorted((FIXTURES / "openai").glob("responses-stream-*")):
        if path.name.endswith(".request.json"):
            continue
        name = f"openai/{path.name}"
        cases.extend((name, number) for number in range(len(split_responses_streams(load_sse_bytes(name)))))
    return cases


def stream_bytes(name: str, number: int) -> bytes:
    return split_responses_streams(load_sse_bytes(name))[number]


def records(raw: bytes) -> list[dict[str, Any]]:
    decoder = SSEDecoder()
    return [json.loads(message.data) for message in decoder.feed(raw) + decoder.flush()]


def decode_stream(raw: bytes, chunk_size: int | None = None) -> list[StreamEvent]:
    sse, decoder = SSEDecoder(), ResponsesStreamDecoder()
    events: list[StreamEvent] = []
    step = chunk_size or len(raw) or 1
    for start in range(0, len(raw), step):
        for message in sse.feed(raw[start:start + step]):
            events.extend(decoder.feed(message))
    for message in sse.flush():
        events.extend(decoder.feed(message))
    return events + decoder.finish()


def comparable(events: list[StreamEvent]) -> list[object]:
    """Events with errors replaced by their observable fields (exceptions compare by identity)."""
    return [
        (type(event.error).__name__, event.error.status, event.error.message, event.error.code)
        if isinstance(event, StreamError) else event
        for event in events
    ]


def fixture(name: str) -> Path:
    return FIXTURES / name
