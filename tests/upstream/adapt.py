"""Answers shaped by the request: the one place the fake upstream looks at more than the request's model.

*forced-tool*: the recorded tool call, renamed to the tool the request forces with ``tool_choice`` (or, when
none is forced, its last tool), as a model does when made to call a tool. The structured-output emulation
(``structured_output: tool``) forces a tool named by the gateway, and this answers it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.upstream.answers import Answer, Body, Dialect, Stream
from tests.upstream.tool_variants import recorded_tool_name, rename_tool

Adapter = Callable[[Answer, Any], Answer]


def _name(dialect: Dialect, wire: dict[str, Any]) -> Any:
    """A tool's or a tool choice's name; chat nests it under ``function`` or ``custom``."""
    if dialect == "chat":
        return (wire.get("function") or wire.get("custom") or {}).get("name")
    return wire.get("name")


def forced_tool_name(dialect: Dialect, body: Any) -> str | None:
    choice = body.get("tool_choice") if isinstance(body, dict) else None
    if isinstance(choice, dict) and isinstance(named := _name(dialect, choice), str):
        return named
    tools = body.get("tools") if isinstance(body, dict) else None
    if not isinstance(tools, list) or not tools or not isinstance(tools[-1], dict):
        return None
    named = _name(dialect, tools[-1])
    return named if isinstance(named, str) else None


def forced_tool(dialect: Dialect) -> Adapter:
    def adapt(answer: Answer, body: Any) -> Answer:
        wanted = forced_tool_name(dialect, body)
        if wanted is None or not isinstance(answer, Body | Stream):
            return answer
        return rename_tool(answer, recorded_tool_name(answer), wanted)

    return adapt
