"""Structured output emulated with a forced tool: request rewrite, answer and stream unwrapping."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from dragoman.canonical.assembler import assemble
from dragoman.canonical.content import TextPart, ToolCallPart
from dragoman.canonical.events import BlockDelta, BlockStart, BlockStop, StreamEvent, StreamFinish, StreamStart
from dragoman.canonical.request import Message, OutputFormat, Request, Tool
from dragoman.canonical.response import Response, StopKind, StopReason, Usage
from dragoman.canonical.structured import emulate_with_tool, unwrap_response, unwrap_stream

SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


def _request(*tools: Tool) -> Request:
    return Request(model="m", messages=[Message("user", [TextPart("where?")])], tools=list(tools),
                   output_format=OutputFormat("json_schema", name="place", schema=SCHEMA, strict=True))


def test_schema_becomes_a_forced_tool() -> None:
    request = _request()
    assert emulate_with_tool(request) == "place"
    assert request.output_format is None
    (tool,) = request.tools
    assert (tool.name, tool.parameters, tool.strict) == ("place", SCHEMA, True)
    assert request.tool_choice is not None and (request.tool_choice.mode, request.tool_choice.name) == ("tool", "place")


def test_client_tools_are_kept_and_not_forced_away() -> None:
    request = _request(Tool(name="place", parameters={"type": "object"}))
    name = emulate_with_tool(request)
    assert name == "place_json_output"
    assert [tool.name for tool in request.tools] == ["place", "place_json_output"]
    assert request.tool_choice is None


def test_the_tool_call_comes_back_as_text() -> None:
    response = Response(id="r", model="m", content=[ToolCallPart("c1", "place", '{"city":"Oslo"}')],
                        stop_reason=StopReason(StopKind.TOOL_USE, "tool_use"))
    answer = unwrap_response(response, "place")
    assert answer.content == [TextPart('{"city":"Oslo"}')]
    assert answer.stop_reason.kind is StopKind.END_TURN


def test_the_streamed_tool_call_comes_back_as_text() -> None:
    events: list[StreamEvent] = [
        StreamStart(id="r", model="m"),
        BlockStart(0, "tool_call", tool_call_id="c1", tool_name="place"),
        BlockDelta(0, '{"city":'), BlockDelta(0, '"Oslo"}'), BlockStop(0),
        StreamFinish(StopReason(StopKind.TOOL_USE, "tool_use"), Usage(3, 4)),
    ]

    async def source() -> AsyncIterator[StreamEvent]:
        for event in events:
            yield event

    async def collect() -> list[StreamEvent]:
        return [event async for event in unwrap_stream(source(), "place")]

    answer = assemble(asyncio.run(collect()))
    assert answer.content == [TextPart('{"city":"Oslo"}')]
    assert answer.stop_reason.kind is StopKind.END_TURN
