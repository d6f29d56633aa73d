"""What of a canonical request a dialect (or a pair of dialects) keeps, as plain comparable values.

A view leaves out what the codecs document they normalise: where system prompts sit (Anthropic hoists them),
how parts are grouped into messages (roles merge, tool results lead a user turn), ``developer`` vs
``system`` (chat sends developer as system), absent defaults (no tool choice = ``auto``; no ``strict`` =
false), and JSON argument whitespace. Everything else a dialect carries is in the view, so a lost or
changed field makes two views differ.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from dragoman.canonical.content import (
    DocumentPart,
    ImagePart,
    Part,
    ReasoningPart,
    RefusalPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from dragoman.canonical.request import Request, Tool
from dragoman.canonical.tools import custom_input_schema

BUDGETS = {"minimal": 1024, "low": 2048, "medium": 8192, "high": 16384, "xhigh": 32768, "max": 65536}


@dataclass(frozen=True, slots=True)
class Lens:
    """Which optional things survive: each flag is true when both sides of a route carry the field."""

    stop: bool = True
    detail: bool = False
    cache_control: bool = False
    is_error: bool = False
    error_prefix: bool = False
    """chat: a failed tool result is sent as text prefixed ``Error: `` (rule *tool-error-prefix*)."""
    reasoning_origin: str | None = None
    """Reasoning of this origin is carried."""
    reasoning_dropped: str | None = None
    """Reasoning of this origin is left out by rule (*foreign-reasoning-dropped*); any other shows."""
    custom_tools: bool = True
    custom_as_function: bool = False
    """Anthropic: custom tools go as functions taking one string ``input`` (rule *custom-as-function*)."""
    format_name: bool = True
    prompt_cache_key: bool = False
    metadata: bool = False
    sampling_with_thinking: bool = True
    """Anthropic drops temperature/top_p when thinking is on (rule *thinking-drops-sampling*)."""


def _parsed(arguments: str) -> Any:
    try:
        return json.loads(arguments)
    except ValueError:
        return arguments


def _part(part: Part, lens: Lens) -> tuple[Any, ...] | None:
    if isinstance(part, TextPart):
        return ("text", part.text, part.cache_control if lens.cache_control else None)
    if isinstance(part, RefusalPart):
        return ("text", part.text, None)
    if isinstance(part, ImagePart):
        return ("image", part.url, part.data, part.media_type, part.detail if lens.detail else None)
    if isinstance(part, DocumentPart):
        return ("document", part.url, part.data, part.media_type)
    if isinstance(part, ToolCallPart):
        if part.kind == "custom" and lens.custom_as_function:
            return ("call", part.id, part.name, {"input": part.arguments}, "function")
        return ("call", part.id, part.name, _parsed(part.arguments), part.kind)
    if isinstance(part, ToolResultPart):
        texts = "".join(item.text for item in part.content if isinstance(item, TextPart))
        if lens.error_prefix and part.is_error:
            texts = f"Error: {texts}"
        return ("result", part.call_id, texts, part.is_error if lens.is_error else None)
    if isinstance(part, ReasoningPart):
        if part.origin == lens.reasoning_dropped:
            return None
        text = part.text or "".join(part.summary)
        return ("reasoning", part.origin, text, part.signature, part.encrypted, part.redacted_data)
    return ("?", part)


def conversation(request: Request, lens: Lens) -> tuple[list[str], list[tuple[str, tuple[Any, ...]]]]:
    """(system texts in order, the other parts in order with their role; tool results count as role
    ``tool`` and user parts that follow them in one wire message stay after them)."""
    system: list[str] = []
    flow: list[tuple[str, tuple[Any, ...]]] = []
    for message in request.messages:
        for part in message.content:
            if message.role in ("system", "developer"):
                if isinstance(part, TextPart):
                    system.append(part.text)
                continue
            seen = _part(part, lens)
            if seen is not None:
                flow.append(("tool" if seen[0] == "result" else message.role, seen))
    return system, flow


def _tool(tool: Tool, lens: Lens) -> tuple[Any, ...]:
    if tool.kind == "custom" and lens.custom_as_function:
        return ("function", tool.name, tool.description or None, custom_input_schema(tool), False)
    if tool.kind == "custom":
        return ("custom", tool.name, tool.description or None, json.dumps(tool.format, sort_keys=True))
    return ("function", tool.name, tool.description or None, tool.parameters or {"type": "object"}, bool(tool.strict))


def effort_of(request: Request) -> str | None:
    config = request.reasoning
    if config is None or not config.enabled or config.effort == "none":
        return None
    if config.effort is not None:
        return config.effort
    if config.budget_tokens is not None:
        return max((effort for effort, budget in BUDGETS.items() if config.budget_tokens >= budget),
                   key=lambda effort: BUDGETS[effort], default="minimal")
    return "adaptive"


def view(request: Request, lens: Lens) -> dict[str, Any]:
    system, flow = conversation(request, lens)
    tools = [_tool(tool, lens) for tool in request.tools]
    output = request.output_format
    thinking = effort_of(request) is not None
    sampling = lens.sampling_with_thinking or not thinking
    return {
        "system": system,
        "flow": flow,
        "max_tokens": request.max_tokens,
        "temperature": request.temperature if sampling else None,
        "top_p": request.top_p if sampling else None,
        "stop": request.stop if lens.stop else [],
        "user": request.user,
        "metadata": request.metadata if lens.metadata else None,
        "stream": request.stream,
        "tools": tools,
        "tool_choice": None if not tools else ((request.tool_choice.mode, request.tool_choice.name)
                                               if request.tool_choice else ("auto", None)),
        "parallel": None if not tools or (request.tool_choice and request.tool_choice.mode == "none")
        else request.parallel_tool_calls is not False,
        "effort": effort_of(request),
        "output": None if output is None else (output.kind, output.schema,
                                               output.name if lens.format_name else None,
                                               bool(output.strict) if lens.format_name else None),
        "prompt_cache_key": request.prompt_cache_key if lens.prompt_cache_key else None,
    }
