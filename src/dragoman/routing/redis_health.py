"""``HealthState`` in Redis, so every replica sees the same cooldowns (semantics in ``routing.health``).

One hash per member, ``<prefix>:health:<member id>``: ``f`` consecutive failures, ``cu`` cooldown until,
``pu`` probe held until, ``le`` last error, ``lt`` when it happened. Changes are Lua scripts, so two replicas
never both take a probe or lose a failure. A member that never failed has no key; keys expire a day after
their last failure.

Health is advice: when Redis cannot be reached, members count as healthy and failures go unrecorded (logged
at most every ``LOG_INTERVAL_SECONDS``), rather than every request failing with it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from dragoman.routing.health import HEALTHY, Clock, MemberHealth

log = logging.getLogger("dragoman.routing.health")

KEY_TTL_SECONDS = 86400
LOG_INTERVAL_SECONDS = 30.0

_T = TypeVar("_T")

_ADMIT = """
local health = redis.call('HMGET', KEYS[1], 'cu', 'pu')
local now = tonumber(ARGV[1])
local cooldown_until = tonumber(health[1] or '0')
if cooldown_until == 0 then return 1 end
if now < cooldown_until or tonumber(health[2] or '0') > now then return 0 end
redis.call('HSET', KEYS[1], 'pu', ARGV[2])
return 1
"""

_FAILURE = """
local now = tonumber(ARGV[1])
local failures = redis.call('HINCRBY', KEYS[1], 'f', 1)
local cooldown_until = tonumber(redis.call('HGET', KEYS[1], 'cu') or '0')
local rest = tonumber(ARGV[4])
if rest < 0 and failures >= tonumber(ARGV[2]) then rest = tonumber(ARGV[3]) end
if rest >= 0 then cooldown_until = math.max(cooldown_until, now + rest) end
redis.call('HSET', KEYS[1], 'cu', string.format('%.6f', cooldown_until), 'pu', '0', 'le', ARGV[5], 'lt', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[6])
return {failures, string.format('%.6f', cooldown_until)}
"""

_SUCCESS = """
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'f', 0, 'cu', '0', 'pu', '0') end
return 1
"""

_RELEASE = """
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'pu', '0') end
return 1
"""


def _number(fields: dict[bytes, bytes], name: bytes) -> float:
    value = fields.get(name)
    return float(value) if value else 0.0


def _decode(fields: dict[bytes, bytes]) -> MemberHealth:
    last_error = fields.get(b"le")
    return MemberHealth(
        failures=int(_number(fields, b"f")),
        cooldown_until=_number(fields, b"cu"),
        probe_until=_number(fields, b"pu"),
        last_error=last_error.decode() if last_error is not None else None,
        last_failure_at=_number(fields, b"lt") or None,
    )


class RedisHealth:
    def __init__(self, client: aioredis.Redis, prefix: str, *, failures_to_cool: int = 3,
                 cooldown_seconds: float = 30.0, clock: Clock = time.time) -> None:
        self.failures_to_cool = failures_to_cool
        self.cooldown_seconds = cooldown_seconds
        self._client = client
        self._prefix = prefix
        self._clock = clock
        self._admit = client.register_script(_ADMIT)
        self._failure = client.register_script(_FAILURE)
        self._success = client.register_script(_SUCCESS)
        self._release = client.register_script(_RELEASE)
        self._logged_at = float("-inf")

    @classmethod
    def from_url(cls, url: str, prefix: str, *, failures_to_cool: int = 3, cooldown_seconds: float = 30.0,
                 clock: Clock = time.time) -> RedisHealth:
        return cls(aioredis.Redis.from_url(url), prefix, failures_to_cool=failures_to_cool,
                   cooldown_seconds=cooldown_seconds, clock=clock)

    def _key(self, member_id: str) -> str:
        return f"{self._prefix}:health:{member_id}"

    async def _guarded(self, call: Callable[[], Awaitable[_T]], fallback: _T) -> _T:
        try:
            return await call()
        except (RedisError, OSError) as error:
            if time.monotonic() - self._logged_at >= LOG_INTERVAL_SECONDS:
                self._logged_at = time.monotonic()
                log.warning("member health is not shared: Redis failed (%s); members count as healthy", error)
            return fallback

    async def read(self, member_ids: Sequence[str]) -> dict[str, MemberHealth]:
        async def read_all() -> dict[str, MemberHealth]:
            pipeline = self._client.pipeline(transaction=False)
            for member_id in member_ids:
                pipeline.hgetall(self._key(member_id))
            answers: list[dict[bytes, bytes]] = await pipeline.execute()
            return {member_id: _decode(fields) for member_id, fields in zip(member_ids, answers, strict=True)
                    if fields}

        if not member_ids:
            return {}
        return await self._guarded(read_all, {})

    async def admit(self, member_id: str, probe_ttl: float) -> bool:
        now = self._clock()
        answer = await self._guarded(lambda: self._run(self._admit, member_id, now, now + probe_ttl), 1)
        return bool(answer)

    async def record_failure(self, member_id: str, error: str, *, cooldown: float | None = None) -> MemberHealth:
        now = self._clock()
        args = (now, self.failures_to_cool, self.cooldown_seconds, -1 if cooldown is None else cooldown,
                error[:1000], KEY_TTL_SECONDS)
        answer = await self._guarded(lambda: self._run(self._failure, member_id, *args), None)
        if answer is None:
            return HEALTHY
        failures, cooldown_until = answer
        return MemberHealth(int(failures), float(cooldown_until), 0.0, error, now)

    async def record_success(self, member_id: str) -> None:
        await self._guarded(lambda: self._run(self._success, member_id), None)

    async def release_probe(self, member_id: str) -> None:
        await self._guarded(lambda: self._run(self._release, member_id), None)

    async def _run(self, script: Any, member_id: str, *args: float | int | str) -> Any:
        return await script(keys=[self._key(member_id)], args=list(args))

    async def close(self) -> None:
        await self._client.aclose()
