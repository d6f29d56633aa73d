"""Anthropic Messages answers with chosen content blocks, built from the recordings in
../shared/fixtures/anthropic.

A stream is ``message_start``, each block as ``content_block_start`` / deltas / ``content_block_stop`` (a
``ping`` after the first block opens, where the API sends it), ``message_delta`` with the stop reason and the
final usage, ``message_stop``; every event copies a recorded one and changes only its content:
``message_start``, ``message_delta`` and the text events come from ``messages-stream-text.chunks.txt``, the
thinking events (``thinking_delta``, ``signature_delta``) from ``messages-stream-thinking-signature.sse``,
the ``tool_use`` events (``caller``, an empty first ``input_json_delta``) from
``messages-stream-text-tool-use.sse``. JSON answers are ``messages-nonstream-text.json`` with its content
blocks replaced. As the API does, an answer names the model the request asked for.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.clients.chat_answers import fragments
from tests.recordings import load_json
from tests.upstream.answers import Body, Stream, json_body, sse_record
from tests.upstream.recorded import record_payload, recorded_stream

TEXT_STREAM = "anthropic/messages-stream-text.chunks.txt"
THINKING_STREAM = "anthropic/messages-stream-thinking-signature.sse"
TOOL_STREAM = "anthropic/messages-stream-text-tool-use.sse"
TEXT_JSON = "anthropic/messages-nonstream-text.json"


@dataclass(frozen=True, slots=True)
class Thinking:
    text: str
    signature: str


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class ToolUse:
    id: str
    name: str
    input: dict[str, Any]


Block = Thinking | Text | ToolUse


@functools.cache
def _events(name: str) -> tuple[dict[str, Any], ...]:
    payloads = (record_payload(record) for record in recorded_stream(name).records)
    return tuple(payload for payload in payloads if isinstance(payload, dict))


def _template(name: str, matches: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    for event in _events(name):
        if matches(event):
            return copy.deepcopy(event)
    raise LookupError(f"{name} has no such event")


def _of_type(kind: str, sub: str | None = None) -> Callable[[dict[str, Any]], bool]:
    def matches(event: dict[str, Any]) -> bool:
        inner = event.get("content_block") or event.get("delta") or {}
        return event["type"] == kind and (sub is None or inner.get("type") == sub)

    return matches


def _event(payload: dict[str, Any]) -> bytes:
    return sse_record(payload, payload["type"])


def _block_events(index: int, block: Block) -> list[dict[str, Any]]:
    match block:
        case Thinking():
            source, start_type, delta_type, field = THINKING_STREAM, "thinking", "thinking_delta", "thinking"
            pieces = fragments(block.text, 24)
        case Text():
            source, start_type, delta_type, field = TEXT_STREAM, "text", "text_delta", "text"
            pieces = fragments(block.text, 12)
        case ToolUse():
            source, start_type, delta_type, field = TOOL_STREAM, "tool_use", "input_json_delta", "partial_json"
            pieces = ["", *fragments(json.dumps(block.input), 9)]
    start = _template(source, _of_type("content_block_start", start_type))
    if isinstance(block, ToolUse):
        start["content_block"].update(id=block.id, name=block.name)
    events = [start]
    for piece in pieces:
        delta = _template(source, _of_type("content_block_delta", delta_type))
        delta["delta"][field] = piece
        events.append(delta)
    if isinstance(block, Thinking):
        signature = _template(source, _of_type("content_block_delta", "signature_delta"))
        signature["delta"]["signature"] = block.signature
        events.append(signature)
    events.append(_template(source, _of_type("content_block_stop")))
    for event in events:
        event["index"] = index
    return events


def stop_reason(blocks: tuple[Block, ...]) -> str:
    return "tool_use" if any(isinstance(block, ToolUse) for block in blocks) else "end_turn"


def stream(blocks: tuple[Block, ...], model: str | None = None) -> Stream:
    """``model``: the model the request named, which the API echoes (the recording's otherwise)."""
    start = _template(TEXT_STREAM, _of_type("message_start"))
    start["message"]["model"] = model or start["message"]["model"]
    records = [_event(start)]
    for index, block in enumerate(blocks):
        events = _block_events(index, block)
        records.append(_event(events[0]))
        if index == 0:
            records.append(_event(_template(TEXT_STREAM, _of_type("ping"))))
        records.extend(_event(event) for event in events[1:])
    finish = _template(TEXT_STREAM, _of_type("message_delta"))
    finish["delta"]["stop_reason"] = stop_reason(blocks)
    records += [_event(finish), _event(_template(TEXT_STREAM, _of_type("message_stop")))]
    return Stream(tuple(records))


def _json_block(block: Block) -> dict[str, Any]:
    match block:
        case Thinking():
            return {"type": "thinking", "thinking": block.text, "signature": block.signature}
        case Text():
            return {"type": "text", "text": block.text}
        case ToolUse():
            return {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}


def message(blocks: tuple[Block, ...], model: str | None = None) -> Body:
    body = load_json(TEXT_JSON)
    body["model"] = model or body["model"]
    body["content"] = [_json_block(block) for block in blocks]
    body["stop_reason"] = stop_reason(blocks)
    return json_body(200, body)
