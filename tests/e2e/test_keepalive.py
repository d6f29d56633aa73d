"""Keepalives while the upstream is slow to produce its first event: Anthropic ``event: ping`` for Anthropic
clients, SSE comments for the others, at the configured interval, and the answer intact afterwards."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx2
import pytest

from tests.e2e.conformance import check_stream, relayed_payloads
from tests.e2e.outcome import of_answer, of_events
from tests.e2e.wire import PATHS, Comment, Event, RawAnswer, parse_sse, post, request_body
from tests.gateway import KEEPALIVE_SECONDS, Gateway
from tests.upstream import DIALECTS, SLOW_FIRST_BYTE_SECONDS, Dialect, FakeUpstream, ReceivedRequest

# Anything that arrived this long after the request was sent cannot be the upstream's, which waits longer.
QUIET_WINDOW = SLOW_FIRST_BYTE_SECONDS - 0.3


def _call(gateway: Gateway, client: Dialect, upstream_dialect: Dialect) -> RawAnswer:
    with httpx2.Client(base_url=gateway.url, timeout=30) as http:
        extra = {"stream_options": {"include_usage": True}} if client == "chat" else {}
        return post(http, client, request_body(client, f"{upstream_dialect}/slow-first-byte", stream=True, **extra))


def _is_keepalive(client: Dialect, item: Comment | Event) -> bool:
    if client == "anthropic":
        return isinstance(item, Event) and item.event == "ping"
    return isinstance(item, Comment)


def _is_contentless_start(client: Dialect, item: Comment | Event) -> bool:
    """The stream's opening (which a gateway may send before the upstream answers), carrying no output."""
    if not isinstance(item, Event):
        return False
    if client == "anthropic":
        return item.event == "message_start"
    if client == "responses":
        return item.event in ("response.created", "response.in_progress")
    return all(not (choice.get("delta") or {}).get("content") for choice in item.json.get("choices", []))


def _keepalives(client: Dialect, upstream_dialect: Dialect, answer: RawAnswer) -> list[float]:
    """Arrival times of the keepalives received while the upstream was still silent."""
    times = []
    for at, chunk in answer.chunk_times:
        if at >= QUIET_WINDOW:
            break
        for item in parse_sse(chunk):
            if _is_keepalive(client, item):
                times.append(at)
            else:
                assert _is_contentless_start(client, item), (
                    f"via {upstream_dialect}: not a keepalive, and output before the upstream sent any: {item}")
    return times


def _served(upstream: FakeUpstream, mark: int, path: str) -> ReceivedRequest:
    (call,) = [request for request in upstream.since(mark) if request.path == path]
    return call


@pytest.mark.parametrize("client", DIALECTS)
def test_keepalives_while_waiting_for_the_first_token(client: Dialect, tight_gateway: Gateway,
                                                      upstream: FakeUpstream) -> None:
    mark = upstream.mark()
    with ThreadPoolExecutor(len(DIALECTS)) as pool:
        answers = dict(zip(DIALECTS, pool.map(lambda dialect: _call(tight_gateway, client, dialect), DIALECTS),
                           strict=True))
    for upstream_dialect, answer in answers.items():
        times = _keepalives(client, upstream_dialect, answer)
        expected = int(QUIET_WINDOW / KEEPALIVE_SECONDS) - 1
        assert len(times) >= expected, (upstream_dialect, times, answer.content[:300])
        assert times[0] <= KEEPALIVE_SECONDS * 2, f"first keepalive only after {times[0]:.2f}s"
        call = _served(upstream, mark, PATHS[upstream_dialect])
        relayed = relayed_payloads(call.answer) if client == upstream_dialect else None
        events = check_stream(client, answer, relayed)
        assert of_events(client, events).text == of_answer(upstream_dialect, call.answer).text
