"""The tables of the store, as SQLAlchemy Core metadata (the migrations in ``store/migrations`` create them).

Timestamps are timezone-aware UTC in and out on both databases: PostgreSQL keeps ``timestamptz``; SQLite has no
time zones, so UTC is stored naive (as text in a fixed format, so comparisons stay chronological) and marked UTC
again when read.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC ``datetime``; naive values are refused rather than guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"timestamps must be timezone-aware, got the naive {value.isoformat()}")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("prefix", String(32), nullable=False, index=True),
    Column("secret_hash", String(128), nullable=False, unique=True, index=True),
    Column("models", JSON(none_as_null=True), nullable=True),  # NULL: every model
    Column("rpm", Integer, nullable=True),
    Column("tpm", Integer, nullable=True),
    Column("max_parallel", Integer, nullable=True),
    Column("budget_usd", Float, nullable=True),
    Column("budget_period", String(16), nullable=True),
    Column("expires_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

# No foreign key to api_keys: usage is an append-only log that must outlive its keys, and a batch of records
# must never be refused because of the key it names.
usage_records = Table(
    "usage_records",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("key_id", String(64), nullable=True),
    Column("model", String(200), nullable=False),
    Column("deployment", String(200), nullable=True),
    Column("client_dialect", String(32), nullable=False),
    Column("upstream_dialect", String(32), nullable=True),
    Column("stream", Boolean, nullable=False),
    Column("status", Integer, nullable=False),
    Column("input_tokens", Integer, nullable=False),
    Column("output_tokens", Integer, nullable=False),
    Column("cached_tokens", Integer, nullable=False),
    Column("reasoning_tokens", Integer, nullable=False),
    Column("cost_usd", Float, nullable=False),
    Column("latency_ms", Float, nullable=False),
    Column("ttft_ms", Float, nullable=True),
    Column("error", Text, nullable=True),
    Index("ix_usage_records_created_at", "created_at"),
    Index("ix_usage_records_key_id_created_at", "key_id", "created_at"),
    Index("ix_usage_records_model_created_at", "model", "created_at"),
)
