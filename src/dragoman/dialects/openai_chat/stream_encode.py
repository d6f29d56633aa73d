"""Canonical stream events -> the exact SSE bytes of a chat completion stream, as OpenAI sends them.

Grammar: every chunk has ``object: "chat.completion.chunk"`` and the same ``id``/``created``/``model``;
the first carries ``delta: {"role": "assistant", "content": ""}``; text goes out as ``delta.content``,
refusal as ``delta.refusal``, reasoning as ``delta.reasoning_content``, a tool call as
``delta.tool_calls[{index, id, type, function: {name, arguments: ""}}]`` on its first chunk and
``{index, function: {arguments}}`` after, ``index`` counting tool calls (not blocks) from 0. Then a finish
chunk (empty delta, ``finish_reason``), a usage chunk (``choices: []``) only when the client asked with
``stream_options.include_usage`` — then every earlier chunk has ``"usage": null`` — and ``data: [DONE]``.

A ``StreamError`` (at any time, also before ``StreamStart``: chat needs no opening) is written as
``data: {"error": {...}}`` then ``data: [DONE]``, and nothing is written after it or after the finish.
Named rules: ``reasoning-signature-dropped`` (signatures and redacted reasoning data have no chat form;
a redacted block writes nothing), empty fragments write no chunk.

The chunk prefix (id, object, created, model) is serialised once per stream; each chunk serialises only
its choice.
"""

from __future__ import annotations

from typing import assert_never

import orjson

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
from dragoman.dialects.base import JSONObject
from dragoman.dialects.openai_chat.stop_reason import FinishReason, encode_stop_reason
from dragoman.dialects.openai_chat.usage import encode_usage
from dragoman.dialects.openai_errors import encode_error_object
from dragoman.ids import new_id, now
from dragoman.sse import SSE_COMMENT_KEEPALIVE, encode_sse

_DONE = encode_sse(b"[DONE]")
_DELTA_FIELD: dict[BlockKind, str] = {"text": "content", "refusal": "refusal", "reasoning": "reasoning_content"}


class ChatStreamEncoder:
    def __init__(self, request: Request) -> None:
        self._model = request.model
        self._include_usage = request.include_usage
        self._tail = b'],"usage":null}' if request.include_usage else b"]}"
        self._head = b""
        self._ended = False
        self._kinds: dict[int, BlockKind] = {}
        self._tool_indices: dict[int, int] = {}

    def keepalive(self) -> bytes:
        return SSE_COMMENT_KEEPALIVE

    def encode(self, event: StreamEvent) -> bytes:
        if self._ended:
            return b""
        match event:
            case StreamStart():
                return self._start(event.id, event.model, event.created)
            case BlockStart():
                return self._opening() + self._block_start(event)
            case BlockDelta():
                return self._opening() + self._block_delta(event)
            case ReasoningSignature() | BlockStop():
                return b""
            case StreamFinish():
                return self._opening() + self._finish(encode_stop_reason(event.stop_reason), event.usage)
            case StreamError():
                self._ended = True
                return encode_sse(orjson.dumps({"error": encode_error_object(event.error)})) + _DONE
            case _:
                assert_never(event)

    def _start(self, response_id: str, model: str, created: int) -> bytes:
        if self._head:
            return b""
        self._head = orjson.dumps({
            "id": response_id or new_id("chatcmpl-"),
            "object": "chat.completion.chunk",
            "created": created or now(),
            "model": model or self._model,
        })[:-1] + b',"choices":['
        return self._chunk({"role": "assistant", "content": ""})

    def _opening(self) -> bytes:
        # Only reached when a producer skipped StreamStart; the stream still gets its identity chunk.
        return b"" if self._head else self._start("", "", 0)

    def _block_start(self, start: BlockStart) -> bytes:
        self._kinds[start.index] = start.kind
        if start.kind != "tool_call":
            return b""
        tool_index = self._tool_indices[start.index] = len(self._tool_indices)
        call: JSONObject = {
            "index": tool_index,
            "id": start.tool_call_id or new_id("call_"),
            "type": "function",
            "function": {"name": start.tool_name or "", "arguments": ""},
        }
        return self._chunk({"tool_calls": [call]})

    def _block_delta(self, delta: BlockDelta) -> bytes:
        if not delta.text:
            return b""
        kind = self._kinds.get(delta.index, "text")
        if kind == "tool_call":
            fragment = {"index": self._tool_indices[delta.index], "function": {"arguments": delta.text}}
            return self._chunk({"tool_calls": [fragment]})
        return self._chunk({_DELTA_FIELD[kind]: delta.text})

    def _finish(self, finish_reason: FinishReason, usage: Usage) -> bytes:
        self._ended = True
        out = self._chunk({}, finish_reason)
        if self._include_usage:
            out += encode_sse(self._head + b'],"usage":' + orjson.dumps(encode_usage(usage)) + b"}")
        return out + _DONE

    def _chunk(self, delta: JSONObject, finish_reason: FinishReason | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return encode_sse(self._head + orjson.dumps(choice) + self._tail)
