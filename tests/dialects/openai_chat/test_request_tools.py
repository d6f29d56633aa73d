"""Tools both ways: definitions (function, custom, native), tool_choice, calls and results in history."""

from __future__ import annotations

from typing import Any

import pytest

from dragoman.canonical.content import DocumentPart, ImagePart, TextPart, ToolCallPart, ToolResultPart
from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import Message, Request, Tool, ToolChoice
from dragoman.dialects.openai_chat.codec import CODEC
from tests.schemas import assert_valid

CHAT_REQUEST = ("openai", "CreateChatCompletionRequest")
USER = {"role": "user", "content": "hi"}
CITY = {"type": "object", "properties": {"city": {"type": "string"}}}
WEATHER: dict[str, Any] = {"type": "function", "function": {"name": "weather", "description": "Weather in a city.",
                                                            "parameters": CITY, "strict": True}}
PATCH: dict[str, Any] = {"type": "custom", "custom": {"name": "apply_patch", "description": "Apply a patch.",
                                      "format": {"type": "grammar", "grammar": {"syntax": "lark",
                                                                                "definition": "start: /.+/"}}}}
BROWSER = {"type": "browser_search"}


def decode(**body: Any) -> Request:
    return CODEC.decode_request({"messages": [USER], **body})


def test_tool_definitions_decode() -> None:
    request = decode(tools=[WEATHER, PATCH, {"type": "custom", "custom": {"name": "free", "format": {"type": "text"}}},
                            {"type": "custom", "custom": {"name": "bare"}}, BROWSER], parallel_tool_calls=True)
    assert request.tools == [
        Tool("weather", "Weather in a city.", CITY, strict=True),
        Tool("apply_patch", "Apply a patch.", kind="custom",
             format={"type": "grammar", "syntax": "lark", "definition": "start: /.+/"}),
        Tool("free", kind="custom", format={"type": "text"}),
        Tool("bare", kind="custom"),
        Tool("browser_search", kind="native", native=BROWSER, origin="openai_chat"),
    ]
    assert (request.parallel_tool_calls, request.untranslated) == (True, [])


def test_flat_responses_grammar_shape_is_accepted() -> None:
    flat = {"type": "custom", "custom": {"name": "p", "format": {"type": "grammar", "syntax": "regex",
                                                                 "definition": "a+"}}}
    assert decode(tools=[flat]).tools[0].format == {"type": "grammar", "syntax": "regex", "definition": "a+"}


@pytest.mark.parametrize(
    ("wire", "choice"),
    [("auto", ToolChoice("auto")), ("none", ToolChoice("none")), ("required", ToolChoice("required")),
     ({"type": "function", "function": {"name": "weather"}}, ToolChoice("tool", "weather")),
     ({"type": "custom", "custom": {"name": "apply_patch"}}, ToolChoice("tool", "apply_patch"))],
)
def test_tool_choice_both_ways(wire: Any, choice: ToolChoice) -> None:
    request = decode(tools=[WEATHER, PATCH], tool_choice=wire)
    assert request.tool_choice == choice
    body = CODEC.encode_request(request, "m")
    assert body["tool_choice"] == wire
    assert_valid(*CHAT_REQUEST, body)


def test_tool_definitions_encode_back_exactly() -> None:
    tools = [WEATHER, PATCH, BROWSER, {"type": "function", "function": {"name": "noargs"}}]
    body = CODEC.encode_request(decode(tools=tools, parallel_tool_calls=False), "m")
    assert body["tools"] == tools
    assert body["parallel_tool_calls"] is False
    assert_valid(*CHAT_REQUEST, {**body, "tools": [WEATHER, PATCH]})  # the spec knows no vendor tool types


def test_strict_is_explicit_and_only_true_is_written() -> None:
    tools = [{"type": "function", "function": {"name": name, **extra}}
             for name, extra in (("a", {}), ("b", {"strict": None}), ("c", {"strict": False}), ("d", {"strict": True}))]
    request = decode(tools=tools)
    assert [tool.strict for tool in request.tools] == [False, False, False, True]
    assert CODEC.encode_request(request, "m")["tools"] == [
        {"type": "function", "function": {"name": name, **({"strict": True} if name == "d" else {})}}
        for name in "abcd"]


def test_tools_from_other_dialects() -> None:
    request = Request("m", [Message("user", [TextPart("x")])], tools=[
        Tool("Bash", "Run a command.", {"type": "object"}, cache_control={"type": "ephemeral"}),
        Tool("apply_patch", kind="custom", format={"type": "grammar", "syntax": "lark", "definition": "x"}),
    ], tool_choice=ToolChoice("tool", "apply_patch"), parallel_tool_calls=True)
    body = CODEC.encode_request(request, "m")
    assert body["tools"] == [
        {"type": "function", "function": {"name": "Bash", "description": "Run a command.",
                                          "parameters": {"type": "object"}}},
        {"type": "custom", "custom": {"name": "apply_patch", "format": {
            "type": "grammar", "grammar": {"definition": "x", "syntax": "lark"}}}},
    ]
    assert body["tool_choice"] == {"type": "custom", "custom": {"name": "apply_patch"}}
    assert_valid(*CHAT_REQUEST, body)


@pytest.mark.parametrize("origin", ["openai_responses", "anthropic_messages", None])
def test_native_tools_of_another_origin_are_refused(origin: str | None) -> None:
    request = Request("m", [Message("user", [TextPart("x")])], tools=[
        Tool("f"), Tool("web_search", kind="native", native={"type": "web_search"}, origin=origin)])
    with pytest.raises(InvalidRequest) as caught:
        CODEC.encode_request(request, "m")
    assert caught.value.param == "tools[1]"
    assert "'web_search'" in caught.value.message and "built-in tool" in caught.value.message


def test_tool_choice_and_parallel_calls_need_tools() -> None:
    request = decode(tool_choice="required", parallel_tool_calls=True)
    assert request.tool_choice is None  # nothing to choose from
    body = CODEC.encode_request(Request("m", [Message("user", [TextPart("x")])], tool_choice=ToolChoice("auto"),
                                        parallel_tool_calls=True), "m")
    assert "tool_choice" not in body and "parallel_tool_calls" not in body and "tools" not in body


# --- calls and results in history ---

HISTORY = [
    USER,
    {"role": "assistant", "content": "Checking.", "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": '{"city":"Oslo"}'}},
        {"id": "call_2", "type": "custom", "custom": {"name": "apply_patch", "input": "*** Begin Patch"}},
    ]},
    {"role": "tool", "tool_call_id": "call_1", "content": "-3 C"},
    {"role": "tool", "tool_call_id": "call_2", "content": [{"type": "text", "text": "Done."},
                                                           {"type": "text", "text": "2 files."}]},
    {"role": "user", "content": "thanks"},
    {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_3", "type": "function", "function": {"name": "weather", "arguments": "{}"}}]},
    {"role": "tool", "tool_call_id": "call_3", "content": ""},
]


def test_calls_and_results_decode() -> None:
    request = decode(messages=HISTORY, tools=[WEATHER, PATCH])
    assert request.untranslated == []
    assert request.messages == [
        Message("user", [TextPart("hi")]),
        Message("assistant", [TextPart("Checking."), ToolCallPart("call_1", "weather", '{"city":"Oslo"}'),
                              ToolCallPart("call_2", "apply_patch", "*** Begin Patch", kind="custom")]),
        Message("tool", [ToolResultPart("call_1", [TextPart("-3 C")]),
                         ToolResultPart("call_2", [TextPart("Done."), TextPart("2 files.")])]),
        Message("user", [TextPart("thanks")]),
        Message("assistant", [ToolCallPart("call_3", "weather", "{}")]),
        Message("tool", [ToolResultPart("call_3", [])]),
    ]


def test_calls_and_results_encode_back_exactly() -> None:
    request = decode(messages=HISTORY, tools=[WEATHER, PATCH])
    body = CODEC.encode_request(request, "m")
    assert body["messages"] == HISTORY
    assert_valid(*CHAT_REQUEST, body)


def test_results_from_other_dialects() -> None:
    """An Anthropic tool_result with an error flag, an image and documents, for a chat upstream."""
    png = ImagePart(data="iVBORw0KGgo=", media_type="image/png")
    pdf = DocumentPart(data="JVBERi0xLjQ=", media_type="application/pdf", filename="r.pdf")
    request = Request("m", [
        Message("user", [TextPart("go")]),
        Message("assistant", [ToolCallPart("toolu_1", "shot", "{}"), TextPart("after the call"),
                              ToolCallPart("toolu_2", "run", "{}"), ToolCallPart("toolu_3", "read", "{}")]),
        Message("tool", [
            ToolResultPart("toolu_1", [TextPart("Screenshot:"), png], cache_control={"type": "ephemeral"}),
            ToolResultPart("toolu_2", [TextPart("exit 1")], is_error=True),
            ToolResultPart("toolu_3", [pdf, DocumentPart(text="a,b\n1,2", media_type="text/csv", filename="t.csv")]),
            ToolResultPart("toolu_4", [], is_error=True),
        ]),
        Message("user", [TextPart("and?")]),
    ])
    body = CODEC.encode_request(request, "m")
    assert body["messages"][1:] == [
        {"role": "assistant", "content": "after the call", "tool_calls": [
            {"id": "toolu_1", "type": "function", "function": {"name": "shot", "arguments": "{}"}},
            {"id": "toolu_2", "type": "function", "function": {"name": "run", "arguments": "{}"}},
            {"id": "toolu_3", "type": "function", "function": {"name": "read", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "toolu_1", "content": "Screenshot:"},
        {"role": "tool", "tool_call_id": "toolu_2", "content": "Error: exit 1"},
        {"role": "tool", "tool_call_id": "toolu_3",
         "content": '<document name="t.csv" type="text/csv">\na,b\n1,2\n</document>'},
        {"role": "tool", "tool_call_id": "toolu_4", "content": "Error"},
        {"role": "user", "content": [
            {"type": "text", "text": "Attachments of the result of tool call toolu_1:"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
            {"type": "text", "text": "Attachments of the result of tool call toolu_3:"},
            {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0xLjQ=", "filename": "r.pdf"}},
        ]},
        {"role": "user", "content": "and?"},
    ]
    assert_valid(*CHAT_REQUEST, body)


def test_a_result_with_only_an_attachment_points_to_it() -> None:
    request = Request("m", [Message("user", [TextPart("go")]), Message("assistant", [ToolCallPart("c", "shot", "{}")]),
                            Message("tool", [ToolResultPart("c", [ImagePart(url="https://x/s.png")])])])
    messages = CODEC.encode_request(request, "m")["messages"]
    assert messages[2:] == [
        {"role": "tool", "tool_call_id": "c", "content": "The result is attached in the next message."},
        {"role": "user", "content": [{"type": "text", "text": "Attachments of the result of tool call c:"},
                                     {"type": "image_url", "image_url": {"url": "https://x/s.png"}}]},
    ]


def test_lenient_attachments_in_a_tool_message_decode() -> None:
    request = decode(messages=[USER, {"role": "tool", "tool_call_id": "c", "content": [
        {"type": "text", "text": "see"}, {"type": "image_url", "image_url": {"url": "https://x/s.png"}},
        {"type": "input_audio", "input_audio": {"data": "AA", "format": "wav"}}]}])
    assert request.messages[1] == Message("tool", [ToolResultPart("c", [TextPart("see"),
                                                                        ImagePart(url="https://x/s.png")])])
    assert request.untranslated == ["messages[1].content[2]"]


@pytest.mark.parametrize(
    ("message", "param"),
    [
        (Message("tool", [TextPart("loose text")]), "messages[1].content[0]"),
        (Message("user", [ToolResultPart("c")]), "messages[1].content[0]"),
        (Message("user", [ToolCallPart("c", "f", "{}")]), "messages[1].content[0]"),
        (Message("assistant", [ToolResultPart("c")]), "messages[1].content[0]"),
        (Message("tool", [ToolResultPart("c", [DocumentPart(url="https://x/a.pdf", media_type="application/pdf")])]),
         "messages[1].content[0].content[0]"),
    ],
)
def test_misplaced_tool_parts_are_refused(message: Message, param: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        CODEC.encode_request(Request("m", [Message("user", [TextPart("x")]), message]), "m")
    assert caught.value.param == param
    assert "OpenAI Chat Completions upstream" in caught.value.message
