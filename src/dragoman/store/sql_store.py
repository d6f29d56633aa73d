"""``SQLStore``: the ``Store`` protocol over a SQLAlchemy async engine, the same statements on SQLite and
PostgreSQL. ``dragoman.store.database.open_store`` builds one after migrating the schema."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any, get_args

from sqlalchemy import Date, Select, case, cast, func, literal_column, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from dragoman.access.keys import ApiKey, BudgetPeriod, KeyLimits
from dragoman.access.usage import DailyUsage, UsageQuery, UsageRecord, UsageSnapshot
from dragoman.store.base import NewKey
from dragoman.store.tables import api_keys, usage_records

_KEY_FIELDS = frozenset(field.name for field in fields(NewKey))
_USAGE_FIELDS = tuple(field.name for field in fields(UsageRecord))
_BUDGET_PERIODS: tuple[str, ...] = get_args(BudgetPeriod)


class SQLStore:
    """API keys and usage records in one SQLite file or PostgreSQL database. Owns its engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sqlite = engine.dialect.name == "sqlite"

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    async def close(self) -> None:
        await self._engine.dispose()

    async def create_key(self, new: NewKey, *, key_id: str, secret_hash: str, prefix: str) -> ApiKey:
        values = _key_columns({name: getattr(new, name) for name in _KEY_FIELDS})
        statement = (
            api_keys.insert()
            .values(id=key_id, secret_hash=secret_hash, prefix=prefix, created_at=datetime.now(UTC), **values)
            .returning(*api_keys.c)
        )
        async with self._engine.begin() as connection:
            row = (await connection.execute(statement)).mappings().one()
        return _key_from_row(row)

    async def list_keys(self, *, include_revoked: bool = True) -> list[ApiKey]:
        statement = select(api_keys).order_by(api_keys.c.created_at, api_keys.c.id)
        if not include_revoked:
            statement = statement.where(api_keys.c.revoked_at.is_(None))
        async with self._engine.connect() as connection:
            rows = (await connection.execute(statement)).mappings().all()
        return [_key_from_row(row) for row in rows]

    async def get_key(self, key_id: str) -> ApiKey | None:
        return await self._one_key(select(api_keys).where(api_keys.c.id == key_id))

    async def find_key_by_hash(self, secret_hash: str) -> ApiKey | None:
        return await self._one_key(select(api_keys).where(api_keys.c.secret_hash == secret_hash))

    async def find_keys_by_prefix(self, prefix: str) -> list[ApiKey]:
        statement = select(api_keys).where(api_keys.c.prefix == prefix).order_by(api_keys.c.created_at)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(statement)).mappings().all()
        return [_key_from_row(row) for row in rows]

    async def update_key(self, key_id: str, changes: dict[str, object]) -> ApiKey | None:
        unknown = sorted(set(changes) - _KEY_FIELDS)
        if unknown:
            known = ", ".join(sorted(_KEY_FIELDS))
            raise ValueError(f"unknown API key field(s): {', '.join(unknown)} (known: {known})")
        if not changes:
            return await self.get_key(key_id)
        statement = (
            update(api_keys).where(api_keys.c.id == key_id).values(**_key_columns(changes)).returning(*api_keys.c)
        )
        async with self._engine.begin() as connection:
            row = (await connection.execute(statement)).mappings().one_or_none()
        return None if row is None else _key_from_row(row)

    async def revoke_key(self, key_id: str, at: datetime) -> ApiKey | None:
        # One statement, so two concurrent revocations agree on the first time.
        statement = (
            update(api_keys)
            .where(api_keys.c.id == key_id)
            .values(revoked_at=func.coalesce(api_keys.c.revoked_at, at))
            .returning(*api_keys.c)
        )
        async with self._engine.begin() as connection:
            row = (await connection.execute(statement)).mappings().one_or_none()
        return None if row is None else _key_from_row(row)

    async def insert_usage(self, records: Sequence[UsageRecord]) -> None:
        """One transaction. Rows whose id is already stored are skipped, so retrying a batch whose commit had an
        unknown outcome (connection lost while committing) never stores a record twice."""
        if not records:
            return
        rows = [{name: getattr(record, name) for name in _USAGE_FIELDS} for record in records]
        insert = sqlite_insert if self._sqlite else postgresql_insert
        statement = insert(usage_records).on_conflict_do_nothing(index_elements=[usage_records.c.id])
        async with self._engine.begin() as connection:
            await connection.execute(statement, rows)

    async def query_usage(self, query: UsageQuery) -> list[UsageRecord]:
        async with self._engine.connect() as connection:
            return await self._records(connection, query)

    async def usage_snapshot(self, query: UsageQuery) -> UsageSnapshot:
        """Records, per-day aggregates and count from one snapshot of the table, so a batch committed while
        they are read cannot make them disagree."""
        async with self._engine.connect() as connection:
            if self._sqlite:
                await connection.exec_driver_sql("BEGIN")  # a WAL read transaction: one snapshot for all three
            else:
                await connection.execution_options(isolation_level="REPEATABLE READ")
                await connection.begin()
            records = await self._records(connection, query)
            daily = await self._daily(connection, query)
            total = int((await connection.execute(self._count_statement(query))).scalar_one())
            await connection.rollback()
        return UsageSnapshot(records, daily, total)

    async def _records(self, connection: AsyncConnection, query: UsageQuery) -> list[UsageRecord]:
        statement = (
            select(usage_records)
            .where(*_usage_filters(query))
            .order_by(usage_records.c.created_at.desc(), usage_records.c.id.desc())
            .limit(query.limit)
        )
        rows = (await connection.execute(statement)).mappings().all()
        return [UsageRecord(**row) for row in rows]

    async def usage_per_day(self, query: UsageQuery) -> list[DailyUsage]:
        async with self._engine.connect() as connection:
            return await self._daily(connection, query)

    async def _daily(self, connection: AsyncConnection, query: UsageQuery) -> list[DailyUsage]:
        day = self._utc_day(usage_records.c.created_at).label("day")
        columns = usage_records.c
        statement = (
            select(
                day,
                columns.key_id,
                columns.model,
                func.count().label("requests"),
                func.sum(case((columns.status >= 400, 1), else_=0)).label("errors"),
                func.sum(columns.input_tokens).label("input_tokens"),
                func.sum(columns.output_tokens).label("output_tokens"),
                func.sum(columns.cached_tokens).label("cached_tokens"),
                func.sum(columns.reasoning_tokens).label("reasoning_tokens"),
                func.sum(columns.cost_usd).label("cost_usd"),
            )
            .where(*_usage_filters(query))
            .group_by(day, columns.key_id, columns.model)
            .order_by(day, columns.key_id.nulls_first(), columns.model)
        )
        rows = (await connection.execute(statement)).mappings().all()
        return [
            DailyUsage(
                day=row["day"],
                key_id=row["key_id"],
                model=row["model"],
                requests=int(row["requests"]),
                errors=int(row["errors"]),
                input_tokens=int(row["input_tokens"]),
                output_tokens=int(row["output_tokens"]),
                cached_tokens=int(row["cached_tokens"]),
                reasoning_tokens=int(row["reasoning_tokens"]),
                cost_usd=float(row["cost_usd"]),
            )
            for row in rows
        ]

    async def count_usage(self, query: UsageQuery) -> int:
        async with self._engine.connect() as connection:
            return int((await connection.execute(self._count_statement(query))).scalar_one())

    @staticmethod
    def _count_statement(query: UsageQuery) -> Select[int]:
        return select(func.count()).select_from(usage_records).where(*_usage_filters(query))

    async def spend_since(self, key_id: str, since: datetime) -> float:
        statement = select(func.coalesce(func.sum(usage_records.c.cost_usd), 0.0)).where(
            usage_records.c.key_id == key_id, usage_records.c.created_at >= since
        )
        async with self._engine.connect() as connection:
            return float((await connection.execute(statement)).scalar_one())

    async def _one_key(self, statement: Any) -> ApiKey | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(statement)).mappings().one_or_none()
        return None if row is None else _key_from_row(row)

    def _utc_day(self, column: ColumnElement[datetime]) -> ColumnElement[Any]:
        if self._sqlite:
            # Stored as naive UTC text, so its date is the UTC day; Date parses SQLite's 'YYYY-MM-DD' back.
            return func.date(column, type_=Date)
        # A literal, not a bound parameter: PostgreSQL must see the same expression in SELECT and GROUP BY.
        return cast(func.timezone(literal_column("'UTC'"), column), Date)


def _key_columns(values: dict[str, object]) -> dict[str, object]:
    """NewKey field values as api_keys column values (the models tuple is stored as a JSON list)."""
    columns = dict(values)
    models = columns.get("models")
    if isinstance(models, tuple | list):
        columns["models"] = list(models)
    elif models is not None:
        raise ValueError(f"models must be a list of model names or None, got {models!r}")
    period = columns.get("budget_period")
    if period is not None and period not in _BUDGET_PERIODS:
        raise ValueError(f"budget_period must be one of {', '.join(_BUDGET_PERIODS)}, got {period!r}")
    return columns


def _key_from_row(row: RowMapping) -> ApiKey:
    models = row["models"]
    return ApiKey(
        id=row["id"],
        name=row["name"],
        prefix=row["prefix"],
        secret_hash=row["secret_hash"],
        created_at=row["created_at"],
        models=None if models is None else tuple(models),
        limits=KeyLimits(
            rpm=row["rpm"],
            tpm=row["tpm"],
            max_parallel=row["max_parallel"],
            budget_usd=row["budget_usd"],
            budget_period=row["budget_period"],
        ),
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
    )


def _usage_filters(query: UsageQuery) -> list[ColumnElement[bool]]:
    columns = usage_records.c
    filters: list[ColumnElement[bool]] = []
    if query.key_id is not None:
        filters.append(columns.key_id == query.key_id)
    if query.model is not None:
        filters.append(columns.model == query.model)
    if query.since is not None:
        filters.append(columns.created_at >= query.since)
    if query.until is not None:
        filters.append(columns.created_at < query.until)
    return filters
