"""What the rest of dragoman needs from durable storage. ``dragoman.store.database.open_store`` returns one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from dragoman.access.keys import ApiKey, BudgetPeriod
from dragoman.access.usage import DailyUsage, UsageQuery, UsageRecord, UsageSnapshot

UNSET: object = object()

@dataclass(slots=True, frozen=True)
class NewKey:
    name: str
    models: tuple[str, ...] | None = None
    rpm: int | None = None
    tpm: int | None = None
    max_parallel: int | None = None
    budget_usd: float | None = None
    budget_period: BudgetPeriod | None = None
    expires_at: datetime | None = None

class Store(Protocol):
    async def close(self) -> None: ...

    async def create_key(self, new: NewKey, *, key_id: str, secret_hash: str, prefix: str) -> ApiKey: ...

    async def list_keys(self, *, include_revoked: bool = True) -> list[ApiKey]: ...

    async def get_key(self, key_id: str) -> ApiKey | None: ...

    async def find_key_by_hash(self, secret_hash: str) -> ApiKey | None: ...

    async def find_keys_by_prefix(self, prefix: str) -> list[ApiKey]: ...

    async def update_key(self, key_id: str, changes: dict[str, object]) -> ApiKey | None:
        """``changes`` maps NewKey field names to new values (``None`` clears a limit)."""
        ...

    async def revoke_key(self, key_id: str, at: datetime) -> ApiKey | None:
        """Marks the key revoked (idempotent: an already revoked key keeps its first revocation time)."""
        ...

    async def insert_usage(self, records: Sequence[UsageRecord]) -> None:
        """All of ``records`` in one transaction: either every row is committed or none is."""
        ...

    async def query_usage(self, query: UsageQuery) -> list[UsageRecord]:
        """Newest first, at most ``query.limit``."""
        ...

    async def usage_per_day(self, query: UsageQuery) -> list[DailyUsage]:
        """Aggregates by UTC day, key and model (``query.limit`` ignored), oldest day first."""
        ...

    async def count_usage(self, query: UsageQuery) -> int: ...

    async def usage_snapshot(self, query: UsageQuery) -> UsageSnapshot:
        """``query_usage``, ``usage_per_day`` and ``count_usage`` from one consistent snapshot."""
        ...

    async def spend_since(self, key_id: str, since: datetime) -> float:
        """USD recorded for ``key_id`` from ``since`` on (for budgets)."""
        ...
