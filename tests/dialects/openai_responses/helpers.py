"""Shared helpers for the Responses codec tests: decode recorded streams, read the recordings directly."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from dragoman.canonical.events import StreamError, StreamEvent
from dragoman.dialects.openai_responses.stream_decode import ResponsesStreamDecoder
from dragoman.sse import SSEDecoder
from tests.paths import FIXTURES
from tests.recordings import load_sse_bytes, split_responses_streams
from tests.schemas import assert_valid


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


_INPUT_ITEM_SCHEMAS = {
    "function_call": "FunctionToolCall",
    "function_call_output": "FunctionCallOutputItemParam",
    "custom_tool_call": "CustomToolCall",
    "custom_tool_call_output": "CustomToolCallOutput",
    "reasoning": "ReasoningItem",
}


def assert_valid_create(body: dict[str, Any]) -> None:
    """Validate a request we send upstream against ``CreateResponse``, item by item.

    Allowances for spec/reality conflicts: the assistant history item the real API accepts (as pydantic-ai,
    vercel/ai and Codex send it) has no ``id``/``status`` and no ``output_text.logprobs``, which the spec's
    ``OutputMessage`` requires; a ``message`` item with an ``input_text`` list matches both
    ``EasyInputMessage`` and ``InputMessage`` of the spec's ``oneOf``, so items are checked one at a time.
    """
    body = copy.deepcopy(body)
    for item in body["input"]:
        kind = item["type"]
        if kind == "message" and item["role"] == "assistant":
            content = [{**part, "logprobs": []} if part["type"] == "output_text" else part for part in item["content"]]
            assert_valid("openai", "OutputMessage",
                         {**item, "content": content, "id": "msg_placeholder", "status": "completed"})
        elif kind == "message":
            assert_valid("openai", "InputMessage", item)
        else:
            assert_valid("openai", _INPUT_ITEM_SCHEMAS[kind], item)
    assert_valid("openai", "CreateResponse", {**body, "input": "placeholder"})


def client_bodies(name: str) -> list[tuple[str, dict[str, Any]]]:
    """(client variant, body) of every ``POST /v1/responses`` a real client sent, from a capture file."""
    lines = fixture(f"clients/{name}").read_text().splitlines()
    entries = [json.loads(line) for line in lines if line.strip()]
    return [(entry["client"], json.loads(entry["body"])) for entry in entries
            if entry["method"] == "POST" and entry["path"] == "/v1/responses"]
