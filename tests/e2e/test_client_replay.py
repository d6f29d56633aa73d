"""Replay what real clients sent (../shared/fixtures/clients) at the gateway, against a same-dialect upstream:
every request is answered, and the upstream receives the client's body intact with only the model renamed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.e2e.conformance import check_body, check_error_body, check_stream, relayed_payloads
from tests.e2e.matrix import expected_upstream_body
from tests.e2e.wire import RawAnswer
from tests.gateway import CLIENT_KEY
from tests.paths import FIXTURES
from tests.upstream import Dialect, FakeUpstream

CLIENTS = FIXTURES / "clients"
DROPPED_HEADERS = {"host", "content-length", "connection", "accept-encoding", "transfer-encoding"}
DIALECT_BY_PATH: dict[str, Dialect] = {"/v1/chat/completions": "chat", "/v1/responses": "responses",
                                       "/v1/messages": "anthropic", "/v1/messages/count_tokens": "anthropic"}


def _captured(name: str) -> list[dict[str, Any]]:
    path = CLIENTS / name
    if path.suffix == ".json":
        loaded = json.loads(path.read_text())
        return loaded if isinstance(loaded, list) else [loaded]
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _headers(recorded: list[list[str]]) -> dict[str, str]:
    return {name: value.replace("<API_KEY>", CLIENT_KEY) for name, value in recorded
            if name.lower() not in DROPPED_HEADERS}


def _body(request: dict[str, Any]) -> dict[str, Any] | None:
    body = request["body"]
    parsed: dict[str, Any] | None = (json.loads(body) if body else None) if isinstance(body, str) else body
    return parsed


def _cases() -> list[Any]:
    cases = []
    # (The *-tool-followup.json files are excerpts; the whole follow-up requests are in the .jsonl files.)
    for name in ("claude-code.example-request.json", "claude-code.example-count-tokens.json",
                 "claude-code.requests.jsonl", "anthropic-python.requests.jsonl", "openai-python.requests.jsonl",
                 "aider.requests.jsonl", "codex.example-request.json", "codex.requests.jsonl"):
        for index, request in enumerate(_captured(name)):
            label = f"{Path(name).stem}-{index}-{request['method']}-{request['path']}"
            cases.append(pytest.param(request, id=label))
    return cases


def _replay_post(request: dict[str, Any], http: httpx2.Client, upstream: FakeUpstream) -> None:
    dialect = DIALECT_BY_PATH[request["path"]]
    body = _body(request)
    assert isinstance(body, dict)
    body["model"] = f"{dialect}/text"
    query = f"?{request['query']}" if request["query"] else ""
    mark = upstream.mark()
    response = http.post(request["path"] + query, content=json.dumps(body), headers=_headers(request["headers"]))
    (call,) = upstream.since(mark)
    assert call.path == request["path"]
    assert call.json == expected_upstream_body(dialect, body, "text"), "the upstream got the body altered"
    answer = RawAnswer(response.status_code, response.headers, response.content)
    assert answer.status == 200, answer.content[:500]
    if request["path"].endswith("/count_tokens"):
        assert answer.json() == call.answer.json()  # type: ignore[union-attr]
    elif body.get("stream"):
        check_stream(dialect, answer, relayed_payloads(call.answer))
    else:
        check_body(dialect, answer, call.answer.json())  # type: ignore[union-attr]


@pytest.mark.parametrize("request_", _cases())
def test_replay_captured_request(request_: dict[str, Any], http: httpx2.Client, upstream: FakeUpstream) -> None:
    method, path = request_["method"], request_["path"]
    headers = _headers(request_["headers"])
    if method == "POST":
        _replay_post(request_, http, upstream)
    elif method == "HEAD":
        assert http.head(path, headers=headers).status_code == 200
    elif headers.get("Upgrade", headers.get("upgrade", "")).lower() == "websocket":
        response = http.get(path, headers=headers)
        assert response.status_code == 426, response.text[:300]
        check_error_body("responses", response.json())
    elif path == "/v1/models":
        response = http.get(path, headers=headers)
        assert response.status_code == 200
        listed = response.json()
        assert "chat/text" in [model["id"] for model in listed["data"]]
        anthropic_shape = any(name.lower() == "anthropic-version" for name in headers)
        assert ("has_more" in listed) is anthropic_shape and ("object" in listed) is not anthropic_shape
    else:
        assert path == "/v1/models/test-model", path
        response = http.get(path, headers=headers)
        assert response.status_code == 404
        anthropic_shape = any(name.lower() == "anthropic-version" for name in headers)
        check_error_body("anthropic" if anthropic_shape else "chat", response.json())
