"""Several replicas sharing one PostgreSQL and one Redis enforce one key's limits together, see revocations
at once, and a replica killed mid-load loses no committed usage record."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx2
import pytest

from tests.access_e2e.conftest import access_config
from tests.access_e2e.keys import ADMIN, create_key, revoke_key, usage
from tests.conftest import _started
from tests.gateway import Gateway
from tests.services import postgres_database, redis_prefix, redis_url
from tests.upstream import FakeUpstream

CHAT = {"model": "chat/text", "messages": [{"role": "user", "content": "Say hi"}]}


@pytest.fixture(scope="module")
def shared_postgres() -> Iterator[str]:
    with postgres_database() as url:
        yield url


@pytest.fixture(scope="module")
def replicas(upstream: FakeUpstream, shared_postgres: str,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Gateway, Gateway]]:
    config = access_config(upstream.url, shared_postgres, redis={"url": redis_url(), "prefix": redis_prefix()})
    first, second = (Gateway(tmp_path_factory.mktemp(f"replica-{n}"), config, name=f"replica-{n}") for n in (1, 2))
    with contextmanager(_started)(first), contextmanager(_started)(second):
        yield first, second


async def _burst(urls: list[str], secret: str, count: int) -> list[int]:
    async with httpx2.AsyncClient(timeout=20) as client:
        calls = [client.post(f"{urls[n % len(urls)]}/v1/chat/completions", json=CHAT,
                             headers={"authorization": f"Bearer {secret}"}) for n in range(count)]
        return [response.status_code for response in await asyncio.gather(*calls)]


def test_a_key_gets_exactly_its_rpm_across_replicas(replicas: tuple[Gateway, Gateway]) -> None:
    first, second = replicas
    secret, _ = create_key(first.url, "shared-rpm", rpm=10)
    statuses = asyncio.run(_burst([first.url, second.url], secret, 30))
    assert statuses.count(200) == 10, statuses
    assert statuses.count(429) == 20, statuses


def test_revocation_reaches_every_replica_at_once(replicas: tuple[Gateway, Gateway]) -> None:
    first, second = replicas
    secret, key = create_key(first.url, "revoked-everywhere")
    headers = {"authorization": f"Bearer {secret}"}
    assert httpx2.post(f"{second.url}/v1/chat/completions", json=CHAT, headers=headers, timeout=20).status_code == 200
    revoke_key(first.url, key["id"])  # on the other replica, which has the key cached
    refused = httpx2.post(f"{second.url}/v1/chat/completions", json=CHAT, headers=headers, timeout=20)
    assert refused.status_code == 401, refused.text
    assert "revoked" in refused.json()["error"]["message"]


def test_a_budget_is_shared_by_replicas(replicas: tuple[Gateway, Gateway]) -> None:
    first, second = replicas
    secret, _ = create_key(first.url, "shared-budget", budget_usd=0.01, budget_period="month")
    headers = {"authorization": f"Bearer {secret}"}
    assert httpx2.post(f"{first.url}/v1/chat/completions", json=CHAT, headers=headers, timeout=20).status_code == 200
    deadline = time.monotonic() + 5
    while True:
        status = httpx2.post(f"{second.url}/v1/chat/completions", json=CHAT, headers=headers, timeout=20).status_code
        if status == 429:
            break
        assert status == 200 and time.monotonic() < deadline, status
        time.sleep(0.05)


def test_sigkill_mid_load_loses_no_committed_record(upstream: FakeUpstream, shared_postgres: str,
                                                    tmp_path_factory: pytest.TempPathFactory) -> None:
    config = access_config(upstream.url, shared_postgres)
    victim = Gateway(tmp_path_factory.mktemp("victim"), config, name="victim")
    victim.start()
    secret, key = create_key(victim.url, "under-load")
    stop = threading.Event()
    answered = [0]

    def load() -> None:
        with httpx2.Client(timeout=5) as client:
            while not stop.is_set():
                try:
                    response = client.post(f"{victim.url}/v1/chat/completions", json=CHAT,
                                           headers={"authorization": f"Bearer {secret}"})
                    answered[0] += response.status_code == 200
                except httpx2.TransportError:
                    return

    workers = [threading.Thread(target=load) for _ in range(4)]
    for worker in workers:
        worker.start()
    committed = 0
    try:
        deadline = time.monotonic() + 20
        while committed < 20 and time.monotonic() < deadline:  # what the victim has committed so far
            time.sleep(0.3)
            committed = usage(victim.url, key_id=key["id"]).json()["total"]
        assert committed >= 20, "the load never produced committed records"
        process = victim._process
        assert process is not None
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    finally:
        stop.set()
        for worker in workers:
            worker.join(10)
        victim.stop()

    survivor = Gateway(tmp_path_factory.mktemp("survivor"), config, name="survivor")
    with contextmanager(_started)(survivor):
        after = usage(survivor.url, key_id=key["id"], limit="10000").json()
        assert after["total"] >= committed, "a committed usage record was lost"
        assert after["total"] <= answered[0] + 4, "more records than requests"
        assert all(record["status"] == 200 and record["input_tokens"] > 0 for record in after["data"])
        statuses = httpx2.get(f"{survivor.url}/admin/keys", headers=ADMIN, timeout=10).json()
        assert any(entry["id"] == key["id"] for entry in statuses["data"])
