"""Cooldowns through the real gateway: after ``cooldown_after_failures`` (2 here) failures a member is
skipped for ``cooldown_seconds`` (1 here) and ``GET /admin/deployments`` shows it cooling; after that one
request probes it, and a success makes it healthy again while a failure cools it again. A 429 rests a member
at once, for its Retry-After. Each test drives one pool (a scripted member first, a healthy one second) from
one client dialect, so the three dialects are all used."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.faults import FaultUpstream
from tests.gateway import Gateway
from tests.resilience.clients import Clients
from tests.resilience.conftest import clients_for, deployments, eventually, started
from tests.resilience.pools import ROUTING, gateway_config, member, member_id
from tests.upstream import Dialect

COOLDOWN_SECONDS = ROUTING["cooldown_seconds"]
RETRY_AFTER_SECONDS = 2  # unlike cooldown_seconds, so the rest is seen to follow the upstream's Retry-After
POOLS: dict[str, Dialect] = {"probe-succeeds": "chat", "probe-fails": "responses", "rate-limited": "anthropic"}


def flaky(pool: str) -> str:
    return member_id(pool, f"script-{pool}")


def healthy(pool: str) -> str:
    return member_id(pool, "ok")


@pytest.fixture(scope="module")
def gateway(faults: FaultUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    workdir = tmp_path_factory.mktemp("cooldown")
    models = [entry for pool, dialect in POOLS.items()
              for entry in (member(faults, pool, f"script-{pool}", dialect), member(faults, pool, "ok", dialect))]
    with started(Gateway(workdir, gateway_config(models, workdir / "usage.db"), name="cooldown-gateway")) as running:
        yield running


@pytest.fixture(scope="module")
def clients(gateway: Gateway) -> Iterator[Clients]:
    with clients_for(gateway) as made:
        yield made


def answered_by(clients: Clients, pool: str) -> str | None:
    return clients.ask(POOLS[pool], pool).deployment


def state_of(gateway: Gateway, member: str) -> dict[str, Any]:
    return deployments(gateway)[member]


def wait_out(cooldown_until: float) -> None:
    time.sleep(max(0.0, cooldown_until - time.time()) + 0.05)


def test_a_failing_member_cools_down_and_is_probed_back_in(faults: FaultUpstream, gateway: Gateway,
                                                           clients: Clients) -> None:
    pool = "probe-succeeds"
    faults.script(pool, "status-500", "status-500", "ok")
    assert [answered_by(clients, pool) for _ in range(2)] == [healthy(pool)] * 2

    cooling = state_of(gateway, flaky(pool))
    assert (cooling["state"], cooling["consecutive_failures"]) == ("cooling", 2), cooling
    assert "500" in cooling["last_error"]
    assert cooling["cooldown_until"] - cooling["last_failure_at"] == pytest.approx(COOLDOWN_SECONDS, abs=0.05)
    assert answered_by(clients, pool) == healthy(pool)
    assert faults.count(model=flaky(pool)) == 2  # skipped while cooling

    wait_out(cooling["cooldown_until"])
    assert answered_by(clients, pool) == flaky(pool)  # the probe, answered
    assert faults.count(model=flaky(pool)) == 3
    eventually(lambda: state_of(gateway, flaky(pool))["state"] == "healthy")
    assert state_of(gateway, flaky(pool))["consecutive_failures"] == 0


def test_a_failed_probe_cools_the_member_again(faults: FaultUpstream, gateway: Gateway, clients: Clients) -> None:
    pool = "probe-fails"
    faults.script(pool, "status-502")
    for _ in range(2):
        assert answered_by(clients, pool) == healthy(pool)
    first = state_of(gateway, flaky(pool))
    assert first["state"] == "cooling"

    wait_out(first["cooldown_until"])
    assert answered_by(clients, pool) == healthy(pool)  # after the probe failed
    assert faults.count(model=flaky(pool)) == 3
    again = state_of(gateway, flaky(pool))
    assert again["state"] == "cooling" and again["cooldown_until"] > first["cooldown_until"], again
    assert answered_by(clients, pool) == healthy(pool)
    assert faults.count(model=flaky(pool)) == 3


def test_a_429_rests_the_member_for_its_retry_after(faults: FaultUpstream, gateway: Gateway,
                                                    clients: Clients) -> None:
    pool = "rate-limited"
    faults.script(pool, f"status-429-retry-{RETRY_AFTER_SECONDS}", "ok")
    assert answered_by(clients, pool) == healthy(pool)

    resting = state_of(gateway, flaky(pool))
    assert (resting["state"], resting["consecutive_failures"]) == ("cooling", 1), resting
    assert resting["cooldown_until"] - resting["last_failure_at"] == pytest.approx(RETRY_AFTER_SECONDS, abs=0.05)
    time.sleep(COOLDOWN_SECONDS + 0.05)  # past cooldown_seconds, not yet past the Retry-After
    assert answered_by(clients, pool) == healthy(pool)
    assert faults.count(model=flaky(pool)) == 1

    wait_out(resting["cooldown_until"])
    assert answered_by(clients, pool) == flaky(pool)
    eventually(lambda: state_of(gateway, flaky(pool))["state"] == "healthy")
