"""A member's local figures: in flight, EWMA latency, and its own rpm/tpm/max_parallel capacity over a
sliding minute."""

from __future__ import annotations

import pytest

from dragoman.config import DeploymentConfig
from dragoman.routing.stats import EWMA_ALPHA, MemberStats


def deployment(**limits: int) -> DeploymentConfig:
    return DeploymentConfig(name="m", provider="openai", base_url="http://127.0.0.1:9/v1", **limits)


def test_rpm_counts_starts_in_a_sliding_minute() -> None:
    stats, limited = MemberStats(), deployment(rpm=2)
    stats.ended(0.1, stats.started(0.0, 0), None)
    assert stats.has_room(limited, 1.0, 0)
    stats.ended(30.1, stats.started(30.0, 0), None)
    assert not stats.has_room(limited, 59.9, 0)
    assert stats.seconds_until_room(limited, 59.9) == pytest.approx(0.1)
    assert stats.has_room(limited, 60.0, 0)  # the first start left the window
    assert stats.requests_in_window(60.0) == 1


def test_tpm_counts_the_estimate_then_the_real_use() -> None:
    stats, limited = MemberStats(), deployment(tpm=1000)
    first = stats.started(0.0, 600)
    assert not stats.has_room(limited, 1.0, 500)  # 600 + 500 would pass 1000
    assert stats.has_room(limited, 1.0, 400)
    stats.ended(2.0, first, 200)  # it really used 200, counted at its start
    assert stats.tokens_in_window(3.0) == 200
    assert stats.has_room(limited, 3.0, 800)
    second = stats.started(10.0, 100)
    stats.ended(11.0, second, None)  # no real count: the estimate stays
    assert stats.tokens_in_window(59.9) == 300
    assert stats.tokens_in_window(60.0) == 100


def test_a_request_longer_than_the_window_adds_what_it_used_beyond_the_estimate() -> None:
    stats = MemberStats()
    charge = stats.started(0.0, 100)
    assert stats.tokens_in_window(61.0) == 0
    stats.ended(90.0, charge, 700)
    assert stats.tokens_in_window(91.0) == 600


def test_a_request_bigger_than_the_tpm_still_goes_to_an_unused_member() -> None:
    stats, limited = MemberStats(), deployment(tpm=100)
    assert stats.has_room(limited, 0.0, 5000)
    stats.started(0.0, 5000)
    assert not stats.has_room(limited, 1.0, 1)


def test_max_parallel_counts_requests_in_flight() -> None:
    stats, limited = MemberStats(), deployment(max_parallel=1)
    charge = stats.started(0.0, 0)
    assert stats.in_flight == 1 and not stats.has_room(limited, 0.0, 0)
    stats.ended(1.0, charge, None)
    assert stats.in_flight == 0 and stats.has_room(limited, 1.0, 0)
    stats.ended(1.0, charge, None)
    assert stats.in_flight == 0  # an extra end never goes negative


def test_latency_is_an_exponentially_weighted_average() -> None:
    stats = MemberStats()
    stats.observe_first_byte(1.0)
    assert stats.ewma_first_byte == 1.0
    stats.observe_first_byte(2.0)
    assert stats.ewma_first_byte == pytest.approx(1.0 + EWMA_ALPHA)
    stats.observe_duration(4.0)
    assert stats.ewma_duration == 4.0


def test_unlimited_members_always_have_room() -> None:
    stats = MemberStats()
    for second in range(100):
        stats.started(float(second), 10_000)
    assert stats.has_room(deployment(), 100.0, 10_000)
