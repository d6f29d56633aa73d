"""Failures before the first byte: a healthy member answers when one exists, the right error in the client's
dialect when none does, and the client's own fault (an upstream 400) is the answer, never retried. Every
answer, error or stream names the member that answered in ``x-dragoman-deployment`` and carries
``x-dragoman-overhead-ms``: dragoman's own time, without the time spent waiting on upstreams.

Every case has a pool of its own (named after the case), so counts and cooldowns never carry over."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.conformance import check_error_body
from tests.faults import FaultUpstream
from tests.gateway import Gateway
from tests.resilience.clients import DEPLOYMENT, OVERHEAD, SDK_ERRORS, Clients, error_class, headers_of
from tests.resilience.conftest import clients_for, deployments, started
from tests.resilience.pools import (
    DOWN,
    HANG_SECONDS,
    ROUTES,
    TRANSLATED_UPSTREAM,
    gateway_config,
    healthy_text,
    member,
    member_id,
    upstream_dialect,
)
from tests.upstream import DIALECTS, Dialect

# Each fails before anything reaches the client. A truncated stream (or one reset after some records) has
# sent its first event already: see test_midstream.py.
FAULTS = ("status-500", "status-429-retry-1", "hang", "reset", "garbage", "truncated", DOWN)
STREAM_FAULTS = tuple(fault for fault in FAULTS if fault != "truncated")
MODES = {False: "json", True: "stream"}


@dataclass(frozen=True, slots=True)
class Failover:
    """A faulty member, then a healthy one, both speaking ``upstream``."""

    fault: str
    client: Dialect
    route: str
    stream: bool

    @property
    def pool(self) -> str:
        return f"failover/{self.fault}/{self.client}/{self.route}/{MODES[self.stream]}"

    @property
    def upstream(self) -> Dialect:
        return upstream_dialect(self.client, self.route)

    def members(self, faults: FaultUpstream) -> list[dict[str, Any]]:
        return [member(faults, self.pool, self.fault, self.upstream), member(faults, self.pool, "ok", self.upstream)]


@dataclass(frozen=True, slots=True)
class Exhausted:
    """Two members with the same fault, one relayed and one translated, so both paths fail."""

    fault: str
    client: Dialect
    stream: bool

    @property
    def pool(self) -> str:
        return f"exhausted/{self.fault}/{self.client}/{MODES[self.stream]}"

    @property
    def ids(self) -> tuple[str, str]:
        return member_id(self.pool, self.fault, "a"), member_id(self.pool, self.fault, "b")

    def members(self, faults: FaultUpstream) -> list[dict[str, Any]]:
        return [member(faults, self.pool, self.fault, self.client, tag="a"),
                member(faults, self.pool, self.fault, TRANSLATED_UPSTREAM[self.client], tag="b")]


FAILOVERS = [Failover(fault, client, route, stream) for client in DIALECTS for route in ROUTES
             for stream in MODES for fault in (STREAM_FAULTS if stream else FAULTS)]
# The error the client gets when every member fails this way; Retry-After 30 is past the retry deadline (10 s),
# so no member is repeated and the upstream's 429 is the answer.
EXHAUSTED_STATUS = {"status-500": 502, "reset": 502, "garbage": 502, DOWN: 502, "hang": 504,
                    "status-429-retry-30": 429}
EXHAUSTED = [Exhausted(fault, client, stream) for client in DIALECTS for stream in MODES for fault in EXHAUSTED_STATUS]
CLIENT_FAULTS = [Failover("status-400", client, route, stream) for client in DIALECTS for route in ROUTES
                 for stream in MODES]
LONE_RETRIED = DIALECTS
SLOW_SECONDS = 0.6


def lone_pool(client: Dialect) -> str:
    return f"lone/{client}"


def lone_script(client: Dialect) -> str:
    return f"lone-{client}"


def slow_pool(client: Dialect) -> str:
    return f"slow/{client}"


def overhead_of(headers: dict[str, str]) -> float:
    overhead = float(headers[OVERHEAD])
    assert overhead >= 0, headers
    return overhead


@pytest.fixture(scope="module")
def gateway(faults: FaultUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    workdir = tmp_path_factory.mktemp("failover")
    models = [entry for case in [*FAILOVERS, *EXHAUSTED, *CLIENT_FAULTS] for entry in case.members(faults)]
    models += [member(faults, lone_pool(client), f"script-{lone_script(client)}", client) for client in LONE_RETRIED]
    models += [member(faults, slow_pool(client), f"slow-{SLOW_SECONDS}", client) for client in DIALECTS]
    with started(Gateway(workdir, gateway_config(models, workdir / "usage.db"), name="failover-gateway")) as running:
        yield running


@pytest.fixture(scope="module")
def clients(gateway: Gateway) -> Iterator[Clients]:
    with clients_for(gateway) as made:
        yield made


@pytest.mark.parametrize("case", FAILOVERS, ids=lambda case: case.pool)
def test_a_healthy_member_answers_when_another_fails(case: Failover, faults: FaultUpstream, gateway: Gateway,
                                                     clients: Clients) -> None:
    reply = clients.ask(case.client, case.pool, stream=case.stream)

    assert (reply.text, reply.stream_errors) == (healthy_text(case.upstream, case.stream), [])
    healthy, faulty = member_id(case.pool, "ok"), member_id(case.pool, case.fault)
    assert reply.deployment == healthy
    assert faults.count(model=healthy) == 1
    if case.fault == DOWN:  # nothing to count at a closed port: the member's own record says it was tried
        state = deployments(gateway)[faulty]
        assert state["consecutive_failures"] == 1 and "connect" in state["last_error"].lower(), state
    else:
        assert faults.count(model=faulty) == 1
    overhead = overhead_of(reply.headers)
    if case.fault == "hang":  # the wait for the hanging member is upstream time
        assert overhead <= reply.elapsed_ms - HANG_SECONDS * 1000


@pytest.mark.parametrize("case", EXHAUSTED, ids=lambda case: case.pool)
def test_every_member_failing_is_an_error_in_the_clients_dialect(case: Exhausted, faults: FaultUpstream,
                                                                 gateway: Gateway, clients: Clients) -> None:
    status = EXHAUSTED_STATUS[case.fault]
    started_at = time.monotonic()
    with pytest.raises(SDK_ERRORS) as raised:
        clients.ask(case.client, case.pool, stream=case.stream)
    elapsed_ms = (time.monotonic() - started_at) * 1000

    error = raised.value
    assert type(error) is error_class(case.client, status) and error.status_code == status, error
    check_error_body(case.client, error.response.json())
    headers = headers_of(error)
    assert headers.get(DEPLOYMENT) in case.ids
    if case.fault == DOWN:
        states = deployments(gateway)
        calls = tuple(states[name]["consecutive_failures"] for name in case.ids)
    else:
        calls = tuple(faults.count(model=name) for name in case.ids)
    if status == 429:
        assert headers.get("retry-after") == "30"
        assert calls == (1, 1)
    else:
        assert calls == (2, 1)  # each once, then the first again (routing.retries: 1)
    overhead = overhead_of(headers)
    if case.fault == "hang":  # three attempts that each waited out the first-token timeout
        assert overhead <= elapsed_ms - 3 * HANG_SECONDS * 1000


@pytest.mark.parametrize("case", CLIENT_FAULTS, ids=lambda case: case.pool)
def test_an_upstream_400_is_the_answer_and_never_retried(case: Failover, faults: FaultUpstream,
                                                         clients: Clients) -> None:
    with pytest.raises(SDK_ERRORS) as raised:
        clients.ask(case.client, case.pool, stream=case.stream)

    error = raised.value
    assert type(error) is error_class(case.client, 400) and error.status_code == 400, error
    body = error.response.json()
    check_error_body(case.client, body)
    assert "injected fault: HTTP 400" in body["error"]["message"]
    faulty = member_id(case.pool, "status-400")
    assert headers_of(error).get(DEPLOYMENT) == faulty
    overhead_of(headers_of(error))
    assert (faults.count(model=faulty), faults.count(model=member_id(case.pool, "ok"))) == (1, 0)


@pytest.mark.parametrize("client", LONE_RETRIED)
def test_a_lone_member_is_tried_again_after_a_failure(client: Dialect, faults: FaultUpstream,
                                                      clients: Clients) -> None:
    faults.script(lone_script(client), "status-503", "ok")

    reply = clients.ask(client, lone_pool(client))

    assert reply.text == healthy_text(client, False)
    assert [seen.spec for seen in faults.requests if seen.tag == lone_pool(client)] == ["status-503", "ok"]


@pytest.mark.parametrize("client", DIALECTS)
def test_the_overhead_leaves_out_a_slow_upstreams_time(client: Dialect, clients: Clients) -> None:
    reply = clients.ask(client, slow_pool(client))
    assert reply.deployment == member_id(slow_pool(client), f"slow-{SLOW_SECONDS}")
    overhead = overhead_of(reply.headers)
    assert overhead <= reply.elapsed_ms - SLOW_SECONDS * 1000
    assert overhead < SLOW_SECONDS * 1000 / 2  # far below the upstream's time


@pytest.mark.parametrize("client", DIALECTS)
def test_an_unknown_model_still_carries_the_overhead(client: Dialect, clients: Clients) -> None:
    with pytest.raises(SDK_ERRORS) as raised:
        clients.ask(client, "no/such/model")
    assert raised.value.status_code == 404
    overhead_of(headers_of(raised.value))
