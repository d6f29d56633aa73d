"""The account of one request: who made it, what it was routed to, what it used and cost, how long it took.

A ``RequestLedger`` is opened when a request arrives and closed exactly once when its answer has been sent
(for streams: when the stream ends, fails or the client goes away). Closing settles the key's limits and
reports the outcome to the router (the member's health and load, and which member holds the answer's
proofs) — both in the background, the client never waits for them — and hands one ``UsageRecord`` to the
batching writer.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Protocol

from dragoman.access.control import AccessControl, Principal, Ticket
from dragoman.access.usage import UsageRecord, cost_of
from dragoman.canonical.errors import GatewayError
from dragoman.canonical.response import Usage
from dragoman.config import DeploymentConfig
from dragoman.routing.affinity import AffinityStore
from dragoman.routing.attempt import Attempt
from dragoman.store.usage_writer import UsageWriter

log = logging.getLogger("dragoman.accounting")

CLIENT_CLOSED_REQUEST = 499  # nginx's convention: the client went away before the answer was complete


class StreamObserver(Protocol):
    """What a streamed answer tells its ledger."""

    def content_started(self) -> None: ...

    def stream_ended(self, usage: Usage | None, error: GatewayError | None, *, completed: bool,
                     affinity_keys: list[str]) -> None: ...


class Accounting:
    """Opens ledgers and finishes their background work (limits, router reports) before shutdown."""

    def __init__(self, access: AccessControl, writer: UsageWriter, affinity: AffinityStore) -> None:
        self.access = access
        self.writer = writer
        self.affinity = affinity
        self._pending: set[asyncio.Task[None]] = set()

    def open(self, client_dialect: str) -> RequestLedger:
        return RequestLedger(self, client_dialect)

    def in_background(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._pending.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._pending.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.warning("finishing a request's accounting failed: %r", error)

    async def drain(self) -> None:
        """Wait for the background work in flight (at shutdown, before the connections it needs close)."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)


async def _report(attempt: Attempt, affinity: AffinityStore, status: int, tokens: int,
                  error: GatewayError | None, keys: list[str]) -> None:
    """Tell the router how the attempt that answered ended (earlier failed attempts were told already)."""
    if error is not None:
        await attempt.failed(error, tokens)
    elif status == CLIENT_CLOSED_REQUEST:
        await attempt.cancelled(tokens)
    else:
        await attempt.succeeded(tokens)
    if keys and error is None:
        await affinity.remember(keys, attempt.member_id)


class RequestLedger:
    __slots__ = (
        "_accounting", "_arrived", "_closed", "_first_content", "_started", "affinity_keys", "attempt",
        "client_dialect", "deployment", "model", "principal", "stream", "ticket", "upstream_dialect",
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
        self.attempt: Attempt | None = None
        self.affinity_keys: list[str] = []  # what only the answering member can take back (routing.affinity)

    @property
    def started(self) -> float:
        """``time.perf_counter()`` when the request arrived."""
        return self._started

    def content_started(self) -> None:
        if self._first_content is None:
            self._first_content = time.perf_counter()

    def stream_ended(self, usage: Usage | None, error: GatewayError | None, *, completed: bool,
                     affinity_keys: list[str]) -> None:
        self.affinity_keys = affinity_keys
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
        accounting = self._accounting
        if self.ticket is not None:
            accounting.in_background(accounting.access.settle(self.ticket, actual_tokens=usage.total_tokens,
                                                              cost_usd=cost))
        if self.attempt is not None:
            accounting.in_background(_report(self.attempt, accounting.affinity, status, usage.total_tokens, error,
                                             self.affinity_keys))
        if self.principal is None:
            return
        now = time.perf_counter()
        if error is not None:
            error_code = error.code or error.kind
        accounting.writer.record(UsageRecord(
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
