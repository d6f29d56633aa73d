"""Every test here runs on SQLite (a file in a temporary directory) and on PostgreSQL (a database of its own,
from ``tests.services``), through the one parametrized ``backend`` fixture. ``store`` is an emptied store over a
database shared by the session; ``storage_url`` is a fresh, unmigrated database for tests that need one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from dragoman.access.usage import UsageRecord
from dragoman.store.database import async_url, open_store
from dragoman.store.sql_store import SQLStore
from dragoman.store.tables import metadata
from tests.services import postgres_database


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """The one parameter: every test below it runs on SQLite and on PostgreSQL."""
    return str(request.param)


@contextmanager
def new_database(backend: str, directory: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield str(directory / "state" / "dragoman.db")  # the store creates the missing directory
    else:
        with postgres_database() as url:
            yield url


@pytest.fixture
def storage_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of this test's own, not yet migrated."""
    with new_database(backend, tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def shared_storage_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One database per backend for the session (creating a PostgreSQL database costs most of a second)."""
    with new_database(backend, tmp_path_factory.mktemp(backend)) as url:
        yield url


@pytest.fixture
async def store(shared_storage_url: str) -> AsyncIterator[SQLStore]:
    """The store over the session's database, emptied first."""
    opened = await open_store(shared_storage_url)
    try:
        async with opened.engine.begin() as connection:
            for table in reversed(metadata.sorted_tables):
                await connection.execute(table.delete())
        yield opened
    finally:
        await opened.close()


async def run_sql(storage_url: str, *statements: str) -> list[object]:
    """Runs ``statements`` in one transaction over a connection of its own (as another process would) and
    returns each one's first column of its first row, or None."""
    engine = create_async_engine(async_url(storage_url))
    try:
        results: list[object] = []
        async with engine.begin() as connection:
            for statement in statements:
                result = await connection.execute(text(statement))
                results.append(result.scalar() if result.returns_rows else None)
        return results
    finally:
        await engine.dispose()


def usage(record_id: str, at: datetime, **fields: Any) -> UsageRecord:
    values: dict[str, Any] = {
        "key_id": "key_a",
        "model": "m1",
        "deployment": "dep-1",
        "client_dialect": "openai_chat",
        "upstream_dialect": "anthropic_messages",
        "stream": False,
        "status": 200,
    }
    values.update(fields)
    return UsageRecord(id=record_id, created_at=at, **values)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
