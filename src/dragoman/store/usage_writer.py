"""Usage records written off the hot path: requests hand records to ``UsageWriter.record`` (never waits), a
background task writes them in batches every ``flush_interval`` seconds (sooner once ``batch_size`` wait), and
``close`` writes what is left at shutdown. A crash loses at most the records of the last interval; a committed
batch is never lost, and never written twice (a retried batch skips ids already stored).

When the database cannot be written, the records stay queued and the next tick tries again; only beyond
``max_pending`` queued records are the oldest dropped, with an error in the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque

from dragoman.access.usage import UsageRecord
from dragoman.store.base import Store

logger = logging.getLogger(__name__)

DEFAULT_MAX_PENDING = 200_000  # about an hour of a busy gateway's records held through a database outage
FAILURE_LOG_INTERVAL_SECONDS = 60.0  # while the database stays unwritable, a reminder this often


class UsageWriter:
    def __init__(
        self, store: Store, *, flush_interval: float, batch_size: int, max_pending: int = DEFAULT_MAX_PENDING
    ) -> None:
        if flush_interval <= 0 or batch_size <= 0 or max_pending <= 0:
            raise ValueError("flush_interval, batch_size and max_pending must be positive")
        self._store = store
        self._flush_interval = flush_interval
        self._batch_size = batch_size
        self._max_pending = max_pending
        self._pending: deque[UsageRecord] = deque()
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()  # one batch in flight at a time: the background task or an explicit flush
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._failing_since: float | None = None
        self._next_failure_log = 0.0
        self._dropped_unlogged = 0
        self.written = 0  # records committed so far
        self.dropped = 0  # records given up beyond max_pending

    @property
    def pending(self) -> int:
        """Records waiting to be written (not counting a batch being written right now)."""
        return len(self._pending)

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="dragoman-usage-writer")

    def record(self, record: UsageRecord) -> None:
        """Queue ``record``; O(1), never waits, never raises."""
        if len(self._pending) >= self._max_pending:
            self._pending.popleft()
            self.dropped += 1
            self._dropped_unlogged += 1
        self._pending.append(record)
        # While the database fails, batches wait for the next tick instead of hammering it.
        if len(self._pending) >= self._batch_size and self._failing_since is None:
            self._wake.set()

    async def flush(self) -> None:
        """Write every record queued now, in batches of ``batch_size``. When the database refuses a batch, its
        records go back to the front of the queue and the error is raised."""
        async with self._lock:
            remaining = len(self._pending)
            while remaining > 0 and self._pending:
                batch = [self._pending.popleft() for _ in range(min(self._batch_size, remaining, len(self._pending)))]
                try:
                    await self._store.insert_usage(batch)
                except BaseException:
                    self._pending.extendleft(reversed(batch))
                    self._drop_beyond_cap()
                    raise
                remaining -= len(batch)
                self.written += len(batch)

    async def close(self) -> None:
        """Stop the background task and write what is left (an error is logged if that fails)."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None
        try:
            while self._pending:
                await self.flush()
        except Exception as error:
            logger.error("could not write the last %d usage records at shutdown: %s", len(self._pending),
                         _summary(error))
        self._log_drops()

    async def _run(self) -> None:
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._flush_interval)
            self._wake.clear()
            if self._closing:
                return  # close() writes what is left
            await self._flush_logging_failures()

    async def _flush_logging_failures(self) -> None:
        try:
            await self.flush()
        except Exception as error:
            now = time.monotonic()
            if self._failing_since is None:
                self._failing_since = now
            if now >= self._next_failure_log:
                self._next_failure_log = now + FAILURE_LOG_INTERVAL_SECONDS
                logger.warning(
                    "cannot write usage records (failing for %.0fs; %d queued, retried every %gs): %s",
                    now - self._failing_since, len(self._pending), self._flush_interval, _summary(error),
                )
        else:
            if self._failing_since is not None:
                logger.warning("usage records are written again after %.0fs of failures",
                               time.monotonic() - self._failing_since)
            self._failing_since = None
            self._next_failure_log = 0.0
        self._log_drops()

    def _drop_beyond_cap(self) -> None:
        while len(self._pending) > self._max_pending:
            self._pending.popleft()
            self.dropped += 1
            self._dropped_unlogged += 1

    def _log_drops(self) -> None:
        if self._dropped_unlogged:
            logger.error("dropped the %d oldest usage records: more than %d were waiting for the database",
                         self._dropped_unlogged, self._max_pending)
            self._dropped_unlogged = 0


def _summary(error: BaseException) -> str:
    """The error's first line: SQLAlchemy appends the whole statement, which for a batch is long."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"
