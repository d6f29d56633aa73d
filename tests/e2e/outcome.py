"""What an answer says, in one dialect-neutral shape: text, stop reason, usage.

Used both ways: on what the fake upstream served (the expectation) and on what the gateway sent the client
(the result). Usage is normalised to the OpenAI convention (input includes cache reads and writes), each
dialect's own fields read by their documented meaning, so a mis-mapped field shows up as a wrong number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.e2e.wire import Event, parse_sse
from tests.upstream import Answer, Body, Dialect, Stream

Stop = str | tuple[str, str | None]
"""chat ``finish_reason``; anthropic ``stop_reason``; responses ``(status, incomplete_details.reason)``."""


@dataclass(slots=True)
class Usage:
    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0
    total: int | None = None


@dataclass(slots=True)
class Outcome:
    text: str = ""
    stop: Stop | None = None
    usage: Usage | None = None
    errors: list[Any] = field(default_factory=list)


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0


def usage_of(dialect: Dialect, usage: Any) -> Usage | None:
    if not isinstance(usage, dict):
        return None
    if dialect == "chat":
        return Usage(_int(usage.get("prompt_tokens")), _int(usage.get("completion_tokens")),
                     _int((usage.get("prompt_tokens_details") or {}).get("cached_tokens")),
                     total=usage.get("total_tokens"))
    if dialect == "responses":
        return Usage(_int(usage.get("input_tokens")), _int(usage.get("output_tokens")),
                     _int((usage.get("input_tokens_details") or {}).get("cached_tokens")),
                     total=usage.get("total_tokens"))
    read, write = _int(usage.get("cache_read_input_tokens")), _int(usage.get("cache_creation_input_tokens"))
    return Usage(_int(usage.get("input_tokens")) + read + write, _int(usage.get("output_tokens")), read, write)


def _responses_text(output: list[Any]) -> str:
    return "".join(part.get("text", "") for item in output if item.get("type") == "message"
                   for part in item.get("content", []) if part.get("type") == "output_text")


def _responses_stop(response: dict[str, Any]) -> Stop:
    return response.get("status", ""), (response.get("incomplete_details") or {}).get("reason")


def of_json(dialect: Dialect, body: dict[str, Any]) -> Outcome:
    if dialect == "chat":
        choice = body["choices"][0]
        return Outcome(choice["message"].get("content") or "", choice.get("finish_reason"),
                       usage_of(dialect, body.get("usage")))
    if dialect == "responses":
        return Outcome(_responses_text(body.get("output", [])), _responses_stop(body),
                       usage_of(dialect, body.get("usage")))
    text = "".join(block.get("text", "") for block in body["content"] if block.get("type") == "text")
    return Outcome(text, body.get("stop_reason"), usage_of(dialect, body.get("usage")))


def _chat_stream(payloads: list[Any], outcome: Outcome) -> None:
    for payload in payloads:
        if "error" in payload:
            outcome.errors.append(payload["error"])
            continue
        for choice in payload.get("choices") or []:
            outcome.text += (choice.get("delta") or {}).get("content") or ""
            outcome.stop = choice.get("finish_reason") or outcome.stop
        if isinstance(payload.get("usage"), dict):
            outcome.usage = usage_of("chat", payload["usage"])


def _responses_stream(payloads: list[Any], outcome: Outcome) -> None:
    for payload in payloads:
        kind = payload.get("type")
        if kind == "response.output_text.delta":
            outcome.text += payload["delta"]
        elif kind == "error":
            outcome.errors.append(payload)
        elif kind in ("response.completed", "response.incomplete", "response.failed"):
            outcome.stop = _responses_stop(payload["response"])
            outcome.usage = usage_of("responses", payload["response"].get("usage"))


def _anthropic_stream(payloads: list[Any], outcome: Outcome) -> None:
    usage: dict[str, Any] = {}
    for payload in payloads:
        kind = payload.get("type")
        if kind == "message_start":
            usage.update(payload["message"].get("usage") or {})
        elif kind == "content_block_delta" and payload["delta"].get("type") == "text_delta":
            outcome.text += payload["delta"]["text"]
        elif kind == "message_delta":
            usage.update({key: value for key, value in (payload.get("usage") or {}).items() if value is not None})
            outcome.stop = payload["delta"].get("stop_reason")
        elif kind == "error":
            outcome.errors.append(payload["error"])
    outcome.usage = usage_of("anthropic", usage) if usage else None


def of_events(dialect: Dialect, events: list[Event]) -> Outcome:
    payloads = [event.json for event in events if event.data != "[DONE]"]
    outcome = Outcome()
    {"chat": _chat_stream, "responses": _responses_stream, "anthropic": _anthropic_stream}[dialect](payloads, outcome)
    return outcome


def of_answer(dialect: Dialect, answer: Answer | None) -> Outcome:
    """What the fake upstream said in a given answer."""
    if isinstance(answer, Body):
        return of_json(dialect, answer.json())
    assert isinstance(answer, Stream), f"the upstream gave no content answer: {answer!r}"
    return of_events(dialect, [item for item in parse_sse(answer.content) if isinstance(item, Event)])


# Stop reason each client dialect must see for each upstream scenario (the mapping table).
STOPS: dict[str, dict[Dialect, Stop]] = {
    "text": {"chat": "stop", "anthropic": "end_turn", "responses": ("completed", None)},
    "cache-hit": {"chat": "stop", "anthropic": "end_turn", "responses": ("completed", None)},
    "length": {"chat": "length", "anthropic": "max_tokens", "responses": ("incomplete", "max_output_tokens")},
    "content-filter": {"chat": "content_filter", "anthropic": "refusal",
                       "responses": ("incomplete", "content_filter")},
    "stop-sequence": {"chat": "stop", "anthropic": "stop_sequence", "responses": ("completed", None)},
    "refusal": {"chat": "content_filter", "anthropic": "refusal", "responses": ("completed", None)},
}


def expected_usage(client: Dialect, upstream: Usage) -> Usage:
    """The upstream's usage as the client's dialect can express it."""
    if client == "anthropic":
        return Usage(upstream.input, upstream.output, upstream.cache_read, upstream.cache_write)
    # OpenAI dialects fold cache writes into the input count and report only cache reads.
    return Usage(upstream.input, upstream.output, upstream.cache_read, 0, upstream.input + upstream.output)


def client_usage(client: Dialect, usage: Usage) -> Usage:
    """The client's usage with what its dialect cannot express blanked, to compare with ``expected_usage``."""
    return usage if client == "anthropic" else Usage(usage.input, usage.output, usage.cache_read, 0, usage.total)
