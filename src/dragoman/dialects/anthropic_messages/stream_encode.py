"""Canonical stream events → the exact Anthropic Messages SSE bytes, one encoder per response.

Frames: ``message_start`` (empty content, ``stop_reason: null``, usage with the input tokens when known),
per block ``content_block_start`` / ``content_block_delta``* / ``content_block_stop``, one ``ping`` right after
the first block starts (as the API does), then ``message_delta`` (stop reason, stop sequence and the final
usage, input and cache counts included) and ``message_stop``. A :class:`StreamError` becomes ``event: error``
with the ``errors.encode_error`` body and nothing follows it; if it comes before :class:`StreamStart` it is
the whole stream. Any other event before :class:`StreamStart` gets a ``message_start`` made up first.

Named rules (the same as ``response.py``): *client-model-name*: ``message_start`` names the model the client
asked for; text and refusal blocks are ``text`` blocks, and a refusal turns
a natural stop into ``refusal``; *tool-use-stop*: a stream that started a tool call stops with ``tool_use``
unless cut off at ``max_tokens``; tool ids are made Anthropic-safe. A reasoning block without redacted data
is started lazily, at its first thinking text or proof, so one with neither is left out (block indices stay
0, 1, 2… as the SDK requires). Its ``signature_delta`` carries what ``proofs.client_signature`` gives for the
block's origin (*proofs-travel-wrapped*: OpenAI encrypted content wrapped with its item id; *chat-reasoning-
marked*: chat reasoning gets its origin marker right before ``content_block_stop``); a block with no proof
of a known origin gets no ``signature_delta`` (its signature stays ``""``). Redacted data of another origin is
wrapped the same way. Function-call arguments are relayed fragment by fragment, unchecked; rule
*custom-as-function*: a ``custom`` call's raw input is buffered and sent as one ``{"input": …}`` JSON
fragment when the block stops.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import assert_never

import orjson

from dragoman.canonical.errors import InternalError
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
from dragoman.canonical.request import Request
from dragoman.canonical.response import Usage
from dragoman.canonical.tools import wrap_custom_input
from dragoman.dialects.anthropic_messages.errors import encode_error
from dragoman.dialects.anthropic_messages.proofs import client_redacted_data, client_signature
from dragoman.dialects.anthropic_messages.response import message_id, text_block
from dragoman.dialects.anthropic_messages.stop_reason import encode_answer_stop_reason
from dragoman.dialects.anthropic_messages.tool_ids import encode_tool_id
from dragoman.dialects.anthropic_messages.usage import encode_delta_usage, encode_usage
from dragoman.dialects.base import JSONObject
from dragoman.sse import encode_sse

PING = b'event: ping\ndata: {"type": "ping"}\n\n'
_MESSAGE_STOP = encode_sse(b'{"type":"message_stop"}', "message_stop")


def _frame(event: str, payload: JSONObject) -> bytes:
    return encode_sse(orjson.dumps(payload), event)


@dataclass(slots=True)
class _OpenBlock:
    index: int
    """The canonical index."""
    kind: BlockKind
    wire_index: int | None
    """The index sent to the client, ``None`` while a lazily started reasoning block has not started."""
    redacted: bool = False
    signed: bool = False
    origin: str | None = None
    item_id: str | None = None
    custom_input: list[str] | None = None
    """The buffered raw input of a ``custom`` tool call (``None`` for every other block)."""


class AnthropicStreamEncoder:
    __slots__ = ("_called", "_done", "_model", "_next_index", "_open", "_pinged", "_refused", "_started")

    def __init__(self, request: Request) -> None:
        self._model = request.model
        self._started = False
        self._done = False
        self._pinged = False
        self._refused = False
        self._called = False
        self._next_index = 0
        self._open: _OpenBlock | None = None

    def keepalive(self) -> bytes:
        return PING

    def encode(self, event: StreamEvent) -> bytes:
        if self._done:
            return b""
        match event:
            case StreamError():
                self._done = True
                return _frame("error", encode_error(event.error))
            case StreamStart():
                if self._started:
                    raise InternalError("StreamStart after the stream started")
                return self._message_start(event.id, event.model, event.usage)
        opening = b"" if self._started else self._message_start("", "", None)
        match event:
            case BlockStart():
                return opening + self._block_start(event)
            case BlockDelta():
                return opening + self._block_delta(event)
            case ReasoningSignature():
                return opening + self._signature(event)
            case BlockStop():
                return opening + self._block_stop(event.index)
            case StreamFinish():
                return opening + self._finish(event)
            case _:
                assert_never(event)

    def _message_start(self, upstream_id: str, model: str, usage: Usage | None) -> bytes:
        self._started = True
        message: JSONObject = {
            "id": message_id(upstream_id),
            "type": "message",
            "role": "assistant",
            "model": self._model or model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "stop_details": None,
            "usage": encode_usage(usage or Usage()),
            "container": None,
        }
        return _frame("message_start", {"type": "message_start", "message": message})

    def _block_start(self, event: BlockStart) -> bytes:
        closing = self._block_stop(self._open.index) if self._open is not None else b""
        block = _OpenBlock(event.index, event.kind, None, origin=event.origin, item_id=event.item_id)
        self._open = block
        match event.kind:
            case "text" | "refusal":
                self._refused = self._refused or event.kind == "refusal"
                return closing + self._wire_start(block, text_block(""))
            case "reasoning":
                if event.redacted_data is None:
                    return closing
                block.redacted = True
                data = client_redacted_data(event.origin, event.redacted_data)
                return closing + self._wire_start(block, {"type": "redacted_thinking", "data": data})
            case "tool_call":
                self._called = True
                if event.tool_kind == "custom":
                    block.custom_input = []
                content: JSONObject = {
                    "type": "tool_use",
                    "id": encode_tool_id(event.tool_call_id or ""),
                    "name": event.tool_name or "",
                    "input": {},
                    "caller": {"type": "direct"},
                }
                return closing + self._wire_start(block, content)
            case _:
                assert_never(event.kind)

    def _wire_start(self, block: _OpenBlock, content: JSONObject) -> bytes:
        block.wire_index = self._next_index
        self._next_index += 1
        frame = _frame(
            "content_block_start",
            {"type": "content_block_start", "index": block.wire_index, "content_block": content},
        )
        if not self._pinged:
            self._pinged = True
            return frame + PING
        return frame

    def _current(self, index: int) -> _OpenBlock:
        block = self._open
        if block is None or block.index != index:
            raise InternalError(f"stream event for block {index}, which is not open")
        return block

    def _block_delta(self, event: BlockDelta) -> bytes:
        block = self._current(event.index)
        if not event.text or block.redacted:
            return b""
        match block.kind:
            case "text" | "refusal":
                return self._delta(block, {"type": "text_delta", "text": event.text})
            case "reasoning":
                return self._thinking_start(block) + self._delta(
                    block, {"type": "thinking_delta", "thinking": event.text}
                )
            case "tool_call":
                if block.custom_input is not None:
                    block.custom_input.append(event.text)
                    return b""
                return self._delta(block, {"type": "input_json_delta", "partial_json": event.text})
            case _:
                assert_never(block.kind)

    def _signature(self, event: ReasoningSignature) -> bytes:
        block = self._current(event.index)
        if block.kind != "reasoning" or block.redacted or not event.signature:
            return b""
        proof = {"encrypted": event.signature} if event.encrypted else {"signature": event.signature}
        return self._signed(block, client_signature(block.origin, item_id=block.item_id, **proof))

    def _signed(self, block: _OpenBlock, signature: str) -> bytes:
        if not signature:
            return b""
        block.signed = True
        return self._thinking_start(block) + self._delta(block, {"type": "signature_delta", "signature": signature})

    def _thinking_start(self, block: _OpenBlock) -> bytes:
        if block.wire_index is not None:
            return b""
        return self._wire_start(block, {"type": "thinking", "thinking": "", "signature": ""})

    def _delta(self, block: _OpenBlock, delta: JSONObject) -> bytes:
        return _frame("content_block_delta", {"type": "content_block_delta", "index": block.wire_index, "delta": delta})

    def _block_stop(self, index: int) -> bytes:
        block = self._current(index)
        last = b""
        if block.custom_input is not None:
            raw = "".join(block.custom_input)
            last = self._delta(block, {"type": "input_json_delta", "partial_json": wrap_custom_input(raw)})
        elif block.kind == "reasoning" and not (block.signed or block.redacted) and block.wire_index is not None:
            last = self._signed(block, client_signature(block.origin, item_id=block.item_id))
        self._open = None
        if block.wire_index is None:
            return b""
        return last + _frame("content_block_stop", {"type": "content_block_stop", "index": block.wire_index})

    def _finish(self, event: StreamFinish) -> bytes:
        closing = self._block_stop(self._open.index) if self._open is not None else b""
        self._done = True
        stop_reason = encode_answer_stop_reason(event.stop_reason, refused=self._refused, called=self._called)
        delta: JSONObject = {
            "stop_reason": stop_reason,
            "stop_sequence": event.stop_reason.stop_sequence if stop_reason == "stop_sequence" else None,
            "stop_details": None,
            "container": None,
        }
        payload = {"type": "message_delta", "delta": delta, "usage": encode_delta_usage(event.usage)}
        return closing + _frame("message_delta", payload) + _MESSAGE_STOP
