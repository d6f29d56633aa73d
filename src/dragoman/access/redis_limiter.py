"""Per-key limits shared through Redis, so several dragoman replicas enforce one key's limits together.

Each decision is one Lua script, atomic on the Redis server and timed by the server's own clock (replicas'
clocks differ): the revocation mark, an exact sliding log of admission times for rpm, a sliding sum of
``tokens|entry`` members for tpm, leases for requests in flight that expire on their own (so the slots of a
replica that crashed mid-request free themselves), and the budget period's spend. Settling is a second
script. All keys of one API key share a hash tag, so the scripts also work on Redis Cluster; every key
expires once idle.

The budget counter of a period is seeded from the usage records the first time it is needed: the admit
script answers ``seed`` when it is absent, Python loads the spend and passes it to the script again, which
sets it only if still absent, so replicas seeding at once agree and no spend already added is overwritten.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import redis.asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from dragoman.access.budget_period import Period, budget_period
from dragoman.access.keys import KeyLimits
from dragoman.access.limiter import WINDOW_SECONDS, Admission, LimitSnapshot, RefusalReason, SpendLoader

PARALLEL_RETRY_SECONDS = 1.0
REVOCATION_SECONDS = 7 * 24 * 3600  # far longer than any replica caches a key; the store keeps it for good
SPEND_GRACE_SECONDS = 3600  # a period's counter outlives the period by this much (replicas' clocks differ)
_MICROS = 1_000_000

_COMMON = """
local function us(n) return string.format('%.0f', n) end
local function tokens_of(member) return tonumber(string.match(member, '^(%d+)|')) end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
"""

# KEYS: revoked, requests, tokens, in_flight, spend
# ARGV: window_us, rpm, tpm, max_parallel, budget_usd, estimated_tokens, lease, lease_us, seed_usd,
#       seed_expires_at_ms  (an empty string is "none")
# Returns {status, retry_us, requests_counted, requests_reset_us, tokens_counted, tokens_reset_us}; status is
# ok, revoked, seed (the spend counter is absent and no seed was given), budget, parallel, rpm or tpm.
_ADMIT = _COMMON + """
local window = tonumber(ARGV[1])
local rpm, tpm, parallel, budget = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local estimated, lease, lease_us = tonumber(ARGV[6]), ARGV[7], tonumber(ARGV[8])
local since = now - window
local window_ms = math.ceil(window / 1000) + 1000

if redis.call('EXISTS', KEYS[1]) == 1 then return {'revoked'} end

local spent = nil
if budget then
  local stored = redis.call('GET', KEYS[5])
  if not stored then
    if ARGV[9] == '' then return {'seed'} end
    redis.call('SET', KEYS[5], ARGV[9], 'PXAT', ARGV[10])
    stored = ARGV[9]
  end
  spent = tonumber(stored)
end

local requests = 0
if rpm then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', us(since))
  requests = redis.call('ZCARD', KEYS[2])
end
local entries = {}
local counted = 0
if tpm then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', us(since))
  entries = redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES')
  for i = 1, #entries, 2 do counted = counted + tokens_of(entries[i]) end
end
local in_flight = 0
if parallel then
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', us(now))
  in_flight = redis.call('ZCARD', KEYS[4])
end

local function frees_one_in(key)
  local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if #first == 0 then return 0 end
  return math.max(0, tonumber(first[2]) + window - now)
end
local function tokens_free_in()
  local left = counted
  for i = 1, #entries, 2 do
    left = left - tokens_of(entries[i])
    if left < tpm then return math.max(0, tonumber(entries[i + 1]) + window - now) end
  end
  return -1
end

local status, retry = 'ok', -1
if budget and spent >= budget then
  status = 'budget'
elseif parallel and in_flight >= parallel then
  status = 'parallel'
elseif rpm and requests >= rpm then
  status = 'rpm'
  if requests > 0 then retry = frees_one_in(KEYS[2]) end
elseif tpm and counted >= tpm then
  status = 'tpm'
  retry = tokens_free_in()
end

if status == 'ok' then
  if rpm then
    redis.call('ZADD', KEYS[2], us(now), lease)
    redis.call('PEXPIRE', KEYS[2], window_ms)
    requests = requests + 1
  end
  if tpm and estimated > 0 then
    redis.call('ZADD', KEYS[3], us(now), ARGV[6] .. '|' .. lease)
    redis.call('PEXPIRE', KEYS[3], window_ms)
    counted = counted + estimated
  end
  if parallel then
    redis.call('ZADD', KEYS[4], us(now + lease_us), lease)
    redis.call('PEXPIRE', KEYS[4], math.ceil(lease_us / 1000) + 1000)
  end
end

local requests_reset, tokens_reset = 0, 0
if rpm then requests_reset = frees_one_in(KEYS[2]) end
if tpm then tokens_reset = frees_one_in(KEYS[3]) end
return {status, retry, requests, requests_reset, counted, tokens_reset}
"""

# KEYS: tokens, in_flight, spend
# ARGV: lease, estimated_tokens, actual_tokens, cost_usd, window_us, count_tokens ('1' or '')
_SETTLE = _COMMON + """
local lease, actual = ARGV[1], tonumber(ARGV[3])
redis.call('ZREM', KEYS[2], lease)
redis.call('ZREM', KEYS[1], ARGV[2] .. '|' .. lease)
if ARGV[6] == '1' and actual > 0 then
  -- The real count replaces the reservation and counts from now, when the tokens were actually used.
  redis.call('ZADD', KEYS[1], us(now), ARGV[3] .. '|' .. lease .. '|settled')
  redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[5]) / 1000) + 1000)
end
-- Only a counter already seeded is added to; otherwise its seeding reads this cost from the usage records.
if tonumber(ARGV[4]) > 0 and redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('INCRBYFLOAT', KEYS[3], ARGV[4])
end
return 1
"""


@dataclass(slots=True, frozen=True)
class _Keys:
    revoked: str
    requests: str
    tokens: str
    in_flight: str
    spend_prefix: str

    def spend(self, period: Period | None) -> str:
        return f"{self.spend_prefix}:{period.label}" if period is not None else f"{self.spend_prefix}:none"


def _optional(value: float | None) -> str:
    return "" if value is None else repr(value)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _seconds(micros: Any) -> float:
    return int(micros) / _MICROS


class RedisLimiter:
    def __init__(
        self,
        client: redis.asyncio.Redis,
        prefix: str,
        spend_loader: SpendLoader,
        *,
        window_seconds: float = WINDOW_SECONDS,
        lease_seconds: float = 600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``clock`` only picks the budget period (a UTC day or month); windows run on Redis's clock."""
        self._client = client
        self._prefix = prefix
        self._spend_loader = spend_loader
        self._window_us = round(window_seconds * _MICROS)
        self._lease_us = round(lease_seconds * _MICROS)
        self._clock = clock
        self._admit = client.register_script(_ADMIT)
        self._settle = client.register_script(_SETTLE)

    @classmethod
    def from_url(
        cls,
        url: str,
        prefix: str,
        spend_loader: SpendLoader,
        *,
        window_seconds: float = WINDOW_SECONDS,
        lease_seconds: float = 600.0,
        socket_timeout: float = 0.5,
        clock: Callable[[], float] = time.time,
    ) -> RedisLimiter:
        """A limiter with its own connection pool. Short socket timeouts and a single immediate retry keep
        the cost of an unreachable Redis to a request small."""
        client = redis.asyncio.Redis.from_url(
            url,
            socket_timeout=socket_timeout,
            socket_connect_timeout=socket_timeout,
            retry=Retry(NoBackoff(), 1),
        )
        return cls(
            client, prefix, spend_loader, window_seconds=window_seconds, lease_seconds=lease_seconds, clock=clock
        )

    async def admit(self, key_id: str, limits: KeyLimits, estimated_tokens: int) -> Admission:
        keys = self._keys(key_id)
        period = budget_period(limits.budget_period, self._clock()) if limits.budget_usd is not None else None
        lease = uuid.uuid4().hex
        arguments: list[str | int] = [
            self._window_us, _optional(limits.rpm), _optional(limits.tpm), _optional(limits.max_parallel),
            _optional(limits.budget_usd), max(0, estimated_tokens), lease, self._lease_us, "", "",
        ]
        key_names = [keys.revoked, keys.requests, keys.tokens, keys.in_flight, keys.spend(period)]
        reply = await self._run(self._admit, key_names, arguments)
        if _text(reply[0]) == "seed" and period is not None:
            spent = await self._spend_loader(key_id, period.start)
            arguments[8] = repr(float(spent))
            arguments[9] = round((period.end.timestamp() + SPEND_GRACE_SECONDS) * 1000)
            reply = await self._run(self._admit, key_names, arguments)
        return self._admission(reply, limits, lease, period)

    async def settle(
        self, key_id: str, limits: KeyLimits, lease: str, *, estimated_tokens: int, actual_tokens: int,
        cost_usd: float,
    ) -> None:
        keys = self._keys(key_id)
        period = budget_period(limits.budget_period, self._clock()) if limits.budget_usd is not None else None
        cost = cost_usd if period is not None and cost_usd > 0 else 0.0
        await self._run(
            self._settle,
            [keys.tokens, keys.in_flight, keys.spend(period)],
            [lease, max(0, estimated_tokens), max(0, actual_tokens), repr(cost), self._window_us,
             "1" if limits.tpm is not None else ""],
        )

    async def revoke(self, key_id: str) -> None:
        await self._client.set(self._keys(key_id).revoked, "1", ex=REVOCATION_SECONDS)

    async def close(self) -> None:
        await self._client.aclose()

    def _keys(self, key_id: str) -> _Keys:
        base = f"{self._prefix}:limits:{{{key_id}}}"
        return _Keys(
            revoked=f"{base}:revoked",
            requests=f"{base}:requests",
            tokens=f"{base}:tokens",
            in_flight=f"{base}:in_flight",
            spend_prefix=f"{base}:spend",
        )

    @staticmethod
    async def _run(script: Any, keys: list[str], arguments: Sequence[str | int]) -> list[Any]:
        return cast(list[Any], await script(keys=keys, args=list(arguments)))

    def _admission(self, reply: list[Any], limits: KeyLimits, lease: str, period: Period | None) -> Admission:
        status = _text(reply[0])
        if status == "revoked":
            return Admission(allowed=False, reason="revoked")
        if status == "seed":  # cannot happen: the second run carries the seed, which the script stores
            raise RuntimeError("the admit script asked for a budget seed it had been given")
        retry_us, requests, requests_reset_us, tokens, tokens_reset_us = (int(value) for value in reply[1:6])
        snapshot = LimitSnapshot(
            requests_limit=limits.rpm,
            requests_remaining=max(0, limits.rpm - requests) if limits.rpm is not None else None,
            requests_reset_seconds=_seconds(requests_reset_us) if limits.rpm is not None else None,
            tokens_limit=limits.tpm,
            tokens_remaining=max(0, limits.tpm - tokens) if limits.tpm is not None else None,
            tokens_reset_seconds=_seconds(tokens_reset_us) if limits.tpm is not None else None,
        )
        if status == "ok":
            return Admission(allowed=True, lease=lease, snapshot=snapshot)
        reason = cast(RefusalReason, status)
        retry_after: float | None
        if reason == "budget" and period is not None:
            retry_after = period.seconds_left(self._clock())
        elif reason == "parallel":
            retry_after = PARALLEL_RETRY_SECONDS
        else:
            retry_after = _seconds(retry_us) if retry_us >= 0 else None
        return Admission(allowed=False, reason=reason, retry_after=retry_after, snapshot=snapshot)

