"""Replay every request Claude Code and Codex were captured sending (../shared/fixtures/clients), tool
follow-ups included, at dragoman in front of upstreams of the other dialects: Claude Code's (Anthropic
Messages) to a Chat Completions and to a Responses upstream, Codex's (Responses) to a Chat Completions and to
an Anthropic upstream. Each must be accepted, the upstream must receive a request its real provider would
accept that says what the client said (``faithful.py``), and the client must get a valid answer in its own
dialect carrying the upstream's text. Token counts for an upstream that cannot count are local estimates.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from tests.clients.captures import Captured, posts
from tests.clients.faithful import check_translation
from tests.clients.provider_rules import violations
from tests.clients.streamed import check_client_stream, payloads, text_of_stream
from tests.gateway import Gateway, model_entry
from tests.upstream import DIALECTS, Dialect, FakeUpstream, Stream

UPSTREAM_PATHS: dict[Dialect, str] = {"chat": "/v1/chat/completions", "responses": "/v1/responses",
                                      "anthropic": "/v1/messages"}
CAPTURES: dict[str, tuple[Dialect, tuple[Dialect, ...]]] = {
    "claude-code.requests.jsonl": ("anthropic", ("chat", "responses")),
    "codex.requests.jsonl": ("responses", ("chat", "anthropic")),
}


def _cases() -> Iterator[Any]:
    for name, (client, upstreams) in CAPTURES.items():
        for captured in posts(name):
            for upstream_dialect in upstreams:
                yield pytest.param(client, captured, upstream_dialect,
                                   id=f"{name.split('.')[0]}-{captured.label}-via-{upstream_dialect}")


@pytest.fixture(scope="module")
def replay_gateway(upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """One deployment per upstream dialect, answering with the recorded text, dropping built-in tools."""
    models = [model_entry(dialect, "text", upstream.url, name=f"replay/{dialect}", drop_unsupported_tools=True)
              for dialect in DIALECTS]
    gateway = Gateway(tmp_path_factory.mktemp("replay"), {"models": models}, name="replay-gateway")
    gateway.start()
    try:
        yield gateway
    finally:
        gateway.stop()
    assert "Traceback (most recent call last)" not in gateway.output(), gateway.output()[-5000:]


@pytest.fixture(scope="module")
def replay_http(replay_gateway: Gateway) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=replay_gateway.url, timeout=30) as client:
        yield client


def _send(http: httpx2.Client, captured: Captured, body: dict[str, Any]) -> httpx2.Response:
    query = f"?{captured.query}" if captured.query else ""
    return http.post(captured.path + query, content=json.dumps(body), headers=captured.replay_headers())


@pytest.mark.parametrize(("client", "captured", "upstream_dialect"), list(_cases()))
def test_captured_request_through_another_dialect(client: Dialect, captured: Captured, upstream_dialect: Dialect,
                                                   replay_http: httpx2.Client, upstream: FakeUpstream) -> None:
    assert captured.body is not None
    sent = {**captured.body, "model": f"replay/{upstream_dialect}"}
    mark = upstream.mark()
    response = _send(replay_http, captured, sent)
    calls = upstream.since(mark)
    if captured.path.endswith("/count_tokens"):
        assert response.status_code == 200, response.text[:2000]
        assert response.headers.get("x-dragoman-token-count") == "estimated"
        assert isinstance(response.json()["input_tokens"], int) and response.json()["input_tokens"] > 0
        assert calls == [], "a count for an upstream that cannot count is local"
        return
    assert response.status_code == 200, f"{captured.client} refused: {response.text[:2000]}"
    (call,) = calls
    assert call.path == UPSTREAM_PATHS[upstream_dialect], call.path
    problems = violations(upstream_dialect, call.json)
    assert not problems, f"the real {upstream_dialect} API would refuse this:\n" + "\n".join(problems[:10])
    check_translation(client, captured.body, upstream_dialect, call.json)

    assert sent.get("stream") is True, "both CLIs always stream"
    parsed = check_client_stream(client, response.content)
    assert isinstance(call.answer, Stream)
    served = text_of_stream(upstream_dialect, payloads(call.answer.content))
    assert served and text_of_stream(client, parsed) == served
