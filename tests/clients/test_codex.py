"""Codex CLI 0.169.0 (the real CLI, custom provider with ``wire_api = "responses"``) through dragoman to an
Anthropic Messages upstream (the issue's case) and to an OpenAI Chat Completions upstream, with one shell tool
round trip: the upstream asks for ``exec_command`` with ``echo hi-from-tool``, Codex runs it, the next request
carries the output, the final text quoting it is printed.

Codex offers Responses built-in tools (``web_search``, ``tool_search``) that neither upstream can take; the
deployment sets ``drop_unsupported_tools: true``, so they are left out instead of refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.clients import upstream_view
from tests.clients.captures import body_of
from tests.clients.report import dump, failure_report
from tests.clients.runs import run_codex
from tests.clients.scripted import FINAL_PREFIX, MARKER, ScriptedUpstream, ToolRoundTrip, last_turn
from tests.clients.serving import serving

pytestmark = pytest.mark.slow

MODEL = "gpt-5.5"  # what the captures asked for; Codex picks its tool set (custom apply_patch …) by model name
UPSTREAM_MODEL = "claude-e2e"
PROMPT = f"Run `echo {MARKER}` with your shell tool, then tell me exactly what it printed."
SHELL_INPUT = {"cmd": f"echo {MARKER}"}
CAPTURED = body_of("codex.requests.jsonl", "codex-tool-roundtrip")
BUILT_IN = {"web_search", "tool_search", "namespace"}


def _turn(upstream: ScriptedUpstream, wanted: str) -> dict[str, Any]:
    bodies: list[dict[str, Any]] = [request.json for request in upstream.requests if request.path == "/v1/messages"]
    matching = [body for body in bodies if last_turn("anthropic", body, MARKER)[0] == wanted]
    assert matching, f"no upstream request whose last message is the {wanted}"
    return matching[0]


def _system_text(body: dict[str, Any]) -> str:
    return "\n".join(upstream_view.read("anthropic", body).instructions)


def test_codex_runs_a_shell_command_through_an_anthropic_upstream(codex_binary: Path, tmp_path: Path) -> None:
    script = ToolRoundTrip(MARKER, "exec_command", SHELL_INPUT)
    with serving(script, tmp_path / "gateway", "anthropic", name=MODEL, upstream_model=UPSTREAM_MODEL,
                 drop_unsupported_tools=True) as (upstream, gateway):
        (tmp_path / "work").mkdir()
        run = run_codex(codex_binary, PROMPT, home=tmp_path / "home", cwd=tmp_path / "work",
                        gateway_url=gateway.url, model=MODEL)
        report = failure_report(run, upstream, gateway)
    assert not upstream.refused(), f"the upstream refused what dragoman sent:\n{report}"
    assert run.returncode == 0, report
    assert f"{FINAL_PREFIX} {MARKER}" in run.stdout, report

    first, second = _turn(upstream, "prompt"), _turn(upstream, "result")
    assert first["model"] == UPSTREAM_MODEL and first["stream"] is True and first["max_tokens"] > 0

    # Function tools with their parameters as input_schema; apply_patch (custom) as a function taking one
    # string `input`; the built-in tools dropped.
    sent = upstream_view.read("anthropic", first)
    captured = {tool["name"]: tool for tool in CAPTURED["tools"] if tool["type"] in ("function", "custom")}
    assert {tool.name for tool in sent.tools} == set(captured), [tool.name for tool in sent.tools]
    assert not any(tool.kind in BUILT_IN for tool in sent.tools)
    for tool in sent.tools:
        assert tool.kind == "function", tool
        if captured[tool.name]["type"] == "function":
            assert tool.schema == captured[tool.name]["parameters"], tool.name
    patch = sent.tool("apply_patch").schema
    assert patch["type"] == "object" and patch["required"] == ["input"], patch
    assert list(patch["properties"]) == ["input"] and patch["properties"]["input"]["type"] == "string", patch

    # The developer instructions hoisted into `system`; no system or developer role left in `messages`.
    assert "You are Codex" in _system_text(first), dump(first.get("system"))
    assert {message["role"] for message in first["messages"]} <= {"user", "assistant"}
    assert any(PROMPT in text for role, texts in sent.turns if role == "user" for text in texts)

    # The second turn: tool_use as the upstream issued it, then its tool_result with the command's real output.
    history = upstream_view.read("anthropic", second)
    (call,) = history.calls
    assert call.name == "exec_command" and call.arguments == SHELL_INPUT, call
    assert script.issued_calls == [call.id], f"the tool_use id the upstream issued did not come back: {call}"
    (result,) = history.results
    assert result.call_id == call.id and not result.is_error, result
    assert MARKER in result.text.splitlines() and "exited with code 0" in result.text, result.text
    assistant, user = second["messages"][-2:]
    assert [block["type"] for block in assistant["content"]][-1] == "tool_use", dump(assistant)
    assert user["content"][0]["type"] == "tool_result", dump(user)
    if first.get("thinking", {}).get("type") in ("enabled", "adaptive"):
        # Claude thought before calling the tool; that thinking block (and its signature) must come back.
        assert assistant["content"][0]["type"] == "thinking", dump(assistant)
        assert assistant["content"][0]["signature"] in script.issued_signatures


def test_codex_runs_a_shell_command_through_a_chat_upstream(codex_binary: Path, tmp_path: Path) -> None:
    """The same round trip to an OpenAI Chat Completions upstream (vLLM, Ollama … speak only this)."""
    script = ToolRoundTrip(MARKER, "exec_command", SHELL_INPUT)
    with serving(script, tmp_path / "gateway", "chat", name=MODEL, upstream_model="gpt-e2e",
                 drop_unsupported_tools=True) as (upstream, gateway):
        (tmp_path / "work").mkdir()
        run = run_codex(codex_binary, PROMPT, home=tmp_path / "home", cwd=tmp_path / "work",
                        gateway_url=gateway.url, model=MODEL)
        report = failure_report(run, upstream, gateway)
    assert not upstream.refused(), f"the upstream refused what dragoman sent:\n{report}"
    assert run.returncode == 0 and f"{FINAL_PREFIX} {MARKER}" in run.stdout, report
    bodies: list[dict[str, Any]] = [request.json for request in upstream.requests]
    first = next(body for body in bodies if last_turn("chat", body, MARKER)[0] == "prompt")
    second = next(body for body in bodies if last_turn("chat", body, MARKER)[0] == "result")
    sent = upstream_view.read("chat", first)
    assert {tool.name for tool in sent.tools} >= {"exec_command", "apply_patch"}
    assert not any(tool.kind in BUILT_IN for tool in sent.tools)
    assert "You are Codex" in "\n".join(sent.instructions)
    assert {message["role"] for message in first["messages"]} <= {"system", "developer", "user"}
    history = upstream_view.read("chat", second)
    (call,) = history.calls
    assert call.name == "exec_command" and call.arguments == SHELL_INPUT and script.issued_calls == [call.id]
    (result,) = history.results
    assert result.call_id == call.id and MARKER in result.text.splitlines(), result
