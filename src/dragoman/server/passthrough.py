"""Same-dialect streams: upstream bytes are relayed as they arrive.

The SSE records are also fed to the dialect's stream decoder, only to learn the usage and to notice an
upstream error that arrives before any content (then the client still gets a real HTTP error status).
When dragoman itself asked a chat upstream for the usage chunk, that chunk is held back from the client.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from dragoman.canonical.errors import GatewayError
from dragoman.canonical.events import BlockStart, StreamError, StreamEvent, StreamFinish, StreamStart
from dragoman.canonical.response import Usage
from dragoman.dialects.base import StreamDecoder, StreamEncoder
from dragoman.providers.http import UpstreamResponse
from dragoman.server.streaming import EventPump, _TimedOut
from dragoman.sse import SSE_COMMENT_KEEPALIVE, SSEDecoder, SSEMessage, encode_sse

log = logging.getLogger("dragoman.passthrough")

_USAGE_ONLY_MARKERS = (b'"choices":[]', b'"choices": []')


class PassthroughStream:
    def __init__(
        self,
        upstream: UpstreamResponse,
        decoder: StreamDecoder,
        encoder: StreamEncoder,
        keepalive_interval: float,
        *,
        hide_usage_chunk: bool,
    ) -> None:
        self._upstream = upstream
        self._encoder = encoder
        self._start: StreamStart | None = None
        self._decoder: StreamDecoder | None = decoder
        self._sse = SSEDecoder()
        self._interval = keepalive_interval
        self._hide_usage_chunk = hide_usage_chunk
        self._pump: EventPump[bytes] = EventPump(upstream.chunks())
        self._held: bytes | None = None
        self.usage: Usage | None = None

    async def peek(self) -> None:
        """Wait up to one keepalive interval for the first bytes; raise an upstream error found there."""
        chunk = await self._pump.next(self._interval)
        if chunk is None or isinstance(chunk, _TimedOut):
            return
        self._held = chunk
        for event in self._observe(self._sse.feed(chunk)):
            if isinstance(event, StreamError):
                raise event.error
            if isinstance(event, BlockStart | StreamFinish):
                break

    async def body(self) -> AsyncIterator[bytes]:
        try:
            if self._held is None:
                while True:
                    yield SSE_COMMENT_KEEPALIVE
                    chunk = await self._pump.next(self._interval)
                    if chunk is None:
                        return
                    if not isinstance(chunk, _TimedOut):
                        self._held = chunk
                        self._observe(self._sse.feed(chunk))
                        break
            yield self._relay(self._held)
            async for chunk in self._pump.rest():
                yield self._relay(chunk, observe=True)
            for message in self._sse.flush():
                self._observe([message])
            self._finish_decoder()
        except GatewayError as error:
            log.warning("relayed stream from %s failed: %s", self._upstream.where, error.message)
            if self._start is not None:
                self._encoder.encode(self._start)  # only to give the encoder the stream's identity
            yield self._encoder.encode(StreamError(error))
        finally:
            await self._pump.aclose()
            self._upstream.close()

    def _relay(self, chunk: bytes, *, observe: bool = False) -> bytes:
        if not self._hide_usage_chunk:
            if observe:
                self._observe(self._sse.feed(chunk))
            return chunk
        if observe:
            messages = self._sse.feed(chunk)
            self._observe(messages)
        else:
            messages = self._pending_messages(chunk)
        out = bytearray()
        for message in messages:
            data = message.data.encode()
            if any(marker in data for marker in _USAGE_ONLY_MARKERS) and b'"usage"' in data:
                continue
            out += encode_sse(data, message.event)
        return bytes(out)

    def _pending_messages(self, chunk: bytes) -> list[SSEMessage]:
        # The held first chunk was already parsed in peek(); re-parse it with a fresh framer for relaying.
        return SSEDecoder().feed(chunk)

    def _observe(self, messages: list[SSEMessage]) -> list[StreamEvent]:
        if self._decoder is None:
            return []
        events: list[StreamEvent] = []
        try:
            for message in messages:
                events.extend(self._decoder.feed(message))
        except GatewayError as error:
            log.warning("could not read usage from %s: %s", self._upstream.where, error.message)
            self._decoder = None
            return events
        for event in events:
            if isinstance(event, StreamFinish):
                self.usage = event.usage
            elif isinstance(event, StreamStart):
                self._start = event
        return events

    def _finish_decoder(self) -> None:
        if self._decoder is None:
            return
        try:
            for event in self._decoder.finish():
                if isinstance(event, StreamFinish):
                    self.usage = event.usage
        except GatewayError as error:
            log.warning("relayed stream from %s ended early: %s", self._upstream.where, error.message)
