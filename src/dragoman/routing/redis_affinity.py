"""``AffinityStore`` in Redis: ``<prefix>:affinity:<key>`` → member id, expiring ``ttl`` seconds after it was
last remembered, so every replica routes a conversation back to the same member.

Affinity is a preference: when Redis cannot be reached nothing is remembered or recalled (logged at most
every ``LOG_INTERVAL_SECONDS``) and requests are routed as if it were new.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger("dragoman.routing.affinity")

LOG_INTERVAL_SECONDS = 30.0


class RedisAffinity:
    def __init__(self, client: aioredis.Redis, prefix: str, *, ttl: float = 86400.0) -> None:
        self.ttl = ttl
        self._client = client
        self._prefix = prefix
        self._logged_at = float("-inf")

    @classmethod
    def from_url(cls, url: str, prefix: str, *, ttl: float = 86400.0) -> RedisAffinity:
        return cls(aioredis.Redis.from_url(url), prefix, ttl=ttl)

    def _key(self, key: str) -> str:
        return f"{self._prefix}:affinity:{key}"

    def _failed(self, error: Exception) -> None:
        if time.monotonic() - self._logged_at >= LOG_INTERVAL_SECONDS:
            self._logged_at = time.monotonic()
            log.warning("account affinity is off: Redis failed (%s)", error)

    async def remember(self, keys: Sequence[str], member_id: str) -> None:
        if not keys:
            return
        pipeline = self._client.pipeline(transaction=False)
        milliseconds = max(1, round(self.ttl * 1000))
        for key in keys:
            pipeline.set(self._key(key), member_id, px=milliseconds)
        try:
            await pipeline.execute()
        except (RedisError, OSError) as error:
            self._failed(error)

    async def recall(self, keys: Sequence[str]) -> str | None:
        if not keys:
            return None
        try:
            found = await self._client.mget([self._key(key) for key in keys])
        except (RedisError, OSError) as error:
            self._failed(error)
            return None
        value = next((value for value in found if value is not None), None)
        return value.decode() if isinstance(value, bytes) else value

    async def close(self) -> None:
        await self._client.aclose()
