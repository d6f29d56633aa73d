"""Replay what Claude Code and Codex really sent (../shared/fixtures/clients) at upstreams of the other
dialects: every request is answered in the client's grammar, the upstream gets a request valid in its own
dialect with every tool and turn, built-in tools dropped only where the deployment says so, and none of the
proofs these clients send back (Claude Code's thinking signature, Codex's encrypted reasoning)."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest

from tests.e2e.conformance import check_stream, check_upstream_request
from tests.e2e.exchange import received_exchange
from tests.e2e.matrix import only_call
from tests.e2e.test_client_replay import _body, _captured, _headers
from tests.e2e.tooling import received_tools
from tests.e2e.wire import RawAnswer
from tests.upstream import Dialect, FakeUpstream

CLAUDE_CODE_SIGNATURE = "capture-server-fake-signature"
CODEX_ENCRYPTED = "capture-server-fake-encrypted-reasoning"
BUILTIN = {"web_search", "tool_search", "namespace"}


def _posts(name: str, path: str) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for index, request in enumerate(_captured(name)):
        if request["method"] == "POST" and request["path"] == path:
            found.append((f"{request.get('client', 'request')}-{index}", request))
    return found


CLAUDE_CODE = _posts("claude-code.requests.jsonl", "/v1/messages")
CODEX = _posts("codex.requests.jsonl", "/v1/responses")


def _replay(http: httpx2.Client, upstream: FakeUpstream, request: dict[str, Any], model: str,
            upstream_dialect: Dialect, *, forwarded: bool = True) -> tuple[RawAnswer, dict[str, Any], dict[str, Any]]:
    body = _body(request)
    assert isinstance(body, dict)
    body["model"] = model
    query = f"?{request['query']}" if request["query"] else ""
    mark = upstream.mark()
    response = http.post(request["path"] + query, content=json.dumps(body), headers=_headers(request["headers"]))
    answer = RawAnswer(response.status_code, response.headers, response.content)
    if answer.status != 200 or not forwarded:
        return answer, body, {}
    sent: dict[str, Any] = only_call(upstream, mark, upstream_dialect).json
    check_upstream_request(upstream_dialect, sent)
    return answer, body, sent


@pytest.mark.parametrize("upstream_dialect", ["chat", "responses"])
@pytest.mark.parametrize("request_", [pytest.param(request, id=label) for label, request in CLAUDE_CODE])
def test_claude_code_to_openai_upstreams(request_: dict[str, Any], upstream_dialect: Dialect, http: httpx2.Client,
                                         upstream: FakeUpstream) -> None:
    answer, body, sent = _replay(http, upstream, request_, f"{upstream_dialect}/text", upstream_dialect)
    check_stream("anthropic", answer)
    assert [tool.name for tool in received_tools(upstream_dialect, sent)] == [tool["name"] for tool in body["tools"]]
    assert CLAUDE_CODE_SIGNATURE not in json.dumps(sent), "Claude Code's thinking signature reached OpenAI"
    uses = [block["id"] for message in body["messages"] if isinstance(message["content"], list)
            for block in message["content"] if block.get("type") == "tool_use"]
    exchange = received_exchange(upstream_dialect, sent)
    assert [call.id for call in exchange.calls] == uses
    assert [result.call_id for result in exchange.results] == uses


def _codex_client_tools(body: dict[str, Any]) -> list[str]:
    return [tool["name"] for tool in body.get("tools", []) if tool["type"] not in BUILTIN]


@pytest.mark.parametrize("upstream_dialect", ["chat", "anthropic"])
@pytest.mark.parametrize("request_", [pytest.param(request, id=label) for label, request in CODEX])
def test_codex_to_other_upstreams(request_: dict[str, Any], upstream_dialect: Dialect, http: httpx2.Client,
                                  upstream: FakeUpstream) -> None:
    """Through a ``drop_unsupported_tools`` deployment: Codex's functions and ``apply_patch`` arrive, its
    ``web_search`` and ``tool_search`` are dropped; the reasoning it hands back does not."""
    answer, body, sent = _replay(http, upstream, request_, f"drop-tools/{upstream_dialect}", upstream_dialect)
    check_stream("responses", answer)
    names = [tool.get("name") or (tool.get("function") or tool.get("custom") or {}).get("name")
             for tool in sent.get("tools", [])]
    assert names == _codex_client_tools(body), names
    assert CODEX_ENCRYPTED not in json.dumps(sent), "Codex's encrypted reasoning reached another vendor"
    calls = [item["call_id"] for item in body["input"] if item.get("type") == "function_call"]
    exchange = received_exchange(upstream_dialect, sent)
    assert [result.call_id for result in exchange.results] == [call.id for call in exchange.calls]
    assert len(exchange.calls) == len(calls)


@pytest.mark.parametrize("upstream_dialect", ["chat", "anthropic"])
def test_codex_builtin_tools_refused_without_the_option(upstream_dialect: Dialect, http: httpx2.Client,
                                                        upstream: FakeUpstream) -> None:
    label, request = next((label, request) for label, request in CODEX if _body(request).get("tools"))  # type: ignore[union-attr]
    answer, body, _ = _replay(http, upstream, request, f"{upstream_dialect}/text", upstream_dialect)
    assert answer.status == 400, (label, answer.content[:300])
    error = answer.json()["error"]
    builtin_at = [index for index, tool in enumerate(body["tools"]) if tool["type"] in BUILTIN]
    assert f"tools[{builtin_at[0]}]" in f"{error.get('param')} {error['message']}", error


@pytest.mark.parametrize("request_", [pytest.param(request, id=label) for label, request in
                                      _posts("claude-code.requests.jsonl", "/v1/messages/count_tokens")])
def test_claude_code_token_counts_for_a_chat_model(request_: dict[str, Any], http: httpx2.Client,
                                                  upstream: FakeUpstream) -> None:
    mark = upstream.mark()
    answer, _, _ = _replay(http, upstream, request_, "chat/text", "chat", forwarded=False)
    assert answer.status == 200, answer.content[:300]
    assert answer.headers.get("x-dragoman-token-count") == "estimated"
    assert json.loads(answer.content)["input_tokens"] > 0
    assert upstream.since(mark) == []
