"""What only the Redis limiter has: keys that expire once idle, and replicas built from a URL."""

from __future__ import annotations

import asyncio
import time

import redis.asyncio

from dragoman.access.budget_period import budget_period
from dragoman.access.keys import KeyLimits
from dragoman.access.redis_limiter import REVOCATION_SECONDS, SPEND_GRACE_SECONDS, RedisLimiter
from tests.access.limiter_support import SpendLedger
from tests.services import redis_prefix, redis_url


async def test_every_key_it_writes_expires_once_idle() -> None:
    url, prefix = redis_url(), redis_prefix()
    client = redis.asyncio.Redis.from_url(url, decode_responses=True)
    limiter = RedisLimiter.from_url(url, prefix, SpendLedger().spend_since, window_seconds=2.0,
                                    lease_seconds=5.0)
    started = time.time()
    period = budget_period(None, started)
    spend_key = f"{{key_x}}:spend:{period.label}"
    try:
        limits = KeyLimits(rpm=5, tpm=1000, max_parallel=3, budget_usd=1.0)
        first = await limiter.admit("key_x", limits, 100)
        assert first.allowed and first.lease
        assert (await limiter.admit("key_x", limits, 100)).allowed
        await limiter.settle("key_x", limits, first.lease, estimated_tokens=100, actual_tokens=50, cost_usd=0.1)
        await limiter.revoke("key_y")

        ttls = {key.removeprefix(f"{prefix}:limits:"): await client.pttl(key)
                async for key in client.scan_iter(match=f"{prefix}:*")}
        assert set(ttls) == {"{key_x}:requests", "{key_x}:tokens", "{key_x}:in_flight", spend_key,
                             "{key_y}:revoked"}
        assert 0 < ttls["{key_x}:requests"] <= 3000 and 0 < ttls["{key_x}:tokens"] <= 3000
        assert 0 < ttls["{key_x}:in_flight"] <= 6000
        assert 0 < ttls[spend_key] <= (period.seconds_left(started) + SPEND_GRACE_SECONDS) * 1000
        assert 0 < ttls["{key_y}:revoked"] <= REVOCATION_SECONDS * 1000
        assert float(await client.get(f"{prefix}:limits:{spend_key}") or 0) == 0.1
    finally:
        await limiter.close()
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


async def test_many_replicas_under_load_admit_exactly_the_limit() -> None:
    url, prefix = redis_url(), redis_prefix()
    ledger = SpendLedger()
    replicas = [RedisLimiter.from_url(url, prefix, ledger.spend_since) for _ in range(4)]
    try:
        limits = KeyLimits(rpm=50, max_parallel=1000)
        admissions = await asyncio.gather(
            *(replicas[i % 4].admit("key_load", limits, 0) for i in range(300))
        )
        assert sum(admission.allowed for admission in admissions) == 50
    finally:
        for replica in replicas:
            await replica.close()
        client = redis.asyncio.Redis.from_url(url)
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
