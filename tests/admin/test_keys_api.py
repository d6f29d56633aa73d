"""POST/GET/PATCH/DELETE /admin/keys over SQLite and PostgreSQL: the secret shown once and stored only as a
hash, limits changed and cleared, revocation, validation errors naming the field, 404 for unknown ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest

from dragoman.access.keys import hash_secret
from dragoman.access.runtime import AccessRuntime
from dragoman.canonical.errors import AuthenticationFailed
from tests.admin.conftest import MASTER, admin_client, bearer, make_config, opened


async def create(admin: httpx2.AsyncClient, **body: Any) -> tuple[dict[str, Any], str]:
    response = await admin.post("/admin/keys", json={"name": "ci", **body}, headers=MASTER)
    assert response.status_code == 201, response.text
    created = response.json()
    return created["key"], created["secret"]


def assert_error(response: httpx2.Response, status: int, *, param: str | None = None, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["message"]
    if param is not None:
        assert error["param"] == param, error
    if code is not None:
        assert error["code"] == code, error


async def test_create_returns_the_secret_once_and_stores_only_its_hash(
    admin: httpx2.AsyncClient, runtime: AccessRuntime
) -> None:
    response = await admin.post("/admin/keys", headers=MASTER, json={
        "name": "ci", "models": ["fast", "smart", "fast"], "rpm": 60, "tpm": 10000, "max_parallel": 2,
        "budget_usd": 5, "budget_period": "day", "expires_at": "2099-01-31",
    })
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    key, secret = body["key"], body["secret"]
    assert secret.startswith("dk-") and len(secret) > 40
    assert key["id"].startswith("key_")
    assert key["prefix"] == secret[:11]
    assert key["models"] == ["fast", "smart"]
    assert (key["rpm"], key["tpm"], key["max_parallel"]) == (60, 10000, 2)
    assert (key["budget_usd"], key["budget_period"]) == (5.0, "day")
    assert key["expires_at"] == "2099-01-31T00:00:00+00:00"
    assert key["revoked_at"] is None
    assert datetime.fromisoformat(key["created_at"]).utcoffset() == timedelta(0)

    stored = await runtime.store.find_key_by_hash(hash_secret(secret))
    assert stored is not None and stored.id == key["id"]
    assert stored.secret_hash != secret

    listed = await admin.get("/admin/keys", headers=MASTER)
    fetched = await admin.get(f"/admin/keys/{key['id']}", headers=MASTER)
    for text in (listed.text, fetched.text):
        assert secret not in text and stored.secret_hash not in text
    assert fetched.json() == key
    assert listed.json() == {"object": "list", "data": [key]}


async def test_sqlite_file_never_holds_the_secret(tmp_path: Path, sqlite_storage: str) -> None:
    async with opened(make_config(sqlite_storage)) as runtime, admin_client(runtime) as admin:
        _, secret = await create(admin)
    data = b"".join(path.read_bytes() for path in tmp_path.iterdir() if path.name.startswith("dragoman.db"))
    assert hash_secret(secret).encode() in data  # the file is the store: the hash is found in it…
    assert secret.encode() not in data  # …the secret is not
    assert secret[11:].encode() not in data


async def test_budget_without_period_is_per_month(admin: httpx2.AsyncClient) -> None:
    key, _ = await create(admin, budget_usd=2.5)
    assert (key["budget_usd"], key["budget_period"]) == (2.5, "month")


async def test_list_hides_revoked_keys_unless_asked(admin: httpx2.AsyncClient) -> None:
    kept, _ = await create(admin, name="kept")
    gone, _ = await create(admin, name="gone")
    revoked = await admin.post(f"/admin/keys/{gone['id']}/revoke", headers=MASTER)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None

    default = await admin.get("/admin/keys", headers=MASTER)
    assert [key["id"] for key in default.json()["data"]] == [kept["id"]]
    everything = await admin.get("/admin/keys?include_revoked=true", headers=MASTER)
    assert [key["id"] for key in everything.json()["data"]] == [kept["id"], gone["id"]]
    assert_error(await admin.get("/admin/keys?include_revoked=maybe", headers=MASTER), 400, param="include_revoked")
    assert_error(await admin.get("/admin/keys?revoked=true", headers=MASTER), 400, param="revoked")


async def test_patch_changes_and_clears_limits(admin: httpx2.AsyncClient, runtime: AccessRuntime) -> None:
    key, secret = await create(admin, rpm=10, budget_usd=3, budget_period="day")
    # The replica has the key cached; the patch must drop it so the next request sees the new limits.
    assert (await runtime.access.authenticate(bearer(secret))).limits is not None

    changed = await admin.patch(f"/admin/keys/{key['id']}", headers=MASTER,
                                json={"name": "ci-2", "rpm": None, "tpm": 500, "models": ["fast"]})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["name"], body["rpm"], body["tpm"], body["models"]) == ("ci-2", None, 500, ["fast"])
    assert (body["budget_usd"], body["budget_period"]) == (3.0, "day")  # absent fields stay
    principal = await runtime.access.authenticate(bearer(secret))
    assert principal.key is not None and principal.key.limits.tpm == 500 and principal.key.models == ("fast",)

    cleared = (await admin.patch(f"/admin/keys/{key['id']}", headers=MASTER,
                                 json={"budget_usd": None, "models": None, "expires_at": "2099-06-01T12:00:00+02:00"}))
    body = cleared.json()
    assert (body["budget_usd"], body["budget_period"], body["models"]) == (None, None, None)
    assert body["expires_at"] == "2099-06-01T10:00:00+00:00"
    assert (await admin.get(f"/admin/keys/{key['id']}", headers=MASTER)).json() == body

    unchanged = await admin.patch(f"/admin/keys/{key['id']}", headers=MASTER, json={})
    assert unchanged.json() == body


@pytest.mark.parametrize("method", ["DELETE", "POST /revoke"])
async def test_revoking_refuses_the_key_at_once(admin: httpx2.AsyncClient, runtime: AccessRuntime,
                                                method: str) -> None:
    key, secret = await create(admin)
    assert (await admin.get("/admin/usage", headers=bearer(secret))).status_code == 200
    if method == "DELETE":
        response = await admin.delete(f"/admin/keys/{key['id']}", headers=MASTER)
    else:
        response = await admin.post(f"/admin/keys/{key['id']}/revoke", headers=MASTER)
    assert response.status_code == 200, response.text
    revoked_at = response.json()["revoked_at"]
    assert revoked_at is not None

    assert_error(await admin.get("/admin/usage", headers=bearer(secret)), 401, code="invalid_api_key")
    with pytest.raises(AuthenticationFailed, match="revoked"):
        await runtime.access.authenticate(bearer(secret))
    again = await admin.delete(f"/admin/keys/{key['id']}", headers=MASTER)
    assert again.json()["revoked_at"] == revoked_at  # idempotent: the first revocation time stays
    assert_error(await admin.patch(f"/admin/keys/{key['id']}", headers=MASTER, json={"rpm": 5}), 409,
                 code="key_revoked")


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/admin/keys/key_missing"),
    ("PATCH", "/admin/keys/key_missing"),
    ("DELETE", "/admin/keys/key_missing"),
    ("POST", "/admin/keys/key_missing/revoke"),
])
async def test_unknown_key_is_404(sqlite_admin: httpx2.AsyncClient, method: str, path: str) -> None:
    response = await sqlite_admin.request(method, path, headers=MASTER, json={"rpm": 1} if method == "PATCH" else None)
    assert_error(response, 404, code="key_not_found")
    assert "key_missing" in response.json()["error"]["message"]


PAST = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()


@pytest.mark.parametrize(("body", "param"), [
    ({}, "name"),
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": 7}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"name": "ci", "rpm": 0}, "rpm"),
    ({"name": "ci", "rpm": "5"}, "rpm"),
    ({"name": "ci", "rpm": True}, "rpm"),
    ({"name": "ci", "rpm": 1.5}, "rpm"),
    ({"name": "ci", "tpm": -1}, "tpm"),
    ({"name": "ci", "max_parallel": 0}, "max_parallel"),
    ({"name": "ci", "budget_usd": 0}, "budget_usd"),
    ({"name": "ci", "budget_usd": "10"}, "budget_usd"),
    ({"name": "ci", "budget_usd": 5, "budget_period": "week"}, "budget_period"),
    ({"name": "ci", "budget_period": "day"}, "budget_period"),
    ({"name": "ci", "expires_at": "next tuesday"}, "expires_at"),
    ({"name": "ci", "expires_at": PAST}, "expires_at"),
    ({"name": "ci", "expires_at": 1893456000}, "expires_at"),
    ({"name": "ci", "models": []}, "models"),
    ({"name": "ci", "models": "fast"}, "models"),
    ({"name": "ci", "models": ["fast", ""]}, "models[1]"),
    ({"name": "ci", "colour": "blue"}, "colour"),
])
async def test_create_validation_names_the_field(sqlite_admin: httpx2.AsyncClient, body: dict[str, Any],
                                                 param: str) -> None:
    response = await sqlite_admin.post("/admin/keys", headers=MASTER, json=body)
    assert_error(response, 400, param=param)
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert (await sqlite_admin.get("/admin/keys", headers=MASTER)).json()["data"] == []


@pytest.mark.parametrize("content", [b"", b"not json", b"[1, 2]", b'{"name": "ci", "__proto__": {}}'])
async def test_create_needs_a_json_object(sqlite_admin: httpx2.AsyncClient, content: bytes) -> None:
    response = await sqlite_admin.post("/admin/keys", headers={**MASTER, "content-type": "application/json"},
                                content=content)
    assert_error(response, 400)


@pytest.mark.parametrize(("body", "param"), [
    ({"name": None}, "name"),
    ({"rpm": -5}, "rpm"),
    ({"budget_period": "day"}, "budget_period"),  # the key has no budget
    ({"secret_hash": "x"}, "secret_hash"),
])
async def test_patch_validation_names_the_field(sqlite_admin: httpx2.AsyncClient, body: dict[str, Any],
                                                param: str) -> None:
    key, _ = await create(sqlite_admin, rpm=10)
    assert_error(await sqlite_admin.patch(f"/admin/keys/{key['id']}", headers=MASTER, json=body), 400, param=param)
    assert (await sqlite_admin.get(f"/admin/keys/{key['id']}", headers=MASTER)).json() == key
