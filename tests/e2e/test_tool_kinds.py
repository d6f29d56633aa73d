"""Tool kinds beyond functions. Custom (free-form) tools, as Codex declares ``apply_patch``: carried as custom
tools where the upstream has them, else as a function with one string ``input`` whose call comes back to the
client as a custom call with the raw input. Built-in tools (Responses ``web_search``, Anthropic server tools):
only to their own dialect; elsewhere refused with a 400 naming ``tools[i]``, or dropped when the deployment
sets ``drop_unsupported_tools``."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest

from tests.e2e.calls import calls_of_events, calls_of_json, calls_served
from tests.e2e.conformance import check_answer, check_error_body, check_upstream_request
from tests.e2e.exchange import Result, follow_up
from tests.e2e.matrix import only_call
from tests.e2e.round_trip import assert_results_paired
from tests.e2e.tooling import WEATHER, tool_wire
from tests.e2e.translation import mentions
from tests.e2e.wire import post, request_body
from tests.paths import FIXTURES
from tests.upstream import DIALECTS, Dialect, FakeUpstream
from tests.upstream.custom_variants import PATCH


def _codex_tools() -> dict[str, dict[str, Any]]:
    capture = json.loads((FIXTURES / "clients" / "codex.example-request.json").read_text())
    body = capture["body"] if isinstance(capture["body"], dict) else json.loads(capture["body"])
    return {tool.get("name", tool["type"]): tool for tool in body["tools"]}


CODEX = _codex_tools()
APPLY_PATCH = CODEX["apply_patch"]
GRAMMAR = APPLY_PATCH["format"]
CUSTOM: dict[Dialect, dict[str, Any]] = {
    "responses": APPLY_PATCH,
    "chat": {"type": "custom", "custom": {"name": "apply_patch", "description": APPLY_PATCH["description"],
                                          "format": {"type": "grammar", "grammar": {
                                              "syntax": GRAMMAR["syntax"], "definition": GRAMMAR["definition"]}}}},
}


def assert_custom_tool_received(upstream_dialect: Dialect, sent: dict[str, Any]) -> None:
    (tool,) = sent["tools"]
    if upstream_dialect == "anthropic":
        assert tool["name"] == "apply_patch"
        schema = tool["input_schema"]
        assert schema.get("type") == "object" and list(schema["properties"]) == ["input"], schema
        assert schema["properties"]["input"]["type"] == "string" and schema.get("required") == ["input"], schema
        assert APPLY_PATCH["description"] in tool.get("description", ""), tool
        assert mentions(tool, GRAMMAR["definition"]), "the grammar must reach the model in some form"
    elif upstream_dialect == "responses":
        assert tool == {**APPLY_PATCH, **({"format": tool["format"]} if "format" in tool else {})}
        assert tool["format"]["definition"] == GRAMMAR["definition"], tool
    else:
        assert tool["type"] == "custom", f"chat has custom tools; the tool goes as one: {tool}"
        assert tool["custom"]["name"] == "apply_patch" and tool["custom"]["description"] == APPLY_PATCH["description"]
        assert tool["custom"]["format"]["grammar"]["definition"] == GRAMMAR["definition"], tool


@pytest.mark.parametrize("upstream_dialect", DIALECTS)
@pytest.mark.parametrize("client", ["chat", "responses"])
def test_custom_tool_definition(client: Dialect, upstream_dialect: Dialect, http: httpx2.Client,
                                upstream: FakeUpstream) -> None:
    mark = upstream.mark()
    answer = post(http, client, request_body(client, f"{upstream_dialect}/text", tools=[CUSTOM[client]]))
    call = only_call(upstream, mark, upstream_dialect)
    check_answer(client, answer, call.answer if client == upstream_dialect else None)
    if client != upstream_dialect:
        check_upstream_request(upstream_dialect, call.json)
    assert_custom_tool_received(upstream_dialect, call.json)


def _custom_cases() -> list[Any]:
    cases = [("responses", upstream, stream) for upstream in DIALECTS for stream in (False, True)]
    cases += [("chat", upstream, False) for upstream in DIALECTS]
    return [pytest.param(*case, id=f"{case[0]}-via-{case[1]}-{'stream' if case[2] else 'json'}") for case in cases]


@pytest.mark.parametrize(("client", "upstream_dialect", "stream"), _custom_cases())
def test_custom_tool_call_round_trip(client: Dialect, upstream_dialect: Dialect, stream: bool, http: httpx2.Client,
                                     upstream: FakeUpstream) -> None:
    """The model calls ``apply_patch``: the client gets a custom call carrying the raw patch (streamed as
    ``response.custom_tool_call_input.*`` to Responses), sends it back with its output, and the upstream
    gets its own call back (as it made it) and the output paired by id."""
    mark = upstream.mark()
    answer = post(http, client, request_body(client, f"{upstream_dialect}/custom-tool-call", stream=stream,
                                             tools=[CUSTOM[client]]))
    first = only_call(upstream, mark, upstream_dialect)
    checked = check_answer(client, answer, first.answer if client == upstream_dialect else None)
    got = calls_of_events(client, checked) if stream else calls_of_json(client, checked)
    served = calls_served(upstream_dialect, first.answer)
    assert [(call.kind, call.name, call.arguments) for call in got] == [("custom", "apply_patch", PATCH)], got
    assert got[0].id == served[0].id
    if stream:
        kinds = [event.json["type"] for event in checked]
        assert "response.custom_tool_call_input.delta" in kinds and "response.custom_tool_call_input.done" in kinds
        assert "response.function_call_arguments.delta" not in kinds, kinds
    results = [Result(got[0].id, "Done! Added hello.txt")]
    mark = upstream.mark()
    second = post(http, client, follow_up(client, f"{upstream_dialect}/text", got, results, tools=[CUSTOM[client]]))
    call = only_call(upstream, mark, upstream_dialect)
    check_answer(client, second, call.answer if client == upstream_dialect else None)
    assert_results_paired(client, upstream_dialect, call.json, served, results)


# --- built-in tools ----------------------------------------------------------------------------------------

ANTHROPIC_WEB_SEARCH = {"type": "web_search_20250305", "name": "web_search", "max_uses": 3}
BUILTIN: dict[Dialect, list[tuple[str, dict[str, Any]]]] = {
    "responses": [("web_search", CODEX["web_search"])],
    "anthropic": [("web_search", ANTHROPIC_WEB_SEARCH)],
}
BUILTIN_CASES = [pytest.param(client, upstream, wire, id=f"{client}-{name}-via-{upstream}")
                 for client, tools in BUILTIN.items() for name, wire in tools
                 for upstream in DIALECTS if upstream != client]


@pytest.mark.parametrize(("client", "upstream_dialect", "builtin"), BUILTIN_CASES)
def test_builtin_tool_refused_naming_it(client: Dialect, upstream_dialect: Dialect, builtin: dict[str, Any],
                                        http: httpx2.Client, upstream: FakeUpstream) -> None:
    mark = upstream.mark()
    answer = post(http, client, request_body(client, f"{upstream_dialect}/text",
                                             tools=[tool_wire(client, WEATHER), builtin]))
    assert answer.status == 400, answer.content[:500]
    body = answer.json()
    check_error_body(client, body)
    error = body["error"]
    assert "tools[1]" in f"{error.get('param')} {error['message']}", error
    assert upstream.since(mark) == [], "a refused request must not reach the upstream"


@pytest.mark.parametrize(("client", "upstream_dialect", "builtin"), BUILTIN_CASES)
def test_builtin_tool_dropped_when_configured(client: Dialect, upstream_dialect: Dialect, builtin: dict[str, Any],
                                              http: httpx2.Client, upstream: FakeUpstream) -> None:
    mark = upstream.mark()
    answer = post(http, client, request_body(client, f"drop-tools/{upstream_dialect}",
                                             tools=[tool_wire(client, WEATHER), builtin]))
    check_answer(client, answer)
    sent = only_call(upstream, mark, upstream_dialect).json
    check_upstream_request(upstream_dialect, sent)
    names = [tool.get("name") or (tool.get("function") or {}).get("name") for tool in sent["tools"]]
    assert names == [WEATHER.name], sent["tools"]


@pytest.mark.parametrize("client", ["responses", "anthropic"])
def test_builtin_tool_carried_to_its_own_dialect(client: Dialect, http: httpx2.Client, upstream: FakeUpstream) -> None:
    tools = [tool_wire(client, WEATHER), BUILTIN[client][0][1]]
    for model in (f"{client}/text", f"drop-tools/{client}"):
        mark = upstream.mark()
        answer = post(http, client, request_body(client, model, tools=tools))
        call = only_call(upstream, mark, client)
        check_answer(client, answer, call.answer)
        assert call.json["tools"] == tools


@pytest.mark.parametrize("upstream_dialect", ["chat", "anthropic"])
@pytest.mark.parametrize("kind", ["tool_search", "namespace"])
def test_codex_tool_kinds_never_silently_lost(kind: str, upstream_dialect: Dialect, http: httpx2.Client,
                                              upstream: FakeUpstream) -> None:
    """Codex's ``tool_search`` and a ``namespace`` of functions: carried (as the functions they stand for)
    or refused naming ``tools[1]``; never left out without a word."""
    namespace = {"type": "namespace", "name": "crm", "description": "Customer records",
                 "tools": [{"type": "function", "name": "find_customer", "description": "Find one",
                            "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
                            "strict": False}]}
    extra = CODEX["tool_search"] if kind == "tool_search" else namespace
    mark = upstream.mark()
    answer = post(http, "responses", request_body("responses", f"{upstream_dialect}/text",
                                                  tools=[tool_wire("responses", WEATHER), extra]))
    if answer.status == 400:
        error = answer.json()["error"]
        assert "tools[1]" in f"{error.get('param')} {error['message']}", error
        assert upstream.since(mark) == []
        return
    check_answer("responses", answer)
    sent = only_call(upstream, mark, upstream_dialect).json
    check_upstream_request(upstream_dialect, sent)
    wanted = "tool_search" if kind == "tool_search" else "find_customer"
    assert len(sent["tools"]) == 2 and wanted in json.dumps(sent["tools"][1]), sent["tools"]
