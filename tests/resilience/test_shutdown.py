"""SIGTERM drains: the gateway stops taking new connections, lets the streams in flight run to their normal
end for the client, exits 0, and the usage records of those streams are in the database afterwards."""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import httpx2

from dragoman.access.usage import UsageQuery, UsageRecord
from dragoman.store.database import open_store
from tests.e2e.conformance import check_stream, relayed_payloads
from tests.e2e.outcome import of_events
from tests.e2e.wire import PATHS, RawAnswer, headers, request_body
from tests.faults import FaultUpstream
from tests.faults.server import normal_answer
from tests.gateway import Gateway
from tests.resilience.conftest import started
from tests.resilience.pools import gateway_config, healthy_text, member, upstream_dialect
from tests.upstream import DIALECTS, Dialect

SLOW = "slow-2"  # each stream's records spread over 2 s: live when the signal comes
ROUTE: dict[Dialect, str] = {"chat": "relayed", "responses": "translated", "anthropic": "translated"}


def pool(client: Dialect) -> str:
    return f"drain/{client}"


def stream(url: str, client: Dialect, first_bytes: threading.Event) -> RawAnswer:
    """One streamed request, read to its end; ``first_bytes`` is set when the first chunk arrives."""
    chunks: list[bytes] = []
    with httpx2.Client(base_url=url, timeout=20) as http, http.stream(
            "POST", PATHS[client], json=request_body(client, pool(client), stream=True),
            headers=headers(client)) as response:
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            first_bytes.set()
        return RawAnswer(response.status_code, response.headers, b"".join(chunks))


def refuses_connections(url: str, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            httpx2.get(f"{url}/healthz", timeout=0.5)
        except (httpx2.ConnectError, httpx2.ReadError, httpx2.RemoteProtocolError):
            # Refused outright, or accepted into the backlog just as the listener closed and then reset.
            return True
        time.sleep(0.02)
    return False


async def stored_records(storage: Path) -> list[UsageRecord]:
    store = await open_store(str(storage))
    try:
        return await store.query_usage(UsageQuery())
    finally:
        await store.close()


def test_sigterm_lets_live_streams_finish(faults: FaultUpstream, tmp_path: Path) -> None:
    storage = tmp_path / "usage.db"
    models = [member(faults, pool(client), SLOW, upstream_dialect(client, ROUTE[client])) for client in DIALECTS]
    gateway = Gateway(tmp_path, gateway_config(models, storage), name="draining-gateway")
    with started(gateway), ThreadPoolExecutor(len(DIALECTS)) as threads:
        process = gateway._process
        assert process is not None
        begun = {client: threading.Event() for client in DIALECTS}
        answers: dict[Dialect, Future[RawAnswer]] = {
            client: threads.submit(stream, gateway.url, client, begun[client]) for client in DIALECTS}
        for client in DIALECTS:
            assert begun[client].wait(10), f"the {client} stream did not start"

        process.send_signal(signal.SIGTERM)
        assert refuses_connections(gateway.url, within=1.0), "still taking new connections after SIGTERM"
        assert not all(answer.done() for answer in answers.values()), "the streams ended before the test looked"
        exit_status = process.wait(15)
        finished = {client: answer.result(5) for client, answer in answers.items()}

    for client, answer in finished.items():
        upstream = upstream_dialect(client, ROUTE[client])
        events = check_stream(client, answer, relayed_payloads(normal_answer(upstream, True)))
        outcome = of_events(client, events)
        assert (outcome.text, outcome.errors) == (healthy_text(upstream, True), []), client
    records = asyncio.run(stored_records(storage))
    assert sorted((record.model, record.status, record.stream) for record in records) == sorted(
        (pool(client), 200, True) for client in DIALECTS)
    assert "Application shutdown complete" in gateway.output()
    # A drained, clean shutdown is a success (-15 would be the process killed by the signal).
    assert exit_status == 0, gateway.output()
