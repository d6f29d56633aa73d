"""A client that leaves is felt at the upstream within a second: a stream closed after its first event, and a
non-streaming request given up while a slow upstream is still working on it. Either way the request leaves a
usage record with status 499 (the client closed the request)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import anthropic
import openai
import pytest

from tests.e2e.wire import USER_TEXT
from tests.faults import FaultUpstream, Seen
from tests.gateway import Gateway
from tests.resilience.clients import Clients
from tests.resilience.conftest import clients_for, started, usage_records
from tests.resilience.pools import ROUTES, gateway_config, member, upstream_dialect
from tests.upstream import DIALECTS, Dialect

SLOW = "slow-3"  # an answer taking 3 s: a stream's records spread over them, a JSON body after them
GIVE_UP_AFTER_SECONDS = 0.3
NOTICED_WITHIN_SECONDS = 1.0
CASES = [(client, route) for client in DIALECTS for route in ROUTES]


def stream_pool(client: Dialect, route: str) -> str:
    return f"cancel/stream/{client}/{route}"


def waiting_pool(client: Dialect, route: str) -> str:
    return f"cancel/json/{client}/{route}"


@pytest.fixture(scope="module")
def gateway(faults: FaultUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    workdir = tmp_path_factory.mktemp("cancellation")
    models = [member(faults, pool(client, route), SLOW, upstream_dialect(client, route))
              for client, route in CASES for pool in (stream_pool, waiting_pool)]
    with started(Gateway(workdir, gateway_config(models, workdir / "usage.db"), name="cancel-gateway")) as running:
        yield running


def read_some_then_close(clients: Clients, client: Dialect, model: str) -> float:
    """Start a stream through the SDK, read its first event, close it; when it was closed."""
    messages = [{"role": "user", "content": USER_TEXT}]
    stream: openai.Stream[Any] | anthropic.Stream[Any]
    if client == "chat":
        stream = clients.openai.chat.completions.create(model=model, messages=messages, stream=True)  # type: ignore[arg-type]
    elif client == "responses":
        stream = clients.openai.responses.create(model=model, input=messages, stream=True)  # type: ignore[arg-type]
    else:
        stream = clients.anthropic.messages.create(model=model, max_tokens=256, messages=messages, stream=True)  # type: ignore[arg-type]
    next(iter(stream))
    stream.close()
    return time.monotonic()


def upstream_request(faults: FaultUpstream, pool: str) -> Seen:
    (seen,) = [seen for seen in faults.requests if seen.tag == pool]
    return seen


def disconnected_within(seen: Seen, since: float, seconds: float) -> bool:
    deadline = time.monotonic() + seconds + 1.0  # look a little longer, to report how late it was
    while seen.disconnected_at is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert seen.finished_at is None, "the upstream finished its answer: nobody cancelled it"
    assert seen.disconnected_at is not None, "the upstream never saw the client go"
    return seen.disconnected_at - since < seconds


@pytest.mark.parametrize(("client", "route"), CASES)
def test_closing_a_stream_reaches_the_upstream(client: Dialect, route: str, faults: FaultUpstream,
                                              gateway: Gateway) -> None:
    pool = stream_pool(client, route)
    with clients_for(gateway) as clients:
        closed_at = read_some_then_close(clients, client, pool)

    assert disconnected_within(upstream_request(faults, pool), closed_at, NOTICED_WITHIN_SECONDS)
    (record,) = usage_records(gateway, pool)
    assert (record["status"], record["stream"], record["error"]) == (499, True, "client_disconnected"), record


@pytest.mark.parametrize(("client", "route"), CASES)
def test_giving_up_on_a_slow_answer_reaches_the_upstream(client: Dialect, route: str, faults: FaultUpstream,
                                                         gateway: Gateway) -> None:
    pool = waiting_pool(client, route)
    impatient = Clients(gateway.url, timeout=GIVE_UP_AFTER_SECONDS)
    try:
        with pytest.raises((openai.APITimeoutError, anthropic.APITimeoutError)):
            impatient.ask(client, pool)
        gave_up_at = time.monotonic()
    finally:
        impatient.close()

    assert disconnected_within(upstream_request(faults, pool), gave_up_at, NOTICED_WITHIN_SECONDS)
    (record,) = usage_records(gateway, pool)
    assert (record["status"], record["stream"], record["error"]) == (499, False, "client_disconnected"), record
