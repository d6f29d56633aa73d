"""Opening a store: what the ``storage`` setting may say, how it is described in logs, migrations on start
(repeatable, concurrent, matching ``tables.py``), and SQLite's settings for a file shared with the CLI."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from dragoman.access.usage import UsageQuery
from dragoman.store.base import NewKey, Store
from dragoman.store.database import (
    SQLITE_BUSY_TIMEOUT_MS,
    StorageUrlError,
    alembic_config,
    async_url,
    describe_storage,
    open_store,
    run_migrations,
)
from dragoman.store.sql_store import SQLStore
from dragoman.store.tables import metadata
from tests.store.conftest import new_database, usage, utc


def test_storage_settings_become_async_urls() -> None:
    assert async_url("./dragoman.db").render_as_string() == "sqlite+aiosqlite:///dragoman.db"
    assert async_url("/var/lib/dragoman/state.db").render_as_string() == "sqlite+aiosqlite:////var/lib/dragoman/state.db"
    assert async_url("~/d.db").database == str(Path.home() / "d.db")
    assert async_url("sqlite:///relative/d.db").render_as_string() == "sqlite+aiosqlite:///relative/d.db"
    assert async_url("sqlite:////absolute/d.db").render_as_string() == "sqlite+aiosqlite:////absolute/d.db"
    for setting in ("postgresql://u:pw@db:5433/gw", "postgres://u:pw@db:5433/gw", "postgresql+asyncpg://u:pw@db:5433/gw"):
        url = async_url(setting)
        assert (url.drivername, url.username, url.password, url.host, url.port, url.database) == (
            "postgresql+asyncpg", "u", "pw", "db", 5433, "gw")


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("", "empty"),
        ("mysql://u@h/db", "unsupported database 'mysql'"),
        ("postgresql://db.example", "needs a database name"),
        ("sqlite://", "needs a file path"),
    ],
)
def test_unusable_storage_settings_are_refused_with_the_reason(setting: str, message: str) -> None:
    with pytest.raises(StorageUrlError, match=message):
        async_url(setting)


def test_descriptions_never_show_a_password() -> None:
    described = describe_storage("postgresql://gateway:s3cret@db.example:5433/dragoman?password=s3cret")
    assert described == "PostgreSQL database dragoman on db.example:5433 as gateway"
    assert describe_storage("sqlite:////srv/dragoman.db") == "SQLite file /srv/dragoman.db"
    assert describe_storage("dragoman.db") == f"SQLite file {Path.cwd() / 'dragoman.db'}"
    assert describe_storage("redis://:s3cret@127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
    assert describe_storage("rediss://user:s3cret@cache:6380/1") == "rediss://user@cache:6380/1"
    assert describe_storage("mysql://root:s3cret@db/x?ssl=1") == "mysql://root@db/x"
    assert describe_storage("") == "''"


async def test_a_store_satisfies_the_store_protocol(storage_url: str) -> None:
    store: Store = await open_store(storage_url)
    await store.close()


async def test_opening_again_runs_no_migration_and_keeps_the_data(storage_url: str) -> None:
    first = await open_store(storage_url)
    await first.create_key(NewKey(name="kept"), key_id="key_1", secret_hash="h1", prefix="dk-1")
    await first.insert_usage([usage("r1", utc(2026, 1, 1))])
    await first.close()

    second = await open_store(storage_url)
    try:
        await run_migrations(second.engine)  # a third run, straight
        assert [key.name for key in await second.list_keys()] == ["kept"]
        assert await second.count_usage(UsageQuery()) == 1
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        async with second.engine.connect() as connection:
            versions = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
        assert versions == [head]
    finally:
        await second.close()


async def test_the_migrated_schema_is_the_schema_of_tables_py(storage_url: str) -> None:
    store = await open_store(storage_url)

    def differences(connection: Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(connection), metadata))

    try:
        async with store.engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await store.close()


_OPEN_ON_SIGNAL = """
import asyncio, sys
from dragoman.store.database import open_store

async def main() -> None:
    print("ready", flush=True)
    sys.stdin.readline()
    store = await open_store(sys.argv[1])
    await store.close()

asyncio.run(main())
"""


async def test_two_replicas_starting_at_once_on_a_new_database_both_succeed(storage_url: str) -> None:
    other = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _OPEN_ON_SIGNAL, storage_url,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    assert other.stdout is not None
    assert await other.stdout.readline() == b"ready\n"  # imported and waiting: the two migrations start together
    (_, errors), store = await asyncio.gather(other.communicate(b"go\n"), open_store(storage_url))
    try:
        assert other.returncode == 0, errors.decode()[-3000:]
        await store.create_key(NewKey(name="shared"), key_id="key_1", secret_hash="h1", prefix="dk-1")
        assert [key.id for key in await store.list_keys()] == ["key_1"]
    finally:
        await store.close()


async def test_stores_opened_at_once_in_one_process_all_succeed(backend: str, tmp_path: Path) -> None:
    """Alembic keeps its running migration in globals, so concurrent upgrades in one process, of one database
    or of several, must not interleave."""
    with new_database(backend, tmp_path / "one") as first, new_database(backend, tmp_path / "two") as second:
        stores: list[SQLStore] = list(await asyncio.gather(*(open_store(url) for url in (first, first, second))))
        try:
            for store in stores:
                assert await store.list_keys() == []
        finally:
            for store in stores:
                await store.close()


async def test_a_sqlite_file_is_created_in_a_new_directory_with_the_settings_for_sharing(tmp_path: Path) -> None:
    path = tmp_path / "new" / "deeper" / "dragoman.db"
    store = await open_store(f"sqlite:///{path}")
    try:
        async with store.engine.connect() as connection:
            settings = [(await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()
                        for name in ("journal_mode", "busy_timeout", "synchronous")]
        assert settings == ["wal", SQLITE_BUSY_TIMEOUT_MS, 2]  # 2: FULL
    finally:
        await store.close()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)  # kept in the file


async def test_a_sqlite_write_waits_for_another_process_holding_the_write_lock(tmp_path: Path) -> None:
    path = tmp_path / "dragoman.db"
    store = await open_store(str(path))
    holding = threading.Event()

    def hold_the_write_lock() -> None:  # as the CLI writing a key at the same moment would
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO api_keys (id, name, prefix, secret_hash, created_at) "
                           "VALUES ('key_cli', 'cli', 'dk-c', 'hc', '2026-01-01 00:00:00.000000')")
        holding.set()
        threading.Event().wait(0.5)
        connection.execute("COMMIT")
        connection.close()

    other = threading.Thread(target=hold_the_write_lock)
    other.start()
    try:
        await asyncio.to_thread(holding.wait)
        await store.insert_usage([usage("r1", utc(2026, 1, 1))])  # without a busy timeout: "database is locked"
        assert await store.count_usage(UsageQuery()) == 1
        assert [key.id for key in await store.list_keys()] == ["key_cli"]
    finally:
        await asyncio.to_thread(other.join)
        await store.close()
