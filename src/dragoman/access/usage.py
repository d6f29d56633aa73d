"""Usage records (one per request), queries over them, and what a request cost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from dragoman.canonical.response import Usage
from dragoman.config import PricingConfig

PER_MILLION = 1_000_000


@dataclass(slots=True, frozen=True)
class UsageRecord:
    id: str
    created_at: datetime  # timezone-aware UTC: when the request arrived
    key_id: str | None  # None in open mode or for the master key
    model: str  # the model name the client asked for
    deployment: str | None  # the deployment that answered (its id, or name), None if none was chosen
    client_dialect: str
    upstream_dialect: str | None
    stream: bool
    status: int  # the HTTP status the client saw (a stream that failed after its first byte keeps 200)
    input_tokens: int = 0  # OpenAI convention: includes cached tokens
    output_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    ttft_ms: float | None = None  # time to the first content byte, streams only
    error: str | None = None  # the error code or type when the request failed


@dataclass(slots=True, frozen=True)
class UsageQuery:
    key_id: str | None = None
    model: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    limit: int = 1000


@dataclass(slots=True, frozen=True)
class DailyUsage:
    day: date
    key_id: str | None
    model: str
    requests: int
    errors: int  # status >= 400
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    reasoning_tokens: int
    cost_usd: float


@dataclass(slots=True, frozen=True)
class UsageSnapshot:
    """What ``GET /admin/usage`` shows, read at one moment: the newest records, per-day aggregates, and
    how many records match in all."""

    records: list[UsageRecord]
    daily: list[DailyUsage]
    total: int


def cost_of(usage: Usage, pricing: PricingConfig | None) -> float:
    """USD for ``usage``. Cache reads are billed at the cached price, cache writes at the write price (input
    price when unset), the rest of the input at the input price."""
    if pricing is None:
        return 0.0
    cache_read = usage.cache_read_tokens
    cache_write = usage.cache_write_tokens
    uncached = max(usage.input_tokens - cache_read - cache_write, 0)
    input_price = pricing.input_per_mtok
    cached_price = input_price if pricing.cached_input_per_mtok is None else pricing.cached_input_per_mtok
    write_price = input_price if pricing.cache_write_per_mtok is None else pricing.cache_write_per_mtok
    total = (
        uncached * input_price
        + cache_read * cached_price
        + cache_write * write_price
        + usage.output_tokens * pricing.output_per_mtok
    )
    return total / PER_MILLION
