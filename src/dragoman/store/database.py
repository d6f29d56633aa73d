"""Opening the store named by the ``storage`` setting: its database URL, the engine's settings, and the schema
migrations run on every start.

``storage`` is a SQLite file path (``./dragoman.db``), ``sqlite:///path`` (SQLAlchemy's form: three slashes
and a relative path, four for an absolute one) or ``postgresql://user:password@host:port/database``.
"""

from __future__ import annotations

import asyncio
import weakref
from pathlib import Path
from urllib.parse import urlsplit

from alembic import command
from alembic.config import Config
from sqlalchemy import URL, event, func, make_url, select
from sqlalchemy.engine import Connection
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from dragoman.store.sql_store import SQLStore

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Every replica takes this PostgreSQL advisory lock around its migrations, so two starting at once never run
# the same DDL twice: the second waits, then finds the schema at head.
MIGRATION_LOCK_ID = int.from_bytes(b"dragoman", "big")  # a signed bigint, as pg_advisory_xact_lock takes
# The CLI and the server may write the same SQLite file at once; a writer waits this long for the other.
SQLITE_BUSY_TIMEOUT_MS = 10_000

_SQLITE_DRIVER = "sqlite+aiosqlite"
_POSTGRESQL_DRIVER = "postgresql+asyncpg"
_POSTGRESQL_SCHEMES = ("postgresql", "postgres", _POSTGRESQL_DRIVER)
_SQLITE_SCHEMES = ("sqlite", _SQLITE_DRIVER)


class StorageUrlError(ValueError):
    """A ``storage`` setting that names no database dragoman can use."""


def async_url(storage: str) -> URL:
    """The SQLAlchemy async URL for a ``storage`` setting (aiosqlite for SQLite, asyncpg for PostgreSQL)."""
    if "://" not in storage:
        if not storage.strip():
            raise StorageUrlError("storage is empty: give a SQLite file path or a postgresql:// URL")
        return URL.create(_SQLITE_DRIVER, database=str(Path(storage).expanduser()))
    try:
        url = make_url(storage)
    except ArgumentError as error:
        raise StorageUrlError(f"storage is not a database URL: {error}") from None
    if url.drivername in _SQLITE_SCHEMES:
        if not url.database:
            raise StorageUrlError("storage: a sqlite:/// URL needs a file path, e.g. sqlite:///./dragoman.db")
        return url.set(drivername=_SQLITE_DRIVER, database=str(Path(url.database).expanduser()))
    if url.drivername in _POSTGRESQL_SCHEMES:
        if not url.database:
            raise StorageUrlError("storage: a postgresql:// URL needs a database name, e.g. postgresql://host/dragoman")
        return url.set(drivername=_POSTGRESQL_DRIVER)
    raise StorageUrlError(
        f"storage: unsupported database {url.drivername!r}; use a SQLite file path, sqlite:///path or postgresql://…"
    )


def describe_storage(url: str) -> str:
    """What ``url`` names, for logs and messages, never with its password (nor the query string, which may carry
    one). Any URL may be described (a Redis URL too), and this never raises: a setting that names no usable
    database is still described, ``async_url`` says what is wrong with it."""
    try:
        database_url = async_url(url)
    except StorageUrlError:
        return _without_secrets(url)
    if database_url.get_backend_name() == "sqlite":
        return f"SQLite file {Path(database_url.database or '').resolve()}"
    where = database_url.host or "the local socket"
    if database_url.port is not None:
        where += f":{database_url.port}"
    user = f" as {database_url.username}" if database_url.username else ""
    return f"PostgreSQL database {database_url.database} on {where}{user}"


def _without_secrets(url: str) -> str:
    if "://" not in url:
        return repr(url)  # not a URL, so no password in it (an empty setting, say)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "an unreadable URL"
    netloc = (f"{parts.username}@" if parts.username else "") + (parts.hostname or "")
    if port is not None:
        netloc += f":{port}"
    return f"{parts.scheme}://{netloc}{parts.path}"


def alembic_config() -> Config:
    """Alembic's configuration, built here rather than read from an alembic.ini (none ships with dragoman)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    return config


async def open_store(url: str) -> SQLStore:
    """The store named by the ``storage`` setting ``url``, with its schema migrated to the newest revision.
    A SQLite file (and its directory) is created when missing."""
    database_url = async_url(url)
    if database_url.get_backend_name() == "sqlite" and database_url.database not in (None, "", ":memory:"):
        Path(database_url.database or "").parent.mkdir(parents=True, exist_ok=True)
    engine = _create_engine(database_url)
    try:
        await run_migrations(engine)
    except BaseException:
        await engine.dispose()
        raise
    return SQLStore(engine)


async def run_migrations(engine: AsyncEngine) -> None:
    """Alembic ``upgrade head`` in one transaction, serialised with any other process doing the same: on
    PostgreSQL by an advisory lock, on SQLite by taking the write lock first (``BEGIN IMMEDIATE``)."""
    async with _migrations_on_this_loop(), engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            await connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            # The transaction-scoped lock is released by the commit, or by the rollback if the upgrade fails.
            await connection.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK_ID)))
        await connection.run_sync(_upgrade_to_head)
        await connection.commit()


# Alembic keeps the running migration in module globals (alembic.context, alembic.op): two upgrades interleaving
# on one event loop, even of different databases, would run each other's steps. So one at a time per loop.
_loop_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def _migrations_on_this_loop() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    lock = _loop_locks.get(loop)
    if lock is None:
        lock = _loop_locks[loop] = asyncio.Lock()
    return lock


def _upgrade_to_head(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _create_engine(url: URL) -> AsyncEngine:
    # hide_parameters: database errors end up in logs, and their parameters would be key hashes and usage rows.
    if url.get_backend_name() != "sqlite":
        # pre-ping: after a database restart the first request gets a fresh connection, not a dead one.
        return create_async_engine(
            url,
            pool_pre_ping=True,
            hide_parameters=True,
            connect_args={"server_settings": {"application_name": "dragoman"}},
        )
    engine = create_async_engine(url, hide_parameters=True)

    @event.listens_for(engine.sync_engine, "connect")
    def _configure_sqlite(connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        cursor = connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        # WAL: readers never wait for the writer (the server reads keys while the CLI writes one).
        cursor.execute("PRAGMA journal_mode = WAL")
        # FULL (not WAL's usual NORMAL): a committed usage row survives a power loss, not only a crash.
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    return engine
