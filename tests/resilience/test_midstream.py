"""A stream that breaks after its first events is not retried: one upstream call, the healthy member never
asked, and the client finds the error inside the stream in its own dialect (a chat error chunk then
``[DONE]``, Responses ``error`` and ``response.failed``, Anthropic ``event: error``) after the text so far."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx2
import pytest

from tests.e2e.conformance import check_stream, relayed_payloads
from tests.e2e.outcome import of_events
from tests.e2e.wire import post, request_body
from tests.faults import FaultUpstream
from tests.faults.server import normal_answer
from tests.gateway import Gateway
from tests.resilience.clients import DEPLOYMENT, OVERHEAD
from tests.resilience.conftest import clients_for, deployments, eventually, started
from tests.resilience.pools import ROUTES, gateway_config, healthy_text, member, member_id, upstream_dialect
from tests.upstream import DIALECTS, Dialect

# Six records take every dialect's recorded stream past its first text; a truncated stream is cut in half.
BREAKS = ("reset-after-6", "truncated")


@dataclass(frozen=True, slots=True)
class Broken:
    fault: str
    client: Dialect
    route: str
    via: str  # "sdk" or "http"

    @property
    def pool(self) -> str:
        return f"midstream/{self.fault}/{self.client}/{self.route}/{self.via}"

    @property
    def upstream(self) -> Dialect:
        return upstream_dialect(self.client, self.route)

    @property
    def broken(self) -> str:
        return member_id(self.pool, self.fault)

    @property
    def healthy(self) -> str:
        return member_id(self.pool, "ok")

    def members(self, faults: FaultUpstream) -> list[dict[str, Any]]:
        return [member(faults, self.pool, self.fault, self.upstream), member(faults, self.pool, "ok", self.upstream)]


CASES = [Broken(fault, client, route, via) for client in DIALECTS for route in ROUTES for fault in BREAKS
         for via in ("sdk", "http")]


@pytest.fixture(scope="module")
def gateway(faults: FaultUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    workdir = tmp_path_factory.mktemp("midstream")
    models = [entry for case in CASES for entry in case.members(faults)]
    with started(Gateway(workdir, gateway_config(models, workdir / "usage.db"), name="midstream-gateway")) as running:
        yield running


def assert_not_retried(case: Broken, faults: FaultUpstream, gateway: Gateway) -> None:
    assert (faults.count(model=case.broken), faults.count(model=case.healthy)) == (1, 0)
    # It still counts against the member, once the stream has ended.
    eventually(lambda: deployments(gateway)[case.broken]["consecutive_failures"] == 1)


@pytest.mark.parametrize("case", [case for case in CASES if case.via == "http"], ids=lambda case: case.pool)
def test_the_error_goes_inside_the_stream(case: Broken, faults: FaultUpstream, gateway: Gateway) -> None:
    with httpx2.Client(base_url=gateway.url, timeout=20) as http:
        answer = post(http, case.client, request_body(case.client, case.pool, stream=True))

    events = check_stream(case.client, answer, relayed_payloads(normal_answer(case.upstream, True)))
    outcome = of_events(case.client, events)
    assert len(outcome.errors) == 1, outcome
    whole = healthy_text(case.upstream, True)
    assert outcome.text and whole.startswith(outcome.text) and outcome.text != whole
    assert answer.headers[DEPLOYMENT] == case.broken
    assert float(answer.headers[OVERHEAD]) >= 0
    assert_not_retried(case, faults, gateway)


@pytest.mark.parametrize("case", [case for case in CASES if case.via == "sdk"], ids=lambda case: case.pool)
def test_the_sdk_sees_the_error_of_a_broken_stream(case: Broken, faults: FaultUpstream, gateway: Gateway) -> None:
    with clients_for(gateway) as clients:
        reply = clients.ask(case.client, case.pool, stream=True)

    assert reply.stream_errors, reply
    whole = healthy_text(case.upstream, True)
    assert reply.text and whole.startswith(reply.text) and reply.text != whole
    assert reply.deployment == case.broken
    assert_not_retried(case, faults, gateway)
