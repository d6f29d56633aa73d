"""Read an SSE answer (what the gateway sent a client, or what an upstream served) into its JSON payloads,
and the answer text they carry, in each dialect."""

from __future__ import annotations

import json
from typing import Any

from tests.schemas import (
    ANTHROPIC_STREAM_EVENT,
    OPENAI_CHAT_CHUNK,
    OPENAI_RESPONSE_EVENT,
    assert_valid,
    assert_valid_event,
)
from tests.upstream import Dialect

TERMINAL: dict[Dialect, str] = {"chat": "[DONE]", "responses": "response.completed", "anthropic": "message_stop"}


def records(raw: bytes) -> list[tuple[str | None, str]]:
    """(event name, data) of each SSE record; comments (keepalives) skipped."""
    found = []
    for block in raw.replace(b"\r\n", b"\n").split(b"\n\n"):
        event, data = None, []
        for line in block.decode("utf-8").split("\n"):
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
        if data:
            found.append((event, "\n".join(data)))
    return found


def payloads(raw: bytes) -> list[Any]:
    return [json.loads(data) for _, data in records(raw) if data != "[DONE]"]


def check_client_stream(dialect: Dialect, raw: bytes, *, schemas: bool = True) -> list[Any]:
    """The stream properly ended and (with ``schemas``) every event valid under the official schema; the
    payloads. (Real recordings predate fields the current specs require or type more narrowly, so a stream
    an upstream serves is checked for its ending only.)"""
    found = records(raw)
    assert found, f"an empty stream: {raw[:500]!r}"
    last_event, last_data = found[-1]
    ending = last_data if dialect == "chat" else (last_event or json.loads(last_data).get("type"))
    assert ending == TERMINAL[dialect], f"the stream ended with {last_event} {last_data[:300]}"
    parsed = payloads(raw)
    for payload in parsed if schemas else ():
        if dialect == "chat":
            assert_valid(*OPENAI_CHAT_CHUNK, payload)
        elif payload.get("type") != "ping":
            assert_valid_event(*(OPENAI_RESPONSE_EVENT if dialect == "responses" else ANTHROPIC_STREAM_EVENT), payload)
    return parsed


def text_of_stream(dialect: Dialect, parsed: list[Any]) -> str:
    if dialect == "chat":
        return "".join(choice["delta"].get("content") or "" for payload in parsed
                       for choice in payload.get("choices") or [])
    if dialect == "responses":
        return "".join(payload["delta"] for payload in parsed if payload.get("type") == "response.output_text.delta")
    return "".join(payload["delta"]["text"] for payload in parsed
                   if payload.get("type") == "content_block_delta" and payload["delta"].get("type") == "text_delta")
