"""Read the recorded provider traffic in ../shared/fixtures as raw SSE bytes or JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.paths import FIXTURES


def fixture_path(name: str) -> Path:
    return FIXTURES / name


def load_json(name: str) -> Any:
    return json.loads(fixture_path(name).read_text())


def load_sse_bytes(name: str) -> bytes:
    """A stream fixture as the SSE bytes a provider sent.

    ``*.sse`` files are returned verbatim. ``*.chunks.txt`` files (one JSON payload per line) are framed as
    ``event: <type>`` + ``data:`` for Anthropic and Responses payloads (they carry ``type``), plain ``data:``
    with a final ``[DONE]`` for Chat Completions payloads.
    """
    path = fixture_path(name)
    if path.suffix == ".sse":
        return path.read_bytes()
    out: list[bytes] = []
    chat = False
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        payload = json.loads(line)
        event = payload.get("type") if isinstance(payload, dict) else None
        if isinstance(event, str) and payload.get("object") != "chat.completion.chunk":
            out.append(f"event: {event}\ndata: {line}\n\n".encode())
        else:
            chat = True
            out.append(f"data: {line}\n\n".encode())
    if chat:
        out.append(b"data: [DONE]\n\n")
    return b"".join(out)


def split_responses_streams(raw: bytes) -> list[bytes]:
    """Split a concatenation of several Responses streams at each ``response.created``."""
    parts: list[bytes] = []
    for record in raw.split(b"\n\n"):
        if not record.strip():
            continue
        if b"event: response.created" in record or not parts:
            parts.append(b"")
        parts[-1] += record + b"\n\n"
    return parts
