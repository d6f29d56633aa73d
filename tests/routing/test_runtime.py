"""The routing parts built from a config: in this process without ``redis:``, in Redis with it."""

from __future__ import annotations

from dragoman.config import parse_config
from dragoman.routing.affinity import MemoryAffinity
from dragoman.routing.health import MemoryHealth
from dragoman.routing.redis_affinity import RedisAffinity
from dragoman.routing.redis_health import RedisHealth
from dragoman.routing.runtime import make_affinity, make_health, make_router
from tests.routing.conftest import redis_namespace

MODELS = "models:\n  - {name: m, provider: openai, base_url: http://127.0.0.1:9/v1}\n"


async def test_without_redis_state_stays_in_this_process() -> None:
    routing = "routing: {cooldown_after_failures: 4, cooldown_seconds: 9, affinity_max_entries: 5}"
    config = parse_config(MODELS + routing)
    health, affinity = make_health(config), make_affinity(config)
    assert isinstance(health, MemoryHealth) and (health.failures_to_cool, health.cooldown_seconds) == (4, 9)
    assert isinstance(affinity, MemoryAffinity) and affinity.max_entries == 5
    router = make_router(config)
    assert isinstance(router.health, MemoryHealth) and router.names == ["m"]
    await router.close()


async def test_with_redis_state_is_shared() -> None:
    async with redis_namespace() as (url, prefix):
        shared = f"redis: {{url: '{url}', prefix: {prefix}}}\nrouting: {{affinity_ttl_seconds: 5}}"
        config = parse_config(MODELS + shared)
        health, affinity = make_health(config), make_affinity(config)
        try:
            assert isinstance(health, RedisHealth) and isinstance(affinity, RedisAffinity) and affinity.ttl == 5
            await health.record_failure("m#0", "boom", cooldown=60)
            await affinity.remember(["proof:x"], "m#0")
            router = make_router(config)
            try:
                assert (await router.snapshot())[0]["state"] == "cooling"
            finally:
                await router.close()
            assert await affinity.recall(["proof:x"]) == "m#0"
        finally:
            await health.close()
            await affinity.close()
