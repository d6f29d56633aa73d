"""What happens to rate limiting when Redis is unreachable: the configured ``redis.on_failure`` policy.

``open`` admits the request unlimited (no lease, no headers) and logs a warning at most every 30 seconds;
``closed`` refuses it with 503 (``Overloaded``). Settling and revoking never fail a request: their errors are
logged. Nothing needs resetting when Redis returns: every call tries Redis again, and the first one that
succeeds after an outage logs that limits apply again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Literal

from redis.exceptions import RedisError

from dragoman.access.keys import KeyLimits
from dragoman.access.limiter import Admission, Limiter
from dragoman.canonical.errors import Overloaded

logger = logging.getLogger(__name__)

FailurePolicy = Literal["open", "closed"]
WARNING_INTERVAL_SECONDS = 30.0
UNAVAILABLE_RETRY_AFTER = 5.0


class ResilientLimiter:
    def __init__(
        self,
        limiter: Limiter,
        on_failure: FailurePolicy,
        *,
        warning_interval: float = WARNING_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limiter = limiter
        self._on_failure: FailurePolicy = on_failure
        self._warning_interval = warning_interval
        self._clock = clock
        self._last_warning: float | None = None
        self._failing = False

    async def admit(self, key_id: str, limits: KeyLimits, estimated_tokens: int) -> Admission:
        try:
            admission = await self._limiter.admit(key_id, limits, estimated_tokens)
        except RedisError as error:
            self._warn(error)
            if self._on_failure == "closed":
                raise Overloaded(
                    "rate limiting is unavailable (Redis unreachable)", retry_after=UNAVAILABLE_RETRY_AFTER
                ) from error
            return Admission(allowed=True)
        self._recovered()
        return admission

    async def settle(
        self, key_id: str, limits: KeyLimits, lease: str, *, estimated_tokens: int, actual_tokens: int,
        cost_usd: float,
    ) -> None:
        try:
            await self._limiter.settle(
                key_id, limits, lease, estimated_tokens=estimated_tokens, actual_tokens=actual_tokens,
                cost_usd=cost_usd,
            )
        except RedisError as error:
            # The lease expires by itself; the cost is in the usage records for the next seeding.
            logger.warning("could not settle a request of key %s in Redis: %s", key_id, error)
        else:
            self._recovered()

    async def revoke(self, key_id: str) -> None:
        try:
            await self._limiter.revoke(key_id)
        except RedisError as error:
            logger.warning(
                "could not mark key %s revoked in Redis (%s); other replicas refuse it once their key cache "
                "expires", key_id, error,
            )

    async def close(self) -> None:
        try:
            await self._limiter.close()
        except RedisError as error:
            logger.warning("closing the Redis connection failed: %s", error)

    def _warn(self, error: RedisError) -> None:
        self._failing = True
        now = self._clock()
        if self._last_warning is not None and now - self._last_warning < self._warning_interval:
            return
        self._last_warning = now
        consequence = (
            "requests with API keys are admitted without their limits"
            if self._on_failure == "open"
            else "requests with API keys are refused with 503"
        )
        logger.warning("Redis is unreachable (%s): %s (redis.on_failure: %s)", error, consequence, self._on_failure)

    def _recovered(self) -> None:
        if self._failing:
            self._failing = False
            self._last_warning = None
            logger.warning("Redis is reachable again: key limits apply again")
