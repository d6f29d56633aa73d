"""Choosing among members that may take a request: least-busy (the default), round-robin, weighted-random,
ordered. Random draws come from seeded generators, so the counts are exact for a seed and the bounds wide."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

import pytest

from dragoman.routing.stats import MemberStats
from dragoman.routing.strategies import LeastBusy, Ordered, RoundRobin, WeightedRandom, make_strategy


@dataclass(eq=False)
class Fake:
    id: str
    weight: float = 1.0
    stats: MemberStats = field(default_factory=MemberStats)


def shares(choose: object, members: list[Fake], draws: int = 4000) -> dict[str, float]:
    picks = Counter(choose(members).id for _ in range(draws))  # type: ignore[operator]
    return {member.id: picks[member.id] / draws for member in members}


def test_least_busy_splits_an_idle_pool_by_weight() -> None:
    members = [Fake("a", 3.0), Fake("b", 1.0)]
    split = shares(LeastBusy(random.Random(1)).choose, members)
    assert split["a"] == pytest.approx(0.75, abs=0.03)


def test_least_busy_avoids_a_busy_member() -> None:
    busy, idle = Fake("busy"), Fake("idle")
    busy.stats.in_flight = 5
    split = shares(LeastBusy(random.Random(2)).choose, [busy, idle])
    # "busy" only wins when it is drawn twice (probability 1/4)
    assert split["busy"] == pytest.approx(0.25, abs=0.03)


def test_least_busy_avoids_a_clearly_slower_member_but_not_noise() -> None:
    slow, fast = Fake("slow"), Fake("fast")
    slow.stats.ewma_first_byte, fast.stats.ewma_first_byte = 2.0, 0.5
    assert shares(LeastBusy(random.Random(3)).choose, [slow, fast])["slow"] == pytest.approx(0.25, abs=0.03)
    slow.stats.ewma_first_byte = 0.55  # within the tie margin: an even split
    assert shares(LeastBusy(random.Random(3)).choose, [slow, fast])["slow"] == pytest.approx(0.5, abs=0.03)


def test_least_busy_gives_a_member_without_latency_the_mean() -> None:
    new, known = Fake("new"), Fake("known")
    known.stats.ewma_first_byte = 1.0
    assert shares(LeastBusy(random.Random(4)).choose, [new, known])["new"] == pytest.approx(0.5, abs=0.03)


def test_smooth_weighted_round_robin_interleaves() -> None:
    strategy = RoundRobin()
    members = [Fake("a", 3.0), Fake("b", 1.0)]
    assert "".join(strategy.choose(members).id for _ in range(8)) == "aabaaaba"


def test_round_robin_takes_turns_among_whoever_is_eligible() -> None:
    strategy = RoundRobin()
    a, b, c = Fake("a"), Fake("b"), Fake("c")
    picks = [strategy.choose([a, b, c]).id for _ in range(3)]
    assert sorted(picks) == ["a", "b", "c"]
    assert {strategy.choose([a, c]).id for _ in range(2)} == {"a", "c"}


def test_weighted_random_follows_weights() -> None:
    split = shares(WeightedRandom(random.Random(5)).choose, [Fake("a", 1.0), Fake("b", 4.0)])
    assert split["b"] == pytest.approx(0.8, abs=0.03)


def test_ordered_takes_the_first() -> None:
    members = [Fake("a"), Fake("b")]
    members[0].stats.in_flight = 100
    assert Ordered().choose(members).id == "a"


@pytest.mark.parametrize(("name", "kind"), [("least-busy", LeastBusy), ("round-robin", RoundRobin),
                                            ("weighted-random", WeightedRandom), ("ordered", Ordered)])
def test_make_strategy(name: str, kind: type) -> None:
    assert isinstance(make_strategy(name, random.Random()), kind)  # type: ignore[arg-type]
