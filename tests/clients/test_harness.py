"""The real-CLI harness checked on its own (fast): the scripted answers are what the providers send (official
schemas, the recordings' shapes), the provider rules accept real requests and refuse what the providers
refuse, the script reads turns right, and the npm cache is reused without touching npm."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.clients import anthropic_answers as anthropic
from tests.clients import chat_answers as chat
from tests.clients import responses_answers as responses
from tests.clients.captures import Captured, body_of, posts
from tests.clients.npm import CLAUDE_CODE, MARKER, ToolMissing, binary, ensure_installed, install_dir, require_node
from tests.clients.provider_rules import violations
from tests.clients.scripted import FINAL_PREFIX, ToolRoundTrip, last_turn, unissued_signatures
from tests.clients.streamed import check_client_stream, payloads, text_of_stream
from tests.recordings import load_json
from tests.schemas import OPENAI_CHAT_RESPONSE, assert_valid
from tests.upstream import Body, Stream

CALL = chat.ChatToolCall("call_abc123", "Bash", chat.tool_arguments({"command": "echo hi-from-tool"}))
USE = anthropic.ToolUse("toolu_01abc", "exec_command", {"cmd": "echo hi-from-tool"})


@pytest.mark.parametrize("include_usage", [True, False])
def test_chat_tool_call_stream_is_openais(include_usage: bool) -> None:
    stream = chat.tool_call_stream(CALL, include_usage=include_usage)
    parsed = check_client_stream("chat", stream.content)
    calls = [call for chunk in parsed for choice in chunk["choices"] for call in choice["delta"].get("tool_calls", [])]
    assert calls[0]["id"] == CALL.id and calls[0]["function"]["name"] == "Bash"
    assert all(call["index"] == 0 for call in calls) and len(calls) > 2
    assert "".join(call["function"]["arguments"] for call in calls) == CALL.arguments
    assert [c["finish_reason"] for chunk in parsed for c in chunk["choices"]][-1] == "tool_calls"
    assert (parsed[-1]["choices"] == [] and parsed[-1]["usage"]["total_tokens"] > 0) is include_usage


def test_chat_text_stream_and_json_are_openais() -> None:
    parsed = check_client_stream("chat", chat.text_stream(f"{FINAL_PREFIX} hi-from-tool", include_usage=True).content)
    assert text_of_stream("chat", parsed) == f"{FINAL_PREFIX} hi-from-tool"
    assert parsed[0]["choices"][0]["delta"]["role"] == "assistant"
    for body in (chat.text_json("Done."), chat.tool_call_json(CALL)):
        assert_valid(*OPENAI_CHAT_RESPONSE, body.json())
    assert chat.tool_call_json(CALL).json()["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] == \
        CALL.arguments


def test_anthropic_stream_is_anthropics() -> None:
    blocks = (anthropic.Thinking("Let me think.", "sig-1"), anthropic.Text("Running it."), USE)
    parsed = check_client_stream("anthropic", anthropic.stream(blocks).content, schemas=False)
    kinds = [payload["type"] for payload in parsed]
    assert kinds[:3] == ["message_start", "content_block_start", "ping"] and kinds[-2:] == ["message_delta",
                                                                                            "message_stop"]
    starts = [payload["content_block"] for payload in parsed if payload["type"] == "content_block_start"]
    assert [block["type"] for block in starts] == ["thinking", "text", "tool_use"]
    assert starts[2]["id"] == USE.id and starts[2]["name"] == USE.name
    deltas = [payload["delta"] for payload in parsed if payload["type"] == "content_block_delta"]
    assert "".join(d["partial_json"] for d in deltas if d["type"] == "input_json_delta") == json.dumps(USE.input)
    assert "".join(d["thinking"] for d in deltas if d["type"] == "thinking_delta") == "Let me think."
    assert [d["signature"] for d in deltas if d["type"] == "signature_delta"] == ["sig-1"]
    assert text_of_stream("anthropic", parsed) == "Running it."
    assert parsed[-2]["delta"]["stop_reason"] == "tool_use"
    assert [payload["index"] for payload in parsed if payload["type"] == "content_block_stop"] == [0, 1, 2]


def test_anthropic_message_is_anthropics() -> None:
    body = anthropic.message((anthropic.Text("Done."),)).json()
    recorded = load_json(anthropic.TEXT_JSON)
    assert {key: value for key, value in body.items() if key not in ("content", "stop_reason")} == {
        key: value for key, value in recorded.items() if key not in ("content", "stop_reason")}
    assert body["stop_reason"] == "end_turn" and body["content"] == [{"type": "text", "text": "Done."}]
    assert anthropic.message((USE,)).json()["stop_reason"] == "tool_use"


@pytest.mark.parametrize(("dialect", "fixture"), [
    ("chat", "openai/chat-nonstream-tool-call.request.json"),
    ("responses", "openai/responses-stream-text.request.json"),
    ("anthropic", "anthropic/messages-nonstream-thinking-tool-use.request.json"),
])
def test_real_requests_break_no_provider_rule(dialect: str, fixture: str) -> None:
    assert violations(dialect, load_json(fixture)) == []


@pytest.mark.parametrize("captured", [request for request in posts("claude-code.requests.jsonl")
                                      if request.path == "/v1/messages"], ids=lambda request: request.label)
def test_claude_codes_requests_break_no_anthropic_rule_under_their_betas(captured: Captured) -> None:
    assert captured.body is not None
    betas = frozenset(captured.replay_headers()["anthropic-beta"].split(","))
    assert violations("anthropic", captured.body, betas) == []
    assert violations("anthropic", captured.body) != [], "without the betas, the published schema refuses them"


def test_provider_rules_refuse_what_providers_refuse() -> None:
    orphan = {"model": "m", "messages": [{"role": "user", "content": "hi"},
                                         {"role": "tool", "tool_call_id": "x", "content": "out"}]}
    assert any("must be a response to a preceeding message" in problem for problem in violations("chat", orphan))
    unanswered = {"model": "m", "messages": [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
                                              "function": {"name": "f", "arguments": "{}"}}]},
        {"role": "user", "content": "next"}]}
    assert any("did not have response messages: c1" in problem for problem in violations("chat", unanswered))
    thinking = {"model": "m", "max_tokens": 8192, "thinking": {"type": "enabled", "budget_tokens": 8192},
                "messages": [{"role": "user", "content": "run it"},
                             {"role": "assistant", "content": [{"type": "text", "text": " "},
                                                               {"type": "tool_use", "id": "a.b", "name": "f",
                                                                "input": {}}]},
                             {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "zzz",
                                                           "content": "out"}]}]}
    found = "\n".join(violations("anthropic", thinking))
    for expected in ("must be greater than `thinking.budget_tokens`", "non-whitespace text", "String should match",
                     "without `tool_result` blocks immediately after: a.b", "unexpected `tool_use_id`",
                     "a final `assistant` message must start with a thinking block"):
        assert expected in found, expected
    assert unissued_signatures({"messages": [{"role": "assistant", "content": [
        {"type": "thinking", "thinking": "t", "signature": "forged"}]}]}, {"mine"}) == [
        "messages.0.content.0: Invalid `signature` in `thinking` block"]


def test_script_reads_the_captured_turns() -> None:
    claude_first = body_of("claude-code.requests.jsonl", "cc-tool-roundtrip", 0)
    claude_second = body_of("claude-code.requests.jsonl", "cc-tool-roundtrip", 1)
    codex_first = body_of("codex.requests.jsonl", "codex-tool-roundtrip", 0)
    codex_second = body_of("codex.requests.jsonl", "codex-tool-roundtrip", 1)
    assert last_turn("anthropic", claude_first, "echo hi-from-tool")[0] == "prompt"
    assert last_turn("anthropic", claude_second, "echo hi-from-tool") == ("result", "hi-from-tool")
    assert last_turn("responses", codex_first, "echo hi-from-tool")[0] == "prompt"
    turn, text = last_turn("responses", codex_second, "echo hi-from-tool")
    assert turn == "result" and "Output:\nhi-from-tool" in text


def test_script_answers_turn_by_turn() -> None:
    script = ToolRoundTrip("run echo", "exec_command", USE.input)
    prompt: dict[str, Any] = {"model": "m", "max_tokens": 9000, "thinking": {"type": "enabled", "budget_tokens": 2048},
              "tools": [{"name": "exec_command", "input_schema": {"type": "object"}}],
              "messages": [{"role": "user", "content": "please run echo"}]}
    first = script.answer("anthropic", prompt, stream=True)
    assert isinstance(first, Stream)
    starts = [p["content_block"]["type"] for p in payloads(first.content) if p["type"] == "content_block_start"]
    assert starts == ["thinking", "tool_use"] and len(script.issued_calls) == 1 and len(script.issued_signatures) == 1
    result = {**prompt, "messages": [*prompt["messages"],
                                     {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "x",
                                                                        "input": {}}]},
                                     {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t",
                                                                   "content": "Output:\nhi-from-tool\n"}]}]}
    final = script.answer("anthropic", result, stream=False)
    assert isinstance(final, Body)
    assert final.json()["content"][-1]["text"] == f"{FINAL_PREFIX} hi-from-tool"
    side = script.answer("chat", {"model": "m", "messages": [{"role": "user", "content": "a title please"}]},
                         stream=False)
    assert isinstance(side, Body) and side.json()["choices"][0]["message"]["content"] == "OK."


def test_npm_cache_is_reused_without_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = install_dir(CLAUDE_CODE, tmp_path)
    binary(directory, CLAUDE_CODE).parent.mkdir(parents=True)
    (directory / MARKER).write_text("installed")
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools-here"))
    with pytest.raises(ToolMissing, match="node and npm not found"):
        require_node()
    assert ensure_installed(CLAUDE_CODE, tmp_path) == binary(directory, CLAUDE_CODE)
    assert directory.name == "anthropic-ai-claude-code-2.1.197" and directory.parent == tmp_path / "npm"
    assert os.environ["PATH"] == str(tmp_path / "no-tools-here")


@pytest.mark.parametrize("encrypted", ["gAAAAABdragoman", None])
def test_responses_stream_is_openais(encrypted: str | None) -> None:
    call = responses.FunctionCall("call_abc", "Bash", CALL.arguments)
    items = (responses.Reasoning(encrypted), call, responses.Message("Done."))
    parsed = check_client_stream("responses", responses.stream(items).content, schemas=False)
    assert [payload["sequence_number"] for payload in parsed] == list(range(len(parsed)))
    assert "".join(p["delta"] for p in parsed if p["type"] == "response.function_call_arguments.delta") == \
        CALL.arguments
    assert text_of_stream("responses", parsed) == "Done."
    output = parsed[-1]["response"]["output"]
    assert [item["type"] for item in output] == ["reasoning", "function_call", "message"]
    assert output[0].get("encrypted_content") == encrypted
    assert (output[1]["call_id"], output[1]["name"], output[1]["arguments"]) == ("call_abc", "Bash", CALL.arguments)
    assert {p["output_index"] for p in parsed if "output_index" in p} == {0, 1, 2}
    assert responses.response(items).json()["output"] == output
