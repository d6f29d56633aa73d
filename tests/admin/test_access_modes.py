"""Who may use the admin API: only the master key when one is set; in open mode only loopback clients.
And a revocation through one replica's admin API refusing the key at once on another replica sharing Redis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx2
import pytest

from dragoman.access.runtime import AccessRuntime
from dragoman.canonical.errors import AuthenticationFailed
from tests.admin.conftest import MASTER, REMOTE, admin_client, bearer, make_config, opened
from tests.admin.test_keys_api import assert_error, create
from tests.services import redis_prefix, redis_url

KEY_ROUTES = [
    ("GET", "/admin/keys"),
    ("POST", "/admin/keys"),
    ("GET", "/admin/keys/key_any"),
    ("PATCH", "/admin/keys/key_any"),
    ("DELETE", "/admin/keys/key_any"),
    ("POST", "/admin/keys/key_any/revoke"),
]


@pytest.mark.parametrize(("method", "path"), KEY_ROUTES)
async def test_key_routes_need_the_master_key(sqlite_admin: httpx2.AsyncClient, method: str, path: str) -> None:
    body = {"name": "x"} if method in ("POST", "PATCH") else None
    assert_error(await sqlite_admin.request(method, path, json=body), 401, code="missing_api_key")
    wrong = {"authorization": "Bearer mk-admin-tests-012345678X"}
    assert_error(await sqlite_admin.request(method, path, json=body, headers=wrong), 401, code="invalid_api_key")
    assert_error(await sqlite_admin.request(method, path, json=body, headers={"x-api-key": "dk-guess"}), 401)


async def test_the_master_key_works_in_either_header(sqlite_admin: httpx2.AsyncClient) -> None:
    assert (await sqlite_admin.get("/admin/keys", headers=MASTER)).status_code == 200
    x_api_key = {"x-api-key": MASTER["authorization"].removeprefix("Bearer ")}
    assert (await sqlite_admin.get("/admin/keys", headers=x_api_key)).status_code == 200


async def test_master_key_from_a_remote_client(sqlite_runtime: AccessRuntime) -> None:
    async with admin_client(sqlite_runtime, REMOTE) as remote:
        assert (await remote.get("/admin/keys", headers=MASTER)).status_code == 200
        assert_error(await remote.get("/admin/keys"), 401)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.5", "::1", "::ffff:127.0.0.1"])
async def test_open_mode_serves_loopback_clients(sqlite_storage: str, host: str) -> None:
    async with opened(make_config(sqlite_storage, master_key=None)) as runtime, \
            admin_client(runtime, (host, 40000)) as local:
        assert runtime.access.open
        created = await local.post("/admin/keys", json={"name": "local"})
        assert created.status_code == 201, created.text
        key_id = created.json()["key"]["id"]
        assert [key["id"] for key in (await local.get("/admin/keys")).json()["data"]] == [key_id]
        assert (await local.delete(f"/admin/keys/{key_id}")).status_code == 200
        assert (await local.get("/admin/usage")).status_code == 200


@pytest.mark.parametrize("host", ["10.1.2.3", "192.168.0.10", "2001:db8::1", "::ffff:10.0.0.1", "testclient"])
async def test_open_mode_refuses_other_clients(sqlite_storage: str, host: str) -> None:
    async with opened(make_config(sqlite_storage, master_key=None)) as runtime:
        async with admin_client(runtime) as local:
            key, secret = await create(local)
        async with admin_client(runtime, (host, 40000)) as remote:
            for method, path in KEY_ROUTES:
                body = {"name": "x"} if method in ("POST", "PATCH") else None
                assert_error(await remote.request(method, path, json=body), 403, code="admin_loopback_only")
            assert_error(await remote.get("/admin/usage"), 403, code="admin_loopback_only")
            # A key still reads its own usage from anywhere.
            own = await remote.get("/admin/usage", headers=bearer(secret))
            assert own.status_code == 200
            assert_error(await remote.delete(f"/admin/keys/{key['id']}", headers=bearer(secret)), 403)
        stored = await runtime.store.get_key(key["id"])
        assert stored is not None and stored.revoked_at is None


async def test_revocation_reaches_another_replica_at_once(storage: str) -> None:
    """Two replicas share storage and Redis; each trusts a looked-up key for a minute. A revocation through
    replica A's admin API is refused by replica B on its very next admission, cache or not."""
    sections: dict[str, Any] = {"redis": {"url": redis_url(), "prefix": redis_prefix()},
                                "auth": {"key_cache_seconds": 60}}
    config = make_config(storage, **sections)
    async with opened(config) as replica_a, opened(config) as replica_b, admin_client(replica_a) as admin_a:
        key, secret = await create(admin_a, rpm=100)
        principal = await replica_b.access.authenticate(bearer(secret))
        ticket = await replica_b.access.admit(principal, 10)
        await replica_b.access.settle(ticket, actual_tokens=10, cost_usd=0.0)

        assert (await admin_a.delete(f"/admin/keys/{key['id']}", headers=MASTER)).status_code == 200

        cached = await replica_b.access.authenticate(bearer(secret))  # still cached on B…
        with pytest.raises(AuthenticationFailed, match="revoked"):
            await replica_b.access.admit(cached, 10)  # …but refused
        with pytest.raises(AuthenticationFailed, match="revoked"):
            await replica_b.access.authenticate(bearer(secret))  # and B dropped it from its cache
        async with admin_client(replica_b) as admin_b:
            assert_error(await admin_b.get("/admin/usage", headers=bearer(secret)), 401, code="invalid_api_key")


async def test_a_key_without_limits_is_refused_after_revocation_too(tmp_path: Path) -> None:
    config = make_config(str(tmp_path / "dragoman.db"), auth={"key_cache_seconds": 60})
    async with opened(config) as runtime, admin_client(runtime) as admin:
        key, secret = await create(admin)
        principal = await runtime.access.authenticate(bearer(secret))
        await runtime.access.settle(await runtime.access.admit(principal, 1), actual_tokens=1, cost_usd=0.0)
        assert (await admin.post(f"/admin/keys/{key['id']}/revoke", headers=MASTER)).status_code == 200
        with pytest.raises(AuthenticationFailed, match="revoked"):
            await runtime.access.admit(principal, 1)
