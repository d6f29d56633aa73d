"""UsageWriter against the real databases: records appear after the flush interval or a full batch, close
writes what is left, and while the database refuses writes (a real failure: the table renamed away, or the
whole PostgreSQL database out of reach) records are kept, in order, and committed exactly once when it is back."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine

from dragoman.access.usage import UsageQuery
from dragoman.store.database import async_url, open_store
from dragoman.store.sql_store import SQLStore
from dragoman.store.usage_writer import UsageWriter
from tests.services import postgres_database
from tests.store.conftest import run_sql, usage, utc

WRITER_LOGGER = "dragoman.store.usage_writer"


async def wait_until(condition: Callable[[], Awaitable[bool]], what: str, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"still not true after {timeout}s: {what}")
        await asyncio.sleep(0.02)


async def stored_ids(store: SQLStore) -> list[str]:
    return sorted(record.id for record in await store.query_usage(UsageQuery()))


def writer_messages(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [record.getMessage() for record in caplog.records
            if record.name == WRITER_LOGGER and record.levelno == level]


async def test_records_are_written_after_the_flush_interval_without_a_flush(store: SQLStore) -> None:
    writer = UsageWriter(store, flush_interval=0.05, batch_size=1000)
    await writer.start()
    try:
        for index in range(3):
            writer.record(usage(f"r{index}", utc(2026, 1, 1, index)))

        async def all_written() -> bool:
            return await store.count_usage(UsageQuery()) == 3

        await wait_until(all_written, "3 records written by the background task")
        assert (writer.pending, writer.written) == (0, 3)
    finally:
        await writer.close()
    assert await stored_ids(store) == ["r0", "r1", "r2"]


async def test_a_full_batch_is_written_without_waiting_for_the_interval(store: SQLStore) -> None:
    writer = UsageWriter(store, flush_interval=3600, batch_size=3)
    await writer.start()
    try:
        writer.record(usage("r1", utc(2026, 1, 1)))
        writer.record(usage("r2", utc(2026, 1, 1)))
        await asyncio.sleep(0.2)
        assert await store.count_usage(UsageQuery()) == 0  # two of three: they wait for the hourly tick
        assert writer.pending == 2
        writer.record(usage("r3", utc(2026, 1, 1)))

        async def batch_written() -> bool:
            return await store.count_usage(UsageQuery()) == 3

        await wait_until(batch_written, "a full batch written long before the interval")
    finally:
        await writer.close()


async def test_close_writes_what_is_left(store: SQLStore) -> None:
    writer = UsageWriter(store, flush_interval=3600, batch_size=2)
    await writer.start()
    for index in range(5):
        writer.record(usage(f"r{index}", utc(2026, 1, 1, index)))
    await writer.close()
    assert await stored_ids(store) == ["r0", "r1", "r2", "r3", "r4"]
    assert (writer.pending, writer.written) == (0, 5)


async def test_close_of_a_writer_never_started_writes_its_records(store: SQLStore) -> None:
    writer = UsageWriter(store, flush_interval=3600, batch_size=100)
    writer.record(usage("r1", utc(2026, 1, 1)))
    await writer.close()
    assert await stored_ids(store) == ["r1"]


async def test_beyond_max_pending_the_oldest_are_dropped_with_one_error(
    store: SQLStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=WRITER_LOGGER)
    writer = UsageWriter(store, flush_interval=3600, batch_size=100, max_pending=3)
    for index in range(5):
        writer.record(usage(f"r{index}", utc(2026, 1, 1, index)))
    assert (writer.pending, writer.dropped) == (3, 2)
    await writer.close()
    assert await stored_ids(store) == ["r2", "r3", "r4"]
    assert writer_messages(caplog, logging.ERROR) == [
        "dropped the 2 oldest usage records: more than 3 were waiting for the database"
    ]


async def test_a_failing_batch_is_kept_and_committed_once_when_the_database_works_again(
    storage_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=WRITER_LOGGER)
    store = await open_store(storage_url)
    writer = UsageWriter(store, flush_interval=0.05, batch_size=100)
    await writer.start()
    try:
        writer.record(usage("r1", utc(2026, 1, 1, 1)))

        async def first_written() -> bool:
            return writer.written == 1

        await wait_until(first_written, "the first record written")

        await run_sql(storage_url, "ALTER TABLE usage_records RENAME TO usage_records_away")
        for index in (2, 3, 4):
            writer.record(usage(f"r{index}", utc(2026, 1, 1, index)))

        async def failed() -> bool:
            return bool(writer_messages(caplog, logging.WARNING))

        await wait_until(failed, "a failed write logged")
        assert writer.pending == 3
        [away] = await run_sql(storage_url, "SELECT count(*) FROM usage_records_away")
        assert away == 1  # nothing of the failed batch was half-written

        await run_sql(storage_url, "ALTER TABLE usage_records_away RENAME TO usage_records")

        async def all_written() -> bool:
            return await store.count_usage(UsageQuery()) == 4 and writer.pending == 0

        await wait_until(all_written, "the kept records written once the table is back")
    finally:
        await writer.close()
        await store.close()
    store = await open_store(storage_url)
    try:
        assert await stored_ids(store) == ["r1", "r2", "r3", "r4"]
    finally:
        await store.close()
    assert writer.written == 4
    warnings = writer_messages(caplog, logging.WARNING)
    assert len(warnings) == 2, warnings  # one when writes start failing, one when they work again; not per tick
    assert warnings[0].startswith("cannot write usage records (failing for 0s; 3 queued, retried every 0.05s): ")
    assert "usage_records" in warnings[0]
    assert warnings[1].startswith("usage records are written again after ")


async def test_flush_raises_while_failing_and_keeps_the_records_in_order(storage_url: str) -> None:
    store = await open_store(storage_url)
    writer = UsageWriter(store, flush_interval=3600, batch_size=2, max_pending=5)
    try:
        await run_sql(storage_url, "ALTER TABLE usage_records RENAME TO usage_records_away")
        for index in range(1, 6):
            writer.record(usage(f"r{index}", utc(2026, 1, 1, index)))
        with pytest.raises(SQLAlchemyError):
            await writer.flush()
        assert writer.pending == 5
        writer.record(usage("r6", utc(2026, 1, 1, 6)))  # over max_pending: the oldest, r1, is dropped
        await run_sql(storage_url, "ALTER TABLE usage_records_away RENAME TO usage_records")
        await writer.flush()
        assert await stored_ids(store) == ["r2", "r3", "r4", "r5", "r6"]
        assert (writer.pending, writer.written, writer.dropped) == (0, 5, 1)
    finally:
        await writer.close()
        await store.close()


@pytest.fixture
def postgresql_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


async def test_records_survive_the_postgresql_database_being_out_of_reach(
    postgresql_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=WRITER_LOGGER)
    name = make_url(postgresql_url).database
    maintenance = create_async_engine(async_url(postgresql_url).set(database="postgres"),
                                      isolation_level="AUTOCOMMIT")
    store = await open_store(postgresql_url)
    writer = UsageWriter(store, flush_interval=0.05, batch_size=100)
    await writer.start()
    renamed = False
    try:
        writer.record(usage("r1", utc(2026, 1, 1, 1)))

        async def first_written() -> bool:
            return writer.written == 1

        await wait_until(first_written, "the first record written")
        async with maintenance.connect() as connection:
            await connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            await connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"), {"name": name}
            )
            await connection.execute(text(f'ALTER DATABASE "{name}" RENAME TO "{name}_away"'))
            renamed = True
        writer.record(usage("r2", utc(2026, 1, 1, 2)))

        async def failed() -> bool:
            return bool(writer_messages(caplog, logging.WARNING))

        await wait_until(failed, "a failed write logged")
        assert writer.pending == 1

        async with maintenance.connect() as connection:
            await connection.execute(text(f'ALTER DATABASE "{name}_away" RENAME TO "{name}"'))
            renamed = False
            await connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))

        async def all_written() -> bool:
            return writer.written == 2 and writer.pending == 0

        await wait_until(all_written, "the kept record written once the database is back")
        assert await stored_ids(store) == ["r1", "r2"]
    finally:
        if renamed:
            async with maintenance.connect() as connection:
                await connection.execute(text(f'ALTER DATABASE "{name}_away" RENAME TO "{name}"'))
                await connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        await writer.close()
        await store.close()
        await maintenance.dispose()
