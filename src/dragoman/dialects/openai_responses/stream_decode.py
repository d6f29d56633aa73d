"""A Responses upstream's SSE stream -> canonical stream events.

An explicit state machine: one method per upstream event type, dispatched from ``_HANDLERS``; one
:class:`Phase`; per output item state keyed by the upstream's ``output_index`` (``item_id`` as a fallback).

Mapping: a ``message`` item's ``output_text``/``refusal`` content parts become ``text``/``refusal`` blocks,
one per content part; a ``reasoning`` item becomes one ``reasoning`` block whose text is its summary parts
and ``reasoning_text`` parts in arrival order, joined by a blank line, with ``encrypted_content`` (from
``output_item.done``) as its ``ReasoningSignature(encrypted=True)``, and ``origin`` ``openai_responses`` and
the item's ``rs_…`` id on its ``BlockStart``; a ``function_call`` item becomes a ``tool_call`` block
(``call_id``, ``name``, argument fragments), a ``custom_tool_call`` item one of ``tool_kind`` ``custom``
whose fragments are the raw input (``response.custom_tool_call_input.delta``/``done``). Rules:

- Blocks follow ``stream_blocks.py`` (``lazy-blocks``, ``done-fills-in``, ``reasoning-parts-joined``,
  interleaving). A reasoning item with neither text nor ``encrypted_content`` gives no block
  (``empty-reasoning-dropped``); tool calls open at ``output_item.added``. The ``*.done`` events and the
  terminal response fill in whatever deltas or whole items a server did not stream.
- The terminal ``response.completed``/``response.incomplete`` gives the stop reason and usage;
  ``response.failed`` or an ``error`` event becomes a ``StreamError`` and ends the stream (a later
  ``response.failed`` is then ignored). ``[DONE]``, ``response.in_progress``/``queued`` and unknown event
  types are ignored; records after the terminal event are ignored.
- Bad JSON, content before ``response.created``, a second ``response.created``, an event for an unknown
  or finished item, or input ending before the terminal event raise ``UpstreamProtocolError``.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum, auto
from typing import Any

import orjson

from dragoman.canonical.errors import UpstreamProtocolError
from dragoman.canonical.events import (
    BlockKind,
    ReasoningSignature,
    StreamError,
    StreamEvent,
    StreamFinish,
    StreamStart,
)
from dragoman.dialects.base import JSONObject
from dragoman.dialects.openai_responses.errors import decode_error_event, decode_response_error
from dragoman.dialects.openai_responses.stop_reason import decode_stop_reason
from dragoman.dialects.openai_responses.stream_blocks import BlockSequencer, Item
from dragoman.dialects.openai_responses.usage import decode_usage
from dragoman.sse import SSEMessage

_WHOLE_ITEM = 0  # block key of reasoning and call items, which map to a single block
_CALL_ARGUMENTS: dict[str, str] = {"function_call": "arguments", "custom_tool_call": "input"}


class Phase(Enum):
    AWAITING_CREATED = auto()
    STREAMING = auto()
    DONE = auto()


_ALLOWED_BEFORE_CREATED = frozenset({"response.created", "response.queued", "error", "response.failed"})


class ResponsesStreamDecoder:
    def __init__(self) -> None:
        self.phase = Phase.AWAITING_CREATED
        self._items: dict[int, Item] = {}
        self._index_by_id: dict[str, int] = {}
        self._saw_tool_call = False
        self._blocks = BlockSequencer()

    # --- StreamDecoder interface ---

    def feed(self, message: SSEMessage) -> list[StreamEvent]:
        if self.phase is Phase.DONE or message.data == "[DONE]":
            return []
        try:
            payload: Any = orjson.loads(message.data)
        except orjson.JSONDecodeError as exc:
            raise UpstreamProtocolError(f"Responses stream sent invalid JSON: {message.data[:200]!r}") from exc
        if not isinstance(payload, dict):
            raise UpstreamProtocolError("Responses stream event is not a JSON object")
        kind = payload.get("type", message.event)
        if not isinstance(kind, str):
            raise UpstreamProtocolError("Responses stream event has no 'type'")
        handler = _HANDLERS.get(kind)
        if handler is None:
            return []
        if self.phase is Phase.AWAITING_CREATED and kind not in _ALLOWED_BEFORE_CREATED:
            raise UpstreamProtocolError(f"Responses stream sent {kind} before response.created")
        out: list[StreamEvent] = []
        self._blocks.out = out
        handler(self, payload)
        return out

    def finish(self) -> list[StreamEvent]:
        if self.phase is not Phase.DONE:
            raise UpstreamProtocolError("Responses stream ended before response.completed")
        return []

    # --- lifecycle events ---

    def _created(self, payload: JSONObject) -> None:
        if self.phase is not Phase.AWAITING_CREATED:
            raise UpstreamProtocolError("Responses stream sent a second response.created")
        response = _object(payload, "response")
        created = response.get("created_at")
        self._blocks.out.append(StreamStart(
            id=_text(response.get("id")),
            model=_text(response.get("model")),
            created=int(created) if isinstance(created, int | float) and not isinstance(created, bool) else 0,
        ))
        self.phase = Phase.STREAMING

    def _ignored(self, payload: JSONObject) -> None:
        pass

    def _terminal(self, payload: JSONObject) -> None:
        response = _object(payload, "response")
        output = response.get("output")
        for position, item in enumerate(output if isinstance(output, list) else []):
            if isinstance(item, dict):
                self._settle_item(position, item)
        self._blocks.close_open()
        details = response.get("incomplete_details")
        reason = details.get("reason") if isinstance(details, dict) else None
        status = response.get("status")
        if not isinstance(status, str):
            status = "incomplete" if payload["type"] == "response.incomplete" else "completed"
        stop = decode_stop_reason(status, reason if isinstance(reason, str) else None, self._saw_tool_call)
        self._blocks.out.append(StreamFinish(stop, decode_usage(response.get("usage"))))
        self.phase = Phase.DONE

    def _failed(self, payload: JSONObject) -> None:
        response = payload.get("response")
        error = response.get("error") if isinstance(response, dict) else None
        self._blocks.out.append(StreamError(decode_response_error(error)))
        self.phase = Phase.DONE

    def _error(self, payload: JSONObject) -> None:
        self._blocks.out.append(StreamError(decode_error_event(payload)))
        self.phase = Phase.DONE

    # --- output items ---

    def _item_added(self, payload: JSONObject) -> None:
        position = _int(payload, "output_index")
        if position in self._items:
            raise UpstreamProtocolError(f"Responses stream added output item {position} twice")
        self._add_item(position, _object(payload, "item"))

    def _item_done(self, payload: JSONObject) -> None:
        position = _int(payload, "output_index")
        item = self._items.get(position)
        if item is not None and item.done:
            raise UpstreamProtocolError(f"Responses stream finished output item {position} twice")
        self._settle_item(position, _object(payload, "item"))

    def _add_item(self, position: int, raw: JSONObject) -> Item:
        item = Item(kind=_text(raw.get("type")), item_id=_text(raw.get("id")))
        self._items[position] = item
        if item.item_id:
            self._index_by_id[item.item_id] = position
        if item.kind in _CALL_ARGUMENTS:
            item.call_id, item.name = _text(raw.get("call_id")), _text(raw.get("name"))
            item.tool_kind = "custom" if item.kind == "custom_tool_call" else "function"
            self._saw_tool_call = True
            self._blocks.open_block(item, _WHOLE_ITEM, "tool_call")
            self._fill_arguments(item, raw)
        return item

    def _fill_arguments(self, item: Item, raw: JSONObject) -> None:
        self._blocks.fill(item, _WHOLE_ITEM, ("arguments", 0), _text(raw.get(_CALL_ARGUMENTS[item.kind])), "tool_call")

    def _settle_item(self, position: int, raw: JSONObject) -> None:
        """``output_item.done`` (or the terminal response): fill in what was not streamed, then close."""
        item = self._items.get(position) or self._add_item(position, raw)
        if item.done:
            return
        if item.kind == "message":
            for index, part in enumerate(_dicts(raw.get("content"))):
                if part.get("type") == "output_text":
                    self._blocks.fill(item, index, ("content", index), _text(part.get("text")), "text")
                elif part.get("type") == "refusal":
                    self._blocks.fill(item, index, ("content", index), _text(part.get("refusal")), "refusal")
        elif item.kind == "reasoning":
            for index, part in enumerate(_dicts(raw.get("summary"))):
                self._blocks.fill(item, _WHOLE_ITEM, ("summary", index), _text(part.get("text")), "reasoning")
            for index, part in enumerate(_dicts(raw.get("content"))):
                self._blocks.fill(item, _WHOLE_ITEM, ("content", index), _text(part.get("text")), "reasoning")
            encrypted = raw.get("encrypted_content")
            if isinstance(encrypted, str) and encrypted:
                block = self._blocks.block(item, _WHOLE_ITEM, "reasoning")
                self._blocks.out.append(ReasoningSignature(block.index, encrypted, encrypted=True))
        elif item.kind in _CALL_ARGUMENTS:
            self._fill_arguments(item, raw)
        for block in item.blocks.values():
            self._blocks.close(block)
        item.done = True

    # --- content deltas and their completions ---

    def _text_delta(self, payload: JSONObject) -> None:
        self._message_text(payload, "delta", "text", fill=False)

    def _text_done(self, payload: JSONObject) -> None:
        self._message_text(payload, "text", "text", fill=True)

    def _refusal_delta(self, payload: JSONObject) -> None:
        self._message_text(payload, "delta", "refusal", fill=False)

    def _refusal_done(self, payload: JSONObject) -> None:
        self._message_text(payload, "refusal", "refusal", fill=True)

    def _part_added(self, payload: JSONObject) -> None:
        self._part_text(payload, fill=False)

    def _part_done(self, payload: JSONObject) -> None:
        item = self._part_text(payload, fill=True)
        block = item.blocks.get(_int(payload, "content_index")) if item.kind == "message" else None
        if block is not None:
            self._blocks.close(block)

    def _summary_delta(self, payload: JSONObject) -> None:
        self._reasoning_text(payload, "summary", _text(payload.get("delta")), fill=False)

    def _summary_done(self, payload: JSONObject) -> None:
        self._reasoning_text(payload, "summary", _text(payload.get("text")), fill=True)

    def _summary_part(self, payload: JSONObject) -> None:
        self._reasoning_text(payload, "summary", _text(_object(payload, "part").get("text")), fill=True)

    def _reasoning_delta(self, payload: JSONObject) -> None:
        self._reasoning_text(payload, "content", _text(payload.get("delta")), fill=False)

    def _reasoning_done(self, payload: JSONObject) -> None:
        self._reasoning_text(payload, "content", _text(payload.get("text")), fill=True)

    def _arguments_delta(self, payload: JSONObject) -> None:
        item = self._item(payload, "function_call")
        self._blocks.emit(item, _WHOLE_ITEM, ("arguments", 0), _text(payload.get("delta")), "tool_call")

    def _arguments_done(self, payload: JSONObject) -> None:
        item = self._item(payload, "function_call")
        self._blocks.fill(item, _WHOLE_ITEM, ("arguments", 0), _text(payload.get("arguments")), "tool_call")

    def _input_delta(self, payload: JSONObject) -> None:
        item = self._item(payload, "custom_tool_call")
        self._blocks.emit(item, _WHOLE_ITEM, ("arguments", 0), _text(payload.get("delta")), "tool_call")

    def _input_done(self, payload: JSONObject) -> None:
        item = self._item(payload, "custom_tool_call")
        self._blocks.fill(item, _WHOLE_ITEM, ("arguments", 0), _text(payload.get("input")), "tool_call")

    # --- shared by the content handlers ---

    def _message_text(self, payload: JSONObject, key: str, kind: BlockKind, *, fill: bool) -> None:
        item, index = self._item(payload, "message"), _int(payload, "content_index")
        write = self._blocks.fill if fill else self._blocks.emit
        write(item, index, ("content", index), _text(payload.get(key)), kind)

    def _reasoning_text(self, payload: JSONObject, channel: str, text: str, *, fill: bool) -> None:
        item, part = self._item(payload, "reasoning"), (channel, _int(payload, f"{channel}_index"))
        write = self._blocks.fill if fill else self._blocks.emit
        write(item, _WHOLE_ITEM, part, text, "reasoning")

    def _part_text(self, payload: JSONObject, *, fill: bool) -> Item:
        item, index, part = self._item(payload), _int(payload, "content_index"), _object(payload, "part")
        kind = part.get("type")
        write = self._blocks.fill if fill else self._blocks.emit
        if item.kind == "message" and kind == "output_text":
            write(item, index, ("content", index), _text(part.get("text")), "text")
        elif item.kind == "message" and kind == "refusal":
            write(item, index, ("content", index), _text(part.get("refusal")), "refusal")
        elif item.kind == "reasoning" and kind == "reasoning_text":
            write(item, _WHOLE_ITEM, ("content", index), _text(part.get("text")), "reasoning")
        return item

    # --- block bookkeeping ---

    def _item(self, payload: JSONObject, kind: str | None = None) -> Item:
        """The open item an event refers to (of ``kind`` when given)."""
        position = payload.get("output_index")
        if not isinstance(position, int):
            position = self._index_by_id.get(_text(payload.get("item_id")))
        item = self._items.get(position) if isinstance(position, int) else None
        if item is None:
            raise UpstreamProtocolError(f"Responses stream sent {payload['type']} for an unknown output item")
        if item.done:
            raise UpstreamProtocolError(f"Responses stream sent {payload['type']} after output_item.done")
        if kind is not None and item.kind != kind:
            raise UpstreamProtocolError(f"Responses stream sent {payload['type']} for a {item.kind or 'untyped'} item")
        return item


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _int(payload: JSONObject, key: str) -> int:
    value = payload.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise UpstreamProtocolError(f"Responses stream event {payload.get('type')} has no integer '{key}'")
    return value


def _object(payload: JSONObject, key: str) -> JSONObject:
    value = payload.get(key)
    if not isinstance(value, dict):
        raise UpstreamProtocolError(f"Responses stream event {payload.get('type')} has no object '{key}'")
    return value


def _dicts(value: object) -> list[JSONObject]:
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []


_HANDLERS: dict[str, Callable[[ResponsesStreamDecoder, JSONObject], None]] = {
    "response.created": ResponsesStreamDecoder._created,
    "response.queued": ResponsesStreamDecoder._ignored,
    "response.in_progress": ResponsesStreamDecoder._ignored,
    "response.completed": ResponsesStreamDecoder._terminal,
    "response.incomplete": ResponsesStreamDecoder._terminal,
    "response.failed": ResponsesStreamDecoder._failed,
    "error": ResponsesStreamDecoder._error,
    "response.output_item.added": ResponsesStreamDecoder._item_added,
    "response.output_item.done": ResponsesStreamDecoder._item_done,
    "response.content_part.added": ResponsesStreamDecoder._part_added,
    "response.content_part.done": ResponsesStreamDecoder._part_done,
    "response.output_text.delta": ResponsesStreamDecoder._text_delta,
    "response.output_text.done": ResponsesStreamDecoder._text_done,
    "response.refusal.delta": ResponsesStreamDecoder._refusal_delta,
    "response.refusal.done": ResponsesStreamDecoder._refusal_done,
    "response.reasoning_summary_part.added": ResponsesStreamDecoder._summary_part,
    "response.reasoning_summary_part.done": ResponsesStreamDecoder._summary_part,
    "response.reasoning_summary_text.delta": ResponsesStreamDecoder._summary_delta,
    "response.reasoning_summary_text.done": ResponsesStreamDecoder._summary_done,
    "response.reasoning_text.delta": ResponsesStreamDecoder._reasoning_delta,
    "response.reasoning_text.done": ResponsesStreamDecoder._reasoning_done,
    "response.function_call_arguments.delta": ResponsesStreamDecoder._arguments_delta,
    "response.function_call_arguments.done": ResponsesStreamDecoder._arguments_done,
    "response.custom_tool_call_input.delta": ResponsesStreamDecoder._input_delta,
    "response.custom_tool_call_input.done": ResponsesStreamDecoder._input_done,
}
