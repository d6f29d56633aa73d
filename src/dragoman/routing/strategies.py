"""How a pool picks one member among those that may take the request (healthy, under capacity, one tier).

- ``least-busy`` (the default): weighted power of two choices, latency-aware. Two members are drawn at
  random in proportion to their ``weight`` (the same one may be drawn twice); the one with the lower cost
  ``(in flight + 1) * EWMA time to first byte`` wins, unless the costs are within ``TIE_MARGIN`` of each
  other, in which case the first drawn wins. So an idle pool splits its traffic by weight, a busy member
  loses to an idle one, and a member that is clearly slower loses to a faster one, while measurement noise
  between equally fast members does not starve either. A member without a latency yet counts with the mean
  of the others (or all count equal), so a new member gets its share.
- ``round-robin``: smooth weighted round robin (nginx's): over any stretch each member gets its weight's
  share, interleaved rather than in bursts.
- ``weighted-random``: a random member in proportion to ``weight``.
- ``ordered``: the first member in config order; the rest only when it cannot take the request.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Protocol, TypeVar

from dragoman.config import StrategyName
from dragoman.routing.stats import MemberStats

TIE_MARGIN = 0.25


class Candidate(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def weight(self) -> float: ...

    @property
    def stats(self) -> MemberStats: ...


C = TypeVar("C", bound=Candidate)


class Strategy(Protocol):
    def choose(self, candidates: Sequence[C]) -> C:
        """One of ``candidates`` (never empty), in config order."""
        ...


def _weighted(candidates: Sequence[C], rng: random.Random) -> C:
    return rng.choices(candidates, weights=[candidate.weight for candidate in candidates])[0]


class LeastBusy:
    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def choose(self, candidates: Sequence[C]) -> C:
        first, second = _weighted(candidates, self._rng), _weighted(candidates, self._rng)
        if first is second:
            return first
        known = [c.stats.ewma_first_byte for c in candidates if c.stats.ewma_first_byte is not None]
        typical = sum(known) / len(known) if known else 1.0

        def cost(candidate: Candidate) -> float:
            latency = candidate.stats.ewma_first_byte
            return (candidate.stats.in_flight + 1) * (latency if latency is not None else typical)

        first_cost, second_cost = cost(first), cost(second)
        return second if second_cost * (1 + TIE_MARGIN) < first_cost else first


class RoundRobin:
    def __init__(self) -> None:
        self._current: dict[str, float] = {}

    def choose(self, candidates: Sequence[C]) -> C:
        total = 0.0
        best: C | None = None
        for candidate in candidates:
            self._current[candidate.id] = self._current.get(candidate.id, 0.0) + candidate.weight
            total += candidate.weight
            if best is None or self._current[candidate.id] > self._current[best.id]:
                best = candidate
        assert best is not None, "choose() needs at least one candidate"
        self._current[best.id] -= total
        return best


class WeightedRandom:
    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def choose(self, candidates: Sequence[C]) -> C:
        return _weighted(candidates, self._rng)


class Ordered:
    def choose(self, candidates: Sequence[C]) -> C:
        return candidates[0]


def make_strategy(name: StrategyName, rng: random.Random) -> Strategy:
    match name:
        case "least-busy":
            return LeastBusy(rng)
        case "round-robin":
            return RoundRobin()
        case "weighted-random":
            return WeightedRandom(rng)
        case "ordered":
            return Ordered()
