"""Recorded provider traffic as fake-upstream answers, byte for byte where the recording is raw bytes."""

from __future__ import annotations

import functools
import json
from typing import Any

from tests.recordings import load_json, load_sse_bytes, split_responses_streams
from tests.upstream.answers import Body, Stream, json_body, sse_record


def split_records(raw: bytes) -> tuple[bytes, ...]:
    """One SSE record per item, each with its terminating blank line, bytes untouched (padding kept)."""
    pieces = raw.split(b"\n\n")
    records = [piece + b"\n\n" for piece in pieces[:-1] if piece.strip()]
    if pieces[-1].strip():
        records.append(pieces[-1])
    return tuple(records)


def record_event(record: bytes) -> str | None:
    for line in record.split(b"\n"):
        if line.startswith(b"event:"):
            return line[6:].strip().decode()
    return None


def record_payload(record: bytes) -> Any:
    """The JSON of a record's ``data:`` line(s); ``None`` for ``[DONE]`` or a record without data."""
    data = [line[5:].removeprefix(b" ") for line in record.split(b"\n") if line.startswith(b"data:")]
    if not data or data == [b"[DONE]"]:
        return None
    return json.loads(b"\n".join(data))


def rewrite_record(record: bytes, payload: Any) -> bytes:
    """The record carrying a new payload; its ``event:`` line (if any) follows the payload's ``type``."""
    event = record_event(record)
    if event is not None and isinstance(payload, dict) and isinstance(payload.get("type"), str):
        event = payload["type"]
    return sse_record(payload, event)


@functools.cache
def recorded_stream(name: str) -> Stream:
    return Stream(split_records(load_sse_bytes(name)))


@functools.cache
def recorded_stream_part(name: str, index: int) -> Stream:
    """One of several Responses streams recorded end to end in one file."""
    return Stream(split_records(split_responses_streams(load_sse_bytes(name))[index]))


@functools.cache
def recorded_json(name: str, status: int = 200) -> Body:
    """A recorded JSON body as sent (``*.json`` fixtures are the bodies the provider answered with)."""
    return json_body(status, load_json(name))


@functools.cache
def completed_response(name: str) -> Body:
    """The ``response`` object of a recorded stream's ``response.completed`` event: the very object the
    non-streaming Responses endpoint answers with for the same call."""
    for record in recorded_stream(name).records:
        payload = record_payload(record)
        if isinstance(payload, dict) and payload.get("type") == "response.completed":
            return json_body(200, payload["response"])
    raise LookupError(f"{name} has no response.completed event")
