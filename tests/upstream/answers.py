"""What the fake upstream can answer: a whole body, an SSE stream sent record by record, or nothing at all."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any, Literal

Dialect = Literal["chat", "responses", "anthropic"]
DIALECTS: tuple[Dialect, ...] = ("chat", "responses", "anthropic")
SSE_CONTENT_TYPE = "text/event-stream; charset=utf-8"
JSON_CONTENT_TYPE = "application/json"


@dataclass(frozen=True, slots=True)
class Body:
    """A complete HTTP answer, sent after ``delay`` seconds."""

    status: int
    content: bytes
    content_type: str = JSON_CONTENT_TYPE
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0

    def json(self) -> Any:
        return json.loads(self.content)


@dataclass(frozen=True, slots=True)
class Stream:
    """A 200 ``text/event-stream`` answer. Headers go out at once, the first record after ``delay`` seconds,
    then every record as its own write, with a ``pause`` of that many seconds after record ``pause_after``.
    ``ending`` says how the body ends: ``eof`` finishes the HTTP body normally, ``abort`` drops the
    connection without finishing it."""

    records: tuple[bytes, ...]
    ending: Literal["eof", "abort"] = "eof"
    delay: float = 0.0
    pause_after: int = -1
    pause: float = 0.0
    headers: tuple[tuple[str, str], ...] = field(default=())

    @property
    def content(self) -> bytes:
        return b"".join(self.records)

    def without(self, predicate: Any) -> Stream:
        return replace(self, records=tuple(record for record in self.records if not predicate(record)))


@dataclass(frozen=True, slots=True)
class Hang:
    """Accept the request and never answer (until the fake upstream shuts down)."""


Answer = Body | Stream | Hang


def json_body(status: int, payload: Any, headers: tuple[tuple[str, str], ...] = ()) -> Body:
    return Body(status, json.dumps(payload).encode(), headers=headers)


def sse_record(payload: Any, event: str | None = None) -> bytes:
    data = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
    head = f"event: {event}\n" if event is not None else ""
    return f"{head}data: {data}\n\n".encode()
