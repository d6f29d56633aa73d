"""Streams go out event by event as the upstream produces them, in every pair: while the upstream pauses in
the middle of its answer, the client already holds the first half."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx2
import pytest

from tests.e2e.conformance import check_stream, relayed_payloads
from tests.e2e.outcome import of_answer, of_events
from tests.e2e.wire import PATHS, RawAnswer, events, parse_sse, post, request_body
from tests.gateway import Gateway
from tests.upstream import DIALECTS, MID_STREAM_PAUSE_SECONDS, Dialect, FakeUpstream


def _text_before(client: Dialect, answer: RawAnswer, seconds: float) -> str:
    """The answer text the client could read from what arrived in the first ``seconds``."""
    early = b"".join(chunk for at, chunk in answer.chunk_times if at < seconds)
    complete = early[: early.rfind(b"\n\n") + 2] if b"\n\n" in early else b""
    return of_events(client, events(parse_sse(complete))).text


@pytest.mark.parametrize("client", DIALECTS)
def test_first_half_arrives_before_the_upstream_finishes(client: Dialect, gateway: Gateway,
                                                         upstream: FakeUpstream) -> None:
    def call(upstream_dialect: Dialect) -> RawAnswer:
        with httpx2.Client(base_url=gateway.url, timeout=30) as http:
            return post(http, client, request_body(client, f"{upstream_dialect}/paused", stream=True))

    mark = upstream.mark()
    with ThreadPoolExecutor(len(DIALECTS)) as pool:
        answers = dict(zip(DIALECTS, pool.map(call, DIALECTS), strict=True))
    received = upstream.since(mark)
    for upstream_dialect, answer in answers.items():
        (served,) = [request for request in received if request.path == PATHS[upstream_dialect]]
        relayed = relayed_payloads(served.answer) if client == upstream_dialect else None
        full = of_events(client, check_stream(client, answer, relayed)).text
        assert full == of_answer(upstream_dialect, served.answer).text
        early = _text_before(client, answer, MID_STREAM_PAUSE_SECONDS * 0.75)
        assert early, f"via {upstream_dialect}: nothing reached the client before the upstream's pause"
        assert full.startswith(early) and len(early) < len(full), (upstream_dialect, early)
        assert answer.chunk_times[-1][0] >= MID_STREAM_PAUSE_SECONDS, "the pause happened upstream"
