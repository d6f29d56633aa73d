"""Streaming answers: peek before committing headers, keepalives, and errors after the first byte.

Until the first content event (a block start or the finish) arrives, events are held back so that an early
upstream failure can still become a real HTTP error status in the client's dialect. If nothing arrives
within ``keepalive_interval`` the headers are committed and keepalives flow until the content starts.
Once the first byte has gone out, every failure is rendered inside the stream by the client's encoder.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Final, Generic, TypeVar

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from dragoman.canonical.errors import GatewayError, InternalError, UpstreamProtocolError
from dragoman.canonical.events import BlockStart, StreamError, StreamEvent, StreamFinish, StreamStart
from dragoman.canonical.response import Usage
from dragoman.dialects.base import StreamDecoder, StreamEncoder
from dragoman.providers.http import UpstreamResponse
from dragoman.routing.affinity import StreamKeys
from dragoman.server.accounting import CLIENT_CLOSED_REQUEST, RequestLedger, StreamObserver
from dragoman.sse import SSEDecoder

log = logging.getLogger("dragoman.stream")
T = TypeVar("T")


class TimedOut:
    """The wait limit passed before the next event arrived."""


TIMED_OUT: Final = TimedOut()
SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}
EVENT_STREAM = "text/event-stream"


class AccountedStream(StreamingResponse):
    """An event stream whose request is accounted for however the response ends.

    The body's own ``finally`` records what the stream used, but it runs only if the body was started and is
    closed; a client that leaves mid-stream (or before the body starts) leaves it to the garbage collector.
    Closing the body here makes the record happen at once, and a body that never started is recorded as the
    client's departure."""

    def __init__(self, body: AsyncIterator[bytes], ledger: RequestLedger) -> None:
        super().__init__(body, media_type=EVENT_STREAM, headers=SSE_HEADERS)
        self._body = body
        self._ledger = ledger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            close = getattr(self._body, "aclose", None)
            if close is not None:
                await close()
            self._ledger.close(CLIENT_CLOSED_REQUEST, None, None, error_code="client_disconnected")


async def canonical_events(
    upstream: UpstreamResponse, decoder: StreamDecoder, model: str
) -> AsyncIterator[StreamEvent]:
    """Upstream SSE bytes → canonical events, through the upstream dialect's decoder. The stream names
    ``model``, the one the client asked for (rule *client-model-name*)."""
    sse = SSEDecoder()
    try:
        async for chunk in upstream.chunks():
            for message in sse.feed(chunk):
                for event in decoder.feed(message):
                    if isinstance(event, StreamStart):
                        event.model = model
                    yield event
        for message in sse.flush():
            for event in decoder.feed(message):
                yield event
    except UnicodeDecodeError as error:
        raise UpstreamProtocolError(f"the upstream {upstream.where} sent invalid UTF-8: {error}") from error
    for event in decoder.finish():
        yield event


class EventPump(Generic[T]):
    """Pulls from an async iterator with an optional wait limit, without losing the pending item."""

    __slots__ = ("_iterator", "_pending")

    def __init__(self, iterator: AsyncIterator[T]) -> None:
        self._iterator = iterator
        self._pending: asyncio.Future[T] | None = None

    async def next(self, timeout: float) -> T | TimedOut | None:
        """The next event, ``None`` at the end, or ``TIMED_OUT`` (the pull stays pending for next time)."""
        if self._pending is None:
            self._pending = asyncio.ensure_future(anext(self._iterator))
        done, _ = await asyncio.wait((self._pending,), timeout=timeout)
        if not done:
            return TIMED_OUT
        pending, self._pending = self._pending, None
        try:
            return pending.result()
        except StopAsyncIteration:
            return None

    async def rest(self) -> AsyncIterator[T]:
        assert self._pending is None
        async for event in self._iterator:
            yield event

    async def aclose(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        close = getattr(self._iterator, "aclose", None)
        if close is not None:
            await close()


def _starts_content(event: StreamEvent) -> bool:
    return isinstance(event, BlockStart | StreamFinish)


class TranslatedStream:
    """Holds the events read before the headers were committed and produces the client's bytes.

    The ``observer`` learns when content starts and, once, how the stream ended and what it used."""

    def __init__(self, pump: EventPump[StreamEvent], upstream: UpstreamResponse, keepalive_interval: float,
                 observer: StreamObserver, keys: StreamKeys | None) -> None:
        self._pump = pump
        self._keys = keys
        self._upstream = upstream
        self._interval = keepalive_interval
        self._observer = observer
        self._held: list[StreamEvent] = []
        self._content_started = False
        self._usage: Usage | None = None
        self._error: GatewayError | None = None
        self._completed = False

    async def peek(self) -> None:
        """Read until content starts or ``keepalive_interval`` passes; raise an early upstream error."""
        while True:
            event = await self._pump.next(self._interval)
            if event is None or isinstance(event, TimedOut):
                return
            if isinstance(event, StreamError):
                raise event.error
            self._held.append(event)
            if _starts_content(event):
                self._content_started = True
                self._observer.content_started()
                return

    async def body(self, encoder: StreamEncoder) -> AsyncIterator[bytes]:
        try:
            async for frame in self._frames(encoder):
                if frame:
                    yield frame
            self._completed = True
        finally:
            self._observer.stream_ended(self._usage, self._error, completed=self._completed,
                                        affinity_keys=self._keys.keys if self._keys is not None else [])
            await self._pump.aclose()
            self._upstream.close()

    def _encode(self, encoder: StreamEncoder, event: StreamEvent) -> bytes:
        if self._keys is not None:
            self._keys.observe(event)
        if isinstance(event, StreamFinish):
            self._usage = event.usage
        elif isinstance(event, StreamError):
            self._error = event.error
        return encoder.encode(event)

    async def _frames(self, encoder: StreamEncoder) -> AsyncIterator[bytes]:
        try:
            for event in self._held:
                yield self._encode(encoder, event)
            while not self._content_started:
                yield encoder.keepalive()
                pulled = await self._pump.next(self._interval)
                if isinstance(pulled, TimedOut):
                    continue
                if pulled is None:
                    return
                if _starts_content(pulled):
                    self._content_started = True
                    self._observer.content_started()
                yield self._encode(encoder, pulled)
                if isinstance(pulled, StreamError):
                    return
            async for event in self._pump.rest():
                yield self._encode(encoder, event)
                if isinstance(event, StreamError):
                    return
        except GatewayError as error:
            log.warning("stream from %s failed after the first byte: %s", self._upstream.where, error.message)
            yield self._encode(encoder, StreamError(error))
        except Exception:
            log.exception("stream from %s failed", self._upstream.where)
            yield self._encode(encoder, StreamError(InternalError("dragoman failed while streaming the answer")))
