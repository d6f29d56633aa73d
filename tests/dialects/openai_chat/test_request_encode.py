"""Encoding canonical requests for a chat upstream: the named rules, reasoning, structured output, caching."""

from __future__ import annotations

import pytest

from dragoman.canonical.content import ReasoningPart, RefusalPart, TextPart, ToolCallPart
from dragoman.canonical.request import Message, OutputFormat, ReasoningConfig, Request, Tool
from dragoman.dialects.openai_chat.codec import CODEC
from tests.schemas import assert_valid, schema_errors

CHAT_REQUEST = ("openai", "CreateChatCompletionRequest")
HI = [Message("user", [TextPart("hi")])]


def test_encode_request_rules() -> None:
    request = Request(
        model="alias",
        messages=[
            Message("developer", [TextPart("Be brief.", {"type": "ephemeral"})]),
            Message("user", [TextPart("a"), TextPart("b")], name="ann"),
            Message("assistant", [ReasoningPart(text="hmm", signature="sig", origin="anthropic_messages"),
                                  TextPart("Sure.")]),
            Message("assistant", [ReasoningPart(text="mine", origin="openai_chat"),
                                  ReasoningPart(summary=[" and", "more"], origin="openai_chat"),
                                  ReasoningPart(summary=["s"], encrypted="e", origin="openai_responses"),
                                  TextPart("Well"), RefusalPart("No.")]),
            Message("assistant", [RefusalPart("A"), TextPart("B")]),
            Message("assistant", []),
            Message("assistant", [ReasoningPart(text="only thought", origin="openai_chat"),
                                  ToolCallPart("c1", "f", "{}")]),
            Message("system", [TextPart("late note")]),
            Message("user", [TextPart("go")]),
        ],
        stream=True, max_tokens=100, temperature=0.3, top_p=0.9, stop=["\n\n"], user="u-1",
        metadata={"trace": "t"}, include_usage=False, parallel_tool_calls=True, prompt_cache_key="pk-1",
    )
    body = CODEC.encode_request(request, "upstream-model")
    assert body == {
        "model": "upstream-model",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}],
             "name": "ann"},
            {"role": "assistant", "content": "Sure."},
            {"role": "assistant", "content": "Well", "refusal": "No.", "reasoning_content": "mine and\n\nmore"},
            {"role": "assistant", "content": [{"type": "refusal", "refusal": "A"}, {"type": "text", "text": "B"}]},
            {"role": "assistant", "content": ""},
            {"role": "assistant", "content": None, "reasoning_content": "only thought",
             "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
            {"role": "system", "content": "late note"},
            {"role": "user", "content": "go"},
        ],
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_tokens": 100,
        "temperature": 0.3,
        "top_p": 0.9,
        "stop": ["\n\n"],
        "user": "u-1",
        "prompt_cache_key": "pk-1",
    }
    assert_valid(*CHAT_REQUEST, body)


def test_encode_minimal_request_sets_nothing_extra() -> None:
    assert CODEC.encode_request(Request(model="", messages=HI), "m") == {
        "model": "m", "messages": [{"role": "user", "content": "hi"}]}


@pytest.mark.parametrize(
    ("config", "effort"),
    [
        (None, None),
        (ReasoningConfig(effort="high"), "high"),
        (ReasoningConfig(effort="max"), "max"),
        (ReasoningConfig(enabled=False, effort="none"), "none"),
        (ReasoningConfig(effort="none"), "none"),
        (ReasoningConfig(enabled=False), None),  # Anthropic "disabled": the model's default, not an explicit none
        (ReasoningConfig(adaptive=True, effort="medium"), "medium"),  # Claude Code: adaptive + output_config.effort
        (ReasoningConfig(adaptive=True), None),
        (ReasoningConfig(), None),
        (ReasoningConfig(budget_tokens=1024), "minimal"),
        (ReasoningConfig(budget_tokens=10000), "medium"),
        (ReasoningConfig(budget_tokens=16384), "high"),
        (ReasoningConfig(budget_tokens=100000), "max"),
        (ReasoningConfig(budget_tokens=4000, effort="low"), "low"),
        (ReasoningConfig(enabled=True, summary="detailed"), None),
    ],
)
def test_reasoning_effort_encoding(config: ReasoningConfig | None, effort: str | None) -> None:
    body = CODEC.encode_request(Request("m", HI, reasoning=config), "m")
    assert body.get("reasoning_effort") == effort
    assert_valid(*CHAT_REQUEST, body)


@pytest.mark.parametrize(
    ("output", "wire"),
    [
        (OutputFormat("json_object"), {"type": "json_object"}),
        (OutputFormat("json_schema", "city", {"type": "object"}, True, "A city."),
         {"type": "json_schema", "json_schema": {"name": "city", "description": "A city.", "schema": {"type": "object"},
                                                 "strict": True}}),
        (OutputFormat("json_schema", schema={"type": "object"}),  # from Anthropic, which names no schema
         {"type": "json_schema", "json_schema": {"name": "response", "schema": {"type": "object"}}}),
    ],
)
def test_response_format_encoding(output: OutputFormat, wire: dict[str, object]) -> None:
    body = CODEC.encode_request(Request("m", HI, output_format=output), "m")
    assert body["response_format"] == wire
    assert_valid(*CHAT_REQUEST, body)
    assert CODEC.decode_request(body).output_format == OutputFormat(
        output.kind, output.name or ("response" if output.kind == "json_schema" else None), output.schema,
        output.strict, output.description)


def test_the_spec_check_is_real() -> None:
    """The request schema does catch what chat cannot say (so the assert_valid calls above mean something)."""
    bad = {"model": "m", "messages": [{"role": "tool", "tool_call_id": "c", "content": [
        {"type": "image_url", "image_url": {"url": "https://x/a.png"}}]}]}
    assert schema_errors(*CHAT_REQUEST, bad)


def test_claude_code_shaped_turn_for_a_chat_upstream() -> None:
    """What an Anthropic client's tool round trip becomes: thinking dropped, adaptive effort kept, Bash a function."""
    bash = Tool("Bash", "Run a command.", {"type": "object", "properties": {"command": {"type": "string"}},
                                           "required": ["command"]}, cache_control={"type": "ephemeral"})
    request = Request(
        model="claude-opus", stream=True, max_tokens=64000, tools=[bash],
        reasoning=ReasoningConfig(adaptive=True, effort="high"),
        messages=[
            Message("user", [TextPart("run echo hi", {"type": "ephemeral"})]),
            Message("system", [TextPart("Available agent types: ...")]),
            Message("assistant", [
                ReasoningPart(text="I will run it.", signature="sig", origin="anthropic_messages"),
                TextPart("Let me run a command."),
                ToolCallPart("toolu_8a11", "Bash", '{"command":"echo hi"}', cache_control={"type": "ephemeral"}),
            ]),
        ],
    )
    body = CODEC.encode_request(request, "gpt-5-mini")
    assert_valid(*CHAT_REQUEST, body)
    assert body["messages"][2] == {"role": "assistant", "content": "Let me run a command.", "tool_calls": [
        {"id": "toolu_8a11", "type": "function", "function": {"name": "Bash", "arguments": '{"command":"echo hi"}'}}]}
    assert body["reasoning_effort"] == "high"
    assert body["tools"][0] == {"type": "function", "function": {"name": "Bash", "description": "Run a command.",
                                                                 "parameters": bash.parameters}}
