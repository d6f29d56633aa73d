"""Claude Code's and Codex's captured requests, decoded by their own codecs and encoded for a chat upstream.

The body a chat upstream receives follows the spec, offers every function and custom tool, keeps each call
paired with its result, asks for the client's reasoning effort and carries no reasoning another vendor made.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from dragoman.canonical.request import Request
from dragoman.canonical.tools import apply_native_tool_policy
from dragoman.dialects.anthropic_messages.codec import CODEC as ANTHROPIC
from dragoman.dialects.base import Codec
from dragoman.dialects.openai_chat.codec import CODEC
from dragoman.dialects.openai_responses.codec import CODEC as RESPONSES
from tests.recordings import fixture_path
from tests.schemas import assert_valid

CHAT_REQUEST = ("openai", "CreateChatCompletionRequest")


def captured(name: str, path: str) -> list[tuple[str, dict[str, Any]]]:
    entries = [json.loads(line) for line in fixture_path(f"clients/{name}").read_text().splitlines() if line.strip()]
    return [(entry["client"], json.loads(entry["body"])) for entry in entries
            if entry["method"] == "POST" and entry["path"] == path and entry["body"]]


CASES: list[tuple[Codec, str, dict[str, Any]]] = [
    *((ANTHROPIC, client, body) for client, body in captured("claude-code.requests.jsonl", "/v1/messages")),
    *((RESPONSES, client, body) for client, body in captured("codex.requests.jsonl", "/v1/responses")),
]


def for_chat(codec: Codec, body: dict[str, Any]) -> tuple[Request, dict[str, Any]]:
    request = codec.decode_request(body)
    apply_native_tool_policy(request, "openai_chat", drop_unsupported=True)  # what the server does first
    return request, CODEC.encode_request(request, "upstream-model")


@pytest.mark.parametrize(("codec", "client", "body"), CASES, ids=[f"{client}-{i}" for i, (_, client, _) in
                                                                  enumerate(CASES)])
def test_client_request_for_a_chat_upstream(codec: Codec, client: str, body: dict[str, Any]) -> None:
    request, sent = for_chat(codec, body)
    assert_valid(*CHAT_REQUEST, sent)
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
    offered = {tool.name: tool.kind for tool in request.tools}
    wire_names = [tool[tool["type"]]["name"] for tool in sent.get("tools", [])]
    assert wire_names == [tool.name for tool in request.tools]
    assert {tool["type"] for tool in sent.get("tools", [])} <= {"function", "custom"}
    for tool in sent.get("tools", []):
        assert tool["type"] == offered[tool[tool["type"]]["name"]]
    calls = [call["id"] for m in sent["messages"] if m["role"] == "assistant" for call in m.get("tool_calls", [])]
    results = [m["tool_call_id"] for m in sent["messages"] if m["role"] == "tool"]
    assert calls == results
    assert all("reasoning_content" not in m for m in sent["messages"])  # Anthropic thinking, OpenAI encrypted items
    effort = request.reasoning.effort if request.reasoning else None
    assert sent.get("reasoning_effort") == effort
    again = CODEC.decode_request(json.loads(json.dumps(sent)))
    assert again.untranslated == []
    assert [t.name for t in again.tools] == [t.name for t in request.tools]


def test_claude_code_tool_round_trip() -> None:
    (_, first), (_, second) = [(c, b) for c, b in captured("claude-code.requests.jsonl", "/v1/messages")
                               if c == "cc-tool-roundtrip"]
    _, sent = for_chat(ANTHROPIC, second)
    assistant, tool = sent["messages"][-2:]
    (call,) = assistant["tool_calls"]
    assert (call["type"], call["function"]["name"]) == ("function", "Bash")
    assert json.loads(call["function"]["arguments"])["command"] == "echo hi-from-tool"
    assert assistant["content"] == "Let me run a command."
    assert tool == {"role": "tool", "tool_call_id": call["id"], "content": "hi-from-tool"}
    assert sent["reasoning_effort"] == first["output_config"]["effort"] == "high"


def test_codex_custom_tool_and_tool_round_trip() -> None:
    rounds = [body for client, body in captured("codex.requests.jsonl", "/v1/responses")
              if client == "codex-tool-roundtrip"]
    _, sent = for_chat(RESPONSES, rounds[-1])
    (patch,) = [tool for tool in sent["tools"] if tool["type"] == "custom"]
    wire_patch = next(tool for tool in rounds[-1]["tools"] if tool.get("name") == "apply_patch")
    assert patch["custom"]["name"] == "apply_patch"
    assert patch["custom"]["format"] == {"type": "grammar", "grammar": {
        "definition": wire_patch["format"]["definition"], "syntax": wire_patch["format"]["syntax"]}}
    assistant, tool = sent["messages"][-2:]
    (call,) = assistant["tool_calls"]
    assert call == {"id": "call_639c3bfadaf54906b538b60b", "type": "function",
                    "function": {"name": "exec_command", "arguments": '{"cmd": "echo hi-from-tool"}'}}
    assert tool["tool_call_id"] == call["id"] and "hi-from-tool" in tool["content"]
    assert sent["prompt_cache_key"] == rounds[-1]["prompt_cache_key"]
