"""OpenAI Responses answers with chosen output items, built from the recordings in ../shared/fixtures/openai.

A stream is ``response.created``, ``response.in_progress``, each item's events, ``response.completed``
(its ``response.output`` holding the finished items), numbered by ``sequence_number`` from 0. Every event
copies a recorded one and changes only its content: the response frame, the reasoning item (with
``encrypted_content``) and the function-call events (``function_call_arguments.delta`` with ``obfuscation``)
come from ``responses-stream-reasoning-function-call.sse`` (gpt-5), the message events from
``responses-stream-text-shell-multiturn.chunks.txt``.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.clients.chat_answers import fragments
from tests.upstream.answers import Body, Stream, json_body, sse_record
from tests.upstream.recorded import record_payload, recorded_stream

TOOL_STREAM = "openai/responses-stream-reasoning-function-call.sse"
TEXT_STREAM = "openai/responses-stream-text-shell-multiturn.chunks.txt"


@dataclass(frozen=True, slots=True)
class Reasoning:
    encrypted: str | None
    """``None`` when the request did not include ``reasoning.encrypted_content`` (the API then sends none)."""


@dataclass(frozen=True, slots=True)
class FunctionCall:
    call_id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class Message:
    text: str


Item = Reasoning | FunctionCall | Message


@functools.cache
def _events(name: str) -> tuple[dict[str, Any], ...]:
    payloads = (record_payload(record) for record in recorded_stream(name).records)
    return tuple(payload for payload in payloads if isinstance(payload, dict))


def _template(name: str, kind: str, matches: Callable[[dict[str, Any]], bool] = lambda _: True) -> dict[str, Any]:
    for event in _events(name):
        if event["type"] == kind and matches(event):
            return copy.deepcopy(event)
    raise LookupError(f"{name} has no {kind} event")


def _item_of(item_type: str) -> Callable[[dict[str, Any]], bool]:
    return lambda event: event["item"]["type"] == item_type


def _item_events(index: int, item: Item) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The events of one output item, and the finished item."""
    match item:
        case Reasoning():
            added = _template(TOOL_STREAM, "response.output_item.added", _item_of("reasoning"))
            done = _template(TOOL_STREAM, "response.output_item.done", _item_of("reasoning"))
            for event in (added, done):
                if item.encrypted is None:
                    event["item"].pop("encrypted_content", None)
                else:
                    event["item"]["encrypted_content"] = item.encrypted
            events = [added, done]
        case FunctionCall():
            added = _template(TOOL_STREAM, "response.output_item.added", _item_of("function_call"))
            added["item"].update(call_id=item.call_id, name=item.name)
            item_id = added["item"]["id"]
            events = [added]
            for piece in fragments(item.arguments):
                delta = _template(TOOL_STREAM, "response.function_call_arguments.delta")
                events.append({**delta, "delta": piece, "item_id": item_id})
            events.append({**_template(TOOL_STREAM, "response.function_call_arguments.done"),
                           "arguments": item.arguments, "item_id": item_id})
            done = _template(TOOL_STREAM, "response.output_item.done", _item_of("function_call"))
            done["item"].update(call_id=item.call_id, name=item.name, arguments=item.arguments)
            events.append(done)
        case Message():
            events = [_template(TEXT_STREAM, "response.output_item.added"),
                      _template(TEXT_STREAM, "response.content_part.added")]
            for piece in fragments(item.text):
                events.append({**_template(TEXT_STREAM, "response.output_text.delta"), "delta": piece})
            events.append({**_template(TEXT_STREAM, "response.output_text.done"), "text": item.text})
            part_done = _template(TEXT_STREAM, "response.content_part.done")
            part_done["part"]["text"] = item.text
            done = _template(TEXT_STREAM, "response.output_item.done")
            done["item"]["content"][0]["text"] = item.text
            events += [part_done, done]
    for event in events:
        event["output_index"] = index
    return events, events[-1]["item"]


def stream(items: tuple[Item, ...]) -> Stream:
    events = [_template(TOOL_STREAM, "response.created"), _template(TOOL_STREAM, "response.in_progress")]
    output = []
    for index, item in enumerate(items):
        item_events, finished = _item_events(index, item)
        events += item_events
        output.append(finished)
    completed = _template(TOOL_STREAM, "response.completed")
    completed["response"]["output"] = output
    events.append(completed)
    for number, event in enumerate(events):
        event["sequence_number"] = number
    return Stream(tuple(sse_record(event, event["type"]) for event in events))


def response(items: tuple[Item, ...]) -> Body:
    """The non-streamed answer: the very object the stream's ``response.completed`` carries."""
    completed = record_payload(stream(items).records[-1])
    return json_body(200, completed["response"])
