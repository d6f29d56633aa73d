"""Fixtures for the routing tests: a fake clock (time is moved, never waited for), health and affinity in
memory and in the real Redis, and the fault-injecting upstream."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest
import redis.asyncio as aioredis

from dragoman.routing.health import HealthState, MemoryHealth
from dragoman.routing.redis_health import RedisHealth
from tests.faults import FaultUpstream
from tests.services import redis_prefix, redis_url


class FakeClock:
    """Both the monotonic and the wall clock of a test, and its ``sleep`` (which only moves time on)."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["memory", "redis"])
async def health(request: pytest.FixtureRequest, clock: FakeClock) -> AsyncIterator[HealthState]:
    """Cooling after 3 failures, for 30 s, on the fake clock."""
    if request.param == "memory":
        memory = MemoryHealth(failures_to_cool=3, cooldown_seconds=30.0, clock=clock)
        yield memory
        await memory.close()
        return
    async with redis_namespace() as (url, prefix):
        shared = RedisHealth.from_url(url, prefix, failures_to_cool=3, cooldown_seconds=30.0, clock=clock)
        yield shared
        await shared.close()


@asynccontextmanager
async def redis_namespace() -> AsyncIterator[tuple[str, str]]:
    """The real Redis and a key prefix of its own, whose keys are deleted afterwards."""
    url, prefix = redis_url(), redis_prefix()
    try:
        yield url, prefix
    finally:
        client = aioredis.Redis.from_url(url)
        keys = [key async for key in client.scan_iter(f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


@pytest.fixture(scope="module")
def faults() -> Iterator[FaultUpstream]:
    with FaultUpstream() as server:
        yield server
