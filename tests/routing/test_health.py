"""Cooldowns, in memory and in the real Redis: consecutive failures, 429s, half-open probes, recovery."""

from __future__ import annotations

import pytest

from dragoman.routing.health import HEALTHY, HealthState, MemberHealth
from dragoman.routing.redis_health import RedisHealth
from tests.routing.conftest import FakeClock, redis_namespace


async def state_of(health: HealthState, member: str) -> MemberHealth:
    return (await health.read([member])).get(member, HEALTHY)


async def test_a_member_never_seen_is_healthy(health: HealthState, clock: FakeClock) -> None:
    assert await health.read(["a", "b"]) == {}
    assert await health.admit("a", 10)
    await health.record_success("a")  # nothing to reset: no state appears
    await health.release_probe("a")
    assert await health.read(["a"]) == {}


async def test_cools_down_after_consecutive_failures_only(health: HealthState, clock: FakeClock) -> None:
    await health.record_failure("a", "boom 1")
    await health.record_failure("a", "boom 2")
    await health.record_success("a")  # not consecutive any more
    await health.record_failure("a", "boom 3")
    await health.record_failure("a", "boom 4")
    current = await state_of(health, "a")
    assert (current.failures, current.state(clock()), current.last_error) == (2, "healthy", "boom 4")
    assert await health.admit("a", 10)
    cooled = await health.record_failure("a", "boom 5")
    assert cooled.failures == 3 and cooled.cooldown_until == pytest.approx(clock() + 30)
    current = await state_of(health, "a")
    assert current.state(clock()) == "cooling" and not current.available(clock())
    assert current.last_failure_at == pytest.approx(clock())
    assert not await health.admit("a", 10)
    clock.advance(29.9)
    assert not await health.admit("a", 10)


async def test_a_429_cools_down_at_once_for_its_retry_after(health: HealthState, clock: FakeClock) -> None:
    await health.record_failure("a", "rate limited", cooldown=7)
    current = await state_of(health, "a")
    assert (current.failures, current.state(clock())) == (1, "cooling")
    assert current.cooldown_until == pytest.approx(clock() + 7)
    assert current.available_by(clock() + 7) and not current.available_by(clock() + 6.9)
    clock.advance(7)
    assert await health.admit("a", 10)  # the probe


async def test_half_open_lets_exactly_one_probe_through(health: HealthState, clock: FakeClock) -> None:
    for number in range(3):
        await health.record_failure("a", f"boom {number}")
    clock.advance(30)
    assert (await state_of(health, "a")).state(clock()) == "probing"
    assert (await state_of(health, "a")).available(clock())
    assert await health.admit("a", 10)
    assert not await health.admit("a", 10)  # the probe is out
    assert not (await state_of(health, "a")).available(clock())
    await health.record_success("a")
    recovered = await state_of(health, "a")
    assert (recovered.state(clock()), recovered.failures) == ("healthy", 0)
    assert await health.admit("a", 10) and await health.admit("a", 10)


async def test_a_failed_probe_cools_down_again(health: HealthState, clock: FakeClock) -> None:
    for number in range(3):
        await health.record_failure("a", f"boom {number}")
    clock.advance(31)
    assert await health.admit("a", 10)
    again = await health.record_failure("a", "still broken")
    assert again.failures == 4 and again.cooldown_until == pytest.approx(clock() + 30)
    assert not await health.admit("a", 10)


async def test_a_released_or_expired_probe_frees_the_member(health: HealthState, clock: FakeClock) -> None:
    await health.record_failure("a", "rate limited", cooldown=1)
    clock.advance(1)
    assert await health.admit("a", 5)
    await health.release_probe("a")  # the client went away: nothing learnt
    assert await health.admit("a", 5)
    assert not await health.admit("a", 5)
    clock.advance(5)  # the probe's holder never reported back
    assert await health.admit("a", 5)


async def test_members_are_independent(health: HealthState, clock: FakeClock) -> None:
    await health.record_failure("a", "rate limited", cooldown=10)
    assert await health.admit("b", 10)
    states = await health.read(["a", "b"])
    assert set(states) == {"a"}


async def test_replicas_share_cooldowns_through_redis(clock: FakeClock) -> None:
    async with redis_namespace() as (url, prefix):
        one = RedisHealth.from_url(url, prefix, failures_to_cool=2, cooldown_seconds=5, clock=clock)
        two = RedisHealth.from_url(url, prefix, failures_to_cool=2, cooldown_seconds=5, clock=clock)
        try:
            await one.record_failure("a", "boom")
            await two.record_failure("a", "boom")  # the second consecutive failure, seen from another replica
            assert (await state_of(one, "a")).state(clock()) == "cooling"
            clock.advance(5)
            admitted = [await one.admit("a", 10), await two.admit("a", 10)]
            assert admitted == [True, False]  # one probe across replicas
            await two.record_success("a")
            assert (await state_of(one, "a")).state(clock()) == "healthy"
        finally:
            await one.close()
            await two.close()


async def test_unreachable_redis_counts_members_healthy(clock: FakeClock) -> None:
    health = RedisHealth.from_url("redis://127.0.0.1:1/0", "nowhere", clock=clock)
    try:
        assert await health.read(["a"]) == {}
        assert await health.admit("a", 10)
        assert await health.record_failure("a", "boom", cooldown=30) == HEALTHY
        await health.record_success("a")
        await health.release_probe("a")
    finally:
        await health.close()
