"""API keys in the store: create, find (by id, hash, prefix), list, update, revoke."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError, StatementError

from dragoman.access.keys import ApiKey, KeyLimits
from dragoman.store.base import NewKey
from dragoman.store.sql_store import SQLStore


async def create(store: SQLStore, key_id: str, new: NewKey | None = None, *, prefix: str = "dk-aaaaaaaa") -> ApiKey:
    return await store.create_key(new or NewKey(name=key_id), key_id=key_id, secret_hash=f"hash-{key_id}",
                                  prefix=prefix)


async def test_a_created_key_reads_back_with_every_field(store: SQLStore) -> None:
    expires = datetime(2031, 6, 1, 12, 30, tzinfo=UTC)
    new = NewKey(name="ci", models=("fast", "smart"), rpm=60, tpm=100_000, max_parallel=4, budget_usd=12.5,
                 budget_period="month", expires_at=expires)
    before = datetime.now(UTC)
    created = await store.create_key(new, key_id="key_1", secret_hash="h" * 64, prefix="dk-12345678")

    assert created == await store.get_key("key_1")
    assert (created.id, created.name, created.prefix, created.secret_hash) == ("key_1", "ci", "dk-12345678", "h" * 64)
    assert created.models == ("fast", "smart")
    assert created.limits == KeyLimits(rpm=60, tpm=100_000, max_parallel=4, budget_usd=12.5, budget_period="month")
    assert created.expires_at == expires
    assert created.revoked_at is None
    assert before <= created.created_at <= datetime.now(UTC)


async def test_no_models_means_every_model_and_an_empty_list_means_none(store: SQLStore) -> None:
    await create(store, "key_every")
    await create(store, "key_nothing", NewKey(name="none", models=()))
    models = {key.id: key.models for key in await store.list_keys()}
    assert models == {"key_every": None, "key_nothing": ()}


async def test_unknown_ids_hashes_and_prefixes_find_nothing(store: SQLStore) -> None:
    await create(store, "key_1")
    assert await store.get_key("key_missing") is None
    assert await store.find_key_by_hash("hash-missing") is None
    assert await store.find_keys_by_prefix("dk-zzzzzzzz") == []


async def test_lookup_by_hash_finds_exactly_that_key(store: SQLStore) -> None:
    first = await create(store, "key_1")
    second = await create(store, "key_2")
    assert await store.find_key_by_hash("hash-key_1") == first
    assert await store.find_key_by_hash("hash-key_2") == second


async def test_lookup_by_prefix_finds_every_key_sharing_it(store: SQLStore) -> None:
    first = await create(store, "key_1", prefix="dk-shared00")
    second = await create(store, "key_2", prefix="dk-shared00")
    await create(store, "key_3", prefix="dk-other000")
    assert {key.id for key in await store.find_keys_by_prefix("dk-shared00")} == {first.id, second.id}


async def test_a_secret_hash_is_stored_once(store: SQLStore) -> None:
    await store.create_key(NewKey(name="a"), key_id="key_1", secret_hash="same", prefix="dk-a")
    with pytest.raises(IntegrityError):
        await store.create_key(NewKey(name="b"), key_id="key_2", secret_hash="same", prefix="dk-b")
    assert [key.id for key in await store.list_keys()] == ["key_1"]


async def test_list_keys_in_creation_order_with_or_without_revoked(store: SQLStore) -> None:
    for key_id in ("key_1", "key_2", "key_3"):
        await create(store, key_id)
    await store.revoke_key("key_2", datetime.now(UTC))
    assert [key.id for key in await store.list_keys()] == ["key_1", "key_2", "key_3"]
    assert [key.id for key in await store.list_keys(include_revoked=False)] == ["key_1", "key_3"]


async def test_update_sets_and_clears_limits(store: SQLStore) -> None:
    await create(store, "key_1", NewKey(name="ci", models=("fast",), rpm=10, tpm=1000, max_parallel=2,
                                        budget_usd=5.0, budget_period="day"))
    updated = await store.update_key("key_1", {"rpm": 20, "name": "ci-2", "models": ("fast", "smart")})
    assert updated is not None
    assert (updated.name, updated.models, updated.limits.rpm, updated.limits.tpm) == ("ci-2", ("fast", "smart"), 20,
                                                                                       1000)

    cleared = await store.update_key("key_1", {"rpm": None, "tpm": None, "max_parallel": None, "budget_usd": None,
                                               "budget_period": None, "models": None, "expires_at": None})
    assert cleared is not None
    assert cleared.limits == KeyLimits()
    assert cleared.models is None
    assert await store.get_key("key_1") == cleared


async def test_update_of_nothing_returns_the_key_and_of_a_missing_key_returns_none(store: SQLStore) -> None:
    key = await create(store, "key_1")
    assert await store.update_key("key_1", {}) == key
    assert await store.update_key("key_missing", {"rpm": 5}) is None


async def test_update_refuses_unknown_fields_and_periods(store: SQLStore) -> None:
    key = await create(store, "key_1")
    with pytest.raises(ValueError, match="secret_hash"):
        await store.update_key("key_1", {"secret_hash": "stolen"})
    with pytest.raises(ValueError, match="budget_period"):
        await store.update_key("key_1", {"budget_period": "week"})
    assert await store.get_key("key_1") == key


async def test_revoke_is_idempotent_and_keeps_the_first_time(store: SQLStore) -> None:
    await create(store, "key_1")
    first = datetime(2026, 5, 1, 10, tzinfo=UTC)
    revoked = await store.revoke_key("key_1", first)
    again = await store.revoke_key("key_1", first + timedelta(hours=1))
    assert revoked is not None and again is not None
    assert revoked.revoked_at == again.revoked_at == first
    assert await store.revoke_key("key_missing", first) is None


async def test_key_times_come_back_in_utc_whatever_zone_went_in(store: SQLStore) -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    expires = datetime(2030, 1, 1, 0, 15, 0, 123456, tzinfo=india)
    key = await create(store, "key_1", NewKey(name="ci", expires_at=expires))
    stored = await store.get_key(key.id)
    assert stored is not None and stored.expires_at is not None
    assert stored.expires_at == expires
    assert stored.expires_at.tzinfo is UTC
    assert stored.expires_at == datetime(2029, 12, 31, 18, 45, 0, 123456, tzinfo=UTC)
    assert stored.created_at.tzinfo is UTC


async def test_naive_times_are_refused(store: SQLStore) -> None:
    with pytest.raises(StatementError, match="timezone-aware"):
        await create(store, "key_1", NewKey(name="ci", expires_at=datetime(2030, 1, 1)))
    assert await store.list_keys() == []
