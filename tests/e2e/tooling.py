"""Tool definitions, ``tool_choice`` and parallel-call settings in each dialect, written from one neutral
description and read back from what an upstream received, so a test compares meanings, not shapes.

Defaults are each dialect's documented ones: ``strict`` is false unless given in chat and Anthropic and true
unless given in Responses; parallel calls are allowed unless ``parallel_tool_calls: false`` (OpenAI) or
``disable_parallel_tool_use: true`` (Anthropic).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from tests.upstream import Dialect

CITY_SCHEMA: dict[str, Any] = {"type": "object", "properties": {"city": {"type": "string", "description": "City"}},
                               "required": ["city"], "additionalProperties": False}
TICKER_SCHEMA: dict[str, Any] = {"type": "object",
                                 "properties": {"ticker": {"type": "string"}, "exchange": {"type": "string",
                                                                                           "enum": ["NASDAQ", "NYSE"]}},
                                 "required": ["ticker"]}


@dataclass(frozen=True, slots=True)
class ToolSpec:
    name: str
    description: str | None
    schema: dict[str, Any]
    strict: bool | None = None

    def effective_strict(self, dialect: Dialect) -> bool:
        return self.strict if self.strict is not None else dialect == "responses"


WEATHER = ToolSpec("get_weather", "The current weather in a city.", CITY_SCHEMA, strict=True)
STOCK = ToolSpec("get_stock_price", "The latest price of a stock.", TICKER_SCHEMA)
TOOLSET = (WEATHER, STOCK)

Choice = Literal["auto", "none", "required"] | tuple[Literal["tool"], str]
CHOICES: list[Choice] = ["auto", "none", "required", ("tool", STOCK.name)]


def tool_wire(dialect: Dialect, spec: ToolSpec) -> dict[str, Any]:
    if dialect == "chat":
        function: dict[str, Any] = {"name": spec.name, "parameters": spec.schema}
        if spec.description is not None:
            function["description"] = spec.description
        if spec.strict is not None:
            function["strict"] = spec.strict
        return {"type": "function", "function": function}
    if dialect == "responses":
        tool: dict[str, Any] = {"type": "function", "name": spec.name, "parameters": spec.schema,
                                "strict": spec.effective_strict("responses")}
        if spec.description is not None:
            tool["description"] = spec.description
        return tool
    tool = {"name": spec.name, "input_schema": spec.schema}
    if spec.description is not None:
        tool["description"] = spec.description
    if spec.strict is not None:
        tool["strict"] = spec.strict
    return tool


def tools_wire(dialect: Dialect, specs: tuple[ToolSpec, ...] = TOOLSET) -> list[dict[str, Any]]:
    return [tool_wire(dialect, spec) for spec in specs]


def choice_fields(dialect: Dialect, choice: Choice | None, parallel: bool | None) -> dict[str, Any]:
    """The request fields that say ``choice`` and ``parallel`` (None = left to the default) in ``dialect``."""
    fields: dict[str, Any] = {}
    if dialect != "anthropic":
        if isinstance(choice, tuple):
            fields["tool_choice"] = ({"type": "function", "function": {"name": choice[1]}} if dialect == "chat"
                                     else {"type": "function", "name": choice[1]})
        elif choice is not None:
            fields["tool_choice"] = choice
        if parallel is not None:
            fields["parallel_tool_calls"] = parallel
        return fields
    if choice is None and parallel is None:
        return fields
    wire: dict[str, Any]
    if isinstance(choice, tuple):
        wire = {"type": "tool", "name": choice[1]}
    else:
        wire = {"type": {"auto": "auto", "none": "none", "required": "any", None: "auto"}[choice]}
    if parallel is not None and wire["type"] != "none":
        wire["disable_parallel_tool_use"] = not parallel
    fields["tool_choice"] = wire
    return fields


# --- reading what an upstream received --------------------------------------------------------------------

def received_tools(dialect: Dialect, body: dict[str, Any]) -> list[ToolSpec]:
    specs = []
    for tool in body.get("tools") or []:
        if dialect == "chat":
            assert tool.get("type") == "function", f"a chat function tool: {tool}"
            function = tool["function"]
            strict = function.get("strict")
            specs.append(ToolSpec(function["name"], function.get("description"), function.get("parameters") or {},
                                  bool(strict) if strict is not None else False))
        elif dialect == "responses":
            assert tool.get("type") == "function", f"a Responses function tool: {tool}"
            strict = tool.get("strict")
            specs.append(ToolSpec(tool["name"], tool.get("description"), tool.get("parameters") or {},
                                  True if strict is None else bool(strict)))
        else:
            assert tool.get("type") in (None, "custom"), f"an Anthropic client tool: {tool}"
            specs.append(ToolSpec(tool["name"], tool.get("description"), tool["input_schema"],
                                  bool(tool.get("strict", False))))
    return specs


def received_choice(dialect: Dialect, body: dict[str, Any]) -> Choice | None:
    wire = body.get("tool_choice")
    if wire is None:
        return None
    if dialect == "anthropic":
        kind = wire["type"]
        if kind == "tool":
            return ("tool", wire["name"])
        return {"auto": "auto", "none": "none", "any": "required"}[kind]  # type: ignore[return-value]
    if isinstance(wire, str):
        return wire  # type: ignore[return-value]
    name = wire["function"]["name"] if dialect == "chat" else wire["name"]
    return ("tool", name)


def effective_choice(dialect: Dialect, body: dict[str, Any]) -> Choice:
    """What the upstream will do: a missing choice means ``auto`` when tools are given."""
    return received_choice(dialect, body) or "auto"


def parallel_allowed(dialect: Dialect, body: dict[str, Any]) -> bool:
    if dialect == "anthropic":
        return not (body.get("tool_choice") or {}).get("disable_parallel_tool_use", False)
    return body.get("parallel_tool_calls", True) is not False
