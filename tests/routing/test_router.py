"""The router on a fake clock: name resolution, member choice by tier, failover, repeats with backoff and
Retry-After, cooldowns and probes, capacity, fallbacks, affinity, the deadline and the admin snapshot."""

from __future__ import annotations

import json
import random

import pytest

from dragoman.canonical.errors import (
    InvalidRequest,
    NotFound,
    Overloaded,
    UpstreamTimeout,
    UpstreamUnavailable,
    upstream_error,
)
from dragoman.config import Config, DeploymentConfig, parse_config
from dragoman.routing.attempt import Attempt
from dragoman.routing.health import HealthState, MemoryHealth
from dragoman.routing.router import Plan, Router
from tests.routing.conftest import FakeClock

BOOM = UpstreamUnavailable("upstream error (500): boom")


def entry(name: str, extra: str = "") -> str:
    return f"  - {{name: '{name}', provider: openai, base_url: http://127.0.0.1:9/v1{extra}}}\n"


def make_config(*entries: str, routing: str = "{strategy: ordered}", default: str | None = None) -> Config:
    text = "models:\n" + "".join(entries) + f"routing: {routing}\n"
    return parse_config(text + (f"default_model: {default}\n" if default else ""))


def make_router(config: Config, clock: FakeClock, health: HealthState | None = None) -> Router:
    state = health or MemoryHealth(failures_to_cool=config.routing.cooldown_after_failures,
                                   cooldown_seconds=config.routing.cooldown_seconds, clock=clock)
    return Router(config, state, clock=clock, wall_clock=clock, rng=random.Random(7), sleep=clock.sleep)


async def ids_until_exhausted(plan: Plan, error: Exception = BOOM) -> list[str]:
    """Every attempt the plan makes when each one fails with ``error``."""
    seen = []
    with pytest.raises(type(error)):
        while True:
            attempt = await plan.next()
            seen.append(attempt.member_id)
            assert await plan.failed(attempt, error)  # type: ignore[arg-type]
    return seen


# --- names -------------------------------------------------------------------------------------------------

async def test_names_aliases_and_member_ids(clock: FakeClock) -> None:
    config = make_config(entry("fast", ", aliases: [quick], id: primary"), entry("fast"), entry("slow"))
    router = make_router(config, clock)
    assert (router.names, router.aliases) == (["fast", "slow"], {"quick": "fast"})
    attempt = await router.resolve("quick").next()
    assert attempt.member_id == "primary" and attempt.deployment.id == "primary"
    assert (await router.resolve("slow").next()).member_id == "slow#0"
    second = router.member("fast#1")
    assert second is not None and second.deployment.id == "fast#1"


async def test_wildcard_routes_send_the_rest_of_the_name(clock: FakeClock) -> None:
    config = make_config(entry("anthropic/*", ", id: anth"), entry("anthropic/eu/*", ", id: anth-eu"))
    router = make_router(config, clock)
    attempt = await router.resolve("anthropic/claude-x").next()
    assert (attempt.member_id, attempt.deployment.upstream_model) == ("anth", "claude-x")
    longest = await router.resolve("anthropic/eu/claude-y").next()
    assert (longest.member_id, longest.deployment.upstream_model) == ("anth-eu", "claude-y")
    member = router.member("anth")
    assert member is not None and member.deployment.model is None  # the configured member is untouched
    with pytest.raises(NotFound):
        router.resolve("anthropic/")


def test_unknown_and_missing_models(clock: FakeClock) -> None:
    router = make_router(make_config(entry("fast"), default="fast"), clock)
    assert router.resolve("").pool == "fast"
    with pytest.raises(NotFound, match=r"The model 'nope' does not exist\. Configured models: fast") as raised:
        router.resolve("nope")
    assert (raised.value.param, raised.value.code) == ("model", "model_not_found")
    bare = make_router(parse_config(""), clock)
    with pytest.raises(InvalidRequest, match="'model' is required"):
        bare.resolve("")
    with pytest.raises(NotFound, match="no model is configured"):
        bare.resolve("fast")


async def test_discovered_deployments_never_shadow_configured_ones(clock: FakeClock) -> None:
    router = make_router(make_config(entry("fast", ", aliases: [quick]")), clock)
    found = [DeploymentConfig(name=name, provider="openai", base_url="http://127.0.0.1:8/v1")
             for name in ("fast", "quick", "llama")]
    router.set_discovered(found)
    assert router.names == ["fast", "llama"]
    assert (await router.resolve("fast").next()).deployment.base_url == "http://127.0.0.1:9/v1"
    attempt = await router.resolve("llama").next()
    member = router.member("llama#0")
    assert member is not None and member.discovered and attempt.member is member
    await attempt.succeeded()
    router.set_discovered(found[2:])  # the same model again: its figures stay
    assert router.member("llama#0") is not None
    assert router.member("llama#0").stats.ewma_duration is not None  # type: ignore[union-attr]
    router.set_discovered([])
    with pytest.raises(NotFound):
        router.resolve("llama")


# --- failover and repeats ----------------------------------------------------------------------------------

async def test_a_retryable_failure_moves_to_another_member_at_once(clock: FakeClock) -> None:
    router = make_router(make_config(entry("m"), entry("m"), routing="{strategy: ordered, retries: 0}"), clock)
    plan = router.resolve("m")
    assert await ids_until_exhausted(plan) == ["m#0", "m#1"]
    assert clock.slept == []


async def test_a_client_fault_is_the_answer(clock: FakeClock) -> None:
    router = make_router(make_config(entry("m"), entry("m")), clock)
    plan = router.resolve("m")
    attempt = await plan.next()
    assert not await plan.failed(attempt, upstream_error(400, "messages: field required"))


async def test_repeats_back_off_with_jitter_up_to_the_retry_count(clock: FakeClock) -> None:
    routing = "{retries: 3, backoff_base: 0.5, backoff_max: 1.5, cooldown_after_failures: 9}"
    config = make_config(entry("m"), routing=routing)
    router = make_router(config, clock)
    assert await ids_until_exhausted(router.resolve("m")) == ["m#0"] * 4
    assert len(clock.slept) == 3
    for repeat, slept in enumerate(clock.slept):
        assert 0 <= slept <= min(1.5, 0.5 * 2**repeat)


async def test_retry_after_is_honoured_and_the_member_is_probed_back(clock: FakeClock) -> None:
    router = make_router(make_config(entry("m"), routing="{backoff_base: 0.1, backoff_max: 0.1}"), clock)
    plan = router.resolve("m")
    first = await plan.next()
    assert await plan.failed(first, upstream_error(429, "slow down", retry_after=3))
    assert (await router.health.read(["m#0"]))["m#0"].state(clock()) == "cooling"
    second = await plan.next()
    assert (second.member_id, clock.slept) == ("m#0", [3.0])  # the Retry-After, not the shorter backoff
    assert not await router.health.admit("m#0", 10)  # this repeat holds the member's probe
    await second.succeeded()
    state = (await router.health.read(["m#0"]))["m#0"]
    assert (state.state(clock()), state.failures) == ("healthy", 0)


async def test_the_repeat_with_the_shortest_wait_goes_first(clock: FakeClock) -> None:
    router = make_router(make_config(entry("m"), entry("m"), routing="{strategy: ordered, retries: 1}"), clock)
    plan = router.resolve("m")
    first = await plan.next()
    assert await plan.failed(first, upstream_error(429, "slow down", retry_after=3))
    second = await plan.next()
    assert await plan.failed(second, BOOM)
    third = await plan.next()
    assert third.member_id == "m#1" and clock.slept[0] < 3


async def test_a_retry_after_past_the_deadline_is_not_waited_for(clock: FakeClock) -> None:
    router = make_router(make_config(entry("m"), routing="{retry_deadline: 10}"), clock)
    plan = router.resolve("m")
    attempt = await plan.next()
    too_late = upstream_error(429, "daily quota", retry_after=3600)
    assert await plan.failed(attempt, too_late)
    with pytest.raises(type(too_late)) as raised:
        await plan.next()
    assert raised.value is too_late and clock.slept == []


async def test_no_attempt_starts_after_the_deadline(clock: FakeClock) -> None:
    router = make_router(make_config(entry("m"), entry("m"), routing="{retry_deadline: 10}"), clock)
    plan = router.resolve("m")
    attempt = await plan.next()
    clock.advance(10)
    timeout = UpstreamTimeout("the upstream did not answer within 10 s")
    assert not await plan.failed(attempt, timeout)
    with pytest.raises(UpstreamTimeout):
        await plan.next()


# --- cooldowns and probes ----------------------------------------------------------------------------------

async def test_a_cooling_member_is_skipped_then_probed_by_one_request(clock: FakeClock) -> None:
    config = make_config(entry("m"), entry("m"), routing="{strategy: ordered, cooldown_after_failures: 2}")
    router = make_router(config, clock)
    for _ in range(2):
        plan = router.resolve("m")
        attempt = await plan.next()
        assert attempt.member_id == "m#0"
        await plan.failed(attempt, BOOM)
    assert (await router.resolve("m").next()).member_id == "m#1"
    clock.advance(30)
    probe = await router.resolve("m").next()
    other = await router.resolve("m").next()
    assert (probe.member_id, other.member_id) == ("m#0", "m#1")
    await probe.succeeded()
    assert (await router.resolve("m").next()).member_id == "m#0"


async def test_every_member_cooling_is_a_503_with_retry_after(clock: FakeClock) -> None:
    router = make_router(make_config(entry("m"), entry("m")), clock)
    for member_id, seconds in (("m#0", 12.0), ("m#1", 40.0)):
        await router.health.record_failure(member_id, "rate limited", cooldown=seconds)
    expected = r"model 'm' .*2 cooling down after failures \(the first back in 12 s\)"
    with pytest.raises(Overloaded, match=expected) as raised:
        await router.resolve("m").next()
    assert raised.value.retry_after == pytest.approx(12.0)


async def test_a_probe_that_ends_without_an_outcome_is_released(clock: FakeClock) -> None:
    router = make_router(make_config(entry("m"), entry("m")), clock)
    await router.health.record_failure("m#0", "rate limited", cooldown=1)
    await router.health.record_failure("m#1", "rate limited", cooldown=100)
    clock.advance(1)
    probe = await router.resolve("m").next()
    with pytest.raises(Overloaded, match="1 being probed"):
        await router.resolve("m").next()
    await probe.cancelled()
    assert (await router.resolve("m").next()).member_id == "m#0"


async def test_a_client_fault_from_a_probe_proves_the_member_works(clock: FakeClock) -> None:
    router = make_router(make_config(entry("m")), clock)
    await router.health.record_failure("m#0", "rate limited", cooldown=1)
    clock.advance(1)
    plan = router.resolve("m")
    probe = await plan.next()
    assert not await plan.failed(probe, upstream_error(400, "bad request"))
    assert (await router.health.read(["m#0"]))["m#0"].state(clock()) == "healthy"


# --- tiers, capacity, fallbacks, affinity ------------------------------------------------------------------

async def test_lower_priority_tiers_only_when_the_preferred_tier_cannot(clock: FakeClock) -> None:
    config = make_config(entry("m", ", priority: 1, id: backup"), entry("m", ", id: main"),
                         routing="{strategy: least-busy, retries: 0}")
    router = make_router(config, clock)
    assert {(await router.resolve("m").next()).member_id for _ in range(20)} == {"main"}
    assert await ids_until_exhausted(router.resolve("m")) == ["main", "backup"]
    await router.health.record_failure("main", "rate limited", cooldown=60)
    assert (await router.resolve("m").next()).member_id == "backup"


async def test_members_at_capacity_are_skipped(clock: FakeClock) -> None:
    config = make_config(entry("m", ", rpm: 1, id: small"), entry("m", ", max_parallel: 1, id: narrow"))
    router = make_router(config, clock)
    first = await router.resolve("m").next()
    second = await router.resolve("m").next()
    assert (first.member_id, second.member_id) == ("small", "narrow")
    await first.succeeded()
    with pytest.raises(Overloaded, match="2 at its own rpm/tpm/max_parallel capacity") as raised:
        await router.resolve("m").next()
    assert raised.value.retry_after == 1  # a request in flight may end any moment
    await second.succeeded()
    assert (await router.resolve("m").next()).member_id == "narrow"


async def test_a_full_rpm_says_when_the_minute_frees_a_slot(clock: FakeClock) -> None:
    router = make_router(make_config(entry("m", ", rpm: 2")), clock)
    for _ in range(2):
        await (await router.resolve("m").next()).succeeded()
        clock.advance(10)
    with pytest.raises(Overloaded) as raised:
        await router.resolve("m").next()
    assert raised.value.retry_after == pytest.approx(40)
    clock.advance(40)
    assert (await router.resolve("m").next()).member_id == "m#0"


async def test_tpm_capacity_uses_the_estimate_and_the_real_count(clock: FakeClock) -> None:
    router = make_router(make_config(entry("m", ", tpm: 1000")), clock)
    attempt = await router.resolve("m", estimated_tokens=900).next()
    with pytest.raises(Overloaded):
        await router.resolve("m", estimated_tokens=200).next()
    await attempt.succeeded(tokens=300)
    assert (await router.resolve("m", estimated_tokens=200).next()).member_id == "m#0"


async def test_fallbacks_follow_the_pool_and_are_not_followed_further(clock: FakeClock) -> None:
    config = make_config(entry("a", ", fallbacks: [b, anthropic/claude-x]"), entry("b", ", fallbacks: [c]"),
                         entry("c"), entry("anthropic/*", ", id: anth"), routing="{retries: 0}")
    router = make_router(config, clock)
    plan = router.resolve("a")
    assert await ids_until_exhausted(plan) == ["a#0", "b#0", "anth"]
    assert plan.attempts[-1].deployment.upstream_model == "claude-x"


async def test_a_wildcard_route_may_fall_back_to_another_model_of_its_own(clock: FakeClock) -> None:
    config = make_config(entry("anthropic/*", ", id: anth, fallbacks: [anthropic/claude-haiku]"),
                         routing="{retries: 0, cooldown_after_failures: 5}")
    router = make_router(config, clock)
    plan = router.resolve("anthropic/claude-opus")
    assert await ids_until_exhausted(plan) == ["anth", "anth"]
    assert [attempt.deployment.upstream_model for attempt in plan.attempts] == ["claude-opus", "claude-haiku"]
    assert [attempt.stage for attempt in plan.attempts] == [0, 1]
    assert await ids_until_exhausted(router.resolve("anthropic/claude-haiku")) == ["anth"]  # not its own fallback


async def test_a_request_that_cannot_be_translated_stays_with_its_dialect(clock: FakeClock) -> None:
    mixed = ("  - {name: m, provider: anthropic, base_url: http://127.0.0.1:9, id: claude}\n"
             "  - {name: m, provider: openai-responses, base_url: http://127.0.0.1:9/v1, id: gpt}\n")
    config = make_config(mixed, entry("other"), entry("m2", ", fallbacks: [m]"),
                         routing="{strategy: ordered, retries: 0}")
    router = make_router(config, clock)
    assert await ids_until_exhausted(router.resolve("m", dialect="openai_responses")) == ["gpt"]
    assert await ids_until_exhausted(router.resolve("m")) == ["claude", "gpt"]
    # a pool without a member of that dialect is tried as usual (the handler then explains the refusal)
    assert await ids_until_exhausted(router.resolve("m2", dialect="anthropic_messages")) == ["m2#0", "claude"]


async def test_a_cooling_pool_goes_straight_to_its_fallback(clock: FakeClock) -> None:
    router = make_router(make_config(entry("a", ", fallbacks: [b]"), entry("b")), clock)
    await router.health.record_failure("a#0", "rate limited", cooldown=60)
    assert (await router.resolve("a").next()).member_id == "b#0"


async def test_the_preferred_member_goes_first_when_it_can(clock: FakeClock) -> None:
    router = make_router(make_config(entry("m"), entry("m"), entry("m")), clock)
    assert (await router.resolve("m", preferred="m#2").next()).member_id == "m#2"
    assert (await router.resolve("m", preferred="elsewhere").next()).member_id == "m#0"
    await router.health.record_failure("m#2", "rate limited", cooldown=60)
    assert (await router.resolve("m", preferred="m#2").next()).member_id == "m#0"


# --- attempts and the snapshot -----------------------------------------------------------------------------

async def test_attempts_track_load_latency_and_end_once(clock: FakeClock) -> None:
    router = make_router(make_config(entry("m")), clock)
    plan = router.resolve("m")
    attempt = await plan.next()
    member = attempt.member
    assert member.stats.in_flight == 1
    clock.advance(0.25)
    attempt.first_byte()
    clock.advance(1.0)
    await attempt.succeeded(tokens=50)
    await attempt.failed(BOOM)  # ignored: it already ended
    await attempt.release()
    assert member.stats.in_flight == 0 and attempt.ended
    assert (member.stats.ewma_first_byte, member.stats.ewma_duration) == (0.25, 1.25)
    assert member.stats.tokens_in_window(clock()) == 50
    assert plan.upstream_seconds == 0.25
    assert await router.health.read(["m#0"]) == {}


async def test_a_timeout_counts_as_latency(clock: FakeClock) -> None:
    router = make_router(make_config(entry("m")), clock)
    plan = router.resolve("m")
    attempt = await plan.next()
    clock.advance(5)
    await plan.failed(attempt, UpstreamTimeout("no answer within 5 s"))
    assert attempt.member.stats.ewma_first_byte == 5


async def test_overhead_leaves_out_upstream_time_and_backoff(clock: FakeClock) -> None:
    config = make_config(entry("m"), routing="{backoff_base: 1, backoff_max: 1}")
    router = make_router(config, clock)
    started = clock()
    plan = router.resolve("m")
    clock.advance(0.01)  # dragoman's own work
    first = await plan.next()
    clock.advance(2)
    await plan.failed(first, BOOM)
    second = await plan.next()
    clock.advance(0.5)
    second.first_byte()
    clock.advance(0.02)
    assert plan.overhead_seconds(started) == pytest.approx(0.03, abs=1e-6)


async def test_snapshot_shows_state_and_never_a_key(clock: FakeClock) -> None:
    config = make_config(entry("m", ", api_key: sk-secret-123, id: main, rpm: 10"), entry("m", ", weight: 2"))
    router = make_router(config, clock)
    plan = router.resolve("m")
    attempt: Attempt = await plan.next()
    await plan.failed(attempt, upstream_error(401, "Incorrect API key provided: sk-secret-123"))
    busy = await router.resolve("m", preferred="m#1").next()
    snapshot = await router.snapshot()
    assert "sk-secret-123" not in json.dumps(snapshot)
    main, other = snapshot
    assert main["id"] == "main" and main["name"] == "m" and main["provider"] == "openai"
    assert (main["state"], main["consecutive_failures"], main["rpm"]) == ("healthy", 1, 10)
    assert main["last_error"] == "Incorrect API key provided: ***"
    assert (other["id"], other["weight"], other["in_flight"], other["requests_last_minute"]) == ("m#1", 2, 1, 1)
    assert busy.member_id == "m#1"
    await router.health.record_failure("m#1", "rate limited", cooldown=9)
    cooling = (await router.snapshot())[1]
    assert (cooling["state"], cooling["cooldown_until"]) == ("cooling", clock() + 9)


async def test_a_lone_member_is_tried_even_while_it_cools_down(clock: FakeClock) -> None:
    """With nothing else to send to, refusing would only turn answers the member may give into 503s."""
    router = make_router(make_config(entry("m")), clock)
    await router.health.record_failure("m#0", "rate limited", cooldown=60)
    first = await router.resolve("m").next()
    second = await router.resolve("m").next()
    assert (first.member_id, second.member_id) == ("m#0", "m#0")
    await first.succeeded()
    assert (await router.health.read(["m#0"]))["m#0"].state(clock()) == "healthy"
