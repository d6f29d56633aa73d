"""The rate-limit response headers in the client's dialect, and ``Retry-After``.

OpenAI clients get ``x-ratelimit-{limit,remaining,reset}-{requests,tokens}`` with the reset as OpenAI writes
it, a duration such as ``120ms``, ``6s``, ``1m26.4s`` or ``1m0s``. Anthropic clients get
``anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}`` with the reset as an RFC 3339 UTC time in
whole seconds, e.g. ``2026-11-23T13:00:07Z``. Our token limit counts input and output together, which is
what Anthropic's ``tokens`` headers describe, so the ``input-tokens``/``output-tokens`` variants are not sent.
Only limits the key has produce headers.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime

from dragoman.access.limiter import LimitSnapshot

_OPENAI_DIALECTS = frozenset({"openai_chat", "openai_responses"})
_ANTHROPIC_DIALECTS = frozenset({"anthropic_messages"})


def rate_limit_headers(dialect: str, snapshot: LimitSnapshot, now: float | None = None) -> dict[str, str]:
    """Headers for ``snapshot``; ``now`` (Unix time, default the current time) anchors Anthropic's resets."""
    if dialect in _OPENAI_DIALECTS:
        def name(field: str, resource: str) -> str:
            return f"x-ratelimit-{field}-{resource}"

        def reset(seconds: float) -> str:
            return openai_duration(seconds)
    elif dialect in _ANTHROPIC_DIALECTS:
        moment = time.time() if now is None else now

        def name(field: str, resource: str) -> str:
            return f"anthropic-ratelimit-{resource}-{field}"

        def reset(seconds: float) -> str:
            return rfc3339_utc(moment + seconds)
    else:
        raise ValueError(f"no rate-limit headers are defined for the dialect {dialect!r}")

    headers: dict[str, str] = {}
    for resource, limit, remaining, reset_seconds in (
        ("requests", snapshot.requests_limit, snapshot.requests_remaining, snapshot.requests_reset_seconds),
        ("tokens", snapshot.tokens_limit, snapshot.tokens_remaining, snapshot.tokens_reset_seconds),
    ):
        if limit is None:
            continue
        headers[name("limit", resource)] = str(limit)
        if remaining is not None:
            headers[name("remaining", resource)] = str(remaining)
        if reset_seconds is not None:
            headers[name("reset", resource)] = reset(reset_seconds)
    return headers


def retry_after_header(seconds: float) -> str:
    """``Retry-After`` in whole seconds, rounded up and at least 1 (0 would invite an immediate retry)."""
    return str(max(1, math.ceil(seconds)))


def openai_duration(seconds: float) -> str:
    """A duration as OpenAI's headers write it (Go's style): ``0s``, ``17ms``, ``7.66s``, ``1m0s``, ``1h2m3s``.
    Rounded up to the millisecond, so a client waiting that long is never early."""
    millis = math.ceil(max(0.0, seconds) * 1000 - 1e-6)
    if millis == 0:
        return "0s"
    if millis < 1000:
        return f"{millis}ms"
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    whole, fraction = divmod(rest, 1000)
    second_text = f"{whole}.{fraction:03d}".rstrip("0").rstrip(".") if fraction else str(whole)
    if hours:
        return f"{hours}h{minutes}m{second_text}s"
    if minutes:
        return f"{minutes}m{second_text}s"
    return f"{second_text}s"


def rfc3339_utc(unix_time: float) -> str:
    """A moment as Anthropic's reset headers write it, rounded up to the whole second: ``2026-11-23T13:00:07Z``."""
    return datetime.fromtimestamp(math.ceil(unix_time - 1e-6), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
