"""Claude Code 2.1.197 (the real CLI) through dragoman, with one Bash tool round trip each time: the upstream
asks for ``echo hi-from-tool``, Claude Code runs it, the next request carries the output, the final text
quoting it is printed. To an OpenAI Chat Completions upstream (the issue's case); and, for the reasoning that
comes before the call, to an OpenAI Responses upstream (encrypted reasoning must come back) and to an aliased
Anthropic deployment (the signed thinking must come back)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.clients import upstream_view
from tests.clients.captures import body_of
from tests.clients.report import dump, failure_report
from tests.clients.runs import run_claude
from tests.clients.scripted import FINAL_PREFIX, MARKER, ScriptedUpstream, ToolRoundTrip, last_turn
from tests.clients.serving import serving

pytestmark = pytest.mark.slow

MODEL = "claude-opus-4-8"  # the model Claude Code asked for in the captures; the gateway maps it to the upstream's
UPSTREAM_MODEL = "gpt-e2e"
PROMPT = f"Use the Bash tool to run `echo {MARKER}`, then tell me exactly what it printed."
BASH_INPUT = {"command": f"echo {MARKER}", "description": "Print a greeting"}
CAPTURED = body_of("claude-code.requests.jsonl", "cc-tool-roundtrip")


def _turn(upstream: ScriptedUpstream, wanted: str) -> dict[str, Any]:
    bodies: list[dict[str, Any]] = [request.json for request in upstream.requests
                                    if request.path == "/v1/chat/completions"]
    matching = [body for body in bodies if last_turn("chat", body, MARKER)[0] == wanted]
    assert matching, f"no upstream request whose last message is the {wanted}"
    return matching[0]


def test_claude_code_runs_bash_through_a_chat_upstream(claude_binary: Path, tmp_path: Path) -> None:
    script = ToolRoundTrip(MARKER, "Bash", BASH_INPUT)
    with serving(script, tmp_path / "gateway", "chat", name=MODEL, upstream_model=UPSTREAM_MODEL) as (upstream,
                                                                                                     gateway):
        (tmp_path / "work").mkdir()
        run = run_claude(claude_binary, PROMPT, home=tmp_path / "home", cwd=tmp_path / "work",
                         gateway_url=gateway.url, model=MODEL)
        report = failure_report(run, upstream, gateway)
    assert not upstream.refused(), f"the upstream refused what dragoman sent:\n{report}"
    assert run.returncode == 0, report
    assert f"{FINAL_PREFIX} {MARKER}" in run.stdout, report

    first, second = _turn(upstream, "prompt"), _turn(upstream, "result")
    assert first["model"] == UPSTREAM_MODEL and first["stream"] is True

    # (a) Claude Code's tools, each a chat function tool carrying its input_schema as parameters.
    sent = upstream_view.read("chat", first)
    captured_tools = {tool["name"]: tool for tool in CAPTURED["tools"]}
    assert len(sent.tools) == 24, [tool.name for tool in sent.tools]
    assert {tool.name for tool in sent.tools} == set(captured_tools)
    for tool in sent.tools:
        assert tool.kind == "function", tool
        assert tool.schema == captured_tools[tool.name]["input_schema"], tool.name
        assert tool.description, tool.name

    # (b) The system prompt, as the leading system message.
    assert first["messages"][0]["role"] == "system", dump(first["messages"][:2])
    assert "You are a Claude agent, built on Anthropic's Claude Agent SDK." in "\n".join(sent.instructions)
    assert any(PROMPT in text for role, texts in sent.turns if role == "user" for text in texts)

    # (c) The second turn: the assistant's Bash call as issued, answered by a tool message with echo's output.
    history = upstream_view.read("chat", second)
    (call,) = history.calls
    assert call.name == "Bash" and call.arguments == BASH_INPUT, call
    assert script.issued_calls == [call.id], f"the call id the upstream issued did not come back: {call}"
    (result,) = history.results
    assert result.call_id == call.id
    assert result.text.strip() == MARKER, f"not echo's output: {result.text!r}"
    roles = [message["role"] for message in second["messages"]]
    assert roles[-2:] == ["assistant", "tool"], roles
    assert second["messages"][-2]["tool_calls"][0]["type"] == "function"


ALIASED_UPSTREAM_MODEL = "claude-e2e-snapshot"
# Claude Code keeps a thinking block in its history only when the answer that carried it names exactly the
# model it asked for. Translated answers name the client's model (rule client-model-name); the same-dialect
# relay passes the upstream's bytes verbatim, model included, so an aliased Anthropic deployment still loses
# Claude Code's thinking. Known limitation, reported; remove the marker when the relay renames the model.
MODEL_NAME_BUG = pytest.mark.xfail(strict=True, reason=(
    "the same-dialect relay keeps the upstream's model name, so Claude Code drops its thinking blocks"))


@MODEL_NAME_BUG
def test_claude_code_keeps_its_thinking_through_an_aliased_anthropic_deployment(claude_binary: Path,
                                                                                tmp_path: Path) -> None:
    """Claude Code -> dragoman -> Anthropic (same dialect), the deployment's name differing from the upstream
    model id, as any alias does. Claude thinks before its tool call; the API then wants that signed thinking
    block back at the start of the assistant turn the next request answers."""
    script = ToolRoundTrip(MARKER, "Bash", BASH_INPUT)
    with serving(script, tmp_path / "gateway", "anthropic", name=MODEL,
                 upstream_model=ALIASED_UPSTREAM_MODEL) as (upstream, gateway):
        (tmp_path / "work").mkdir()
        run = run_claude(claude_binary, PROMPT, home=tmp_path / "home", cwd=tmp_path / "work",
                         gateway_url=gateway.url, model=MODEL)
        report = failure_report(run, upstream, gateway)
    assert script.issued_signatures, f"the upstream was never asked to think:\n{report}"
    assert not upstream.refused(), f"the upstream refused what dragoman sent:\n{report}"
    assert run.returncode == 0 and f"{FINAL_PREFIX} {MARKER}" in run.stdout, report
    bodies = [request.json for request in upstream.requests]
    second = next(body for body in bodies if last_turn("anthropic", body, MARKER)[0] == "result")
    assistant = second["messages"][-2]
    assert assistant["content"][0]["type"] == "thinking", dump(assistant)
    assert assistant["content"][0]["signature"] in script.issued_signatures


def test_claude_code_sends_openai_reasoning_back_through_a_responses_upstream(claude_binary: Path,
                                                                            tmp_path: Path) -> None:
    """Claude Code -> dragoman -> OpenAI Responses. The model reasons before its Bash call; the reasoning
    reaches Claude Code as a thinking block whose signature carries the encrypted content, and the next request
    must give the upstream that reasoning item back, before the call it led to."""
    script = ToolRoundTrip(MARKER, "Bash", BASH_INPUT)
    with serving(script, tmp_path / "gateway", "responses", name=MODEL, upstream_model=UPSTREAM_MODEL) as (
            upstream, gateway):
        (tmp_path / "work").mkdir()
        run = run_claude(claude_binary, PROMPT, home=tmp_path / "home", cwd=tmp_path / "work",
                         gateway_url=gateway.url, model=MODEL)
        report = failure_report(run, upstream, gateway)
    assert not upstream.refused(), f"the upstream refused what dragoman sent:\n{report}"
    assert run.returncode == 0 and f"{FINAL_PREFIX} {MARKER}" in run.stdout, report
    bodies: list[dict[str, Any]] = [request.json for request in upstream.requests]
    first = next(body for body in bodies if last_turn("responses", body, MARKER)[0] == "prompt")
    second = next(body for body in bodies if last_turn("responses", body, MARKER)[0] == "result")
    assert first["reasoning"]["effort"] == "high", first.get("reasoning")
    assert "reasoning.encrypted_content" in first.get("include", []), "no proof asked for: reasoning cannot go back"
    kinds = [item.get("type", "message") for item in second["input"]]
    assert "reasoning" in kinds, f"the reasoning item did not come back: {kinds}\n{report}"
    reasoning = second["input"][kinds.index("reasoning")]
    assert reasoning["encrypted_content"] in script.issued_signatures
    assert kinds.index("reasoning") < kinds.index("function_call"), kinds
