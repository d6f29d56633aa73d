"""Same-dialect streams: upstream bytes are relayed as they arrive.

The SSE records are also fed to the dialect's stream decoder, to learn the usage, to notice an upstream
error that arrives before any content (then the client still gets a real HTTP error status), and to notice
a stream that is cut off or unreadable (then an error goes inside the stream instead of a silent truncation).
When dragoman itself asked a chat upstream for the usage chunk, that chunk is held back from the client.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator

import orjson

from dragoman.canonical.errors import GatewayError
from dragoman.canonical.events import BlockStart, StreamError, StreamEvent, StreamFinish, StreamStart
from dragoman.canonical.response import Usage
from dragoman.dialects.base import StreamDecoder, StreamEncoder
from dragoman.providers.http import UpstreamResponse
from dragoman.routing.affinity import StreamKeys
from dragoman.server.accounting import StreamObserver
from dragoman.server.streaming import EventPump, TimedOut
from dragoman.sse import SSEDecoder, SSEMessage, encode_sse

log = logging.getLogger("dragoman.passthrough")

_USAGE_ONLY_MARKERS = (b'"choices":[]', b'"choices": []')
_SEQUENCE_NUMBER = re.compile(r'"sequence_number":\s*(\d+)')


def continue_numbering(frames: bytes, last: int) -> bytes:
    """Renumber the ``sequence_number`` of our own frames so they follow the upstream's last one."""
    out = bytearray()
    for record in frames.split(b"\n\n"):
        if not record:
            continue
        head, sep, data = record.rpartition(b"data: ")
        if sep and b'"sequence_number"' in data:
            payload = orjson.loads(data)
            last += 1
            payload["sequence_number"] = last
            data = orjson.dumps(payload)
        out += head + sep + data + b"\n\n"
    return bytes(out)


class _UpstreamReportedError(Exception):
    """The upstream sent an in-stream error record; ``before`` are the records that preceded it."""

    def __init__(self, error: GatewayError, before: list[SSEMessage]) -> None:
        super().__init__(error.message)
        self.error = error
        self.before = before


class PassthroughStream:
    def __init__(
        self,
        upstream: UpstreamResponse,
        decoder: StreamDecoder,
        encoder: StreamEncoder,
        keepalive_interval: float,
        observer: StreamObserver,
        keys: StreamKeys | None,
        *,
        hide_usage_chunk: bool,
        numbered_events: bool,
    ) -> None:
        self._upstream = upstream
        self._observer = observer
        self._keys = keys
        self._error: GatewayError | None = None
        self._encoder = encoder
        self._start: StreamStart | None = None
        self._decoder = decoder
        self._sse = SSEDecoder()
        self._interval = keepalive_interval
        self._hide_usage_chunk = hide_usage_chunk
        self._pump: EventPump[bytes] = EventPump(upstream.chunks())
        self._held: tuple[bytes, list[SSEMessage]] | None = None
        self.usage: Usage | None = None
        self._last_sequence: int | None = None
        self._content_seen = False
        self._held_error: _UpstreamReportedError | None = None
        self._numbered_events = numbered_events

    async def peek(self) -> None:
        """Wait up to one keepalive interval for the first bytes; an upstream error reported there before
        any content is raised, so the client gets a real HTTP error status."""
        chunk = await self._pump.next(self._interval)
        if chunk is None or isinstance(chunk, TimedOut):
            return
        messages = self._sse.feed(chunk)
        self._held = (chunk, messages)
        try:
            self._observe(messages)
        except _UpstreamReportedError as reported:
            if not self._content_seen:
                raise reported.error from None
            self._held_error = reported

    async def body(self) -> AsyncIterator[bytes]:
        completed = False
        try:
            if self._held is None:
                while True:
                    yield self._encoder.keepalive()
                    pulled = await self._pump.next(self._interval)
                    if pulled is None:
                        break
                    if not isinstance(pulled, TimedOut):
                        messages = self._sse.feed(pulled)
                        self._observe(messages)
                        self._held = (pulled, messages)
                        break
            if self._held_error is not None:
                raise self._held_error
            if self._held is not None:
                yield self._relay(*self._held)
                async for chunk in self._pump.rest():
                    messages = self._sse.feed(chunk)
                    self._observe(messages)
                    yield self._relay(chunk, messages)
            self._observe(self._sse.flush())
            self._finish_decoder()
            completed = True
        except _UpstreamReportedError as reported:
            self._error = reported.error
            if reported.before:
                yield b"".join(encode_sse(message.data.encode(), message.event) for message in reported.before)
            yield self._render_error(reported.error)
        except GatewayError as error:
            # The upstream broke off or sent something unreadable: the client must not see a silently
            # truncated stream, so the error goes inside it in the client's (here: the upstream's) dialect.
            self._error = error
            log.warning("relayed stream from %s failed: %s", self._upstream.where, error.message)
            yield self._render_error(error)
        finally:
            self._observer.stream_ended(self.usage, self._error, completed=completed,
                                        affinity_keys=self._keys.keys if self._keys is not None else [])
            await self._pump.aclose()
            self._upstream.close()

    def _render_error(self, error: GatewayError) -> bytes:
        if self._start is not None:
            self._encoder.encode(self._start)  # only to give the encoder the stream's identity
        frames = self._encoder.encode(StreamError(error))
        return frames if self._last_sequence is None else continue_numbering(frames, self._last_sequence)

    def _relay(self, chunk: bytes, messages: list[SSEMessage]) -> bytes:
        if not self._hide_usage_chunk:
            return chunk
        out = bytearray()
        for message in messages:
            data = message.data.encode()
            if b'"usage"' in data and any(marker in data for marker in _USAGE_ONLY_MARKERS):
                continue
            out += encode_sse(data, message.event)
        return bytes(out)

    def _observe(self, messages: list[SSEMessage]) -> list[StreamEvent]:
        """Feed the records to the decoder; its ``UpstreamProtocolError`` ends the relay."""
        events: list[StreamEvent] = []
        for position, message in enumerate(messages):
            decoded = self._decoder.feed(message)
            numbered = self._numbered_events and not any(isinstance(event, StreamError) for event in decoded)
            if numbered and (found := _SEQUENCE_NUMBER.search(message.data)):
                self._last_sequence = int(found.group(1))
            for event in decoded:
                if self._keys is not None:
                    self._keys.observe(event)
                if isinstance(event, StreamError):
                    # Rendered by our encoder rather than relayed, so the dialect's closing frames (chat's
                    # [DONE], Responses' response.failed) follow even when the upstream left them out.
                    raise _UpstreamReportedError(event.error, messages[:position])
                if isinstance(event, StreamFinish):
                    self.usage = event.usage
                elif isinstance(event, StreamStart):
                    self._start = event
                if isinstance(event, BlockStart | StreamFinish) and not self._content_seen:
                    self._content_seen = True
                    self._observer.content_started()
                events.append(event)
        return events

    def _finish_decoder(self) -> None:
        for event in self._decoder.finish():
            if isinstance(event, StreamFinish):
                self.usage = event.usage
