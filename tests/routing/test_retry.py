"""The retry policy: which failures are retried and count against a member, backoff with full jitter,
Retry-After and the deadline. Randomness and time are injected."""

from __future__ import annotations

import pytest

from dragoman.canonical.errors import (
    GatewayError,
    InternalError,
    InvalidRequest,
    Overloaded,
    RateLimited,
    UpstreamProtocolError,
    UpstreamTimeout,
    UpstreamUnavailable,
    upstream_error,
)
from dragoman.config import RoutingConfig
from dragoman.routing.retry import Deadline, RetryPolicy, forced_cooldown, is_member_failure, is_retryable
from tests.routing.conftest import FakeClock

RETRIED: list[GatewayError] = [
    UpstreamUnavailable("cannot connect to the upstream m: connection refused"),
    UpstreamUnavailable("the upstream m closed the connection"),
    UpstreamProtocolError("the upstream m sent invalid JSON"),
    UpstreamTimeout("the upstream did not answer within 5 s"),
    upstream_error(500, "boom"),
    upstream_error(502, "bad gateway"),
    upstream_error(503, "overloaded", retry_after=3),
    upstream_error(529, "overloaded"),
    upstream_error(408, "request timeout"),
    upstream_error(409, "conflict"),
    upstream_error(429, "slow down", retry_after=7),
    upstream_error(401, "invalid x-api-key"),  # the member's own key, not the client's
    upstream_error(403, "this key may not use the model"),
]
NOT_RETRIED: list[GatewayError] = [
    upstream_error(400, "messages: field required"),
    upstream_error(404, "model not found"),
    upstream_error(413, "too large"),
    upstream_error(422, "unprocessable"),
    InvalidRequest("'stop' cannot be sent to a Responses upstream", param="stop"),
    RateLimited("this key is over its rpm"),
    Overloaded("no member"),
    InternalError("bug"),
]


@pytest.mark.parametrize("error", RETRIED, ids=lambda error: f"{type(error).__name__}-{error.status}")
def test_member_failures_are_retried_before_the_first_byte_only(error: GatewayError) -> None:
    assert is_member_failure(error)
    assert is_retryable(error, streamed=False)
    assert not is_retryable(error, streamed=True)


@pytest.mark.parametrize("error", NOT_RETRIED, ids=lambda error: f"{type(error).__name__}-{error.status}")
def test_client_faults_and_dragomans_own_errors_are_never_retried(error: GatewayError) -> None:
    assert not is_member_failure(error)
    assert not is_retryable(error, streamed=False)


def test_forced_cooldown_follows_retry_after_for_429_and_overload() -> None:
    assert forced_cooldown(upstream_error(429, "x", retry_after=7), 30) == 7
    assert forced_cooldown(upstream_error(429, "x"), 30) == 30
    assert forced_cooldown(upstream_error(503, "x", retry_after=4), 30) == 4
    assert forced_cooldown(upstream_error(503, "x"), 30) is None  # an ordinary failure: counted, not forced
    assert forced_cooldown(upstream_error(500, "x"), 30) is None
    assert forced_cooldown(UpstreamTimeout("slow"), 30) is None


def test_backoff_is_full_jitter_doubling_up_to_the_maximum() -> None:
    policy = RetryPolicy(retries=10, deadline=60, backoff_base=0.5, backoff_max=3.0)
    assert [policy.backoff(repeat, lambda: 0.999999) for repeat in range(5)] == pytest.approx(
        [0.5, 1.0, 2.0, 3.0, 3.0], rel=1e-5)
    assert policy.backoff(3, lambda: 0.0) == 0.0
    assert policy.backoff(1, lambda: 0.5) == pytest.approx(0.5)
    assert policy.backoff(10_000, lambda: 0.5) == pytest.approx(1.5)  # no overflow for absurd counts


def test_delay_honours_retry_after_within_the_deadline() -> None:
    assert RetryPolicy.delay(0.2, None, remaining=10) == 0.2
    assert RetryPolicy.delay(0.2, 3.0, remaining=10) == 3.0
    assert RetryPolicy.delay(2.0, 0.5, remaining=10) == 2.0
    assert RetryPolicy.delay(0.2, 12.0, remaining=10) is None  # Retry-After past the deadline: give up
    assert RetryPolicy.delay(0.2, None, remaining=0.1) is None


def test_policy_from_config() -> None:
    routing = RoutingConfig(retries=4, retry_deadline=12, backoff_base=0.1, backoff_max=1)
    assert RetryPolicy.from_config(routing) == RetryPolicy(4, 12, 0.1, 1)


def test_deadline_runs_on_the_given_clock() -> None:
    clock = FakeClock()
    deadline = Deadline(5, clock)
    assert deadline.remaining() == 5 and not deadline.expired
    clock.advance(4.5)
    assert deadline.remaining() == pytest.approx(0.5)
    clock.advance(0.5)
    assert deadline.expired and deadline.remaining() == 0
