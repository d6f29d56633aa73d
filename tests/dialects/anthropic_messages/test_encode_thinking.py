"""Thinking settings and structured output sent to an Anthropic upstream: the effort <-> budget table, the
API's constraints (budget below max_tokens, no sampling changes, no forced tool, a signed turn before tool
results) and output_config.format."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dragoman.canonical.content import ReasoningPart, TextPart, ToolCallPart, ToolResultPart
from dragoman.canonical.reasoning import EFFORT_BUDGETS
from dragoman.canonical.request import Message, OutputFormat, ReasoningConfig, Request, Tool, ToolChoice
from dragoman.dialects.anthropic_messages.codec import CODEC
from tests.schemas import assert_valid

CREATE_MESSAGE = ("anthropic", "CreateMessageParams")
SIGNED = ReasoningPart(text="plan", signature="sig", origin="anthropic_messages")


def encode(request: Request) -> dict[str, Any]:
    body = CODEC.encode_request(request, "claude-up")
    assert_valid(*CREATE_MESSAGE, json.loads(json.dumps(body)))
    return body


def ask(reasoning: ReasoningConfig | None, **fields: Any) -> Request:
    fields.setdefault("messages", [Message("user", [TextPart("q")])])
    return Request(model="m", reasoning=reasoning, **fields)


@pytest.mark.parametrize(
    ("reasoning", "max_tokens", "thinking", "effort", "sent_max_tokens"),
    [
        (None, 1000, None, None, 1000),
        (ReasoningConfig(enabled=False), 1000, {"type": "disabled"}, None, 1000),
        (ReasoningConfig(effort="none"), 1000, {"type": "disabled"}, None, 1000),
        (ReasoningConfig(budget_tokens=3000), 20000, {"type": "enabled", "budget_tokens": 3000}, None, 20000),
        (ReasoningConfig(budget_tokens=3000, effort="max"), 20000, {"type": "enabled", "budget_tokens": 3000}, None,
         20000),
        (ReasoningConfig(budget_tokens=500), 20000, {"type": "enabled", "budget_tokens": 1024}, None, 20000),
        (ReasoningConfig(), 20000, {"type": "enabled", "budget_tokens": 8192}, None, 20000),
        (ReasoningConfig(effort="high"), 1000, {"type": "enabled", "budget_tokens": 16384}, None, 16384 + 4096),
        (ReasoningConfig(effort="minimal"), 1024, {"type": "enabled", "budget_tokens": 1024}, None, 1024 + 4096),
        (ReasoningConfig(adaptive=True), 1000, {"type": "adaptive"}, None, 1000),
        (ReasoningConfig(adaptive=True, effort="xhigh"), 1000, {"type": "adaptive"}, "xhigh", 1000),
        (ReasoningConfig(adaptive=True, effort="minimal"), 1000, {"type": "adaptive"}, "low", 1000),
        (ReasoningConfig(adaptive=True, effort="none"), 1000, {"type": "disabled"}, None, 1000),
    ],
)
def test_thinking_config(reasoning: ReasoningConfig | None, max_tokens: int, thinking: dict[str, Any] | None,
                         effort: str | None, sent_max_tokens: int) -> None:
    body = encode(ask(reasoning, max_tokens=max_tokens))
    assert body.get("thinking") == thinking
    assert body.get("output_config", {}).get("effort") == effort
    assert body["max_tokens"] == sent_max_tokens


def test_every_effort_gets_its_budget_from_the_shared_table() -> None:
    for effort, budget in EFFORT_BUDGETS.items():
        body = encode(ask(ReasoningConfig(effort=effort), max_tokens=100_000))
        assert body["thinking"] == {"type": "enabled", "budget_tokens": budget}


def test_thinking_drops_sampling() -> None:
    on = encode(ask(ReasoningConfig(adaptive=True), temperature=0.2, top_p=0.5))
    assert "temperature" not in on and "top_p" not in on
    off = encode(ask(ReasoningConfig(enabled=False), temperature=0.2, top_p=0.5))
    assert (off["temperature"], off["top_p"]) == (0.2, 0.5)


@pytest.mark.parametrize("choice", [ToolChoice("required"), ToolChoice("tool", "f")])
def test_a_forced_tool_drops_thinking(choice: ToolChoice) -> None:
    body = encode(ask(ReasoningConfig(effort="high"), tools=[Tool("f")], tool_choice=choice, max_tokens=1000,
                      temperature=0.3))
    assert "thinking" not in body and "output_config" not in body
    assert (body["max_tokens"], body["temperature"]) == (1000, 0.3)
    kept = encode(ask(ReasoningConfig(effort="high"), tools=[Tool("f")], tool_choice=ToolChoice("auto")))
    assert kept["thinking"]["type"] == "enabled"


def loop(*assistant: Any) -> list[Message]:
    return [Message("user", [TextPart("q")]), Message("assistant", list(assistant)),
            Message("tool", [ToolResultPart("t1", [TextPart("ok")])])]


def test_thinking_needs_a_signed_turn_before_tool_results() -> None:
    call = ToolCallPart("t1", "f", "{}")
    signed = encode(ask(ReasoningConfig(adaptive=True, effort="high"), messages=loop(SIGNED, call), tools=[Tool("f")]))
    assert signed["thinking"] == {"type": "adaptive"} and signed["output_config"] == {"effort": "high"}
    foreign = ReasoningPart(summary=["s"], encrypted="gAAA", origin="openai_responses")
    for turn in (loop(call), loop(foreign, call), loop(TextPart("calling"), call)):
        body = encode(ask(ReasoningConfig(adaptive=True, effort="high"), messages=turn, tools=[Tool("f")]))
        assert "thinking" not in body and "output_config" not in body
    # Not in a tool loop: thinking stays on.
    plain = [Message("user", [TextPart("q")]), Message("assistant", [TextPart("a")]), Message("user", [TextPart("b")])]
    assert encode(ask(ReasoningConfig(adaptive=True), messages=plain))["thinking"] == {"type": "adaptive"}


@pytest.mark.parametrize(
    ("output", "wire"),
    [
        (OutputFormat("json_schema", name="answer", schema={"type": "object", "properties": {}}, strict=True,
                      description="d"), {"type": "json_schema", "schema": {"type": "object", "properties": {}}}),
        (OutputFormat("json_object"), {"type": "json_schema", "schema": {"type": "object"}}),
        (OutputFormat("json_schema"), {"type": "json_schema", "schema": {"type": "object"}}),
    ],
)
def test_output_format(output: OutputFormat, wire: dict[str, Any]) -> None:
    body = encode(ask(ReasoningConfig(adaptive=True, effort="low"), output_format=output))
    assert body["output_config"] == {"effort": "low", "format": wire}
