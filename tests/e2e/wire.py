"""Raw HTTP against the gateway, and an SSE reader of our own (independent of the code under test).

The reader follows the WHATWG event-stream rules and also keeps comments, so keepalives can be counted.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import httpx2

from tests.gateway import CLIENT_KEY
from tests.upstream import Dialect

PATHS: dict[Dialect, str] = {"chat": "/v1/chat/completions", "responses": "/v1/responses",
                             "anthropic": "/v1/messages"}
ANTHROPIC_VERSION = "2023-06-01"


@dataclass(frozen=True, slots=True)
class Event:
    event: str | None
    data: str

    @property
    def json(self) -> Any:
        return json.loads(self.data)


@dataclass(frozen=True, slots=True)
class Comment:
    text: str


Item = Event | Comment


def parse_sse(raw: bytes) -> list[Item]:
    items: list[Item] = []
    event: str | None = None
    data: list[str] = []
    text = raw.decode("utf-8")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for line in [*lines, ""]:
        if line == "":
            if data:
                items.append(Event(event, "\n".join(data)))
            event, data = None, []
        elif line.startswith(":"):
            items.append(Comment(line[1:].strip()))
        else:
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                data.append(value)
            elif name == "event":
                event = value or None
    return items


def events(items: list[Item]) -> list[Event]:
    return [item for item in items if isinstance(item, Event)]


def headers(client: Dialect, **extra: str) -> dict[str, str]:
    if client == "anthropic":
        return {"x-api-key": CLIENT_KEY, "anthropic-version": ANTHROPIC_VERSION, **extra}
    return {"authorization": f"Bearer {CLIENT_KEY}", **extra}


USER_TEXT = "What is the capital of France?"


def request_body(client: Dialect, model: str, *, stream: bool = False, **extra: Any) -> dict[str, Any]:
    """The smallest ordinary request a client of that dialect sends."""
    body: dict[str, Any]
    if client == "chat":
        body = {"model": model, "messages": [{"role": "user", "content": USER_TEXT}]}
    elif client == "responses":
        body = {"model": model, "input": [{"role": "user", "content": USER_TEXT}]}
    else:
        body = {"model": model, "max_tokens": 256, "messages": [{"role": "user", "content": USER_TEXT}]}
    if stream:
        body["stream"] = True
    return {**body, **extra}


@dataclass(frozen=True, slots=True)
class RawAnswer:
    status: int
    headers: httpx2.Headers
    content: bytes
    chunk_times: tuple[tuple[float, bytes], ...] = ()

    def json(self) -> Any:
        return json.loads(self.content)

    @property
    def items(self) -> list[Item]:
        return parse_sse(self.content)

    @property
    def events(self) -> list[Event]:
        return events(self.items)


def post(http: httpx2.Client, client: Dialect, body: Any, *, path: str | None = None,
         extra_headers: dict[str, str] | None = None, content: bytes | None = None) -> RawAnswer:
    """POST and read the whole answer as bytes, noting when each chunk arrived (seconds after sending)."""
    sent = json.dumps(body).encode() if content is None else content
    request_headers = {"content-type": "application/json", **headers(client), **(extra_headers or {})}
    started = time.monotonic()
    chunks: list[tuple[float, bytes]] = []
    with http.stream("POST", path or PATHS[client], content=sent, headers=request_headers) as response:
        for chunk in response.iter_bytes():
            chunks.append((time.monotonic() - started, chunk))
        return RawAnswer(response.status_code, response.headers, b"".join(c for _, c in chunks), tuple(chunks))
