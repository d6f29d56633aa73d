"""Usage records in the store: batched inserts (one transaction, idempotent by id), queries with every filter,
per-day aggregates by UTC day, counts and spend."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError, StatementError

from dragoman.access.usage import DailyUsage, UsageQuery, UsageRecord
from dragoman.store.sql_store import SQLStore
from tests.store.conftest import usage, utc


async def test_every_field_of_a_record_reads_back(store: SQLStore) -> None:
    full = UsageRecord(
        id="req_full", created_at=datetime(2026, 2, 3, 4, 5, 6, 789012, tzinfo=UTC), key_id="key_a",
        model="smart", deployment="anthropic/claude", client_dialect="openai_responses",
        upstream_dialect="anthropic_messages", stream=True, status=200, input_tokens=1234, output_tokens=567,
        cached_tokens=1000, reasoning_tokens=89, cost_usd=0.001234567, latency_ms=2345.5, ttft_ms=321.25,
        error=None,
    )
    failed = UsageRecord(
        id="req_failed", created_at=datetime(2026, 2, 3, 4, 5, 7, tzinfo=UTC), key_id=None, model="fast",
        deployment=None, client_dialect="anthropic_messages", upstream_dialect=None, stream=False, status=429,
        error="rate_limit_exceeded",
    )
    await store.insert_usage([full, failed])
    assert await store.query_usage(UsageQuery()) == [failed, full]


async def test_query_filters_by_key_model_and_time_range(store: SQLStore) -> None:
    records = [
        usage("r1", utc(2026, 3, 1, 9), key_id="key_a", model="m1"),
        usage("r2", utc(2026, 3, 1, 10), key_id="key_b", model="m1"),
        usage("r3", utc(2026, 3, 1, 11), key_id="key_a", model="m2"),
        usage("r4", utc(2026, 3, 1, 12), key_id=None, model="m2"),
        usage("r5", utc(2026, 3, 1, 13), key_id="key_a", model="m1"),
    ]
    await store.insert_usage(records)

    async def ids(**filters: object) -> list[str]:
        return [record.id for record in await store.query_usage(UsageQuery(**filters))]  # type: ignore[arg-type]

    assert await ids() == ["r5", "r4", "r3", "r2", "r1"]
    assert await ids(key_id="key_a") == ["r5", "r3", "r1"]
    assert await ids(model="m2") == ["r4", "r3"]
    assert await ids(since=utc(2026, 3, 1, 11)) == ["r5", "r4", "r3"]  # since is inclusive
    assert await ids(until=utc(2026, 3, 1, 11)) == ["r2", "r1"]  # until is exclusive
    assert await ids(key_id="key_a", model="m1", since=utc(2026, 3, 1, 9, 30), until=utc(2026, 3, 2)) == ["r5"]
    assert await ids(limit=2) == ["r5", "r4"]
    assert await ids(key_id="key_missing") == []


async def test_time_filters_in_another_zone_mean_the_same_instant(store: SQLStore) -> None:
    await store.insert_usage([usage("early", utc(2026, 3, 1, 9)), usage("late", utc(2026, 3, 1, 10))])
    new_york = timezone(timedelta(hours=-5))
    since = datetime(2026, 3, 1, 4, 30, tzinfo=new_york)  # 09:30 UTC
    assert [record.id for record in await store.query_usage(UsageQuery(since=since))] == ["late"]


async def test_per_day_aggregates_by_utc_day_key_and_model(store: SQLStore) -> None:
    await store.insert_usage([
        usage("a1", utc(2026, 4, 1, 0, 0, 0), key_id="key_a", model="m1", input_tokens=10, output_tokens=1,
              cached_tokens=4, reasoning_tokens=2, cost_usd=0.25),
        usage("a2", utc(2026, 4, 1, 23, 59, 59), key_id="key_a", model="m1", input_tokens=20, output_tokens=2,
              cached_tokens=0, reasoning_tokens=0, cost_usd=0.5, status=500),
        usage("a3", utc(2026, 4, 2, 0, 0, 0), key_id="key_a", model="m1", input_tokens=5, output_tokens=5,
              cost_usd=1.0),
        usage("b1", utc(2026, 4, 1, 12), key_id="key_b", model="m1", input_tokens=7, status=429),
        usage("b2", utc(2026, 4, 1, 13), key_id="key_b", model="m2", input_tokens=8),
        usage("n1", utc(2026, 4, 1, 14), key_id=None, model="m1", input_tokens=9, cost_usd=2.0),
    ])
    days = await store.usage_per_day(UsageQuery())
    assert days == [
        DailyUsage(day=date(2026, 4, 1), key_id=None, model="m1", requests=1, errors=0, input_tokens=9,
                   output_tokens=0, cached_tokens=0, reasoning_tokens=0, cost_usd=2.0),
        DailyUsage(day=date(2026, 4, 1), key_id="key_a", model="m1", requests=2, errors=1, input_tokens=30,
                   output_tokens=3, cached_tokens=4, reasoning_tokens=2, cost_usd=0.75),
        DailyUsage(day=date(2026, 4, 1), key_id="key_b", model="m1", requests=1, errors=1, input_tokens=7,
                   output_tokens=0, cached_tokens=0, reasoning_tokens=0, cost_usd=0.0),
        DailyUsage(day=date(2026, 4, 1), key_id="key_b", model="m2", requests=1, errors=0, input_tokens=8,
                   output_tokens=0, cached_tokens=0, reasoning_tokens=0, cost_usd=0.0),
        DailyUsage(day=date(2026, 4, 2), key_id="key_a", model="m1", requests=1, errors=0, input_tokens=5,
                   output_tokens=5, cached_tokens=0, reasoning_tokens=0, cost_usd=1.0),
    ]
    assert all(isinstance(day.day, date) for day in days)

    only_a = await store.usage_per_day(UsageQuery(key_id="key_a", since=utc(2026, 4, 1, 12), limit=1))
    assert [(day.day, day.requests) for day in only_a] == [(date(2026, 4, 1), 1), (date(2026, 4, 2), 1)]


async def test_days_are_utc_days_whatever_zone_the_record_was_made_in(store: SQLStore) -> None:
    tokyo = timezone(timedelta(hours=9))
    # 08:00 on 5 May in Tokyo is 23:00 on 4 May in UTC.
    made = datetime(2026, 5, 5, 8, 0, tzinfo=tokyo)
    await store.insert_usage([usage("r1", made)])
    [day] = await store.usage_per_day(UsageQuery())
    assert day.day == date(2026, 5, 4)
    [record] = await store.query_usage(UsageQuery())
    assert record.created_at == made
    assert record.created_at.tzinfo is UTC


async def test_count_applies_the_same_filters(store: SQLStore) -> None:
    await store.insert_usage([usage(f"r{index}", utc(2026, 6, 1, index), key_id="key_a" if index % 2 else "key_b")
                              for index in range(6)])
    assert await store.count_usage(UsageQuery()) == 6
    assert await store.count_usage(UsageQuery(key_id="key_a")) == 3
    assert await store.count_usage(UsageQuery(since=utc(2026, 6, 1, 2), until=utc(2026, 6, 1, 5))) == 3
    assert await store.count_usage(UsageQuery(limit=1)) == 6  # limit bounds listings, not counts


async def test_a_snapshot_is_the_three_reads_at_one_moment(store: SQLStore) -> None:
    await store.insert_usage([usage(f"r{index}", utc(2026, 6, 1, index), key_id="key_a" if index % 2 else "key_b")
                              for index in range(6)])
    query = UsageQuery(key_id="key_a", limit=2)
    snapshot = await store.usage_snapshot(query)
    assert snapshot.records == await store.query_usage(query)
    assert snapshot.daily == await store.usage_per_day(query)
    assert snapshot.total == await store.count_usage(query) == 3


async def test_a_snapshot_does_not_see_a_batch_committed_while_it_reads(store: SQLStore) -> None:
    """The admin API's records, aggregates and total must agree even while the usage writer commits."""
    await store.insert_usage([usage("first", utc(2026, 6, 2, 1))])
    original_daily = SQLStore._daily

    async def daily_then_commit(self: SQLStore, connection: Any, query: UsageQuery) -> list[DailyUsage]:
        daily = await original_daily(self, connection, query)
        await store.insert_usage([usage("during", utc(2026, 6, 2, 2))])  # another connection commits now
        return daily

    SQLStore._daily = daily_then_commit  # type: ignore[method-assign]
    try:
        snapshot = await store.usage_snapshot(UsageQuery())
    finally:
        SQLStore._daily = original_daily  # type: ignore[method-assign]
    assert [record.id for record in snapshot.records] == ["first"]
    assert snapshot.total == 1 and snapshot.daily[0].requests == 1
    assert await store.count_usage(UsageQuery()) == 2


async def test_spend_since_sums_one_keys_cost_from_the_given_time(store: SQLStore) -> None:
    assert await store.spend_since("key_a", utc(2026, 1, 1)) == 0.0
    await store.insert_usage([
        usage("r1", utc(2026, 7, 1, 8), key_id="key_a", cost_usd=1.5),
        usage("r2", utc(2026, 7, 1, 9), key_id="key_a", cost_usd=0.25),
        usage("r3", utc(2026, 7, 1, 10), key_id="key_a", cost_usd=0.125),
        usage("r4", utc(2026, 7, 1, 10), key_id="key_b", cost_usd=100.0),
        usage("r5", utc(2026, 7, 1, 10), key_id=None, cost_usd=100.0),
    ])
    assert await store.spend_since("key_a", utc(2026, 7, 1)) == 1.875
    assert await store.spend_since("key_a", utc(2026, 7, 1, 9)) == 0.375  # inclusive
    assert await store.spend_since("key_a", utc(2026, 7, 2)) == 0.0


async def test_a_batch_is_one_transaction(store: SQLStore) -> None:
    good = usage("good", utc(2026, 8, 1))
    broken = usage("broken", utc(2026, 8, 1), model=None)  # NOT NULL: the database refuses this row
    with pytest.raises(IntegrityError):
        await store.insert_usage([good, broken])
    assert await store.count_usage(UsageQuery()) == 0


async def test_inserting_a_batch_again_stores_each_record_once(store: SQLStore) -> None:
    batch = [usage(f"r{index}", utc(2026, 8, 2, index)) for index in range(3)]
    await store.insert_usage(batch)
    await store.insert_usage([*batch, usage("r3", utc(2026, 8, 2, 3))])
    assert [record.id for record in await store.query_usage(UsageQuery())] == ["r3", "r2", "r1", "r0"]


async def test_an_empty_batch_writes_nothing(store: SQLStore) -> None:
    await store.insert_usage([])
    assert await store.count_usage(UsageQuery()) == 0


async def test_naive_times_are_refused(store: SQLStore) -> None:
    with pytest.raises(StatementError, match="timezone-aware"):
        await store.spend_since("key_a", datetime(2026, 1, 1))
    with pytest.raises(StatementError, match="timezone-aware"):
        await store.insert_usage([usage("r1", datetime(2026, 1, 1))])
