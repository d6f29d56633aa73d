"""What the limiter tests share: a spend ledger to seed budgets from, a settable wall clock, and the limiters
under test (one process's memory, or replicas sharing the real Redis under a prefix of their own)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest
import redis.asyncio

from dragoman.access.limiter import Limiter
from dragoman.access.memory_limiter import MemoryLimiter
from dragoman.access.redis_limiter import RedisLimiter
from tests.services import redis_prefix, redis_url


class SpendLedger:
    """Spend recorded per key with its time, summed the way the store sums usage records since a moment."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, datetime, float]] = []
        self.calls: list[tuple[str, datetime]] = []
        self._gate: asyncio.Event | None = None

    def record(self, key_id: str, at: datetime, usd: float) -> None:
        self.entries.append((key_id, at, usd))

    def hold_next_call(self) -> asyncio.Event:
        """The next load waits (as a slow database would) until the returned event is set."""
        self._gate = asyncio.Event()
        return self._gate

    async def spend_since(self, key_id: str, since: datetime) -> float:
        self.calls.append((key_id, since))
        gate, self._gate = self._gate, None
        if gate is not None:
            await gate.wait()
        return sum(usd for key, at, usd in self.entries if key == key_id and at >= since)


class WallClock:
    """A Unix-time clock the test sets, for crossing budget periods without waiting for midnight."""

    def __init__(self, at: datetime) -> None:
        self.now = at.timestamp()

    def set(self, at: datetime) -> None:
        self.now = at.timestamp()

    def __call__(self) -> float:
        return self.now


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


MakeLimiters = Callable[..., list[Limiter]]


async def _delete_prefix(url: str, prefix: str) -> None:
    client = redis.asyncio.Redis.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture(params=["memory", "redis"])
async def make_limiters(request: pytest.FixtureRequest) -> AsyncIterator[MakeLimiters]:
    """``make_limiters(spend_loader, replicas=1, window_seconds=…, lease_seconds=…, clock=…)``: limiters that
    share one key's state. In memory that is one limiter; with Redis each replica has its own client."""
    kind: str = request.param
    url = redis_url() if kind == "redis" else ""
    prefix = redis_prefix()
    created: list[Limiter] = []

    def make(
        spend_loader: Callable[..., object], *, replicas: int = 1, window_seconds: float = 60.0,
        lease_seconds: float = 600.0, clock: Callable[[], float] = time.time,
    ) -> list[Limiter]:
        limiters: list[Limiter]
        if kind == "memory":
            limiters = [MemoryLimiter(spend_loader, window_seconds=window_seconds,
                                      lease_seconds=lease_seconds, clock=clock)] * replicas
        else:
            limiters = [
                RedisLimiter(redis.asyncio.Redis.from_url(url), prefix, spend_loader,
                             window_seconds=window_seconds, lease_seconds=lease_seconds, clock=clock)
                for _ in range(replicas)
            ]
        created.extend(dict.fromkeys(limiters))
        return limiters

    try:
        yield make
    finally:
        for limiter in created:
            await limiter.close()
        if kind == "redis":
            await _delete_prefix(url, prefix)
