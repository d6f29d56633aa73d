"""Canonical stream events -> a Responses client's exact SSE bytes (``event:`` + ``data:``).

Every event carries ``sequence_number`` counting from 0. The stream opens with ``response.created`` and
``response.in_progress`` (status ``in_progress``, empty output, no usage), streams one output item per
block, and ends with ``response.completed`` or ``response.incomplete`` holding the full response (all
output items and usage). Per block:

- text / refusal: consecutive blocks share one ``message`` item (``output_item.added`` at the first, then
  per block ``content_part.added``, ``output_text.delta``/``refusal.delta``, ``output_text.done``/
  ``refusal.done``, ``content_part.done``); the item is done when another kind of block starts or the
  stream ends (then ``incomplete`` when the response is). Rule ``no-empty-text``: a text or refusal block
  is announced at its first non-empty delta, so a block without text leaves no trace (a turn that begins
  with a tool call has no empty message).
- reasoning: a ``reasoning`` item (the upstream's ``rs_…`` id when it has one); its text streams as one
  summary part (``reasoning_summary_part.added``, ``reasoning_summary_text.delta``/``done``,
  ``reasoning_summary_part.done``). Rule ``stream-reasoning-as-summary``: a streamed block cannot say
  whether its text is a summary or the full reasoning, and summaries are what Responses clients (Codex, the
  Agents SDK, vercel/ai) render and send back. The block's proof becomes ``encrypted_content``: OpenAI's
  own as is, an Anthropic signature or redacted data wrapped (reasoning.py, *proofs-travel-wrapped*).
- tool_call: a ``function_call`` item with ``function_call_arguments.delta``/``done``; a call of custom kind
  a ``custom_tool_call`` item with ``custom_tool_call_input.delta``/``done``. A function call of a tool the
  client declared custom (an upstream without custom tools called its stand-in function) is buffered and
  its unwrapped raw input sent when the block stops (rule *custom-as-function*).

Empty deltas are not sent. A ``StreamError`` (even before ``StreamStart``, which then opens the stream
first) becomes an ``error`` event and ``response.failed`` with ``error`` ``{code, message}`` (see
``errors.py``) and ends the stream: later events encode to ``b""``. Keepalive is an SSE comment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, auto
from typing import assert_never

import orjson

from dragoman.canonical.errors import GatewayError
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
from dragoman.canonical.tools import custom_tool_names, unwrap_custom_input
from dragoman.dialects.base import JSONObject
from dragoman.dialects.openai_responses.errors import encode_error_event, encode_response_error
from dragoman.dialects.openai_responses.output_items import (
    custom_tool_call_item,
    function_call_item,
    message_item,
    reasoning_id,
    reasoning_item,
    refusal_content,
    text_content,
)
from dragoman.dialects.openai_responses.reasoning import client_proof
from dragoman.dialects.openai_responses.response import response_id, response_object
from dragoman.dialects.openai_responses.stop_reason import WireStop, encode_stop_reason
from dragoman.ids import new_id, now
from dragoman.sse import SSE_COMMENT_KEEPALIVE, encode_sse


class Phase(Enum):
    INITIAL = auto()
    STREAMING = auto()
    DONE = auto()


@dataclass(slots=True)
class _Block:
    kind: BlockKind
    item_id: str = ""
    output_index: int = 0
    content_index: int = 0
    announced: bool = False
    call_id: str = ""
    name: str = ""
    custom: bool = False
    buffered: bool = False
    origin: str | None = None
    signature: str | None = None
    encrypted: str | None = None
    redacted: str | None = None
    fragments: list[str] = field(default_factory=list)


class ResponsesStreamEncoder:
    def __init__(self, request: Request) -> None:
        self._request = request
        self._custom_names = custom_tool_names(request)
        self.phase = Phase.INITIAL
        self._sequence = 0
        self._id = ""
        self._model = request.model
        self._created = 0
        self._output: list[JSONObject] = []
        self._message: JSONObject | None = None
        self._block: _Block | None = None
        self._frames: list[bytes] = []

    def keepalive(self) -> bytes:
        return SSE_COMMENT_KEEPALIVE

    def encode(self, event: StreamEvent) -> bytes:
        if self.phase is Phase.DONE:
            return b""
        self._frames = []
        if self.phase is Phase.INITIAL and not isinstance(event, StreamStart | StreamError):
            self._start("", "", 0)  # the grammar puts StreamStart first; never emit items before the opening
        match event:
            case StreamStart():
                self._start(event.id, event.model, event.created)
            case BlockStart():
                self._block_start(event)
            case BlockDelta():
                self._block_delta(event.text)
            case ReasoningSignature():
                if self._block is not None:
                    if event.encrypted:
                        self._block.encrypted = event.signature
                    else:
                        self._block.signature = event.signature
            case BlockStop():
                self._block_stop()
            case StreamFinish():
                self._finish(encode_stop_reason(event.stop_reason), event.usage)
            case StreamError():
                self._error(event.error)
            case _:
                assert_never(event)
        return b"".join(self._frames)

    def _send(self, payload: JSONObject) -> None:
        payload["sequence_number"] = self._sequence
        self._sequence += 1
        self._frames.append(encode_sse(orjson.dumps(payload), payload["type"]))

    def _response(self, status: str, *, usage: Usage | None = None, stop: WireStop | None = None,
                  error: JSONObject | None = None) -> JSONObject:
        return response_object(self._request, id=self._id, created_at=self._created, model=self._model,
                               status=status, output=self._output, usage=usage, stop=stop, error=error)

    def _start(self, upstream_id: str, model: str, created: int) -> None:
        if self.phase is not Phase.INITIAL:
            return
        self._id, self._created = response_id(upstream_id), created or now()
        self._model = model or self._request.model
        self.phase = Phase.STREAMING
        self._send({"type": "response.created", "response": self._response("in_progress")})
        self._send({"type": "response.in_progress", "response": self._response("in_progress")})

    # --- block starts ---

    def _block_start(self, event: BlockStart) -> None:
        kind = event.kind
        if kind == "text" or kind == "refusal":
            self._block = _Block(kind)  # announced at its first text (rule no-empty-text)
            return
        self._close_message("completed")
        if kind == "reasoning":
            block = _Block(kind, reasoning_id(event.item_id), len(self._output), announced=True,
                           origin=event.origin, redacted=event.redacted_data)
            item = reasoning_item(block.item_id, [], "", None)
        elif kind == "tool_call":
            name = event.tool_name or ""
            custom = event.tool_kind == "custom" or name in self._custom_names
            block = _Block(kind, new_id("ctc_" if custom else "fc_"), len(self._output), announced=True,
                           call_id=event.tool_call_id or new_id("call_"), name=name, custom=custom,
                           buffered=custom and event.tool_kind == "function")
            item = (custom_tool_call_item(block.item_id, block.call_id, name, "") if custom
                    else function_call_item(block.item_id, block.call_id, name, "", "in_progress"))
        else:
            assert_never(kind)
        self._send({"type": "response.output_item.added", "output_index": block.output_index, "item": item})
        self._block = block

    def _announce_text(self, block: _Block) -> None:
        message = self._open_message()
        block.item_id, block.output_index = message["id"], len(self._output)
        block.content_index, block.announced = len(message["content"]), True
        part = text_content("") if block.kind == "text" else refusal_content("")
        self._send({"type": "response.content_part.added", "item_id": block.item_id,
                    "output_index": block.output_index, "content_index": block.content_index, "part": part})

    # --- deltas ---

    def _block_delta(self, text: str) -> None:
        block = self._block
        if block is None or not text:
            return
        block.fragments.append(text)
        if block.buffered:
            return
        if not block.announced:
            self._announce_text(block)
        where = {"item_id": block.item_id, "output_index": block.output_index}
        if block.kind == "text":
            self._send({"type": "response.output_text.delta", **where, "content_index": block.content_index,
                        "delta": text, "logprobs": []})
        elif block.kind == "refusal":
            self._send({"type": "response.refusal.delta", **where, "content_index": block.content_index,
                        "delta": text})
        elif block.kind == "reasoning":
            if len(block.fragments) == 1:
                self._send({"type": "response.reasoning_summary_part.added", **where, "summary_index": 0,
                            "part": {"type": "summary_text", "text": ""}})
            self._send({"type": "response.reasoning_summary_text.delta", **where, "summary_index": 0,
                        "delta": text})
        elif block.custom:
            self._send({"type": "response.custom_tool_call_input.delta", **where, "delta": text})
        else:
            self._send({"type": "response.function_call_arguments.delta", **where, "delta": text})

    # --- block stops ---

    def _block_stop(self) -> None:
        block, self._block = self._block, None
        if block is None or not block.announced:
            return
        text = "".join(block.fragments)
        where = {"item_id": block.item_id, "output_index": block.output_index}
        if block.kind == "text" or block.kind == "refusal":
            self._text_done(block, text)
            return
        if block.kind == "reasoning":
            if text:
                self._send({"type": "response.reasoning_summary_text.done", **where, "summary_index": 0,
                            "text": text})
                self._send({"type": "response.reasoning_summary_part.done", **where, "summary_index": 0,
                            "part": {"type": "summary_text", "text": text}})
            proof = client_proof(block.origin, signature=block.signature, encrypted=block.encrypted,
                                 redacted=block.redacted)
            item = reasoning_item(block.item_id, [text] if text else [], "", proof)
        elif block.custom:
            if block.buffered:
                text = unwrap_custom_input(text)
                if text:
                    self._send({"type": "response.custom_tool_call_input.delta", **where, "delta": text})
            self._send({"type": "response.custom_tool_call_input.done", **where, "input": text})
            item = custom_tool_call_item(block.item_id, block.call_id, block.name, text)
        else:
            self._send({"type": "response.function_call_arguments.done", **where, "name": block.name,
                        "arguments": text})
            item = function_call_item(block.item_id, block.call_id, block.name, text, "completed")
        self._send({"type": "response.output_item.done", "output_index": block.output_index, "item": item})
        self._output.append(item)

    def _text_done(self, block: _Block, text: str) -> None:
        at = {"item_id": block.item_id, "output_index": block.output_index, "content_index": block.content_index}
        if block.kind == "text":
            part = text_content(text)
            self._send({"type": "response.output_text.done", **at, "text": text, "logprobs": []})
        else:
            part = refusal_content(text)
            self._send({"type": "response.refusal.done", **at, "refusal": text})
        self._send({"type": "response.content_part.done", **at, "part": part})
        if self._message is not None:
            self._message["content"].append(part)

    def _open_message(self) -> JSONObject:
        if self._message is None:
            self._message = message_item(new_id("msg_"), [], "in_progress")
            self._send({"type": "response.output_item.added", "output_index": len(self._output),
                        "item": {**self._message, "content": []}})
        return self._message

    def _close_message(self, status: str) -> None:
        message, self._message = self._message, None
        if message is not None:
            message["status"] = status
            self._send({"type": "response.output_item.done", "output_index": len(self._output), "item": message})
            self._output.append(message)

    # --- endings ---

    def _finish(self, stop: WireStop, usage: Usage) -> None:
        self._block_stop()
        self._close_message(stop.status)
        kind = "response.completed" if stop.status == "completed" else "response.incomplete"
        self._send({"type": kind, "response": self._response(stop.status, usage=usage, stop=stop)})
        self.phase = Phase.DONE

    def _error(self, error: GatewayError) -> None:
        self._start("", "", 0)
        self._send(encode_error_event(error))
        self._send({"type": "response.failed", "response": self._response("failed",
                                                                          error=encode_response_error(error))})
        self.phase = Phase.DONE
