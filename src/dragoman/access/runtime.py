"""The access layer assembled from a config: store, limiter, access control and usage writer, opened and
closed together. The server opens one in its lifespan; the ``keys`` and ``usage`` commands open one per run
(sharing the server's storage and Redis, so a revocation from the CLI reaches every replica at once).
"""

from __future__ import annotations

from dataclasses import dataclass

from dragoman.access.control import AccessControl
from dragoman.access.limiter import Limiter
from dragoman.access.memory_limiter import MemoryLimiter
from dragoman.access.redis_limiter import RedisLimiter
from dragoman.access.resilient_limiter import ResilientLimiter
from dragoman.config import AuthConfig, Config
from dragoman.store.base import Store
from dragoman.store.database import open_store
from dragoman.store.usage_writer import UsageWriter


@dataclass(slots=True)
class AccessRuntime:
    config: Config
    store: Store
    limiter: Limiter
    access: AccessControl
    writer: UsageWriter

    async def close(self) -> None:
        """Flush pending usage records first (they need the store), then release Redis and the database."""
        try:
            await self.writer.close()
        finally:
            try:
                await self.limiter.close()
            finally:
                await self.store.close()


def open_limiter(config: Config, store: Store) -> Limiter:
    """Shared counters in Redis when configured (wrapped so an unreachable Redis follows
    ``redis.on_failure``), otherwise counters in this process."""
    if config.redis is None:
        return MemoryLimiter(store.spend_since)
    redis = RedisLimiter.from_url(config.redis.url, config.redis.prefix, store.spend_since)
    return ResilientLimiter(redis, config.redis.on_failure)


async def open_runtime(config: Config, *, start_writer: bool) -> AccessRuntime:
    """Open the store (running its migrations) and everything built on it. ``start_writer``: start the
    background flushing of usage records (the server does; a CLI command that only reads does not)."""
    store = await open_store(config.storage)
    try:
        limiter = open_limiter(config, store)
        try:
            access = AccessControl(
                master_key=config.master_key,
                store=store,
                limiter=limiter,
                key_cache_seconds=(config.auth or AuthConfig()).key_cache_seconds,
            )
            writer = UsageWriter(store, flush_interval=config.usage.flush_interval,
                                 batch_size=config.usage.batch_size)
            if start_writer:
                await writer.start()
        except BaseException:
            await limiter.close()
            raise
    except BaseException:
        await store.close()
        raise
    return AccessRuntime(config=config, store=store, limiter=limiter, access=access, writer=writer)
