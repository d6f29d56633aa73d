"""What one process knows about a member right now: requests in flight, how fast it answers, and how much of
its own rpm/tpm capacity the last minute used. Local on purpose: it steers this replica's choices, and
capacity is split across replicas by their load anyway.

Latency is an exponentially weighted moving average (``EWMA_ALPHA`` per observation) of the time to the
first byte (the answer, or a stream's first event), which unlike the total duration does not grow with the
length of the answer. Attempts that time out count with the time they waited, so a slow member looks slow.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from dragoman.config import DeploymentConfig

EWMA_ALPHA = 0.3
WINDOW_SECONDS = 60.0


def _ewma(previous: float | None, sample: float) -> float:
    return sample if previous is None else previous + EWMA_ALPHA * (sample - previous)


@dataclass(slots=True)
class TokenCharge:
    """One request's tokens in the window, counted at its start: the estimate, then what it really used."""

    at: float
    tokens: int
    expired: bool = False


@dataclass(slots=True)
class MemberStats:
    in_flight: int = 0
    ewma_first_byte: float | None = None  # seconds
    ewma_duration: float | None = None  # seconds, of successful requests
    window: float = WINDOW_SECONDS
    _starts: deque[float] = field(default_factory=deque)
    _tokens: deque[TokenCharge] = field(default_factory=deque)
    _token_sum: int = 0

    def started(self, now: float, estimated_tokens: int) -> TokenCharge:
        self.in_flight += 1
        self._starts.append(now)
        charge = TokenCharge(now, estimated_tokens)
        self._tokens.append(charge)
        self._token_sum += estimated_tokens
        return charge

    def ended(self, now: float, charge: TokenCharge, tokens: int | None) -> None:
        """``tokens``: what the request really used (None: keep the estimate)."""
        self.in_flight = max(0, self.in_flight - 1)
        if tokens is None:
            return
        if not charge.expired:
            self._token_sum += tokens - charge.tokens
            charge.tokens = tokens
        elif tokens > charge.tokens:  # a request longer than the window: what it used beyond the estimate
            self._tokens.append(TokenCharge(now, tokens - charge.tokens))
            self._token_sum += tokens - charge.tokens

    def observe_first_byte(self, seconds: float) -> None:
        self.ewma_first_byte = _ewma(self.ewma_first_byte, seconds)

    def observe_duration(self, seconds: float) -> None:
        self.ewma_duration = _ewma(self.ewma_duration, seconds)

    def requests_in_window(self, now: float) -> int:
        self._expire(now)
        return len(self._starts)

    def tokens_in_window(self, now: float) -> int:
        self._expire(now)
        return self._token_sum

    def _expire(self, now: float) -> None:
        horizon = now - self.window
        while self._starts and self._starts[0] <= horizon:
            self._starts.popleft()
        while self._tokens and self._tokens[0].at <= horizon:
            charge = self._tokens.popleft()
            charge.expired = True
            self._token_sum -= charge.tokens

    def has_room(self, deployment: DeploymentConfig, now: float, estimated_tokens: int) -> bool:
        """Under its own max_parallel, rpm and tpm. A request bigger than the whole tpm still goes to a
        member that used none of it this minute (it could never go anywhere otherwise)."""
        if deployment.max_parallel is not None and self.in_flight >= deployment.max_parallel:
            return False
        if deployment.rpm is not None and self.requests_in_window(now) >= deployment.rpm:
            return False
        if deployment.tpm is not None:
            used = self.tokens_in_window(now)
            if used >= deployment.tpm or (used > 0 and used + estimated_tokens > deployment.tpm):
                return False
        return True

    def seconds_until_room(self, deployment: DeploymentConfig, now: float) -> float:
        """A lower bound on when ``has_room`` may turn true again (for a Retry-After)."""
        waits: list[float] = []
        if deployment.rpm is not None and self.requests_in_window(now) >= deployment.rpm and self._starts:
            waits.append(self._starts[0] + self.window - now)
        if deployment.tpm is not None and self.tokens_in_window(now) >= deployment.tpm and self._tokens:
            waits.append(self._tokens[0].at + self.window - now)
        return max(0.0, min(waits)) if waits else 1.0
