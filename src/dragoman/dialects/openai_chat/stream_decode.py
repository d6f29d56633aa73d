"""Upstream chat stream (``chat.completion.chunk`` records) -> canonical stream events.

An explicit state machine. Each SSE record is one of three kinds, dispatched from ``_RECORDS``: ``[DONE]``, an
error record (``{"error": …}``, also when OpenRouter puts it next to ``choices``; vLLM's ``{"object":
"error"}``; an ``event: error`` record) or a chunk. A chunk's first choice carries delta fields, each handled
by its own method from ``_DELTAS`` in a fixed order (reasoning before content, as the model produced them),
then its ``finish_reason``; ``usage`` may ride on any chunk, the last one wins.

Phases: ``WAITING`` (nothing yet) -> ``STREAMING`` (``StreamStart`` sent on the first chunk) -> ``FINISHING``
(``finish_reason`` seen; ``StreamFinish`` is held because chat's usage chunk comes after it) -> ``DONE``
(``[DONE]`` or end of input). An error record leads to ``FAILED``: one ``StreamError``, then everything (a
trailing ``[DONE]``) is ignored.

Blocks: text, refusal and reasoning deltas extend the open block of their kind or close it and start a new one
(reasoning blocks carry ``origin="openai_chat"``); tool calls are keyed by the upstream's
``tool_calls[].index``. A call is a ``function`` call (``function: {name, arguments}``) or, as OpenAI streams
them although its spec does not list it, a ``custom`` call (``type: "custom"``, ``custom: {name, input}``, its
input fragments in ``custom.input``), which starts a block with ``tool_kind="custom"``. A new ``id`` on a
known index starts a new call (servers that reuse index 0 for every parallel call); id, name and arguments may
all come in one chunk, and several calls may share a chunk. Arguments for a call whose block was already
closed cannot be put in order and raise ``UpstreamProtocolError``; so do bad JSON, content after the finish
reason, and a stream that ends (``[DONE]`` or end of input) without a finish reason. A stream that ends after
its finish reason but without ``[DONE]`` is complete. Empty fragments open no block. Only choice 0 is read
(``n`` > 1 is untranslated). Ignored: ``obfuscation``, ``service_tier``, ``system_fingerprint``, ``logprobs``,
``role``, records with another SSE event name (``ping``) and unknown delta fields (OpenRouter's
``reasoning_details``, which repeats ``reasoning``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, auto
from typing import ClassVar

import orjson

from dragoman.canonical.errors import UpstreamProtocolError
from dragoman.canonical.events import (
    BlockDelta,
    BlockKind,
    BlockStart,
    BlockStop,
    StreamError,
    StreamEvent,
    StreamFinish,
    StreamStart,
)
from dragoman.canonical.response import StopKind, StopReason, Usage
from dragoman.dialects.base import JSONObject
from dragoman.dialects.openai_chat.errors import decode_in_band_error
from dragoman.dialects.openai_chat.reasoning import ORIGIN
from dragoman.dialects.openai_chat.stop_reason import decode_stop_reason
from dragoman.dialects.openai_chat.usage import decode_usage
from dragoman.ids import new_id
from dragoman.sse import SSEMessage


class Phase(Enum):
    WAITING = auto()
    STREAMING = auto()
    FINISHING = auto()
    DONE = auto()
    FAILED = auto()


@dataclass(slots=True)
class _ToolCall:
    id: str
    block: int


_CHAT_EVENTS = frozenset({None, "message", "error"})
_DeltaHandler = Callable[["ChatStreamDecoder", object, JSONObject], None]
_RecordHandler = Callable[["ChatStreamDecoder", JSONObject], None]


class ChatStreamDecoder:
    def __init__(self) -> None:
        self.phase = Phase.WAITING
        self._out: list[StreamEvent] = []
        self._next_block = 0
        self._open_block: int | None = None
        self._open_kind: BlockKind | None = None
        self._tools: dict[int, _ToolCall] = {}
        self._stop = StopReason(StopKind.OTHER)
        self._usage = Usage()

    def feed(self, message: SSEMessage) -> list[StreamEvent]:
        if self.phase in (Phase.FAILED, Phase.DONE):
            return []
        record = _classify(message)
        if record is None:
            return []
        kind, payload = record
        self._out = []
        self._RECORDS[kind](self, payload)
        return self._out

    def finish(self) -> list[StreamEvent]:
        self._out = []
        if self.phase is Phase.WAITING:
            raise UpstreamProtocolError("upstream chat stream ended before its first chunk")
        if self.phase is Phase.STREAMING:
            raise UpstreamProtocolError("upstream chat stream ended before a finish_reason")
        if self.phase is Phase.FINISHING:
            self._emit_finish()
        return self._out

    # --- records ---

    def _on_done(self, _payload: JSONObject) -> None:
        if self.phase is not Phase.FINISHING:
            raise UpstreamProtocolError("upstream chat stream sent [DONE] before a finish_reason")
        self._emit_finish()

    def _on_error(self, payload: JSONObject) -> None:
        error = decode_in_band_error(payload)
        if error is None:  # an ``event: error`` record whose body is not an error object
            error = decode_in_band_error({"error": payload})
        assert error is not None
        self.phase = Phase.FAILED
        self._out.append(StreamError(error))

    def _on_chunk(self, payload: JSONObject) -> None:
        if self.phase is Phase.WAITING:
            created = payload.get("created")
            self._out.append(StreamStart(
                id=_str(payload.get("id")),
                model=_str(payload.get("model")),
                created=created if isinstance(created, int) else 0,
            ))
            self.phase = Phase.STREAMING
        choices = payload.get("choices")
        if choices is not None:
            if not isinstance(choices, list):
                raise UpstreamProtocolError("upstream chat chunk has 'choices' that is not an array")
            for choice in choices:
                self._on_choice(choice)
        usage = payload.get("usage")
        if isinstance(usage, dict):
            self._usage = decode_usage(usage)

    def _on_choice(self, choice: object) -> None:
        if not isinstance(choice, dict):
            raise UpstreamProtocolError("upstream chat chunk has a choice that is not an object")
        if choice.get("index", 0) != 0:
            return
        delta = choice.get("delta")
        if isinstance(delta, dict):
            for key, handler in self._DELTAS.items():
                value = delta.get(key)
                if value is not None:
                    handler(self, value, delta)
        finish_reason = choice.get("finish_reason")
        if finish_reason is not None:
            matched_stop = choice.get("stop_reason")
            self._close_open()
            self._stop = decode_stop_reason(
                finish_reason if isinstance(finish_reason, str) else str(finish_reason),
                matched_stop if isinstance(matched_stop, str) else None,
            )
            self.phase = Phase.FINISHING

    # --- delta fields ---

    def _on_reasoning(self, value: object, _delta: JSONObject) -> None:
        self._append("reasoning", _fragment(value, "reasoning_content"))

    def _on_reasoning_alias(self, value: object, delta: JSONObject) -> None:
        if delta.get("reasoning_content") is None:  # some servers send both names with the same text
            self._append("reasoning", _fragment(value, "reasoning"))

    def _on_content(self, value: object, _delta: JSONObject) -> None:
        self._append("text", _fragment(value, "content"))

    def _on_refusal(self, value: object, _delta: JSONObject) -> None:
        self._append("refusal", _fragment(value, "refusal"))

    def _on_tool_calls(self, value: object, _delta: JSONObject) -> None:
        if not isinstance(value, list):
            raise UpstreamProtocolError("upstream chat delta has 'tool_calls' that is not an array")
        for position, call in enumerate(value):
            if not isinstance(call, dict):
                raise UpstreamProtocolError("upstream chat delta has a tool call that is not an object")
            self._on_tool_call(call, position)

    def _on_tool_call(self, call: JSONObject, position: int) -> None:
        index = call.get("index", position)
        if not isinstance(index, int) or isinstance(index, bool):
            raise UpstreamProtocolError(f"upstream chat tool call has a non-integer index {index!r}")
        function, custom = _object(call.get("function")), _object(call.get("custom"))
        call_id = _str(call.get("id"))
        # Some gateways echo an empty ``custom: {}`` on function calls: only real input counts.
        arguments = _str(function.get("arguments")) or _str(custom.get("input"))
        state = self._tools.get(index)
        if state is None or (call_id and call_id != state.id):
            self._require_open_phase()
            self._close_open()
            state = _ToolCall(call_id or new_id("call_"), self._next_block)
            self._tools[index] = state
            is_custom = call.get("type") == "custom" or (not function and isinstance(custom.get("name"), str))
            self._start(BlockStart(state.block, "tool_call", tool_call_id=state.id,
                                   tool_name=_str(function.get("name")) or _str(custom.get("name")),
                                   tool_kind="custom" if is_custom else "function"))
        elif self._open_block != state.block:
            if not arguments:
                return
            self._require_open_phase()
            raise UpstreamProtocolError(
                f"upstream chat stream sent arguments for tool call {index} after another block started"
            )
        if arguments:
            self._out.append(BlockDelta(state.block, arguments))

    _DELTAS: ClassVar[dict[str, _DeltaHandler]] = {
        "reasoning_content": _on_reasoning,
        "reasoning": _on_reasoning_alias,
        "content": _on_content,
        "refusal": _on_refusal,
        "tool_calls": _on_tool_calls,
    }
    _RECORDS: ClassVar[dict[str, _RecordHandler]] = {
        "done": _on_done,
        "error": _on_error,
        "chunk": _on_chunk,
    }

    # --- blocks ---

    def _append(self, kind: BlockKind, text: str) -> None:
        if not text:
            return
        if self._open_kind != kind:
            self._require_open_phase()
            self._close_open()
            self._start(BlockStart(self._next_block, kind, origin=ORIGIN if kind == "reasoning" else None))
        assert self._open_block is not None
        self._out.append(BlockDelta(self._open_block, text))

    def _start(self, start: BlockStart) -> None:
        self._out.append(start)
        self._open_block, self._open_kind = start.index, start.kind
        self._next_block += 1

    def _close_open(self) -> None:
        if self._open_block is not None:
            self._out.append(BlockStop(self._open_block))
            self._open_block = self._open_kind = None

    def _require_open_phase(self) -> None:
        if self.phase is not Phase.STREAMING:
            raise UpstreamProtocolError("upstream chat stream sent content after its finish_reason")

    def _emit_finish(self) -> None:
        self._out.append(StreamFinish(self._stop, self._usage))
        self.phase = Phase.DONE


def _classify(message: SSEMessage) -> tuple[str, JSONObject] | None:
    if message.event not in _CHAT_EVENTS:
        return None
    data = message.data
    if not data.startswith("{"):
        stripped = data.strip()
        if not stripped:
            return None
        if stripped == "[DONE]":
            return "done", {}
    payload = _parse(data)
    if message.event == "error" or payload.get("error") is not None or payload.get("object") == "error":
        return "error", payload
    return "chunk", payload


def _parse(data: str) -> JSONObject:
    try:
        payload = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise UpstreamProtocolError(f"upstream chat stream sent a record that is not JSON: {data[:200]!r}") from None
    if not isinstance(payload, dict):
        raise UpstreamProtocolError(f"upstream chat stream sent a record that is not an object: {data[:200]!r}")
    return payload


def _fragment(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise UpstreamProtocolError(f"upstream chat delta has '{field}' that is not a string")
    return value


def _object(value: object) -> JSONObject:
    return value if isinstance(value, dict) else {}


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""
