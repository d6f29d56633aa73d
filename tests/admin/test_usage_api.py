"""GET /admin/usage: filters, per-day aggregates and totals for the master key; a dk- key sees only its own
records and is refused another key's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest

from dragoman.access.runtime import AccessRuntime
from dragoman.access.usage import UsageRecord
from tests.admin.conftest import MASTER, bearer
from tests.admin.test_keys_api import assert_error, create

DAY_ONE = datetime(2030, 3, 1, 9, 30, tzinfo=UTC)
DAY_TWO = DAY_ONE + timedelta(days=1)


def record(number: int, key_id: str | None, model: str, at: datetime, **fields: Any) -> UsageRecord:
    return UsageRecord(
        id=f"req_{number:04d}", created_at=at, key_id=key_id, model=model, deployment=f"{model}-a",
        client_dialect="openai_chat", upstream_dialect="openai_chat", stream=False,
        status=fields.pop("status", 200), input_tokens=100, output_tokens=10, cost_usd=0.25,
        latency_ms=12.5, **fields,
    )


@pytest.fixture
async def recorded(admin: httpx2.AsyncClient, runtime: AccessRuntime) -> dict[str, Any]:
    """Two keys' traffic over two days, plus a request made with the master key (no key id)."""
    alice, alice_secret = await create(admin, name="alice")
    bob, bob_secret = await create(admin, name="bob")
    records = [
        record(1, alice["id"], "fast", DAY_ONE),
        record(2, alice["id"], "fast", DAY_ONE + timedelta(minutes=5), status=429, error="rate_limit_exceeded"),
        record(3, alice["id"], "smart", DAY_TWO, reasoning_tokens=7, ttft_ms=40.0),
        record(4, bob["id"], "fast", DAY_TWO + timedelta(hours=1)),
        record(5, None, "fast", DAY_TWO + timedelta(hours=2)),
    ]
    await runtime.store.insert_usage(records)
    return {"alice": alice, "alice_secret": alice_secret, "bob": bob, "bob_secret": bob_secret}


def ids(body: dict[str, Any]) -> list[str]:
    return [row["id"] for row in body["data"]]


async def test_master_sees_every_record_newest_first_with_daily_aggregates(
    admin: httpx2.AsyncClient, recorded: dict[str, Any]
) -> None:
    response = await admin.get("/admin/usage", headers=MASTER)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["object"] == "list"
    assert ids(body) == ["req_0005", "req_0004", "req_0003", "req_0002", "req_0001"]
    assert body["total"] == 5
    newest = body["data"][2]
    assert newest["created_at"] == "2030-03-02T09:30:00+00:00"
    assert (newest["reasoning_tokens"], newest["ttft_ms"], newest["key_id"]) == (7, 40.0, recorded["alice"]["id"])
    alice_id, bob_id = recorded["alice"]["id"], recorded["bob"]["id"]
    daily = {(row["day"], row["key_id"], row["model"]): row for row in body["daily"]}
    assert set(daily) == {
        ("2030-03-01", alice_id, "fast"), ("2030-03-02", alice_id, "smart"),
        ("2030-03-02", bob_id, "fast"), ("2030-03-02", None, "fast"),
    }
    first = daily[("2030-03-01", alice_id, "fast")]
    assert (first["requests"], first["errors"], first["input_tokens"], first["output_tokens"]) == (2, 1, 200, 20)
    assert first["cost_usd"] == pytest.approx(0.5)
    assert [row["day"] for row in body["daily"]] == sorted(row["day"] for row in body["daily"])


async def test_master_filters_by_key_model_and_time(admin: httpx2.AsyncClient, recorded: dict[str, Any]) -> None:
    alice_id = recorded["alice"]["id"]
    by_key = (await admin.get("/admin/usage", params={"key_id": alice_id}, headers=MASTER)).json()
    assert ids(by_key) == ["req_0003", "req_0002", "req_0001"]
    by_model = (await admin.get("/admin/usage", params={"model": "fast", "key_id": alice_id}, headers=MASTER)).json()
    assert ids(by_model) == ["req_0002", "req_0001"]
    day_two = (await admin.get("/admin/usage", params={"since": "2030-03-02", "until": "2030-03-03"},
                               headers=MASTER)).json()
    assert ids(day_two) == ["req_0005", "req_0004", "req_0003"]
    assert {row["day"] for row in day_two["daily"]} == {"2030-03-02"}
    # until is exclusive; an offset is converted to UTC (09:35 UTC is 10:35 at +01:00)
    window = (await admin.get("/admin/usage", params={"since": "2030-03-01T09:30:00Z",
                                                      "until": "2030-03-01T10:35:00+01:00"}, headers=MASTER)).json()
    assert ids(window) == ["req_0001"]
    limited = (await admin.get("/admin/usage", params={"limit": "2"}, headers=MASTER)).json()
    assert ids(limited) == ["req_0005", "req_0004"]
    assert limited["total"] == 5  # the count ignores the limit, and so do the aggregates
    assert sum(row["requests"] for row in limited["daily"]) == 5


async def test_a_key_sees_only_its_own_usage(admin: httpx2.AsyncClient, recorded: dict[str, Any]) -> None:
    alice_id, bob_id = recorded["alice"]["id"], recorded["bob"]["id"]
    own = (await admin.get("/admin/usage", headers=bearer(recorded["alice_secret"]))).json()
    assert ids(own) == ["req_0003", "req_0002", "req_0001"]
    assert own["total"] == 3
    assert {row["key_id"] for row in own["daily"]} == {alice_id}
    explicit = await admin.get("/admin/usage", params={"key_id": alice_id}, headers=bearer(recorded["alice_secret"]))
    assert ids(explicit.json()) == ids(own)
    bobs = (await admin.get("/admin/usage", headers={"x-api-key": recorded["bob_secret"]})).json()
    assert ids(bobs) == ["req_0004"]

    refused = await admin.get("/admin/usage", params={"key_id": bob_id}, headers=bearer(recorded["alice_secret"]))
    assert_error(refused, 403, param="key_id", code="usage_of_other_key")
    assert "req_0004" not in refused.text


async def test_a_key_may_not_use_the_key_endpoints(admin: httpx2.AsyncClient, recorded: dict[str, Any]) -> None:
    headers = bearer(recorded["alice_secret"])
    assert_error(await admin.get("/admin/keys", headers=headers), 403, code="master_key_required")
    assert_error(await admin.post("/admin/keys", headers=headers, json={"name": "x"}), 403, code="master_key_required")
    assert_error(await admin.delete(f"/admin/keys/{recorded['bob']['id']}", headers=headers), 403)
    assert (await admin.get(f"/admin/keys/{recorded['bob']['id']}", headers=MASTER)).json()["revoked_at"] is None


@pytest.mark.parametrize(("params", "param"), [
    ({"since": "yesterday"}, "since"),
    ({"until": "2030-13-01"}, "until"),
    ({"since": "2030-03-02", "until": "2030-03-01"}, "since"),
    ({"limit": "0"}, "limit"),
    ({"limit": "ten"}, "limit"),
    ({"limit": "100001"}, "limit"),
    ({"key": "key_x"}, "key"),
])
async def test_bad_usage_parameters(sqlite_admin: httpx2.AsyncClient, params: dict[str, str], param: str) -> None:
    assert_error(await sqlite_admin.get("/admin/usage", params=params, headers=MASTER), 400, param=param)


async def test_usage_of_an_unknown_key_is_404(sqlite_admin: httpx2.AsyncClient) -> None:
    assert_error(await sqlite_admin.get("/admin/usage", params={"key_id": "key_nobody"}, headers=MASTER), 404,
                 param="key_id", code="key_not_found")


async def test_usage_needs_a_valid_key(sqlite_admin: httpx2.AsyncClient) -> None:
    assert_error(await sqlite_admin.get("/admin/usage"), 401, code="missing_api_key")
    assert_error(await sqlite_admin.get("/admin/usage", headers=bearer("dk-not-a-real-key-at-all")), 401,
                 code="invalid_api_key")
