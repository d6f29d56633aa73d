"""Tool rules shared by every codec and the handler.

*custom-as-function*: a ``custom`` tool (free-form text input, OpenAI) goes to a dialect without custom tools
as a function tool whose only argument is the string ``input``; the call that comes back is unwrapped into
the raw input again for a client that declared the tool custom. *native-to-origin*: a provider-defined tool
is carried only to the dialect that defined it; elsewhere the request is refused with a 400 naming the
tool, unless the deployment sets ``drop_unsupported_tools: true`` (then it is left out, and logged).
"""

from __future__ import annotations

import logging
from typing import Any, Final

import orjson

from dragoman.canonical.content import ToolCallPart
from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import Request, Tool

log = logging.getLogger("dragoman.tools")

CUSTOM_INPUT_FIELD: Final = "input"


def custom_input_schema(tool: Tool) -> dict[str, Any]:
    hint = "The tool's free-form input, as plain text."
    if tool.format and tool.format.get("type") == "grammar":
        hint += f" It must follow this {tool.format.get('syntax', '')} grammar:\n{tool.format.get('definition', '')}"
    return {
        "type": "object",
        "properties": {CUSTOM_INPUT_FIELD: {"type": "string", "description": hint}},
        "required": [CUSTOM_INPUT_FIELD],
        "additionalProperties": False,
    }


def wrap_custom_input(raw: str) -> str:
    """Raw custom-tool input as the JSON arguments of the function that stands in for the tool."""
    return orjson.dumps({CUSTOM_INPUT_FIELD: raw}).decode()


def unwrap_custom_input(arguments: str) -> str:
    """The raw input back out of the stand-in function's JSON arguments (left as is if not of that shape)."""
    try:
        parsed = orjson.loads(arguments) if arguments else {}
    except orjson.JSONDecodeError:
        return arguments
    if isinstance(parsed, dict) and isinstance(parsed.get(CUSTOM_INPUT_FIELD), str):
        return str(parsed[CUSTOM_INPUT_FIELD])
    return arguments


def custom_tool_names(request: Request) -> frozenset[str]:
    return frozenset(tool.name for tool in request.tools if tool.kind == "custom")


def as_client_call(part: ToolCallPart, custom_names: frozenset[str]) -> ToolCallPart:
    """A call from the upstream, as the client declared the tool: custom calls get their raw input back."""
    if part.name in custom_names and part.kind == "function":
        return ToolCallPart(id=part.id, name=part.name, arguments=unwrap_custom_input(part.arguments),
                            kind="custom", cache_control=part.cache_control)
    return part


def apply_native_tool_policy(request: Request, upstream: str, *, drop_unsupported: bool) -> None:
    """Enforce *native-to-origin* before a request is encoded for ``upstream``."""
    kept: list[Tool] = []
    for index, tool in enumerate(request.tools):
        if tool.kind != "native" or tool.origin == upstream:
            kept.append(tool)
            continue
        kind = (tool.native or {}).get("type", tool.name)
        if not drop_unsupported:
            raise InvalidRequest(
                f"Tool {tool.name!r} (type {kind!r}) is a {tool.origin} built-in tool with no equivalent for this "
                f"model's {upstream} upstream. Remove it, or set drop_unsupported_tools: true on the deployment.",
                param=f"tools[{index}]",
            )
        log.info("dropped tool %r (%s) for a %s upstream (drop_unsupported_tools)", tool.name, kind, upstream)
    request.tools = kept
    choice = request.tool_choice
    if choice is not None and choice.mode == "tool" and choice.name not in {tool.name for tool in kept}:
        request.tool_choice = None
