"""Checks that what the gateway sent a client is exactly what that client's official API would send.

Every body and every stream event is validated against the official schema (``tests/schemas.py``), and
each dialect's stream grammar is checked. On a same-dialect route the gateway relays the upstream's own
records; a relayed record is exempt from the schema check when it is identical to one the upstream sent
(the recordings are real provider traffic, and some predate fields the current spec requires), so what is
checked is what the gateway itself made.
"""

from __future__ import annotations

import json
from typing import Any

from tests.e2e.wire import Event, RawAnswer
from tests.schemas import (
    ANTHROPIC_ERROR,
    ANTHROPIC_MESSAGE,
    ANTHROPIC_STREAM_EVENT,
    OPENAI_CHAT_CHUNK,
    OPENAI_CHAT_RESPONSE,
    OPENAI_ERROR,
    OPENAI_RESPONSE,
    OPENAI_RESPONSE_EVENT,
    assert_valid,
    assert_valid_event,
    schema_errors,
)
from tests.upstream import Answer, Body, Dialect, Stream
from tests.upstream.recorded import record_payload

RESPONSES_TERMINAL = ("response.completed", "response.incomplete", "response.failed")
# What a translated request must be, as the upstream's own API defines its request body.
UPSTREAM_REQUEST: dict[Dialect, tuple[str, str]] = {"chat": ("openai", "CreateChatCompletionRequest"),
                                                    "responses": ("openai", "CreateResponse"),
                                                    "anthropic": ("anthropic", "CreateMessageParams")}


def relayed_payloads(answer: Answer | None) -> list[Any]:
    """The JSON payloads the upstream sent in a stream (what a same-dialect relay may pass on as is)."""
    if not isinstance(answer, Stream):
        return []
    payloads = []
    for record in answer.records:
        try:
            payloads.append(record_payload(record))
        except ValueError:
            continue
    return payloads


def check_error_body(client: Dialect, body: Any) -> None:
    if client == "anthropic":
        assert body.get("type") == "error", body
        assert_valid(*ANTHROPIC_ERROR, body)
    else:
        assert_valid(*OPENAI_ERROR, body)


# Responses input items by type. The spec's item union overlaps (a message is both an EasyInputMessage and an
# InputMessage, so its oneOf rejects it), hence each item is checked against the members its type selects.
RESPONSES_ITEMS: dict[str, tuple[str, ...]] = {
    "message": ("EasyInputMessage", "InputMessage", "OutputMessage"),
    "function_call": ("FunctionToolCall",),
    "function_call_output": ("FunctionCallOutputItemParam",),
    "custom_tool_call": ("CustomToolCall",),
    "custom_tool_call_output": ("CustomToolCallOutput",),
    "reasoning": ("ReasoningItem",),
}


def check_upstream_request(upstream: Dialect, body: Any) -> None:
    """A request the gateway wrote for an upstream is valid in the upstream's dialect."""
    if upstream != "responses" or not isinstance(body.get("input"), list):
        assert_valid(*UPSTREAM_REQUEST[upstream], body)
        return
    assert_valid(*UPSTREAM_REQUEST[upstream], {**body, "input": "(items checked one by one)"})
    for position, item in enumerate(body["input"]):
        kind = item.get("type", "message")
        if kind == "message" and item.get("role") == "assistant" and isinstance(item.get("content"), list):
            # The API takes earlier answers as assistant messages of output_text/refusal parts without the id
            # and status an OutputMessage requires (and rejects input_text there); the spec has no such shape.
            parts = [part.get("type") for part in item["content"]]
            assert set(parts) <= {"output_text", "refusal"}, f"input[{position}]: assistant parts {parts}"
            item = {**item, "content": "(output_text parts)"}
        members = RESPONSES_ITEMS.get(kind, ("Item",))
        problems = [schema_errors("openai", member, item) for member in members]
        assert any(not found for found in problems), (
            f"input[{position}] ({kind}) is none of {members}:\n" + "\n".join(map(str, problems)) + f"\n{dump(item)}")


def check_answer(client: Dialect, answer: RawAnswer, served: Answer | None = None) -> Any:
    """A successful answer, whole or streamed, validated; the parsed body or the stream's events. ``served``
    is what the upstream sent, on a same-dialect route (its relayed records are exempt)."""
    assert answer.status == 200, (answer.status, answer.content[:800])
    if answer.headers.get("content-type", "").startswith("text/event-stream"):
        return check_stream(client, answer, relayed_payloads(served))
    return check_body(client, answer, served.json() if isinstance(served, Body) else None)


def check_body(client: Dialect, answer: RawAnswer, relayed: Any = None) -> Any:
    """Validate a non-streamed answer (success or error) and return it parsed."""
    assert answer.headers.get("content-type", "").startswith("application/json"), answer.headers
    body = answer.json()
    if answer.status >= 400:
        check_error_body(client, body)
    elif body != relayed:
        schema = {"chat": OPENAI_CHAT_RESPONSE, "responses": OPENAI_RESPONSE, "anthropic": ANTHROPIC_MESSAGE}[client]
        assert_valid(*schema[:2], body)
    return body


def check_stream(client: Dialect, answer: RawAnswer, relayed: list[Any] | None = None) -> list[Event]:
    """Validate a streamed answer's headers, grammar and every event; return its events."""
    assert answer.status == 200, (answer.status, answer.content[:500])
    assert answer.headers.get("content-type", "").startswith("text/event-stream"), answer.headers
    events = answer.events
    assert events, f"empty stream: {answer.content[:300]!r}"
    {"chat": _chat, "responses": _responses, "anthropic": _anthropic}[client](events, relayed or [])
    return events


def _exempt(payload: Any, relayed: list[Any]) -> bool:
    return any(payload == candidate for candidate in relayed)


def _chat(events: list[Event], relayed: list[Any]) -> None:
    assert events[-1].data == "[DONE]", f"a chat stream ends with data: [DONE], not {events[-1].data[:200]}"
    assert [event.data for event in events].count("[DONE]") == 1
    ids = set()
    for event in events[:-1]:
        assert event.event is None, f"chat streams carry no event: lines ({event.event})"
        payload = event.json
        if _exempt(payload, relayed):
            continue
        if "error" in payload:
            assert_valid("openai", "Error", payload["error"])
            continue
        assert_valid(*OPENAI_CHAT_CHUNK, payload)
        ids.add(payload["id"])
    assert len(ids) <= 1, f"every chunk of one completion has the same id: {ids}"


def _responses(events: list[Event], relayed: list[Any]) -> None:
    payloads = [event.json for event in events]
    for event, payload in zip(events, payloads, strict=True):
        assert event.event == payload.get("type"), f"event: {event.event} carries type {payload.get('type')}"
        if not _exempt(payload, relayed):
            assert_valid_event(*OPENAI_RESPONSE_EVENT, payload)
    numbers = [payload.get("sequence_number") for payload in payloads]
    if all(number is None for number in numbers) and all(_exempt(payload, relayed) for payload in payloads):
        numbers = list(range(len(numbers)))  # a relayed recording from before sequence numbers existed
    assert numbers == list(range(numbers[0] if isinstance(numbers[0], int) else 0, len(numbers))), (
        f"sequence_number must count up by one: {numbers}")
    assert payloads[0]["type"] == "response.created", payloads[0]["type"]
    assert payloads[-1]["type"] in RESPONSES_TERMINAL, f"stream ends with {payloads[-1]['type']}"
    assert sum(payload["type"] in RESPONSES_TERMINAL for payload in payloads) == 1


def _anthropic(events: list[Event], relayed: list[Any]) -> None:
    payloads = [event.json for event in events]
    open_block: int | None = None
    for event, payload in zip(events, payloads, strict=True):
        kind = payload.get("type")
        assert event.event == kind, f"event: {event.event} carries type {kind}"
        if kind == "content_block_start":
            assert open_block is None, f"block {payload['index']} started while {open_block} is open"
            open_block = payload["index"]
        elif kind in ("content_block_delta", "content_block_stop"):
            assert payload["index"] == open_block, f"{kind} for block {payload['index']}, open: {open_block}"
            open_block = None if kind == "content_block_stop" else open_block
        if _exempt(payload, relayed):
            continue
        if kind == "error":
            assert_valid(*ANTHROPIC_ERROR, payload)
        else:
            assert_valid_event(*ANTHROPIC_STREAM_EVENT, payload)
    kinds = [payload["type"] for payload in payloads]
    first_real = next(kind for kind in kinds if kind != "ping")
    assert first_real in ("message_start", "error"), f"an Anthropic stream starts with message_start: {kinds[:3]}"
    assert kinds[-1] in ("message_stop", "error"), f"an Anthropic stream ends with message_stop: {kinds[-3:]}"
    assert kinds.count("message_stop") + kinds.count("error") == 1, kinds


def dump(value: Any) -> str:
    return json.dumps(value)[:1500]
