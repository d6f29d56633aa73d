"""Tools, tool_choice, tool calls and tool results sent to an Anthropic upstream."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dragoman.canonical.content import ImagePart, TextPart, ToolCallPart, ToolResultPart
from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import Message, Request, Tool, ToolChoice
from dragoman.canonical.tools import CUSTOM_INPUT_FIELD
from dragoman.dialects.anthropic_messages.codec import CODEC
from dragoman.dialects.anthropic_messages.tool_ids import decode_tool_id, encode_tool_id
from tests.schemas import assert_valid

CREATE_MESSAGE = ("anthropic", "CreateMessageParams")
EPHEMERAL = {"type": "ephemeral"}
SCHEMA = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}


def encode(request: Request) -> dict[str, Any]:
    body = CODEC.encode_request(request, "claude-up")
    assert_valid(*CREATE_MESSAGE, json.loads(json.dumps(body)))
    return body


def ask(*tools: Tool, choice: ToolChoice | None = None, parallel: bool | None = None,
        messages: list[Message] | None = None) -> Request:
    return Request(model="m", messages=messages or [Message("user", [TextPart("go")])], tools=list(tools),
                   tool_choice=choice, parallel_tool_calls=parallel)


def test_tool_definitions() -> None:
    bash = {"type": "bash_20250124", "name": "bash"}
    body = encode(ask(
        Tool("search", "Search the web.", SCHEMA, strict=True, cache_control=EPHEMERAL),
        Tool("noargs", None, None),
        Tool("loose", "", {"properties": {}}),
        Tool("apply_patch", "Apply a patch.", kind="custom",
             format={"type": "grammar", "syntax": "lark", "definition": "start: /.+/"}),
        Tool("freeform", kind="custom"),
        Tool("bash", kind="native", native=bash, origin="anthropic_messages"),
    ))
    tools = body["tools"]
    assert tools[:3] == [
        {"name": "search", "description": "Search the web.", "input_schema": SCHEMA, "strict": True,
         "cache_control": EPHEMERAL},
        {"name": "noargs", "input_schema": {"type": "object", "properties": {}}},
        {"name": "loose", "input_schema": {"type": "object", "properties": {}}},
    ]
    patch, freeform = tools[3], tools[4]
    assert patch["description"] == "Apply a patch."
    assert patch["input_schema"]["required"] == [CUSTOM_INPUT_FIELD]
    assert "start: /.+/" in patch["input_schema"]["properties"][CUSTOM_INPUT_FIELD]["description"]
    assert freeform["description"] and list(freeform["input_schema"]["properties"]) == [CUSTOM_INPUT_FIELD]
    assert tools[5] == bash


def test_foreign_native_tools_are_refused() -> None:
    search = Tool("web_search", kind="native", native={"type": "web_search"}, origin="openai_responses")
    with pytest.raises(InvalidRequest) as raised:
        CODEC.encode_request(ask(Tool("f", parameters=SCHEMA), search), "claude")
    assert raised.value.param == "tools[1]" and "'web_search'" in raised.value.message


@pytest.mark.parametrize(
    ("choice", "parallel", "wire"),
    [
        (None, None, None),
        (None, True, None),
        (None, False, {"type": "auto", "disable_parallel_tool_use": True}),
        (ToolChoice("auto"), None, {"type": "auto"}),
        (ToolChoice("auto"), True, {"type": "auto", "disable_parallel_tool_use": False}),
        (ToolChoice("required"), False, {"type": "any", "disable_parallel_tool_use": True}),
        (ToolChoice("tool", "f"), None, {"type": "tool", "name": "f"}),
        (ToolChoice("none"), False, {"type": "none"}),
    ],
)
def test_tool_choice(choice: ToolChoice | None, parallel: bool | None, wire: dict[str, Any] | None) -> None:
    body = encode(ask(Tool("f", parameters=SCHEMA), choice=choice, parallel=parallel))
    assert body.get("tool_choice") == wire


def test_tool_choice_without_tools_is_left_out() -> None:
    body = encode(ask(choice=ToolChoice("required"), parallel=False))
    assert "tool_choice" not in body and "tools" not in body


def test_tool_calls_and_results() -> None:
    messages = [
        Message("user", [TextPart("go")]),
        Message("assistant", [TextPart("calling"), ToolCallPart("call.1", "f", '{"q": "x"}', cache_control=EPHEMERAL),
                              ToolCallPart("call_2", "g", ""),
                              ToolCallPart("call_3", "apply_patch", "*** Begin", kind="custom")]),
        Message("tool", [ToolResultPart("call.1", [TextPart("found")], cache_control=EPHEMERAL)]),
        Message("tool", [ToolResultPart("call_2", [TextPart("bad"), ImagePart(data="iVBOR", media_type="image/png")],
                                        is_error=True),
                         ToolResultPart("call_3", [TextPart("")])]),
        Message("user", [TextPart("and?")]),
    ]
    body = encode(ask(Tool("f", parameters=SCHEMA), messages=messages))
    safe = encode_tool_id("call.1")
    assert safe != "call.1" and decode_tool_id(safe) == "call.1"
    assert body["messages"][1:] == [
        {"role": "assistant", "content": [
            {"type": "text", "text": "calling"},
            {"type": "tool_use", "id": safe, "name": "f", "input": {"q": "x"}, "cache_control": EPHEMERAL},
            {"type": "tool_use", "id": "call_2", "name": "g", "input": {}},
            {"type": "tool_use", "id": "call_3", "name": "apply_patch", "input": {"input": "*** Begin"}},
        ]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": safe, "content": [{"type": "text", "text": "found"}],
             "cache_control": EPHEMERAL},
            {"type": "tool_result", "tool_use_id": "call_2", "is_error": True, "content": [
                {"type": "text", "text": "bad"},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBOR"}}]},
            {"type": "tool_result", "tool_use_id": "call_3"},
            {"type": "text", "text": "and?"},
        ]},
    ]


def test_results_after_user_text_still_lead_the_turn() -> None:
    messages = [Message("assistant", [ToolCallPart("t1", "f", "{}")]), Message("user", [TextPart("note")]),
                Message("tool", [ToolResultPart("t1", [TextPart("ok")])])]
    body = encode(ask(Tool("f"), messages=[Message("user", [TextPart("q")]), *messages]))
    assert [block["type"] for block in body["messages"][-1]["content"]] == ["tool_result", "text"]


@pytest.mark.parametrize("arguments", ['{"a": ', "[1, 2]", "null"])
def test_arguments_that_are_not_an_object_are_refused(arguments: str) -> None:
    messages = [Message("user", [TextPart("q")]), Message("assistant", [ToolCallPart("t1", "f", arguments)])]
    with pytest.raises(InvalidRequest) as raised:
        CODEC.encode_request(ask(Tool("f"), messages=messages), "claude")
    assert raised.value.param == "messages[1].content[0]" and "not a JSON object" in raised.value.message
