"""The faithfulness checks of the replays, checked on their own: the captured bodies pass against themselves
(the identity translation), and each kind of loss the checks exist for is caught."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tests.clients.captures import body_of, posts
from tests.clients.faithful import check_proofs, check_reasoning, check_translation, in_order
from tests.clients.upstream_view import read
from tests.upstream import Dialect

CLAUDE = [request.body for request in posts("claude-code.requests.jsonl")
          if request.path == "/v1/messages" and request.body is not None]
CODEX = [request.body for request in posts("codex.requests.jsonl") if request.body is not None]
BUILT_IN = {"web_search", "tool_search", "namespace"}


def _without_built_ins(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "tools": [tool for tool in body.get("tools") or [] if tool["type"] not in BUILT_IN]}


@pytest.mark.parametrize("body", CLAUDE, ids=lambda body: str(len(body["messages"])))
def test_claude_code_bodies_are_faithful_to_themselves(body: dict[str, Any]) -> None:
    check_translation("anthropic", body, "anthropic", copy.deepcopy(body))


@pytest.mark.parametrize("body", CODEX, ids=lambda body: str(len(body["input"])))
def test_codex_bodies_without_built_in_tools_are_faithful_to_themselves(body: dict[str, Any]) -> None:
    check_translation("responses", body, "responses", _without_built_ins(copy.deepcopy(body)))


def test_the_captured_round_trips_are_read_as_calls_and_results() -> None:
    claude = read("anthropic", _round_trip())
    assert [(call.name, call.arguments["command"]) for call in claude.calls] == [("Bash", "echo hi-from-tool")]
    assert [(result.call_id, result.text) for result in claude.results] == [(claude.calls[0].id, "hi-from-tool")]
    assert claude.proofs == ["capture-server-fake-signature"] and claude.effort == "high" and claude.adaptive
    codex = read("responses", body_of("codex.requests.jsonl", "codex-tool-roundtrip", 1))
    assert [(call.name, call.arguments) for call in codex.calls] == [("exec_command", {"cmd": "echo hi-from-tool"})]
    assert codex.results[0].call_id == codex.calls[0].id and "hi-from-tool" in codex.results[0].text
    assert codex.proofs == ["capture-server-fake-encrypted-reasoning"] and codex.effort == "medium"
    assert codex.tool("apply_patch").kind == "custom" and codex.tool("exec_command").kind == "function"


def _round_trip() -> dict[str, Any]:
    return body_of("claude-code.requests.jsonl", "cc-tool-roundtrip", 1)


def _drop_tool(body: dict[str, Any]) -> None:
    body["tools"].pop(1)


def _rename_result(body: dict[str, Any]) -> None:
    body["messages"][-1]["content"][0]["tool_use_id"] = "toolu_other"


def _change_schema(body: dict[str, Any]) -> None:
    body["tools"][0]["input_schema"] = {"type": "object"}


def _lose_system(body: dict[str, Any]) -> None:
    body["system"] = body["system"][:1]


def _change_effort(body: dict[str, Any]) -> None:
    body["output_config"] = {"effort": "low"}


def _change_arguments(body: dict[str, Any]) -> None:
    body["messages"][2]["content"][2]["input"] = {"command": "rm -rf /"}


def _add_tool(body: dict[str, Any]) -> None:
    body["tools"].append({"name": "Invented", "input_schema": {"type": "object"}})


def _change_result(body: dict[str, Any]) -> None:
    body["messages"][-1]["content"][0]["content"] = "something else"


def _drop_turn(body: dict[str, Any]) -> None:
    body["messages"][0]["content"] = body["messages"][0]["content"][:1]


@pytest.mark.parametrize(("change", "named"), [
    (_drop_tool, "was not sent upstream"), (_rename_result, "paired with"), (_change_schema, "schema changed"),
    (_lose_system, "system/developer text lost"), (_change_effort, "effort 'high'"),
    (_change_arguments, "tool calls changed"), (_add_tool, "never sent"), (_change_result, "result text changed"),
    (_drop_turn, "user text lost"),
])
def test_each_loss_is_caught(change: Callable[[dict[str, Any]], None], named: str) -> None:
    sent = _round_trip()
    received = copy.deepcopy(sent)
    change(received)
    with pytest.raises(AssertionError, match=named):
        check_translation("anthropic", sent, "anthropic", received)


@pytest.mark.parametrize(("upstream", "received", "named"), [
    ("anthropic", {"thinking": {"type": "enabled", "budget_tokens": 8192}}, None),
    ("anthropic", {"thinking": {"type": "adaptive"}, "output_config": {"effort": "medium"}}, None),
    ("anthropic", {"thinking": {"type": "enabled", "budget_tokens": 4096}}, "budget_tokens 8192"),
    ("chat", {"reasoning_effort": "medium"}, None),
    ("chat", {}, "as None"),
])
def test_effort_follows_the_table(upstream: Dialect, received: dict[str, Any], named: str | None) -> None:
    sent = {"model": "m", "input": "hi", "reasoning": {"effort": "medium"}}
    body = {"model": "m", "max_tokens": 20000, "messages": [{"role": "user", "content": "hi"}], **received}
    if upstream == "chat":
        body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], **received}
    if named is None:
        check_translation("responses", sent, upstream, body)
    else:
        with pytest.raises(AssertionError, match=named):
            check_translation("responses", sent, upstream, body)


def test_foreign_proofs_must_not_reach_the_upstream() -> None:
    leaked = {"model": "m", "messages": [{"role": "assistant", "content": "x",
                                          "reasoning_content": "capture-server-fake-signature"}]}
    with pytest.raises(AssertionError, match="capture-server-fake-signature"):
        check_proofs(read("anthropic", _round_trip()), leaked)
    check_proofs(read("anthropic", _round_trip()), {"model": "m", "messages": []})


def test_in_order() -> None:
    assert in_order(["a", "c"], "a b c") is None
    assert in_order(["c", "a"], "a b c") == "a"


def test_no_thinking_expected_when_the_answered_tool_turn_is_unsigned() -> None:
    sent = body_of("codex.requests.jsonl", "codex-tool-roundtrip", 1)
    unsigned = {"model": "m", "max_tokens": 8192, "messages": [
        {"role": "user", "content": "run echo hi-from-tool"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "exec_command", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "hi"}]}]}
    check_reasoning("responses", sent, "anthropic", unsigned, read("anthropic", unsigned))
    thinking = {**unsigned, "max_tokens": 12288, "thinking": {"type": "enabled", "budget_tokens": 8192}}
    with pytest.raises(AssertionError):
        check_reasoning("responses", sent, "anthropic", thinking, read("anthropic", thinking))
