"""An unreachable Redis under both ``on_failure`` policies, and recovery once Redis answers again.

"Unreachable" is a local port where nothing listens; "answers again" is a plain TCP relay started on that
port, forwarding to the real test Redis.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator

import pytest
import redis.asyncio

from dragoman.access.keys import KeyLimits
from dragoman.access.redis_limiter import RedisLimiter
from dragoman.access.resilient_limiter import FailurePolicy, ResilientLimiter
from dragoman.canonical.errors import Overloaded
from tests.access.limiter_support import SpendLedger
from tests.services import redis_prefix, redis_url

LIMITS = KeyLimits(rpm=1)
LOGGER = "dragoman.access.resilient_limiter"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisRelay:
    """Forwards connections on ``port`` to the real Redis, from ``start()`` on."""

    def __init__(self, port: int, target: str) -> None:
        self.port = port
        host_port = target.split("//", 1)[1].split("/", 1)[0]
        host, _, target_port = host_port.rpartition(":")
        self._target = (host, int(target_port))
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for pipe in self._pipes:
                pipe.cancel()
            await asyncio.gather(*self._pipes, return_exceptions=True)
            await self._server.wait_closed()

    async def _relay(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        redis_reader, redis_writer = await asyncio.open_connection(*self._target)
        for reader, writer in ((client_reader, redis_writer), (redis_reader, client_writer)):
            task = asyncio.create_task(self._pipe(reader, writer))
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()


@pytest.fixture
async def dead_redis() -> AsyncIterator[tuple[str, RedisRelay, str]]:
    """A Redis URL where nothing listens yet, the relay that can bring it to life, and a key prefix."""
    port, prefix = free_port(), redis_prefix()
    relay = RedisRelay(port, redis_url())
    try:
        yield f"redis://127.0.0.1:{port}/0", relay, prefix
    finally:
        await relay.stop()
        client = redis.asyncio.Redis.from_url(redis_url())
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


def resilient(url: str, prefix: str, policy: FailurePolicy) -> ResilientLimiter:
    return ResilientLimiter(RedisLimiter.from_url(url, prefix, SpendLedger().spend_since), policy)


async def test_open_admits_without_limits_and_warns_once(
    dead_redis: tuple[str, RedisRelay, str], caplog: pytest.LogCaptureFixture,
) -> None:
    url, _, prefix = dead_redis
    limiter = resilient(url, prefix, "open")
    try:
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            admissions = [await limiter.admit("key_a", LIMITS, 10) for _ in range(3)]
        assert all(a.allowed and a.lease is None and a.reason is None for a in admissions)
        assert all(a.snapshot.requests_limit is None for a in admissions)  # no headers for limits not known
        warnings = [r for r in caplog.records if r.name == LOGGER and "unreachable" in r.getMessage()]
        assert len(warnings) == 1 and "on_failure: open" in warnings[0].getMessage()

        # Settling and revoking while Redis is away are logged, never raised into the request.
        await limiter.settle("key_a", LIMITS, "some-lease", estimated_tokens=1, actual_tokens=1, cost_usd=0.1)
        await limiter.revoke("key_a")
    finally:
        await limiter.close()


async def test_closed_refuses_with_503(dead_redis: tuple[str, RedisRelay, str]) -> None:
    url, _, prefix = dead_redis
    limiter = resilient(url, prefix, "closed")
    try:
        with pytest.raises(Overloaded) as refused:
            await limiter.admit("key_a", LIMITS, 10)
        assert refused.value.status == 503
        assert refused.value.message == "rate limiting is unavailable (Redis unreachable)"
        assert refused.value.retry_after is not None and refused.value.retry_after > 0
    finally:
        await limiter.close()


@pytest.mark.parametrize("policy", ["open", "closed"])
async def test_limits_apply_again_once_redis_answers(
    dead_redis: tuple[str, RedisRelay, str], policy: FailurePolicy, caplog: pytest.LogCaptureFixture,
) -> None:
    url, relay, prefix = dead_redis
    limiter = resilient(url, prefix, policy)
    try:
        if policy == "open":
            assert (await limiter.admit("key_a", LIMITS, 0)).lease is None
        else:
            with pytest.raises(Overloaded):
                await limiter.admit("key_a", LIMITS, 0)
        await relay.start()
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            admitted = await limiter.admit("key_a", LIMITS, 0)
        assert admitted.allowed and admitted.lease is not None
        assert admitted.snapshot.requests_limit == 1
        assert (await limiter.admit("key_a", LIMITS, 0)).reason == "rpm"
        assert any("reachable again" in r.getMessage() for r in caplog.records if r.name == LOGGER)
    finally:
        await limiter.close()
