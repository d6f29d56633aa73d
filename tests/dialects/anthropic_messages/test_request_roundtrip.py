"""Hypothesis: for generated canonical requests with tools, tool calls and results, images, documents,
reasoning settings and history, and output formats, ``decode_request(encode_request(x))`` keeps every field
the Anthropic dialect carries, changed only by the documented rules (the expectation below spells them out)."""

from __future__ import annotations

import json
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
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from dragoman.canonical.reasoning import MIN_BUDGET, budget_for_effort
from dragoman.canonical.request import Message, OutputFormat, ReasoningConfig, Request, Tool, ToolChoice
from dragoman.canonical.tools import custom_input_schema, wrap_custom_input
from dragoman.dialects.anthropic_messages.codec import CODEC, DEFAULT_MAX_TOKENS
from tests.schemas import assert_valid

OWN = "anthropic_messages"
cache = st.none() | st.just({"type": "ephemeral"}) | st.just({"type": "ephemeral", "ttl": "1h"})
words = st.text(min_size=1, max_size=12)
names = st.text("abcXYZ019_-", min_size=1, max_size=12)
b64 = st.text("ABCabc019+/", min_size=4, max_size=12)
scalars = st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=5)
json_objects = st.dictionaries(st.text(max_size=5), scalars, max_size=3)

texts = st.builds(TextPart, st.one_of(words, st.just(" ")), cache)
images = st.one_of(
    st.builds(ImagePart, data=b64, media_type=st.sampled_from(["image/png", "image/jpeg", "image/gif", "image/webp"]),
              detail=st.none() | st.just("high"), cache_control=cache),
    st.builds(ImagePart, url=st.just("https://example.com/a.png"), cache_control=cache),
)
documents = st.one_of(
    st.builds(DocumentPart, data=b64, media_type=st.just("application/pdf"), title=st.none() | words,
              filename=st.none() | st.just("a.pdf"), cache_control=cache),
    st.builds(DocumentPart, url=st.just("https://example.com/a.pdf"), title=st.none() | words),
    st.builds(DocumentPart, text=words, media_type=st.just("text/plain"), title=st.none() | words, cache_control=cache),
)
calls = st.one_of(
    st.builds(ToolCallPart, id=st.text(min_size=1, max_size=10), name=names,
              arguments=json_objects.map(lambda value: orjson.dumps(value).decode()), cache_control=cache),
    st.builds(ToolCallPart, id=names, name=names, arguments=st.text(max_size=10), kind=st.just("custom")),
)
own_reasoning = st.one_of(
    st.builds(ReasoningPart, text=st.text(max_size=8), signature=words, origin=st.just(OWN)),
    st.builds(ReasoningPart, redacted_data=words, origin=st.just(OWN)),
)
foreign_reasoning = st.builds(ReasoningPart, text=words, encrypted=st.none() | words,
                              origin=st.sampled_from(["openai_chat", "openai_responses"]))
results = st.builds(ToolResultPart, call_id=st.text(min_size=1, max_size=10),
                    content=st.lists(texts | images | documents, max_size=2), is_error=st.booleans(),
                    cache_control=cache)

messages = st.one_of(
    st.builds(Message, st.sampled_from(["system", "developer"]), st.lists(texts, min_size=1, max_size=2)),
    st.builds(Message, st.just("user"), st.lists(texts | images | documents, min_size=1, max_size=3)),
    st.builds(Message, st.just("assistant"), st.tuples(
        st.lists(own_reasoning | foreign_reasoning, max_size=2), st.lists(texts | calls, min_size=1, max_size=3),
    ).map(lambda groups: [*groups[0], *groups[1]])),
    st.builds(Message, st.just("tool"), st.lists(results, min_size=1, max_size=2)),
)
tools = st.one_of(
    st.builds(Tool, name=names, description=st.none() | words,
              parameters=st.none() | st.just({"type": "object", "properties": {"q": {"type": "string"}}}),
              strict=st.none() | st.booleans(), cache_control=cache),
    st.builds(Tool, name=names, description=st.none() | words, kind=st.just("custom")),
    st.builds(Tool, name=st.just("bash"), kind=st.just("native"),
              native=st.just({"type": "bash_20250124", "name": "bash"}), origin=st.just(OWN)),
)
reasoning = st.one_of(
    st.none(),
    st.builds(ReasoningConfig, enabled=st.just(False)),
    st.builds(ReasoningConfig, effort=st.sampled_from(["none", "minimal", "low", "medium", "high", "xhigh", "max"])),
    st.builds(ReasoningConfig, budget_tokens=st.integers(1, 40_000)),
    st.builds(ReasoningConfig, adaptive=st.just(True), effort=st.none() | st.sampled_from(["minimal", "high", "max"])),
)
outputs = st.none() | st.builds(OutputFormat, st.just("json_object")) | st.builds(
    OutputFormat, st.just("json_schema"), name=st.none() | words,
    schema=st.just({"type": "object", "properties": {"a": {"type": "integer"}}}), strict=st.none() | st.booleans())


@st.composite
def requests(draw: st.DrawFn) -> Request:
    history = draw(st.lists(messages, max_size=6))
    history.insert(draw(st.integers(0, len(history))), Message("user", [TextPart(draw(words) + "?")]))
    offered = draw(st.lists(tools, max_size=3, unique_by=lambda tool: tool.name))
    choice = draw(st.none() | st.builds(ToolChoice, st.sampled_from(["auto", "none", "required"])) | (
        st.builds(ToolChoice, st.just("tool"), st.sampled_from([tool.name for tool in offered]))
        if offered else st.none()))
    return Request(
        model="gpt-x", messages=history, stream=draw(st.booleans()),
        max_tokens=draw(st.none() | st.integers(1, 50_000)),
        temperature=draw(st.none() | st.floats(0, 2)), top_p=draw(st.none() | st.floats(0, 1)),
        stop=draw(st.lists(words, max_size=4)), user=draw(st.none() | words), tools=offered, tool_choice=choice,
        parallel_tool_calls=draw(st.none() | st.booleans()), reasoning=draw(reasoning), output_format=draw(outputs),
        prompt_cache_key=draw(st.none() | words),
    )


# --- the expectation: what each documented rule does to a request on its way to Anthropic and back ---


def carried_part(part: Part) -> Part | None:
    match part:
        case TextPart():
            return part if part.text.strip() else None
        case ImagePart():
            return replace(part, detail=None)
        case DocumentPart():  # a URL document is a PDF to Anthropic
            media_type = "text/plain" if part.text is not None else "application/pdf"
            return replace(part, title=part.title or part.filename, filename=None, media_type=media_type)
        case ToolCallPart():
            if part.kind == "custom":
                return replace(part, kind="function", arguments=wrap_custom_input(part.arguments))
            return replace(part, arguments=orjson.dumps(json.loads(part.arguments)).decode())
        case ToolResultPart():
            kept = [item for item in map(carried_part, part.content) if item is not None]
            return replace(part, content=kept)  # type: ignore[arg-type]
        case ReasoningPart():
            return part if part.origin == OWN else None
        case _:
            raise AssertionError(part)


def expected_messages(request: Request) -> list[Message]:
    system: list[Part] = []
    turns: list[tuple[str, list[Part]]] = []  # Anthropic's alternating turns, tool results inside user turns
    for message in request.messages:
        parts = [kept for kept in map(carried_part, message.content) if kept is not None]
        if message.role in ("system", "developer"):
            system.extend(parts)
        elif message.role == "tool":
            if turns and turns[-1][0] == "user":
                content = turns[-1][1]
                at = next((i for i, part in enumerate(content) if not isinstance(part, ToolResultPart)), len(content))
                content[at:at] = parts
            else:
                turns.append(("user", parts))
        elif parts:
            if turns and turns[-1][0] == message.role:
                turns[-1][1].extend(parts)
            else:
                turns.append((message.role, parts))
    out = [Message("system", system)] if system else []
    for role, parts in turns:
        found = [part for part in parts if isinstance(part, ToolResultPart)]
        rest = [part for part in parts if not isinstance(part, ToolResultPart)]
        if found:
            out.append(Message("tool", list(found)))
        if rest or not found:
            out.append(Message(role, rest))  # type: ignore[arg-type]
    return out


def expected_tools(request: Request) -> list[Tool]:
    out = []
    for tool in request.tools:
        if tool.kind == "custom":
            description = tool.description or f"The {tool.name} tool, which takes free-form text input."
            out.append(Tool(tool.name, description, custom_input_schema(tool)))
        elif tool.kind == "function":
            out.append(replace(tool, parameters=tool.parameters or {"type": "object", "properties": {}}))
        else:
            out.append(tool)
    return out


def expected_choice(request: Request) -> tuple[ToolChoice | None, bool | None]:
    choice, parallel = request.tool_choice, request.parallel_tool_calls
    if not request.tools:
        return None, None
    if choice is None:
        return (ToolChoice("auto"), False) if parallel is False else (None, None)
    return (choice, None) if choice.mode == "none" else (choice, parallel)


def expected_reasoning(config: ReasoningConfig | None) -> ReasoningConfig | None:
    if config is None:
        return None
    if not config.enabled or config.effort == "none":
        return ReasoningConfig(enabled=False)
    if config.adaptive:
        return ReasoningConfig(adaptive=True, effort="low" if config.effort == "minimal" else config.effort)
    return ReasoningConfig(budget_tokens=max(config.budget_tokens or budget_for_effort(config.effort or "medium")
                                             or MIN_BUDGET, MIN_BUDGET))


def expected_output(output: OutputFormat | None) -> OutputFormat | None:
    if output is None:
        return None
    return OutputFormat("json_schema", schema=output.schema if output.kind == "json_schema" else {"type": "object"})


def answers_unsigned_turn(body: dict[str, Any]) -> bool:
    wire = body["messages"]
    return (len(wire) > 1 and wire[-2]["role"] == "assistant" and wire[-2]["content"][0]["type"] not in (
        "thinking", "redacted_thinking") and any(block["type"] == "tool_result" for block in wire[-1]["content"]))


@settings(max_examples=150, deadline=None)
@given(requests())
def test_decode_of_encode_keeps_every_carried_field(request: Request) -> None:
    body = CODEC.encode_request(request, "claude-up")
    assert_valid("anthropic", "CreateMessageParams", json.loads(json.dumps(body)))
    decoded = CODEC.decode_request(body)
    assert decoded.untranslated == []
    assert decoded.model == "claude-up"
    assert decoded.messages == expected_messages(request)
    assert decoded.tools == expected_tools(request)
    assert (decoded.tool_choice, decoded.parallel_tool_calls) == expected_choice(request)
    assert decoded.output_format == expected_output(request.output_format)
    assert (decoded.stop, decoded.user, decoded.stream) == (request.stop, request.user, request.stream)

    reasoning = expected_reasoning(request.reasoning)
    thinking_on = reasoning is not None and reasoning.enabled
    choice = request.tool_choice
    forced = bool(request.tools) and choice is not None and choice.mode in ("required", "tool")
    # Rules forced-tool-drops-thinking and thinking-needs-signed-turn.
    if thinking_on and (forced or answers_unsigned_turn(body)):
        reasoning, thinking_on = None, False
    assert decoded.reasoning == reasoning

    max_tokens = request.max_tokens or DEFAULT_MAX_TOKENS
    budget = reasoning.budget_tokens if reasoning is not None and reasoning.budget_tokens else 0
    assert decoded.max_tokens == (max_tokens if max_tokens > budget else budget + 4096)
    if thinking_on:  # thinking-drops-sampling
        assert (decoded.temperature, decoded.top_p) == (None, None)
    else:
        temperature = None if request.temperature is None else min(request.temperature, 1.0)
        assert (decoded.temperature, decoded.top_p) == (temperature, request.top_p)
