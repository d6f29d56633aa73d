"""The routing parts a server needs, from its config: shared state in Redis when ``redis:`` is configured
(under its ``prefix``), in this process otherwise."""

from __future__ import annotations

from dragoman.config import Config
from dragoman.routing.affinity import AffinityStore, MemoryAffinity
from dragoman.routing.health import HealthState, MemoryHealth
from dragoman.routing.redis_affinity import RedisAffinity
from dragoman.routing.redis_health import RedisHealth
from dragoman.routing.router import Router


def make_health(config: Config) -> HealthState:
    routing = config.routing
    if config.redis is None:
        return MemoryHealth(failures_to_cool=routing.cooldown_after_failures, cooldown_seconds=routing.cooldown_seconds)
    return RedisHealth.from_url(config.redis.url, config.redis.prefix, failures_to_cool=routing.cooldown_after_failures,
                                cooldown_seconds=routing.cooldown_seconds)


def make_affinity(config: Config) -> AffinityStore:
    routing = config.routing
    if config.redis is None:
        return MemoryAffinity(max_entries=routing.affinity_max_entries, ttl=routing.affinity_ttl_seconds)
    return RedisAffinity.from_url(config.redis.url, config.redis.prefix, ttl=routing.affinity_ttl_seconds)


def make_router(config: Config) -> Router:
    """``router.close()`` closes its health state too."""
    return Router(config, make_health(config))
