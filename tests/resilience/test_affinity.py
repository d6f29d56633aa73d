"""Account affinity through the real gateway: a follow-up that carries something only one member can use (a
Responses id it produced) goes back to that member, even where the strategy would pick another."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest

from tests.faults import FaultUpstream
from tests.gateway import Gateway
from tests.resilience.clients import DEPLOYMENT
from tests.resilience.conftest import started
from tests.resilience.pools import gateway_config, member, member_id

POOL = "twins/responses"
TWINS = [member_id(POOL, "ok", tag) for tag in ("a", "b")]


@pytest.fixture(scope="module")
def gateway(faults: FaultUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    workdir = tmp_path_factory.mktemp("affinity")
    models = [member(faults, POOL, "ok", "responses", tag=tag, strategy="round-robin") for tag in ("a", "b")]
    with started(Gateway(workdir, gateway_config(models, workdir / "usage.db"), name="affinity-gateway")) as running:
        yield running


def ask(gateway: Gateway, **extra: object) -> httpx2.Response:
    response = httpx2.post(f"{gateway.url}/v1/responses", json={"model": POOL, "input": "hi", **extra}, timeout=20)
    assert response.status_code == 200, response.text
    return response


def test_round_robin_alone_alternates(gateway: Gateway) -> None:
    members = [ask(gateway).headers[DEPLOYMENT] for _ in range(4)]
    assert set(members) == set(TWINS) and members[0] != members[1]


def test_a_follow_up_goes_back_to_the_member_that_made_its_previous_response(gateway: Gateway) -> None:
    for _ in range(3):
        first = ask(gateway)
        produced_by = first.headers[DEPLOYMENT]
        # Without affinity round-robin would now choose the other twin.
        follow_up = ask(gateway, previous_response_id=first.json()["id"])
        assert follow_up.headers[DEPLOYMENT] == produced_by
