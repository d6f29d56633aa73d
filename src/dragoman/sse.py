"""Server-sent events framing: bytes <-> (event, data) records. Knows no dialect.

``SSEDecoder`` is a pure incremental parser (``feed()`` any chunking of the bytes, then ``flush()``) that
follows the WHATWG event-stream rules: ``\\n``, ``\\r\\n`` and ``\\r`` line ends, ``:`` comments, multi-line
``data`` joined by ``\\n``, one optional space after the colon removed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True, frozen=True)
class SSEMessage:
    event: str | None
    data: str


class SSEDecoder:
    __slots__ = ("_buffer", "_data", "_event", "_pending_cr")

    def __init__(self) -> None:
        self._buffer = b""
        self._pending_cr = False
        self._event: str | None = None
        self._data: list[str] = []

    def feed(self, chunk: bytes) -> list[SSEMessage]:
        if self._pending_cr and chunk.startswith(b"\n"):
            chunk = chunk[1:]
        self._pending_cr = False
        buffer = self._buffer + chunk
        messages: list[SSEMessage] = []
        start = 0
        length = len(buffer)
        while start < length:
            newline = buffer.find(b"\n", start)
            carriage = buffer.find(b"\r", start, newline if newline != -1 else length)
            if carriage != -1:
                end, next_start = carriage, carriage + 1
                if next_start < length and buffer[next_start] == 0x0A:
                    next_start += 1
                elif next_start == length:
                    self._pending_cr = True
            elif newline != -1:
                end, next_start = newline, newline + 1
            else:
                break
            self._line(buffer[start:end].decode("utf-8"), messages)
            start = next_start
        self._buffer = buffer[start:]
        return messages

    def flush(self) -> list[SSEMessage]:
        """End of stream: a final line without a terminator counts; an unterminated event is dispatched."""
        messages: list[SSEMessage] = []
        if self._buffer:
            self._line(self._buffer.decode("utf-8"), messages)
            self._buffer = b""
        self._line("", messages)
        return messages

    def _line(self, line: str, messages: list[SSEMessage]) -> None:
        if not line:
            if self._data:
                messages.append(SSEMessage(self._event, "\n".join(self._data)))
            self._event = None
            self._data = []
            return
        if line[0] == ":":
            return
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value or None


def encode_sse(data: bytes, event: str | None = None) -> bytes:
    """One SSE record. ``data`` must be a single line (JSON from orjson always is)."""
    if event is None:
        return b"data: " + data + b"\n\n"
    return b"event: " + event.encode() + b"\ndata: " + data + b"\n\n"


SSE_COMMENT_KEEPALIVE = b": keepalive\n\n"
