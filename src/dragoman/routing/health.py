"""Cooldowns: which members of a pool may take requests, shared by every replica through Redis when configured.

A member's life (a circuit breaker per member)::

    healthy ──N consecutive failures, or a 429/overload──▶ cooling ──cooldown over──▶ probing
       ▲                                                     ▲                          │
       └────────────────── a success ◀──────────────────────────── a failure ◀──────────┘ (one request)

- *healthy*: takes requests. Each member failure (see ``retry.is_member_failure``) adds one to its
  consecutive failures; after ``cooldown_after_failures`` of them it cools down for ``cooldown_seconds``.
  A 429 (or an overloaded 503/529 with Retry-After) cools it down at once, for the Retry-After when given.
- *cooling*: takes nothing until ``cooldown_until``.
- *probing* (half-open): the cooldown is over; exactly one request is let through as a probe (``admit``
  hands the probe to one caller for ``probe_ttl`` seconds). Its success makes the member healthy again;
  its failure (the failure count is still at the threshold) cools it down again. A probe that ends without
  an outcome (the client went away) is released for the next request.

Any success resets the failures. Times are wall-clock seconds (``time.time``), since replicas compare them.
``MemoryHealth`` keeps the state in this process; ``dragoman.routing.redis_health.RedisHealth`` in Redis.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal, Protocol

MemberState = Literal["healthy", "cooling", "probing"]
Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class MemberHealth:
    failures: int = 0  # consecutive member failures
    cooldown_until: float = 0.0  # 0: not cooled down since the last success
    probe_until: float = 0.0  # a probe is in flight until then
    last_error: str | None = None
    last_failure_at: float | None = None

    @property
    def clean(self) -> bool:
        """No failure, cooldown or probe on record (a success would change nothing)."""
        return not (self.failures or self.cooldown_until or self.probe_until)

    def state(self, now: float) -> MemberState:
        if not self.cooldown_until:
            return "healthy"
        return "cooling" if now < self.cooldown_until else "probing"

    def available(self, now: float) -> bool:
        """May take a request now (for a probing member: if its probe is free; ``admit`` takes it)."""
        state = self.state(now)
        return state == "healthy" or (state == "probing" and self.probe_until <= now)

    def available_by(self, moment: float) -> bool:
        """Will be healthy or probing at ``moment`` (whether its probe will be free cannot be known)."""
        return self.cooldown_until <= moment


HEALTHY = MemberHealth()


class HealthState(Protocol):
    async def read(self, member_ids: Sequence[str]) -> dict[str, MemberHealth]:
        """The state of these members (a member never seen is ``HEALTHY`` and may be left out)."""
        ...

    async def admit(self, member_id: str, probe_ttl: float) -> bool:
        """May a request go to this member now? Healthy: yes. Cooling: no. Probing: yes for exactly one
        caller, who holds the probe until its outcome is recorded, it is released, or ``probe_ttl`` passes."""
        ...

    async def record_failure(self, member_id: str, error: str, *, cooldown: float | None = None) -> MemberHealth:
        """One more consecutive failure; ``cooldown``: rest this long now whatever the count (429)."""
        ...

    async def record_success(self, member_id: str) -> None: ...

    async def release_probe(self, member_id: str) -> None:
        """A request that held the probe ended without telling anything about the member."""
        ...

    async def close(self) -> None: ...


class MemoryHealth:
    """``HealthState`` for one process."""

    def __init__(self, *, failures_to_cool: int = 3, cooldown_seconds: float = 30.0, clock: Clock = time.time) -> None:
        self.failures_to_cool = failures_to_cool
        self.cooldown_seconds = cooldown_seconds
        self._clock = clock
        self._members: dict[str, MemberHealth] = {}

    async def read(self, member_ids: Sequence[str]) -> dict[str, MemberHealth]:
        return {member_id: self._members[member_id] for member_id in member_ids if member_id in self._members}

    async def admit(self, member_id: str, probe_ttl: float) -> bool:
        health = self._members.get(member_id, HEALTHY)
        now = self._clock()
        state = health.state(now)
        if state == "healthy":
            return True
        if state == "cooling" or health.probe_until > now:
            return False
        self._members[member_id] = replace(health, probe_until=now + probe_ttl)
        return True

    async def record_failure(self, member_id: str, error: str, *, cooldown: float | None = None) -> MemberHealth:
        health = self._members.get(member_id, HEALTHY)
        now = self._clock()
        failures = health.failures + 1
        rest = cooldown if cooldown is not None else (self.cooldown_seconds if failures >= self.failures_to_cool
                                                      else None)
        cooldown_until = max(health.cooldown_until, now + rest) if rest is not None else health.cooldown_until
        updated = MemberHealth(failures, cooldown_until, 0.0, error, now)
        self._members[member_id] = updated
        return updated

    async def record_success(self, member_id: str) -> None:
        health = self._members.get(member_id)
        if health is not None and not health.clean:
            self._members[member_id] = replace(health, failures=0, cooldown_until=0.0, probe_until=0.0)

    async def release_probe(self, member_id: str) -> None:
        health = self._members.get(member_id)
        if health is not None and health.probe_until:
            self._members[member_id] = replace(health, probe_until=0.0)

    async def close(self) -> None:
        self._members.clear()
