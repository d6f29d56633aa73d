"""Usage as the admin API and ``dragoman usage --json`` show it: the matching records (newest first), their
per-day aggregates and how many records match in all. Times are ISO 8601 in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dragoman.access.usage import DailyUsage, UsageQuery, UsageRecord
from dragoman.store.base import Store


def utc_iso(moment: datetime) -> str:
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.isoformat()


def record_view(record: UsageRecord) -> dict[str, object]:
    return {
        "id": record.id,
        "created_at": utc_iso(record.created_at),
        "key_id": record.key_id,
        "model": record.model,
        "deployment": record.deployment,
        "client_dialect": record.client_dialect,
        "upstream_dialect": record.upstream_dialect,
        "stream": record.stream,
        "status": record.status,
        "input_tokens": record.input_tokens,
        "output_tokens": record.output_tokens,
        "cached_tokens": record.cached_tokens,
        "reasoning_tokens": record.reasoning_tokens,
        "cost_usd": record.cost_usd,
        "latency_ms": record.latency_ms,
        "ttft_ms": record.ttft_ms,
        "error": record.error,
    }


def daily_view(day: DailyUsage) -> dict[str, object]:
    return {
        "day": day.day.isoformat(),
        "key_id": day.key_id,
        "model": day.model,
        "requests": day.requests,
        "errors": day.errors,
        "input_tokens": day.input_tokens,
        "output_tokens": day.output_tokens,
        "cached_tokens": day.cached_tokens,
        "reasoning_tokens": day.reasoning_tokens,
        "cost_usd": day.cost_usd,
    }


async def usage_report(store: Store, query: UsageQuery) -> dict[str, Any]:
    """``{"object": "list", "data": [records], "daily": [aggregates], "total": count}``."""
    snapshot = await store.usage_snapshot(query)
    return {
        "object": "list",
        "data": [record_view(record) for record in snapshot.records],
        "daily": [daily_view(day) for day in snapshot.daily],
        "total": snapshot.total,
    }
