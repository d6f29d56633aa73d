"""The account of one request: who made it, what it was routed to, what it used and cost, how long it took.

A ``RequestLedger`` is opened when a request arrives and closed exactly once when its answer has been sent
(for streams: when the stream ends, fails or the client goes away). Closing settles the key's limits (in the
background: the client never waits for it) and hands one ``UsageRecord`` to the batching writer.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from datetime import UTC, datetime
from typing import Protocol

from dragoman.access.control import AccessControl, Principal, Ticket
from dragoman.access.usage import UsageRecord, cost_of
from dragoman.canonical.errors import GatewayError
from dragoman.canonical.response import Usage
from dragoman.config import DeploymentConfig
from dragoman.store.usage_writer import UsageWriter

log = logging.getLogger("dragoman.accounting")

CLIENT_CLOSED_REQUEST = 499  # nginx's convention: the client went away before the answer was complete


class StreamObserver(Protocol):
    """What a streamed answer tells its ledger."""

    def content_started(self) -> None: ...

    def stream_ended(self, usage: Usage | None, error: GatewayError | None, *, completed: bool) -> None: ...


class Accounting:
    """Opens ledgers and finishes their background work (settling limits) before shutdown."""

    def __init__(self, access: AccessControl, writer: UsageWriter) -> None:
        self.access = access
        self.writer = writer
        self._settling: set[asyncio.Task[None]] = set()

    def open(self, client_dialect: str) -> RequestLedger:
        return RequestLedger(self, client_dialect)

    def settle_later(self, ticket: Ticket, actual_tokens: int, cost_usd: float) -> None:
        task = asyncio.get_running_loop().create_task(
            self.access.settle(ticket, actual_tokens=actual_tokens, cost_usd=cost_usd)
        )
        self._settling.add(task)
        task.add_done_callback(self._settled)

    def _settled(self, task: asyncio.Task[None]) -> None:
        self._settling.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.warning("settling a request's limits failed: %r", error)

    async def drain(self) -> None:
        """Wait for every settle in flight (at shutdown, before the counters' connection closes)."""
        while self._settling:
            await asyncio.gather(*list(self._settling), return_exceptions=True)


class RequestLedger:
    __slots__ = (
        "_accounting", "_arrived", "_closed", "_first_content", "_started", "client_dialect", "deployment",
        "model", "principal", "stream", "ticket", "upstream_dialect",
    )

    def __init__(self, accounting: Accounting, client_dialect: str) -> None:
        self._accounting = accounting
        self._arrived = datetime.now(UTC)
        self._started = time.perf_counter()
        self._first_content: float | None = None
        self._closed = False
        self.client_dialect = client_dialect
        self.principal: Principal | None = None
        self.ticket: Ticket | None = None
        self.model = ""
        self.deployment: DeploymentConfig | None = None
        self.upstream_dialect: str | None = None
        self.stream = False

    def content_started(self) -> None:
        if self._first_content is None:
            self._first_content = time.perf_counter()

    def stream_ended(self, usage: Usage | None, error: GatewayError | None, *, completed: bool) -> None:
        if completed or error is not None:
            self.close(200, usage, error)
        else:
            self.close(CLIENT_CLOSED_REQUEST, usage, None, error_code="client_disconnected")

    def close(self, status: int, usage: Usage | None, error: GatewayError | None, *,
              error_code: str | None = None) -> None:
        """Record the request (once) and settle its limits. A request refused before it was authenticated
        has no principal and leaves no record."""
        if self._closed:
            return
        self._closed = True
        usage = usage or Usage()
        deployment = self.deployment
        cost = cost_of(usage, deployment.pricing) if deployment is not None else 0.0
        if self.ticket is not None:
            self._accounting.settle_later(self.ticket, usage.total_tokens, cost)
        if self.principal is None:
            return
        now = time.perf_counter()
        if error is not None:
            error_code = error.code or error.kind
        self._accounting.writer.record(UsageRecord(
            id=uuid.uuid4().hex,
            created_at=self._arrived,
            key_id=self.principal.key_id,
            model=self.model,
            deployment=(deployment.id or deployment.name) if deployment is not None else None,
            client_dialect=self.client_dialect,
            upstream_dialect=self.upstream_dialect,
            stream=self.stream,
            status=status,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cached_tokens=usage.cache_read_tokens,
            reasoning_tokens=usage.reasoning_tokens,
            cost_usd=cost,
            latency_ms=(now - self._started) * 1000,
            ttft_ms=(self._first_content - self._started) * 1000 if self._first_content is not None else None,
            error=error_code,
        ))
