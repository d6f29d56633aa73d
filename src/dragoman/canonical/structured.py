"""Structured output emulated with a forced tool call, for upstreams without native structured output.

Rule *structured-output-as-tool* (deployment option ``structured_output: tool``): the requested schema
becomes the parameters of one extra tool that the model is made to call (``tool_choice`` forces it when the
client gave no tools of its own); the call's arguments are handed back to the client as the answer's text,
and the stop reason ``tool_use`` becomes ``end_turn``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

from dragoman.canonical.content import TextPart, ToolCallPart
from dragoman.canonical.events import BlockStart, StreamEvent, StreamFinish
from dragoman.canonical.request import Request, Tool, ToolChoice
from dragoman.canonical.response import Response, StopKind, StopReason

DEFAULT_TOOL_NAME = "json_output"
_ANY_OBJECT = {"type": "object"}


def emulate_with_tool(request: Request) -> str | None:
    """Replace ``request.output_format`` with a tool; the tool's name, or ``None`` when nothing was asked."""
    output = request.output_format
    if output is None:
        return None
    name = output.name or DEFAULT_TOOL_NAME
    if any(tool.name == name for tool in request.tools):
        name = f"{name}_{DEFAULT_TOOL_NAME}"
    description = "Give your final answer by calling this tool; its arguments are the answer."
    if output.description:
        description = f"{output.description}\n\n{description}"
    parameters = output.schema if output.kind == "json_schema" and output.schema else _ANY_OBJECT
    request.tools.append(Tool(name=name, description=description, parameters=parameters, strict=output.strict))
    if len(request.tools) == 1:
        request.tool_choice = ToolChoice("tool", name)
    request.output_format = None
    return name


def _answer_stop(reason: StopReason) -> StopReason:
    return StopReason(StopKind.END_TURN, "end_turn") if reason.kind is StopKind.TOOL_USE else reason


def unwrap_response(response: Response, tool_name: str) -> Response:
    content = [
        TextPart(part.arguments) if isinstance(part, ToolCallPart) and part.name == tool_name else part
        for part in response.content
    ]
    only_answer = not any(isinstance(part, ToolCallPart) for part in content)
    stop = _answer_stop(response.stop_reason) if only_answer else response.stop_reason
    return replace(response, content=content, stop_reason=stop)


async def unwrap_stream(events: AsyncIterator[StreamEvent], tool_name: str) -> AsyncIterator[StreamEvent]:
    other_calls = False
    async for event in events:
        if isinstance(event, BlockStart) and event.kind == "tool_call":
            if event.tool_name == tool_name:
                event = BlockStart(event.index, "text")
            else:
                other_calls = True
        elif isinstance(event, StreamFinish) and not other_calls:
            event = StreamFinish(_answer_stop(event.stop_reason), event.usage)
        yield event
