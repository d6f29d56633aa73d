"""Per-key limits: requests and tokens per minute, requests in flight, and spend per budget period.

Two implementations share these semantics: ``dragoman.access.memory_limiter`` (one process) and
``dragoman.access.redis_limiter`` (replicas sharing one Redis, atomic Lua scripts).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from dragoman.access.keys import KeyLimits

WINDOW_SECONDS = 60.0

RefusalReason = Literal["rpm", "tpm", "parallel", "budget", "revoked"]

# Loads what a key has spent since a moment (from the usage records), to seed a budget counter.
SpendLoader = Callable[[str, datetime], Awaitable[float]]


@dataclass(slots=True, frozen=True)
class LimitSnapshot:
    """Where a key stands after a decision, for the rate-limit response headers. ``None``: no such limit."""

    requests_limit: int | None = None
    requests_remaining: int | None = None
    requests_reset_seconds: float | None = None  # until the oldest counted request leaves the window (0: none)
    tokens_limit: int | None = None
    tokens_remaining: int | None = None
    tokens_reset_seconds: float | None = None


@dataclass(slots=True, frozen=True)
class Admission:
    allowed: bool
    lease: str | None = None  # pass back to ``settle``; None when refused
    reason: RefusalReason | None = None
    retry_after: float | None = None  # seconds, when refused and waiting helps
    snapshot: LimitSnapshot = LimitSnapshot()


class Limiter(Protocol):
    async def admit(self, key_id: str, limits: KeyLimits, estimated_tokens: int) -> Admission:
        """Check every limit of the key and, if all pass, count the request, reserve ``estimated_tokens``
        against tpm and take a parallel slot, atomically."""
        ...

    async def settle(
        self, key_id: str, limits: KeyLimits, lease: str, *, estimated_tokens: int, actual_tokens: int,
        cost_usd: float,
    ) -> None:
        """The request ended: free its parallel slot, correct the token reservation to the real count and add
        its cost to the budget period's spend."""
        ...

    async def revoke(self, key_id: str) -> None:
        """From now on every ``admit`` for the key answers ``revoked`` (on every replica sharing the state)."""
        ...

    async def close(self) -> None: ...
