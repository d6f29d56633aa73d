"""One behaviour suite for both limiters: the in-memory one and replicas sharing the real Redis.

Tests that need time to pass use windows of about a second and wait for the ``retry_after`` the limiter
itself announced.
"""

from __future__ import annotations

import asyncio

import pytest

from dragoman.access.keys import KeyLimits
from dragoman.access.limiter import Admission, Limiter
from tests.access.limiter_support import MakeLimiters, SpendLedger, WallClock, make_limiters, utc

__all__ = ["make_limiters"]

SLACK = 0.05  # added to announced waits: Redis's clock and the test's sleep are not perfectly in step


async def admit(limiter: Limiter, limits: KeyLimits, key_id: str = "key_a", tokens: int = 0) -> Admission:
    return await limiter.admit(key_id, limits, tokens)


async def settle(limiter: Limiter, limits: KeyLimits, admission: Admission, *, key_id: str = "key_a",
                 estimated: int = 0, actual: int = 0, cost: float = 0.0) -> None:
    assert admission.lease is not None
    await limiter.settle(key_id, limits, admission.lease, estimated_tokens=estimated, actual_tokens=actual,
                         cost_usd=cost)


async def test_a_key_without_limits_is_admitted_with_an_empty_snapshot(make_limiters: MakeLimiters) -> None:
    [limiter] = make_limiters(SpendLedger().spend_since)
    admission = await admit(limiter, KeyLimits(), tokens=1000)
    assert admission.allowed and admission.lease and admission.reason is None
    assert admission.snapshot.requests_limit is None and admission.snapshot.tokens_limit is None


async def test_rpm_allows_exactly_the_limit_and_again_once_the_window_frees(make_limiters: MakeLimiters) -> None:
    [limiter] = make_limiters(SpendLedger().spend_since, window_seconds=1.0)
    limits = KeyLimits(rpm=3)
    admitted = [await admit(limiter, limits) for _ in range(3)]
    assert [a.allowed for a in admitted] == [True, True, True]
    assert [a.snapshot.requests_remaining for a in admitted] == [2, 1, 0]
    assert all(a.snapshot.requests_limit == 3 for a in admitted)
    assert 0 < admitted[-1].snapshot.requests_reset_seconds <= 1.0

    refusals = [await admit(limiter, limits) for _ in range(3)]
    assert all(not r.allowed and r.reason == "rpm" and r.lease is None for r in refusals)
    assert all(0 < r.retry_after <= 1.0 for r in refusals)
    assert refusals[0].snapshot.requests_remaining == 0
    # Refused requests are not counted: the window frees when the first admitted request leaves it.
    await asyncio.sleep(refusals[-1].retry_after + SLACK)
    again = await admit(limiter, limits)
    assert again.allowed


async def test_rpm_window_slides_instead_of_resetting(make_limiters: MakeLimiters) -> None:
    [limiter] = make_limiters(SpendLedger().spend_since, window_seconds=1.0)
    limits = KeyLimits(rpm=2)
    assert (await admit(limiter, limits)).allowed
    await asyncio.sleep(0.5)
    assert (await admit(limiter, limits)).allowed
    refused = await admit(limiter, limits)
    assert refused.reason == "rpm"
    assert refused.retry_after is not None and refused.retry_after <= 0.5 + SLACK

    await asyncio.sleep(refused.retry_after + SLACK)
    assert (await admit(limiter, limits)).allowed  # the first request left the window...
    still = await admit(limiter, limits)
    assert still.reason == "rpm"  # ...but the second still counts, unlike a counter reset every second
    assert still.retry_after is not None and 0 < still.retry_after <= 0.5 + SLACK


async def test_concurrent_requests_over_replicas_are_counted_exactly(make_limiters: MakeLimiters) -> None:
    replicas = make_limiters(SpendLedger().spend_since, replicas=2)
    limits = KeyLimits(rpm=10)
    admissions = await asyncio.gather(*(admit(replicas[i % 2], limits, "key_shared") for i in range(40)))
    assert sum(a.allowed for a in admissions) == 10
    assert {a.reason for a in admissions if not a.allowed} == {"rpm"}
    assert sorted(a.snapshot.requests_remaining for a in admissions if a.allowed) == list(range(10))


async def test_tpm_reserves_the_estimate_and_settle_corrects_it(make_limiters: MakeLimiters) -> None:
    [limiter] = make_limiters(SpendLedger().spend_since)
    limits = KeyLimits(tpm=100)
    first = await admit(limiter, limits, tokens=60)
    assert first.allowed and first.snapshot.tokens_limit == 100 and first.snapshot.tokens_remaining == 40
    second = await admit(limiter, limits, tokens=60)  # 60 counted is under 100, so it is admitted
    assert second.allowed and second.snapshot.tokens_remaining == 0
    refused = await admit(limiter, limits, tokens=1)
    assert refused.reason == "tpm"
    assert refused.retry_after is not None and 59 < refused.retry_after <= 60

    await settle(limiter, limits, first, estimated=60, actual=10)
    await settle(limiter, limits, second, estimated=60, actual=20)
    third = await admit(limiter, limits, tokens=50)
    assert third.allowed and third.snapshot.tokens_remaining == 100 - 10 - 20 - 50

    await settle(limiter, limits, third, estimated=50, actual=90)  # the answer was longer than estimated
    assert (await admit(limiter, limits, tokens=1)).reason == "tpm"


async def test_tpm_retry_after_waits_until_enough_tokens_left(make_limiters: MakeLimiters) -> None:
    [limiter] = make_limiters(SpendLedger().spend_since, window_seconds=1.0)
    limits = KeyLimits(tpm=100)
    assert (await admit(limiter, limits, tokens=80)).allowed
    await asyncio.sleep(0.4)
    assert (await admit(limiter, limits, tokens=50)).allowed
    refused = await admit(limiter, limits, tokens=10)
    assert refused.reason == "tpm"
    # Once the 80 leave, 50 < 100 remain counted: the wait ends with the first entry, not the second.
    assert refused.retry_after is not None and 0 < refused.retry_after <= 0.6 + SLACK
    await asyncio.sleep(refused.retry_after + SLACK)
    admitted = await admit(limiter, limits, tokens=10)
    assert admitted.allowed and admitted.snapshot.tokens_remaining == 40


async def test_parallel_slots_are_freed_by_settle(make_limiters: MakeLimiters) -> None:
    [limiter] = make_limiters(SpendLedger().spend_since)
    limits = KeyLimits(max_parallel=2)
    first, second = await admit(limiter, limits), await admit(limiter, limits)
    assert first.allowed and second.allowed
    refused = await admit(limiter, limits)
    assert refused.reason == "parallel" and refused.retry_after == 1.0
    await settle(limiter, limits, first)
    assert (await admit(limiter, limits)).allowed
    assert (await admit(limiter, limits)).reason == "parallel"


async def test_a_lease_never_settled_expires(make_limiters: MakeLimiters) -> None:
    [limiter] = make_limiters(SpendLedger().spend_since, lease_seconds=0.5)
    limits = KeyLimits(max_parallel=1)
    assert (await admit(limiter, limits)).allowed  # its replica "crashes": never settled
    assert (await admit(limiter, limits)).reason == "parallel"
    await asyncio.sleep(0.5 + SLACK)
    assert (await admit(limiter, limits)).allowed


async def test_budget_is_seeded_once_from_the_usage_records_and_then_exhausted(
    make_limiters: MakeLimiters,
) -> None:
    ledger = SpendLedger()
    ledger.record("key_b", utc(2026, 10, 31, 23, 0), 100.0)  # last month: not counted
    ledger.record("key_b", utc(2026, 11, 2, 8, 0), 9.0)
    ledger.record("key_other", utc(2026, 11, 3), 50.0)
    clock = WallClock(utc(2026, 11, 23, 12, 0))
    [limiter] = make_limiters(ledger.spend_since, clock=clock)
    limits = KeyLimits(budget_usd=10.0)  # no period: a calendar month

    first = await admit(limiter, limits, "key_b")
    assert first.allowed
    assert ledger.calls == [("key_b", utc(2026, 11, 1))]
    await settle(limiter, limits, first, key_id="key_b", cost=0.5)
    second = await admit(limiter, limits, "key_b")
    assert second.allowed
    await settle(limiter, limits, second, key_id="key_b", cost=0.6)

    refused = await admit(limiter, limits, "key_b")
    assert refused.reason == "budget" and refused.lease is None
    assert refused.retry_after == pytest.approx((utc(2026, 12, 1) - utc(2026, 11, 23, 12, 0)).total_seconds())
    assert len(ledger.calls) == 1  # seeded once; after that the counter is kept up to date by settle


async def test_budget_counts_per_period(make_limiters: MakeLimiters) -> None:
    ledger = SpendLedger()
    ledger.record("key_d", utc(2026, 11, 23, 9, 0), 0.9)
    clock = WallClock(utc(2026, 11, 23, 23, 59))
    [limiter] = make_limiters(ledger.spend_since, clock=clock)
    limits = KeyLimits(budget_usd=1.0, budget_period="day")

    admitted = await admit(limiter, limits, "key_d")
    assert admitted.allowed
    await settle(limiter, limits, admitted, key_id="key_d", cost=0.2)
    refused = await admit(limiter, limits, "key_d")
    assert refused.reason == "budget" and refused.retry_after == pytest.approx(60.0)

    clock.set(utc(2026, 11, 24, 0, 0, 1))
    assert (await admit(limiter, limits, "key_d")).allowed
    assert ledger.calls == [("key_d", utc(2026, 11, 23)), ("key_d", utc(2026, 11, 24))]


async def test_cost_settled_before_the_counter_exists_is_left_to_the_usage_records(
    make_limiters: MakeLimiters,
) -> None:
    ledger = SpendLedger()
    ledger.record("key_e", utc(2026, 11, 20), 5.0)  # the usage record of the request settled below
    [limiter] = make_limiters(ledger.spend_since, clock=WallClock(utc(2026, 11, 23)))
    limits = KeyLimits(budget_usd=8.0)
    await limiter.settle("key_e", limits, "lease-from-before", estimated_tokens=0, actual_tokens=0, cost_usd=5.0)
    # Counted once (5.0 < 8.0), not twice: settle did not create a counter that would skip the seeding.
    assert (await admit(limiter, limits, "key_e")).allowed
    assert len(ledger.calls) == 1


async def test_seeding_never_overwrites_spend_another_request_added(make_limiters: MakeLimiters) -> None:
    ledger = SpendLedger()
    ledger.record("key_f", utc(2026, 11, 2), 5.0)
    clock = WallClock(utc(2026, 11, 23))
    slow, quick = make_limiters(ledger.spend_since, replicas=2, clock=clock)
    limits = KeyLimits(budget_usd=7.5)

    release = ledger.hold_next_call()
    late = asyncio.create_task(admit(slow, limits, "key_f"))
    while not ledger.calls:
        await asyncio.sleep(0.01)
    early = await admit(quick, limits, "key_f")  # seeds 5.0 while the slow load is still running
    assert early.allowed
    await settle(quick, limits, early, key_id="key_f", cost=3.0)  # 8.0 spent
    release.set()
    assert (await late).reason == "budget"  # its stale 5.0 seed did not replace the 8.0


async def test_revocation_reaches_every_replica(make_limiters: MakeLimiters) -> None:
    first, second = make_limiters(SpendLedger().spend_since, replicas=2)
    assert (await admit(first, KeyLimits(), "key_g")).allowed
    await second.revoke("key_g")
    refused = await admit(first, KeyLimits(rpm=100), "key_g")
    assert not refused.allowed and refused.reason == "revoked" and refused.lease is None
    assert (await admit(first, KeyLimits(), "key_h")).allowed
