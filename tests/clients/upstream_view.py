"""A request body of any dialect read into one neutral view: the tools it offers, its system/developer
instructions, its user/assistant turns, its tool calls and results, its reasoning settings.

Written independently of the codecs under test, straight from each API's documented shapes, so a test can
compare what a client sent with what an upstream of another dialect received.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.upstream import Dialect


@dataclass(frozen=True, slots=True)
class ToolDef:
    name: str
    kind: str
    """``function``, ``custom`` (free-form input), or a provider's built-in type (``web_search``, ``namespace`` …)."""
    description: str | None = None
    schema: Any = None
    """The JSON schema of a function's arguments; the ``format`` of a custom tool."""


@dataclass(frozen=True, slots=True)
class Call:
    id: str
    name: str
    arguments: Any
    """Parsed JSON arguments of a function call; the raw input text of a custom tool call."""


@dataclass(frozen=True, slots=True)
class Result:
    call_id: str
    text: str
    is_error: bool = False


@dataclass(slots=True)
class View:
    tools: list[ToolDef] = field(default_factory=list)
    instructions: list[str] = field(default_factory=list)
    """Each text part of the system/developer prompts, in order."""
    turns: list[tuple[str, list[str]]] = field(default_factory=list)
    """Each user/assistant message: its role and the texts of its text parts."""
    calls: list[Call] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    proofs: list[str] = field(default_factory=list)
    """Reasoning proofs sent back: Anthropic ``signature``/redacted ``data``, Responses ``encrypted_content``."""
    effort: str | None = None
    budget: int | None = None
    adaptive: bool = False

    def tool(self, name: str) -> ToolDef:
        matches = [tool for tool in self.tools if tool.name == name]
        assert len(matches) == 1, f"expected one tool named {name!r}, got {[t.name for t in self.tools]}"
        return matches[0]

    def merged_turns(self) -> list[tuple[str, list[str]]]:
        """Consecutive turns of one role as one (dialects differ on whether they may repeat a role)."""
        merged: list[tuple[str, list[str]]] = []
        for role, texts in self.turns:
            if merged and merged[-1][0] == role:
                merged[-1][1].extend(texts)
            else:
                merged.append((role, list(texts)))
        return merged


def read(dialect: Dialect, body: dict[str, Any]) -> View:
    view = View()
    if dialect == "chat":
        _read_chat(body, view)
    elif dialect == "responses":
        _read_responses(body, view)
    else:
        _read_anthropic(body, view)
    return view


def texts_of(content: Any) -> list[str]:
    """The texts of content in any dialect: a string, or each text-carrying part of a list."""
    if content is None:
        return []
    if isinstance(content, str):
        return [content]
    return [str(part["text"]) for part in content if isinstance(part, dict) and isinstance(part.get("text"), str)]


def text_of(content: Any) -> str:
    return "".join(texts_of(content))


def _json(arguments: Any) -> Any:
    if not isinstance(arguments, str):
        return arguments
    try:
        return json.loads(arguments) if arguments else {}
    except ValueError:
        return arguments


def _add_turn(view: View, role: str, content: Any) -> None:
    texts = [text for text in texts_of(content) if text]
    if texts:
        view.turns.append((role, texts))


# --- OpenAI Chat Completions ----------------------------------------------------------------------------

def _read_chat(body: dict[str, Any], view: View) -> None:
    for tool in body.get("tools") or []:
        kind = tool.get("type", "function")
        spec = tool.get(kind) or {}
        schema = spec.get("parameters") if kind == "function" else _flat_format(spec.get("format"))
        view.tools.append(ToolDef(spec.get("name", kind), kind, spec.get("description"), schema))
    for message in body["messages"]:
        role = message["role"]
        if role in ("system", "developer"):
            view.instructions.extend(texts_of(message.get("content")))
        elif role == "tool":
            view.results.append(Result(message.get("tool_call_id", ""), text_of(message.get("content"))))
        else:
            _add_turn(view, role, message.get("content"))
            for call in message.get("tool_calls") or []:
                if call.get("type") == "custom":
                    view.calls.append(Call(call["id"], call["custom"]["name"], call["custom"].get("input")))
                else:
                    view.calls.append(Call(call["id"], call["function"]["name"], _json(call["function"]["arguments"])))
    view.effort = body.get("reasoning_effort")


def _flat_format(format_: Any) -> Any:
    """A chat custom tool's format in the Responses shape: chat nests the grammar
    (``{"type": "grammar", "grammar": {"definition", "syntax"}}``), Responses does not."""
    if isinstance(format_, dict) and isinstance(format_.get("grammar"), dict):
        return {"type": format_["type"], **format_["grammar"]}
    return format_


# --- OpenAI Responses -----------------------------------------------------------------------------------

def _read_responses(body: dict[str, Any], view: View) -> None:
    for tool in body.get("tools") or []:
        kind = tool.get("type", "function")
        schema = tool.get("parameters") if kind == "function" else tool.get("format")
        view.tools.append(ToolDef(tool.get("name", kind), kind, tool.get("description"), schema))
    if body.get("instructions"):
        view.instructions.append(body["instructions"])
    items = body.get("input")
    if isinstance(items, str):
        items = [{"role": "user", "content": items}]
    for item in items or []:
        _read_responses_item(item, view)
    view.effort = (body.get("reasoning") or {}).get("effort")


def _read_responses_item(item: dict[str, Any], view: View) -> None:
    kind = item.get("type", "message")
    if kind == "message":
        if item["role"] in ("system", "developer"):
            view.instructions.extend(texts_of(item.get("content")))
        else:
            _add_turn(view, item["role"], item.get("content"))
    elif kind == "function_call":
        view.calls.append(Call(item["call_id"], item["name"], _json(item.get("arguments"))))
    elif kind == "custom_tool_call":
        view.calls.append(Call(item["call_id"], item["name"], item.get("input")))
    elif kind in ("function_call_output", "custom_tool_call_output"):
        view.results.append(Result(item["call_id"], text_of(item.get("output"))))
    elif kind == "reasoning" and item.get("encrypted_content"):
        view.proofs.append(item["encrypted_content"])


# --- Anthropic Messages ---------------------------------------------------------------------------------

def _read_anthropic(body: dict[str, Any], view: View) -> None:
    for tool in body.get("tools") or []:
        kind = tool.get("type") or "custom"
        if kind == "custom":
            view.tools.append(ToolDef(tool["name"], "function", tool.get("description"), tool.get("input_schema")))
        else:
            view.tools.append(ToolDef(tool.get("name", kind), kind))
    view.instructions.extend(texts_of(body.get("system")))
    for message in body["messages"]:
        if message["role"] == "system":
            view.instructions.extend(texts_of(message["content"]))
            continue
        content = message["content"]
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        for block in blocks:
            _read_anthropic_block(message["role"], block, view)
    thinking = body.get("thinking") or {}
    view.adaptive = thinking.get("type") == "adaptive"
    view.budget = thinking.get("budget_tokens") if thinking.get("type") == "enabled" else None
    view.effort = (body.get("output_config") or {}).get("effort")


def _read_anthropic_block(role: str, block: dict[str, Any], view: View) -> None:
    kind = block.get("type")
    if kind == "text":
        _add_turn(view, role, block.get("text"))
    elif kind == "tool_use":
        view.calls.append(Call(block["id"], block["name"], block.get("input")))
    elif kind == "tool_result":
        view.results.append(Result(block["tool_use_id"], text_of(block.get("content")), bool(block.get("is_error"))))
    elif kind == "thinking" and block.get("signature"):
        view.proofs.append(block["signature"])
    elif kind == "redacted_thinking":
        view.proofs.append(block.get("data", ""))
