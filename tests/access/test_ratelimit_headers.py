"""Rate-limit headers in each dialect family's own names and formats, and Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dragoman.access.limiter import LimitSnapshot
from dragoman.access.ratelimit_headers import (
    openai_duration,
    rate_limit_headers,
    retry_after_header,
    rfc3339_utc,
)

BOTH = LimitSnapshot(
    requests_limit=10, requests_remaining=9, requests_reset_seconds=6.0,
    tokens_limit=1000, tokens_remaining=400, tokens_reset_seconds=0.12,
)
NOW = datetime(2026, 11, 23, 13, 0, 0, 250_000, tzinfo=UTC).timestamp()


@pytest.mark.parametrize("dialect", ["openai_chat", "openai_responses"])
def test_openai_headers(dialect: str) -> None:
    assert rate_limit_headers(dialect, BOTH) == {
        "x-ratelimit-limit-requests": "10",
        "x-ratelimit-remaining-requests": "9",
        "x-ratelimit-reset-requests": "6s",
        "x-ratelimit-limit-tokens": "1000",
        "x-ratelimit-remaining-tokens": "400",
        "x-ratelimit-reset-tokens": "120ms",
    }


def test_anthropic_headers_reset_at_an_rfc3339_moment() -> None:
    assert rate_limit_headers("anthropic_messages", BOTH, now=NOW) == {
        "anthropic-ratelimit-requests-limit": "10",
        "anthropic-ratelimit-requests-remaining": "9",
        "anthropic-ratelimit-requests-reset": "2026-11-23T13:00:07Z",  # 13:00:06.25, rounded up
        "anthropic-ratelimit-tokens-limit": "1000",
        "anthropic-ratelimit-tokens-remaining": "400",
        "anthropic-ratelimit-tokens-reset": "2026-11-23T13:00:01Z",
    }


@pytest.mark.parametrize("dialect", ["openai_chat", "anthropic_messages"])
def test_only_limits_the_key_has_produce_headers(dialect: str) -> None:
    tokens_only = LimitSnapshot(tokens_limit=500, tokens_remaining=0, tokens_reset_seconds=59.5)
    headers = rate_limit_headers(dialect, tokens_only, now=NOW)
    assert len(headers) == 3 and all("tokens" in name for name in headers)
    assert rate_limit_headers(dialect, LimitSnapshot(), now=NOW) == {}


def test_an_unknown_dialect_is_refused() -> None:
    with pytest.raises(ValueError, match="gemini"):
        rate_limit_headers("gemini", BOTH)


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0s"), (0.0171, "18ms"), (0.12, "120ms"), (0.9999, "1s"), (1.0, "1s"), (6.0, "6s"), (7.66, "7.66s"),
    (60.0, "1m0s"), (86.4, "1m26.4s"), (359.999, "5m59.999s"), (3723.5, "1h2m3.5s"), (-1.0, "0s"),
])
def test_openai_durations_are_written_as_openai_writes_them(seconds: float, text: str) -> None:
    assert openai_duration(seconds) == text


def test_rfc3339_moments_round_up_to_the_second() -> None:
    assert rfc3339_utc(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp()) == "2026-01-02T03:04:05Z"
    assert rfc3339_utc(datetime(2026, 12, 31, 23, 59, 59, 1000, tzinfo=UTC).timestamp()) == "2027-01-01T00:00:00Z"


@pytest.mark.parametrize(("seconds", "text"), [(0, "1"), (0.2, "1"), (1.0, "1"), (1.01, "2"), (59.9, "60")])
def test_retry_after_is_whole_seconds_rounded_up_and_at_least_one(seconds: float, text: str) -> None:
    assert retry_after_header(seconds) == text
