"""Anthropic Messages SSE (from an upstream) → canonical stream events: an explicit state machine.

One handler per event type, dispatched from ``_HANDLERS``; one :class:`Phase`; per-block state keyed by the
upstream's ``index``. Grammar enforced: ``message_start`` first; blocks only while streaming; a
``content_block_start`` while another block is open closes that one first (a later ``content_block_stop``
for it is then a no-op, a later delta for it an error); ``message_delta`` closes any open block (a stream
cut at ``max_tokens`` may leave a tool block unclosed) and records the stop reason and final usage;
``message_stop`` emits :class:`StreamFinish`. ``ping`` and unknown event or delta types are ignored.

Reasoning blocks start with ``origin="anthropic_messages"`` (Anthropic has no item id for them); tool-call ids
go through ``tool_ids.decode_tool_id`` (undoing the transform of ids dragoman wrote earlier in the conversation).

Named rules:
- Empty text, thinking and ``input_json_delta`` fragments produce no event.
- ``signature_delta`` carries the whole signature (the SDK assigns, not appends); it is held and emitted as
  :class:`ReasoningSignature` right before the block's :class:`BlockStop`, as the canonical grammar wants.
- ``citations_delta`` is not carried; server-tool blocks (``server_tool_use``, ``*_tool_result``, …) and
  unknown block types are skipped with all their deltas.
- Usage: ``message_start.message.usage`` first, then every present, non-null count of ``message_delta.usage``
  overwrites it (they are cumulative totals).
- An ``error`` record becomes a :class:`StreamError` (``errors.decode_stream_error``) and ends the stream.
- ``finish()`` after ``message_delta`` but without ``message_stop`` emits the finish (the answer is
  complete); before ``message_delta`` it raises ``UpstreamProtocolError``, as do bad JSON and events out
  of order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, auto
from typing import Literal

import orjson

from dragoman.canonical.errors import UpstreamProtocolError
from dragoman.canonical.events import (
    BlockDelta,
    BlockKind,
    BlockStart,
    BlockStop,
    ReasoningSignature,
    StreamError,
    StreamEvent,
    StreamFinish,
    StreamStart,
)
from dragoman.canonical.response import StopReason
from dragoman.dialects.anthropic_messages.errors import decode_stream_error
from dragoman.dialects.anthropic_messages.proofs import DIALECT
from dragoman.dialects.anthropic_messages.stop_reason import decode_stop_reason
from dragoman.dialects.anthropic_messages.tool_ids import decode_tool_id
from dragoman.dialects.anthropic_messages.usage import decode_usage, merge_usage
from dragoman.dialects.base import JSONObject
from dragoman.sse import SSEMessage


class Phase(Enum):
    BEFORE_START = auto()
    STREAMING = auto()
    STOPPING = auto()
    """``message_delta`` seen: waiting for ``message_stop``."""
    DONE = auto()
    FAILED = auto()


@dataclass(slots=True)
class _Block:
    kind: BlockKind | Literal["ignored"]
    index: int
    open: bool = True
    signature: str | None = None


_DELTA_FIELDS: dict[str, tuple[BlockKind, str]] = {
    "text_delta": ("text", "text"),
    "thinking_delta": ("reasoning", "thinking"),
    "signature_delta": ("reasoning", "signature"),
    "input_json_delta": ("tool_call", "partial_json"),
}


def _string(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise UpstreamProtocolError(f"Anthropic stream: {what} is not a string")
    return value


def _object(value: object, what: str) -> JSONObject:
    if not isinstance(value, dict):
        raise UpstreamProtocolError(f"Anthropic stream: {what} is not an object")
    return value


class AnthropicStreamDecoder:
    __slots__ = ("_blocks", "_next_index", "_open", "_phase", "_stop", "_usage")

    def __init__(self) -> None:
        self._phase = Phase.BEFORE_START
        self._blocks: dict[int, _Block] = {}
        self._open: _Block | None = None
        self._next_index = 0
        self._usage: JSONObject = {}
        self._stop: StopReason | None = None

    @property
    def phase(self) -> Phase:
        return self._phase

    def feed(self, message: SSEMessage) -> list[StreamEvent]:
        if message.event == "ping" or self._phase is Phase.FAILED:
            return []
        try:
            payload = orjson.loads(message.data)
        except orjson.JSONDecodeError as exc:
            raise UpstreamProtocolError(f"Anthropic stream: invalid JSON in {message.event} event: {exc}") from exc
        payload = _object(payload, "event data")
        handler = _HANDLERS.get(payload.get("type") or message.event or "")
        out: list[StreamEvent] = []
        if handler is not None:
            handler(self, payload, out)
        return out

    def finish(self) -> list[StreamEvent]:
        match self._phase:
            case Phase.DONE | Phase.FAILED:
                return []
            case Phase.STOPPING:
                out: list[StreamEvent] = []
                self._on_message_stop({}, out)
                return out
            case Phase.BEFORE_START | Phase.STREAMING:
                raise UpstreamProtocolError(f"Anthropic stream ended before message_stop (in {self._phase.name})")

    # --- handlers, one per event type ---

    def _expect(self, event: str, *phases: Phase) -> None:
        if self._phase not in phases:
            raise UpstreamProtocolError(f"Anthropic stream: {event} not allowed in phase {self._phase.name}")

    def _on_message_start(self, payload: JSONObject, out: list[StreamEvent]) -> None:
        self._expect("message_start", Phase.BEFORE_START)
        message = _object(payload.get("message"), "message_start.message")
        usage = message.get("usage")
        self._usage = dict(usage) if isinstance(usage, dict) else {}
        out.append(
            StreamStart(
                id=_string(message.get("id") or "", "message.id"),
                model=_string(message.get("model") or "", "message.model"),
                usage=decode_usage(self._usage),
            )
        )
        self._phase = Phase.STREAMING

    def _on_block_start(self, payload: JSONObject, out: list[StreamEvent]) -> None:
        self._expect("content_block_start", Phase.STREAMING)
        upstream_index = self._index(payload)
        if upstream_index in self._blocks:
            raise UpstreamProtocolError(f"Anthropic stream: block {upstream_index} started twice")
        block = _object(payload.get("content_block"), "content_block")
        self._close_open(out)
        match block.get("type"):
            case "text":
                self._start(upstream_index, BlockStart(self._next_index, "text"), out)
                self._delta(_string(block.get("text", ""), "text"), out)
            case "thinking":
                self._start(upstream_index, BlockStart(self._next_index, "reasoning", origin=DIALECT), out)
                self._delta(_string(block.get("thinking", ""), "thinking"), out)
                self._blocks[upstream_index].signature = _string(block.get("signature", ""), "signature") or None
            case "redacted_thinking":
                data = _string(block.get("data", ""), "redacted_thinking.data")
                start = BlockStart(self._next_index, "reasoning", redacted_data=data, origin=DIALECT)
                self._start(upstream_index, start, out)
            case "tool_use":
                start = BlockStart(
                    self._next_index,
                    "tool_call",
                    tool_call_id=decode_tool_id(_string(block.get("id"), "tool_use.id")),
                    tool_name=_string(block.get("name"), "tool_use.name"),
                )
                self._start(upstream_index, start, out)
                initial = block.get("input")
                if initial:
                    self._delta(orjson.dumps(initial).decode(), out)
            case _:
                self._blocks[upstream_index] = _Block("ignored", -1, open=False)

    def _on_block_delta(self, payload: JSONObject, out: list[StreamEvent]) -> None:
        self._expect("content_block_delta", Phase.STREAMING)
        block = self._known_block(payload)
        if block.kind == "ignored":
            return
        if not block.open:
            raise UpstreamProtocolError(f"Anthropic stream: delta for block {payload['index']} after it closed")
        delta = _object(payload.get("delta"), "content_block_delta.delta")
        delta_type = delta.get("type")
        spec = _DELTA_FIELDS.get(delta_type) if isinstance(delta_type, str) else None
        if spec is None:
            return
        kind, field = spec
        if block.kind != kind:
            raise UpstreamProtocolError(f"Anthropic stream: {delta_type} in a {block.kind} block")
        value = _string(delta.get(field), f"{delta_type}.{field}")
        if delta_type == "signature_delta":
            block.signature = value or None
        else:
            self._delta(value, out)

    def _on_block_stop(self, payload: JSONObject, out: list[StreamEvent]) -> None:
        self._expect("content_block_stop", Phase.STREAMING)
        block = self._known_block(payload)
        if block.open:
            self._close_open(out)

    def _on_message_delta(self, payload: JSONObject, out: list[StreamEvent]) -> None:
        self._expect("message_delta", Phase.STREAMING, Phase.STOPPING)
        self._close_open(out)
        delta = _object(payload.get("delta", {}), "message_delta.delta")
        stop_reason, stop_sequence = delta.get("stop_reason"), delta.get("stop_sequence")
        self._stop = decode_stop_reason(
            stop_reason if isinstance(stop_reason, str) else None,
            stop_sequence if isinstance(stop_sequence, str) else None,
        )
        merge_usage(self._usage, payload.get("usage"))
        self._phase = Phase.STOPPING

    def _on_message_stop(self, payload: JSONObject, out: list[StreamEvent]) -> None:
        self._expect("message_stop", Phase.STOPPING)
        assert self._stop is not None
        out.append(StreamFinish(self._stop, decode_usage(self._usage)))
        self._phase = Phase.DONE

    def _on_error(self, payload: JSONObject, out: list[StreamEvent]) -> None:
        self._expect("error", Phase.BEFORE_START, Phase.STREAMING, Phase.STOPPING)
        out.append(StreamError(decode_stream_error(payload)))
        self._open = None
        self._phase = Phase.FAILED

    # --- block bookkeeping ---

    def _index(self, payload: JSONObject) -> int:
        index = payload.get("index")
        if isinstance(index, bool) or not isinstance(index, int):
            raise UpstreamProtocolError(f"Anthropic stream: {payload.get('type')} without an integer index")
        return index

    def _known_block(self, payload: JSONObject) -> _Block:
        upstream_index = self._index(payload)
        block = self._blocks.get(upstream_index)
        if block is None:
            raise UpstreamProtocolError(f"Anthropic stream: {payload.get('type')} for unknown block {upstream_index}")
        return block

    def _start(self, upstream_index: int, start: BlockStart, out: list[StreamEvent]) -> None:
        block = _Block(start.kind, start.index)
        self._blocks[upstream_index] = block
        self._open = block
        self._next_index += 1
        out.append(start)

    def _delta(self, text: str, out: list[StreamEvent]) -> None:
        if text and self._open is not None:
            out.append(BlockDelta(self._open.index, text))

    def _close_open(self, out: list[StreamEvent]) -> None:
        block = self._open
        if block is None:
            return
        if block.signature is not None:
            out.append(ReasoningSignature(block.index, block.signature))
        out.append(BlockStop(block.index))
        block.open = False
        self._open = None


_HANDLERS: dict[str, Callable[[AnthropicStreamDecoder, JSONObject, list[StreamEvent]], None]] = {
    "message_start": AnthropicStreamDecoder._on_message_start,
    "content_block_start": AnthropicStreamDecoder._on_block_start,
    "content_block_delta": AnthropicStreamDecoder._on_block_delta,
    "content_block_stop": AnthropicStreamDecoder._on_block_stop,
    "message_delta": AnthropicStreamDecoder._on_message_delta,
    "message_stop": AnthropicStreamDecoder._on_message_stop,
    "error": AnthropicStreamDecoder._on_error,
}
