"""Which upstream failures are retried, which count against a member, and how long to wait before a repeat.

Pure: the clock and the random source are passed in, so every rule is tested without sleeping.

Retried (only before the first byte has reached the client; after that the error goes into the stream):

- ``UpstreamUnavailable``: connection refused or reset, the upstream's 5xx, and ``UpstreamProtocolError``
  (garbage, truncated JSON, a stream that is not one), because another member may answer properly;
- ``UpstreamTimeout``: no answer (or first stream event) in time;
- an upstream's 408, 409 and 429, and its 401 and 403: dragoman sends the deployment's own key, never the
  client's, so a refused key is that account's problem and another member may well accept the request.

Never retried: the other 4xx an upstream answers (400, 404, 413, 422 …: the client's request is at fault and
every member would say the same), and dragoman's own errors (``InvalidRequest``, ``RateLimited`` …).

Backoff before sending to a member that was already tried is "full jitter" (uniform between 0 and
``min(backoff_max, backoff_base * 2**repeat)``), never shorter than the upstream's Retry-After, and a repeat
whose wait would end after the deadline does not happen.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from dragoman.canonical.errors import GatewayError, UpstreamError, UpstreamTimeout, UpstreamUnavailable
from dragoman.config import RoutingConfig

Clock = Callable[[], float]
Random = Callable[[], float]  # uniform in [0, 1), like random.random

MEMBER_FAULT_STATUSES = frozenset({401, 403, 408, 409, 429})
"""Upstream 4xx answers that say something about the member (its account, its load), not the request."""


def is_member_failure(error: GatewayError) -> bool:
    """The member failed (not the client's request): it counts towards the member's cooldown."""
    if isinstance(error, UpstreamUnavailable | UpstreamTimeout):
        return True
    return isinstance(error, UpstreamError) and (error.status in MEMBER_FAULT_STATUSES or error.status >= 500)


def is_retryable(error: GatewayError, *, streamed: bool) -> bool:
    """Whether another attempt may answer instead. ``streamed``: bytes already reached the client."""
    return not streamed and is_member_failure(error)


def forced_cooldown(error: GatewayError, default_seconds: float) -> float | None:
    """How long a member rests after this error regardless of its failure count, or ``None``.

    A 429 rests it for its Retry-After (``default_seconds`` without one); an overloaded upstream (503/529,
    which canonical errors carry as ``UpstreamUnavailable`` with ``retry_after``) for its Retry-After.
    """
    if isinstance(error, UpstreamError) and error.status == 429:
        return error.retry_after if error.retry_after is not None else default_seconds
    if isinstance(error, UpstreamUnavailable) and error.retry_after is not None:
        return error.retry_after
    return None


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    retries: int = 2  # repeats within one pool, beyond trying each member once
    deadline: float = 60.0  # seconds from the start of the request; no attempt starts after it
    backoff_base: float = 0.25
    backoff_max: float = 8.0

    @classmethod
    def from_config(cls, routing: RoutingConfig) -> RetryPolicy:
        return cls(routing.retries, routing.retry_deadline, routing.backoff_base, routing.backoff_max)

    def backoff(self, repeat: int, random: Random) -> float:
        """Full jitter for the ``repeat``-th repeat (0-based)."""
        ceiling = min(self.backoff_max, self.backoff_base * 2.0 ** min(repeat, 62))
        return ceiling * random()

    @staticmethod
    def delay(backoff: float, retry_after: float | None, remaining: float) -> float | None:
        """The wait before a repeat: the backoff, but never less than the upstream's Retry-After. ``None``
        when the wait would not end before the deadline (``remaining`` seconds away)."""
        wait = max(backoff, retry_after or 0.0)
        return wait if wait < remaining else None


class Deadline:
    """The total time a request may spend trying upstreams, from its creation."""

    __slots__ = ("_clock", "_ends_at")

    def __init__(self, seconds: float, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._ends_at = clock() + seconds

    def remaining(self) -> float:
        return max(0.0, self._ends_at - self._clock())

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0.0
