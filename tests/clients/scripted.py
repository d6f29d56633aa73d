"""A local upstream that answers like the real provider and follows a script: one tool round trip.

It is the fake upstream of ``tests/upstream`` (same server, same key and header checks, same log of every
request with the answer it got) answering by turn instead of by scenario, and refusing with the provider's
own 400 whatever the real provider refuses (``provider_rules.py``). The script:

* the last message is the user's prompt (it contains ``prompt_marker``) and the tool is offered: answer with
  a call of that tool, after the model's reasoning where the request asked for it and the provider returns it
  (Anthropic: a signed thinking block when thinking is on; Responses: a reasoning item, with
  ``encrypted_content`` when ``include`` asks for it);
* the last message is a tool result containing ``hi-from-tool``: answer with a final text quoting the line of
  the result that holds it;
* anything else (a client's side request: title, summary …): a short text answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from tests.clients import anthropic_answers as anthropic
from tests.clients import chat_answers as chat
from tests.clients import responses_answers as responses
from tests.clients.provider_rules import violations
from tests.upstream import Answer, Body, Dialect, FakeUpstream, ReceivedRequest
from tests.upstream.answers import json_body
from tests.upstream.server import anthropic_problem

MARKER = "hi-from-tool"
FINAL_PREFIX = "The command printed:"
SIDE_ANSWER = "OK."
THINKING = "The user wants me to run a shell command; I will call the tool and report its output."
Turn = Literal["prompt", "result", "other"]
INSTRUCTION_ROLES = ("system", "developer")


def last_turn(dialect: Dialect, body: dict[str, Any], prompt_marker: str) -> tuple[Turn, str]:
    """What the request's last message (system and developer messages aside) is, and its text (for a tool
    result: the result's text)."""
    items = body["messages"] if dialect != "responses" else body["input"]
    items = [{"role": "user", "content": items}] if isinstance(items, str) else items
    # Claude Code puts a system message (agent types, skills) after the prompt: it is not a turn.
    last = next(item for item in reversed(items) if item.get("role") not in INSTRUCTION_ROLES)
    if dialect == "chat" and last["role"] == "tool":
        return "result", _text(last.get("content"))
    if dialect == "anthropic":
        blocks = last["content"] if isinstance(last["content"], list) else []
        results = [block for block in blocks if block.get("type") == "tool_result"]
        if results:
            return "result", "\n".join(_text(block.get("content")) for block in results)
    if last.get("type") in ("function_call_output", "custom_tool_call_output"):
        return "result", _text(last.get("output"))
    role, text = last.get("role", ""), _text(last.get("content"))
    return ("prompt" if role == "user" and prompt_marker in text else "other"), text


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def quoted_line(result: str) -> str:
    return next((line.strip() for line in result.splitlines() if MARKER in line), result.strip())


@dataclass
class ToolRoundTrip:
    """The script: which prompt starts it, and the tool call to make."""

    prompt_marker: str
    tool_name: str
    arguments: dict[str, Any]
    issued_signatures: set[str] = field(default_factory=set)
    issued_calls: list[str] = field(default_factory=list)
    _count: int = 0

    def answer(self, dialect: Dialect, body: dict[str, Any], stream: bool) -> Answer:
        turn, text = last_turn(dialect, body, self.prompt_marker)
        offered = self.tool_name in _tool_names(dialect, body)
        if turn == "result" and MARKER in text:
            return self._text(dialect, body, stream, f"{FINAL_PREFIX} {quoted_line(text)}")
        if turn == "prompt" and offered:
            return self._tool_call(dialect, body, stream)
        return self._text(dialect, body, stream, SIDE_ANSWER)

    def _next_id(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}{self._count:020d}"

    def _thinking(self, body: dict[str, Any]) -> tuple[anthropic.Block, ...]:
        if (body.get("thinking") or {}).get("type") not in ("enabled", "adaptive"):
            return ()
        signature = self._next_id("EqMBCkgIBxABGAIqQDragomanE2e")
        self.issued_signatures.add(signature)
        return (anthropic.Thinking(THINKING, signature),)

    def _reasoning(self, body: dict[str, Any]) -> tuple[responses.Item, ...]:
        if not (body.get("reasoning") or {}).get("effort"):
            return ()
        if "reasoning.encrypted_content" not in (body.get("include") or []):
            return (responses.Reasoning(None),)
        encrypted = self._next_id("gAAAAABdragomanE2e")
        self.issued_signatures.add(encrypted)
        return (responses.Reasoning(encrypted),)

    def _text(self, dialect: Dialect, body: dict[str, Any], stream: bool, text: str) -> Answer:
        if dialect == "chat":
            return chat.text_stream(text, include_usage=_wants_usage(body)) if stream else chat.text_json(text)
        if dialect == "anthropic":
            blocks = (*self._thinking(body), anthropic.Text(text))
            return anthropic.stream(blocks, body["model"]) if stream else anthropic.message(blocks, body["model"])
        items = (*self._reasoning(body), responses.Message(text))
        return responses.stream(items) if stream else responses.response(items)

    def _tool_call(self, dialect: Dialect, body: dict[str, Any], stream: bool) -> Answer:
        if dialect == "chat":
            call = chat.ChatToolCall(self._next_id("call_"), self.tool_name, chat.tool_arguments(self.arguments))
            self.issued_calls.append(call.id)
            if not stream:
                return chat.tool_call_json(call)
            return chat.tool_call_stream(call, include_usage=_wants_usage(body))
        if dialect == "anthropic":
            use = anthropic.ToolUse(self._next_id("toolu_01"), self.tool_name, self.arguments)
            self.issued_calls.append(use.id)
            blocks = (*self._thinking(body), use)
            return anthropic.stream(blocks, body["model"]) if stream else anthropic.message(blocks, body["model"])
        function = responses.FunctionCall(self._next_id("call_"), self.tool_name, chat.tool_arguments(self.arguments))
        self.issued_calls.append(function.call_id)
        items = (*self._reasoning(body), function)
        return responses.stream(items) if stream else responses.response(items)


def _wants_usage(body: dict[str, Any]) -> bool:
    return (body.get("stream_options") or {}).get("include_usage") is True


def _tool_names(dialect: Dialect, body: dict[str, Any]) -> set[str]:
    tools = body.get("tools") or []
    if dialect == "chat":
        return {(tool.get("function") or tool.get("custom") or {}).get("name", "") for tool in tools}
    return {tool.get("name", "") for tool in tools}


def provider_error(dialect: Dialect, problems: list[str]) -> Body:
    """A 400 as the provider words it (the first problem, as the providers report one at a time)."""
    if dialect == "anthropic":
        return anthropic_problem(400, "invalid_request_error", problems[0])
    return json_body(400, {"error": {"message": problems[0], "type": "invalid_request_error", "param": None,
                                     "code": None}})


def unissued_signatures(body: dict[str, Any], issued: set[str]) -> list[str]:
    """Anthropic verifies every thinking signature sent back, OpenAI every reasoning item's encrypted content;
    ours are the ones this upstream issued."""
    problems = []
    items = body.get("input")
    for index, item in enumerate(items if isinstance(items, list) else []):
        if item.get("type") == "reasoning" and item.get("encrypted_content") not in (None, *issued):
            problems.append(f"input[{index}]: The encrypted content for item {item.get('id')} could not be verified.")
    for index, message in enumerate(body.get("messages") or []):
        blocks = message.get("content") if isinstance(message.get("content"), list) else []
        for position, block in enumerate(blocks):
            if block.get("type") == "thinking" and block.get("signature") not in issued:
                problems.append(f"messages.{index}.content.{position}: Invalid `signature` in `thinking` block")
    return problems


class ScriptedUpstream(FakeUpstream):
    """The fake upstream server answering by a :class:`ToolRoundTrip` script."""

    def __init__(self, script: ToolRoundTrip) -> None:
        super().__init__()
        self.script = script

    def _choose(self, dialect: Dialect, received: ReceivedRequest) -> Answer:
        problem = self._check(dialect, received)
        if problem is not None:
            return problem
        body: dict[str, Any] = received.json
        betas = frozenset(flag.strip() for flag in (received.header("anthropic-beta") or "").split(","))
        problems = violations(dialect, body, betas)
        if dialect != "chat":
            problems += unissued_signatures(body, self.script.issued_signatures)
        if problems:
            return provider_error(dialect, problems)
        return self.script.answer(dialect, body, received.stream)

    def refused(self) -> list[tuple[ReceivedRequest, str]]:
        """Every request this upstream refused, with the provider's message: what dragoman sent wrong."""
        return [(request, json.dumps(request.answer.json())) for request in self.requests
                if isinstance(request.answer, Body) and request.answer.status >= 400]
