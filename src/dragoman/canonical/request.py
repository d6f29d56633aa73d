"""The canonical request: what every client dialect decodes into and every upstream dialect encodes from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from dragoman.canonical.content import Part

Role = Literal["system", "developer", "user", "assistant", "tool"]
"""``system``/``developer`` messages may appear anywhere (Anthropic and Responses allow them mid-conversation);
``tool`` messages hold only :class:`ToolResultPart` parts."""


@dataclass(slots=True)
class Message:
    """``source`` is the wire path the client wrote this message at (``messages[2]``, ``input[3]``,
    ``system``), so a refusal can name the client's own field; it takes no part in equality."""

    role: Role
    content: list[Part]
    name: str | None = None
    source: str | None = field(default=None, compare=False)


ToolKind = Literal["function", "custom", "native"]
"""``function``: JSON-schema arguments (every dialect). ``custom``: free-form text input, optionally with a
grammar ``format`` (OpenAI custom tools; carried to other dialects as a function with one string argument,
see canonical/tools.py). ``native``: a provider-defined tool (Responses ``web_search``, Anthropic
``bash_20250124`` …) kept verbatim in ``native`` and carried only to its ``origin`` dialect."""


@dataclass(slots=True)
class Tool:
    name: str
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None
    cache_control: dict[str, Any] | None = None
    kind: ToolKind = "function"
    format: dict[str, Any] | None = None
    native: dict[str, Any] | None = None
    origin: str | None = None


@dataclass(slots=True)
class ToolChoice:
    mode: Literal["auto", "none", "required", "tool"]
    name: str | None = None


Effort = Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"]


@dataclass(slots=True)
class ReasoningConfig:
    """What the client asked of the model's reasoning. See canonical/reasoning.py for effort <-> budget.

    ``effort="none"`` or ``enabled=False`` means reasoning off. ``adaptive`` is Anthropic's
    ``thinking: {"type": "adaptive"}`` (the model decides how much to think). ``summary`` is Responses'
    ``reasoning.summary`` (``auto``/``concise``/``detailed``).
    """

    enabled: bool = True
    effort: Effort | None = None
    budget_tokens: int | None = None
    adaptive: bool = False
    summary: str | None = None


@dataclass(slots=True)
class OutputFormat:
    """Structured output: ``json_object`` (any JSON object) or ``json_schema`` (``schema`` under ``name``)."""

    kind: Literal["json_object", "json_schema"]
    name: str | None = None
    schema: dict[str, Any] | None = None
    strict: bool | None = None
    description: str | None = None


@dataclass(slots=True)
class Request:
    """A dialect-neutral chat request.

    ``untranslated`` lists the wire paths (e.g. ``"tools"`` or ``"messages[2].content[0].type"``) of things
    the decoder understood but cannot express canonically yet. They travel untouched on the same-dialect
    path; a cross-dialect route refuses the request with a 400 naming the first of them.
    """

    model: str
    messages: list[Message]
    stream: bool = False
    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    stop: list[str] = field(default_factory=list)
    user: str | None = None
    metadata: dict[str, str] | None = None
    include_usage: bool = False
    tools: list[Tool] = field(default_factory=list)
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool | None = None
    reasoning: ReasoningConfig | None = None
    output_format: OutputFormat | None = None
    prompt_cache_key: str | None = None
    untranslated: list[str] = field(default_factory=list)
