"""The admin API in process: a Starlette app with only the admin routes over a real runtime (SQLite file or
PostgreSQL database; Redis where a test needs replicas), driven through httpx's ASGI transport."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
from starlette.applications import Starlette

from dragoman.access.runtime import AccessRuntime, open_runtime
from dragoman.config import Config
from dragoman.routing.runtime import make_router
from dragoman.server.admin import admin_routes
from tests.services import postgres_database

MASTER_KEY = "mk-admin-tests-0123456789"
MASTER = {"authorization": f"Bearer {MASTER_KEY}"}
LOOPBACK = ("127.0.0.1", 50000)
REMOTE = ("10.1.2.3", 50000)


def bearer(secret: str) -> dict[str, str]:
    return {"authorization": f"Bearer {secret}"}


def make_config(storage: str, *, master_key: str | None = MASTER_KEY, **sections: Any) -> Config:
    raw: dict[str, Any] = {"storage": storage, **sections}
    if master_key is not None:
        raw["auth"] = {"master_key": master_key, **raw.get("auth", {})}
    return Config.model_validate(raw)


@asynccontextmanager
async def admin_client(runtime: AccessRuntime, client: tuple[str, int] = LOOPBACK) -> AsyncIterator[httpx2.AsyncClient]:
    router = make_router(runtime.config)
    app = Starlette(routes=admin_routes(lambda: runtime, router.snapshot))
    transport = httpx2.ASGITransport(app=app, client=client)
    async with httpx2.AsyncClient(transport=transport, base_url="http://dragoman") as http:
        yield http


@asynccontextmanager
async def opened(config: Config) -> AsyncIterator[AccessRuntime]:
    runtime = await open_runtime(config, start_writer=False)
    try:
        yield runtime
    finally:
        await runtime.close()


@pytest.fixture(autouse=True)
def no_master_key_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Open-mode tests must not pick up a DRAGOMAN_MASTER_KEY from the environment running them."""
    monkeypatch.delenv("DRAGOMAN_MASTER_KEY", raising=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "dragoman.db")
    else:
        with postgres_database() as url:
            yield url


@pytest.fixture
def sqlite_storage(tmp_path: Path) -> str:
    return str(tmp_path / "dragoman.db")


@pytest.fixture
async def runtime(storage: str) -> AsyncIterator[AccessRuntime]:
    async with opened(make_config(storage)) as opened_runtime:
        yield opened_runtime


@pytest.fixture
async def admin(runtime: AccessRuntime) -> AsyncIterator[httpx2.AsyncClient]:
    async with admin_client(runtime) as http:
        yield http


@pytest.fixture
async def sqlite_runtime(sqlite_storage: str) -> AsyncIterator[AccessRuntime]:
    """For tests of the HTTP layer itself (validation, auth), which need not run once per database."""
    async with opened(make_config(sqlite_storage)) as opened_runtime:
        yield opened_runtime


@pytest.fixture
async def sqlite_admin(sqlite_runtime: AccessRuntime) -> AsyncIterator[httpx2.AsyncClient]:
    async with admin_client(sqlite_runtime) as http:
        yield http
