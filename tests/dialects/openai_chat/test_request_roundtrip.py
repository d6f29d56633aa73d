"""Hypothesis: every field chat carries survives encode_request -> JSON -> decode_request.

Generated canonical requests hold tools (function, custom, the dialect's own native ones), tool_choice, tool
calls and results, images, PDFs, reasoning history and config, output formats and caching fields, in the
shapes a chat client can send; the expectation applies only chat's documented normalisations
(*developer-as-system*, consecutive tool messages as one).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

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
from dragoman.canonical.request import Message, OutputFormat, ReasoningConfig, Request, Tool, ToolChoice
from dragoman.dialects.openai_chat.codec import CODEC
from tests.schemas import assert_valid

texts = st.text(max_size=12)
words = st.text(min_size=1, max_size=12)
names = st.from_regex(r"[a-zA-Z][a-zA-Z0-9_-]{0,11}", fullmatch=True)
optional_names = st.none() | names
base64_data = st.from_regex(r"[A-Za-z0-9+/]{4,16}", fullmatch=True)
schemas = st.none() | st.fixed_dictionaries({"type": st.just("object")},
                                            optional={"properties": st.dictionaries(names, st.just({}), max_size=2)})

images = st.one_of(
    st.builds(ImagePart, url=st.from_regex(r"https://example\.com/[a-z]{1,8}\.png", fullmatch=True),
              detail=st.sampled_from([None, "auto", "low", "high"])),
    st.builds(ImagePart, data=base64_data,
              media_type=st.sampled_from(["image/png", "image/jpeg", "image/gif", "image/webp"])),
)
pdfs = st.builds(DocumentPart, data=base64_data.map(lambda data: "JVBER" + data), media_type=st.just("application/pdf"),
                 filename=names.map(lambda name: name + ".pdf"))
tool_calls = st.one_of(
    st.builds(ToolCallPart, id=names, name=names, arguments=st.sampled_from(["{}", '{"a": 1}', ""])),
    st.builds(ToolCallPart, id=names, name=names, arguments=texts, kind=st.just("custom")),
)


@st.composite
def messages(draw: st.DrawFn) -> Message:
    role = draw(st.sampled_from(["system", "developer", "user", "assistant", "tool"]))
    if role == "tool":
        results = draw(st.lists(st.builds(ToolResultPart, call_id=names,
                                          content=st.lists(st.builds(TextPart, words), max_size=2)),
                                min_size=1, max_size=3))
        return Message("tool", list(results))
    if role == "user":
        parts: list[Part] = draw(st.lists(st.one_of(st.builds(TextPart, texts), images, pdfs), min_size=1, max_size=3))
        return Message("user", parts, draw(optional_names))
    if role != "assistant":
        return Message(role, [TextPart(t) for t in draw(st.lists(texts, min_size=1, max_size=3))], draw(optional_names))
    parts = []
    if draw(st.booleans()):
        parts.append(ReasoningPart(text=draw(words), origin="openai_chat"))
    parts.extend(TextPart(t) for t in draw(st.lists(words, max_size=3)))
    if draw(st.booleans()):
        parts.append(RefusalPart(draw(words)))
        if draw(st.booleans()):
            parts.append(TextPart(draw(words)))
    parts.extend(draw(st.lists(tool_calls, max_size=3)))
    return Message("assistant", parts, draw(optional_names))


tools = st.one_of(
    st.builds(Tool, name=names, description=st.none() | texts, parameters=schemas, strict=st.none() | st.booleans()),
    st.builds(Tool, name=names, description=st.none() | texts, kind=st.just("custom"),
              format=st.none() | st.just({"type": "text"})
              | st.builds(lambda syntax, definition: {"type": "grammar", "syntax": syntax, "definition": definition},
                          st.sampled_from(["lark", "regex"]), words)),
    names.map(lambda kind: Tool(kind, kind="native", native={"type": kind}, origin="openai_chat")),
)
reasoning_configs = st.none() | st.sampled_from(["minimal", "low", "medium", "high", "xhigh", "max"]).map(
    lambda effort: ReasoningConfig(effort=effort)) | st.just(ReasoningConfig(enabled=False, effort="none"))
output_formats = st.none() | st.just(OutputFormat("json_object")) | st.builds(
    OutputFormat, kind=st.just("json_schema"), name=names, schema=schemas, strict=st.none() | st.booleans(),
    description=st.none() | texts)


@st.composite
def requests(draw: st.DrawFn) -> Request:
    history = draw(st.lists(messages(), max_size=6))
    history.insert(draw(st.integers(0, len(history))), Message("user", [TextPart(draw(texts))]))
    declared = draw(st.lists(tools, max_size=3))
    choice = None
    if declared:
        choice = draw(st.none() | st.sampled_from([ToolChoice("auto"), ToolChoice("none"), ToolChoice("required")])
                      | st.sampled_from([tool.name for tool in declared]).map(lambda name: ToolChoice("tool", name)))
    return Request(
        model=draw(st.text(max_size=10)),
        messages=history,
        stream=draw(st.booleans()),
        max_tokens=draw(st.none() | st.integers(1, 1_000_000)),
        temperature=draw(st.none() | st.floats(0, 2)),
        top_p=draw(st.none() | st.floats(0, 1)),
        stop=draw(st.lists(st.text(min_size=1, max_size=5), max_size=4)),
        user=draw(st.none() | st.text(max_size=10)),
        tools=declared,
        tool_choice=choice,
        parallel_tool_calls=draw(st.none() | st.booleans()) if declared else None,
        reasoning=draw(reasoning_configs),
        output_format=draw(output_formats),
        prompt_cache_key=draw(st.none() | st.text(max_size=10)),
    )


def expected_messages(messages: list[Message]) -> list[Message]:
    out: list[Message] = []
    for message in messages:
        if message.role == "tool" and out and out[-1].role == "tool":
            out[-1] = Message("tool", [*out[-1].content, *message.content])
        elif message.role == "developer":
            out.append(Message("system", message.content, message.name))
        elif message.role == "assistant":
            out.append(Message("assistant", _assistant_order(message.content), message.name))
        else:
            out.append(message)
    return out


def _assistant_order(parts: list[Part]) -> list[Part]:
    """Chat's one ``reasoning_content``, then content (and refusal), then the tool calls."""
    reasoning = [part for part in parts if isinstance(part, ReasoningPart)]
    rest = [part for part in parts if not isinstance(part, ReasoningPart | ToolCallPart)]
    calls = [part for part in parts if isinstance(part, ToolCallPart)]
    return [*reasoning, *rest, *calls]


def expected_tools(tools: list[Tool]) -> list[Tool]:
    """*strict-explicit*: chat's default is non-strict, so an unsaid ``strict`` comes back ``False``."""
    return [replace(tool, strict=bool(tool.strict)) if tool.kind == "function" else tool for tool in tools]


def expected_choice(request: Request) -> ToolChoice | None:
    return request.tool_choice if request.tools else None


@settings(max_examples=200, deadline=None)
@given(requests())
def test_decode_of_encode_preserves_every_carried_field(request: Request) -> None:
    body = CODEC.encode_request(request, request.model)
    if not any(tool.kind == "native" for tool in request.tools):
        assert_valid("openai", "CreateChatCompletionRequest", body)
    wire: dict[str, Any] = orjson.loads(orjson.dumps(body))
    decoded = CODEC.decode_request(wire)
    assert decoded.untranslated == []
    assert decoded.messages == expected_messages(request.messages)
    assert (decoded.model, decoded.stream, decoded.max_tokens, decoded.temperature, decoded.top_p, decoded.stop,
            decoded.user) == (request.model, request.stream, request.max_tokens, request.temperature,
                              request.top_p, request.stop, request.user)
    assert decoded.include_usage is request.stream
    assert decoded.tools == expected_tools(request.tools)
    assert decoded.tool_choice == expected_choice(request)
    assert decoded.parallel_tool_calls == request.parallel_tool_calls
    assert decoded.reasoning == request.reasoning
    assert decoded.output_format == request.output_format
    assert decoded.prompt_cache_key == request.prompt_cache_key
