"""Per-key limits kept in this process's memory, for a single dragoman process (no Redis configured).

Requests per minute are an exact sliding log of admission times; tokens per minute a sliding sum of
(time, tokens) entries, one reserved per admitted request and replaced by the real count when it settles;
requests in flight are leases that expire on their own after ``lease_seconds`` in case one is never settled.
Budgets count spend per period, seeded from the usage records the first time a key's period is seen.

Every check-and-count runs without awaiting in between, so on one event loop it is atomic.
"""

from __future__ import annotations

import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from dragoman.access.budget_period import Period, budget_period
from dragoman.access.keys import KeyLimits
from dragoman.access.limiter import (
    WINDOW_SECONDS,
    Admission,
    LimitSnapshot,
    RefusalReason,
    SpendLoader,
)

PARALLEL_RETRY_SECONDS = 1.0
SETTLED_SUFFIX = "/settled"


@dataclass(slots=True)
class _KeyWindow:
    requests: deque[float] = field(default_factory=deque)  # admission times, oldest first
    tokens: dict[str, tuple[float, int]] = field(default_factory=dict)  # entry -> (time, tokens), oldest first
    in_flight: dict[str, float] = field(default_factory=dict)  # lease -> when it expires

    def prune(self, now: float, window: float) -> None:
        since = now - window
        while self.requests and self.requests[0] <= since:
            self.requests.popleft()
        for entry, (at, _) in list(self.tokens.items()):
            if at > since:
                break
            del self.tokens[entry]
        for lease in [lease for lease, expires in self.in_flight.items() if expires <= now]:
            del self.in_flight[lease]

    @property
    def idle(self) -> bool:
        return not (self.requests or self.tokens or self.in_flight)

    def counted_tokens(self) -> int:
        return sum(tokens for _, tokens in self.tokens.values())

    def tokens_free_in(self, tpm: int, now: float, window: float) -> float | None:
        """Seconds until what is counted drops below ``tpm`` as entries leave the window."""
        left = self.counted_tokens()
        for at, tokens in self.tokens.values():
            left -= tokens
            if left < tpm:
                return max(0.0, at + window - now)
        return None


@dataclass(slots=True)
class _Spend:
    period_label: str
    usd: float


class MemoryLimiter:
    def __init__(
        self,
        spend_loader: SpendLoader,
        *,
        window_seconds: float = WINDOW_SECONDS,
        lease_seconds: float = 600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._spend_loader = spend_loader
        self._window = window_seconds
        self._lease_seconds = lease_seconds
        self._clock = clock
        self._windows: dict[str, _KeyWindow] = {}
        self._spend: dict[str, _Spend] = {}
        self._revoked: set[str] = set()
        self._next_sweep = 0.0

    async def admit(self, key_id: str, limits: KeyLimits, estimated_tokens: int) -> Admission:
        if key_id in self._revoked:
            return Admission(allowed=False, reason="revoked")
        spent: float | None = None
        budget_seconds_left = 0.0
        if limits.budget_usd is not None:
            period = budget_period(limits.budget_period, self._clock())
            spent = await self._spent(key_id, period)
            budget_seconds_left = period.seconds_left(self._clock())
        # Nothing below awaits: the checks and the counting happen as one step on this event loop.
        if key_id in self._revoked:
            return Admission(allowed=False, reason="revoked")
        now = self._clock()
        self._sweep(now)
        window = self._windows.get(key_id) or _KeyWindow()
        window.prune(now, self._window)

        refusal: tuple[RefusalReason, float | None] | None = None
        if spent is not None and limits.budget_usd is not None and spent >= limits.budget_usd:
            refusal = ("budget", budget_seconds_left)
        elif limits.max_parallel is not None and len(window.in_flight) >= limits.max_parallel:
            refusal = ("parallel", PARALLEL_RETRY_SECONDS)
        elif limits.rpm is not None and len(window.requests) >= limits.rpm:
            refusal = ("rpm", max(0.0, window.requests[0] + self._window - now) if window.requests else None)
        elif limits.tpm is not None and window.counted_tokens() >= limits.tpm:
            refusal = ("tpm", window.tokens_free_in(limits.tpm, now, self._window))
        if refusal is not None:
            reason, retry_after = refusal
            return Admission(
                allowed=False, reason=reason, retry_after=retry_after, snapshot=self._snapshot(window, limits, now)
            )

        lease = uuid.uuid4().hex
        if limits.rpm is not None:
            window.requests.append(now)
        if limits.tpm is not None and estimated_tokens > 0:
            window.tokens[lease] = (now, estimated_tokens)
        if limits.max_parallel is not None:
            window.in_flight[lease] = now + self._lease_seconds
        if not window.idle:
            self._windows[key_id] = window
        return Admission(allowed=True, lease=lease, snapshot=self._snapshot(window, limits, now))

    async def settle(
        self, key_id: str, limits: KeyLimits, lease: str, *, estimated_tokens: int, actual_tokens: int,
        cost_usd: float,
    ) -> None:
        now = self._clock()
        window = self._windows.get(key_id) or _KeyWindow()
        window.in_flight.pop(lease, None)
        window.tokens.pop(lease, None)
        if limits.tpm is not None and actual_tokens > 0:
            # The real count replaces the reservation and counts from now, when the tokens were actually used.
            window.tokens[lease + SETTLED_SUFFIX] = (now, actual_tokens)
        window.prune(now, self._window)
        if window.idle:
            self._windows.pop(key_id, None)
        else:
            self._windows[key_id] = window

        spend = self._spend.get(key_id)
        # Only a counter already seeded for the current period is added to; otherwise the next seeding reads
        # this request's cost from the usage records.
        if cost_usd and spend is not None and spend.period_label == budget_period(limits.budget_period, now).label:
            spend.usd += cost_usd

    async def revoke(self, key_id: str) -> None:
        self._revoked.add(key_id)
        self._windows.pop(key_id, None)

    async def close(self) -> None:
        self._windows.clear()
        self._spend.clear()

    async def _spent(self, key_id: str, period: Period) -> float:
        spend = self._spend.get(key_id)
        if spend is None or spend.period_label != period.label:
            loaded = await self._spend_loader(key_id, period.start)
            spend = self._spend.get(key_id)
            # Another request may have seeded (and added to) the counter while this one was loading: keep it.
            if spend is None or spend.period_label != period.label:
                spend = _Spend(period.label, float(loaded))
                self._spend[key_id] = spend
        return spend.usd

    def _sweep(self, now: float) -> None:
        """Forget keys whose windows emptied, once per window, so idle keys do not hold memory."""
        if now < self._next_sweep:
            return
        self._next_sweep = now + self._window
        for key_id, window in list(self._windows.items()):
            window.prune(now, self._window)
            if window.idle:
                del self._windows[key_id]

    def _snapshot(self, window: _KeyWindow, limits: KeyLimits, now: float) -> LimitSnapshot:
        requests_limit = requests_remaining = tokens_limit = tokens_remaining = None
        requests_reset = tokens_reset = None
        if limits.rpm is not None:
            requests_limit = limits.rpm
            requests_remaining = max(0, limits.rpm - len(window.requests))
            requests_reset = max(0.0, window.requests[0] + self._window - now) if window.requests else 0.0
        if limits.tpm is not None:
            tokens_limit = limits.tpm
            tokens_remaining = max(0, limits.tpm - window.counted_tokens())
            oldest = next(iter(window.tokens.values()), None)
            tokens_reset = max(0.0, oldest[0] + self._window - now) if oldest is not None else 0.0
        return LimitSnapshot(
            requests_limit=requests_limit,
            requests_remaining=requests_remaining,
            requests_reset_seconds=requests_reset,
            tokens_limit=tokens_limit,
            tokens_remaining=tokens_remaining,
            tokens_reset_seconds=tokens_reset,
        )
