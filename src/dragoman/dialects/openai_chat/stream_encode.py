"""Canonical stream events -> the exact SSE bytes of a chat completion stream, as OpenAI sends them.

Grammar: every chunk has ``object: "chat.completion.chunk"`` and the same ``id``/``created``/``model``; the
first carries ``delta: {"role": "assistant", "content": ""}``; text goes out as ``delta.content``, refusal as
``delta.refusal``, reasoning as ``delta.reasoning_content``, a tool call as ``delta.tool_calls[{index, id,
type, function: {name, arguments: ""}}]`` on its first chunk and ``{index, function: {arguments}}`` after,
``index`` counting tool calls (not blocks) from 0. A call of a tool the client declared ``custom`` goes out as
OpenAI streams custom calls (its spec lists only function deltas): ``{index, id, type: "custom", custom:
{name, input: ""}}`` then ``{index, custom: {input}}``; when the upstream had it as a function with one
``input`` argument (Anthropic; ``canonical/tools.py`` *custom-as-function*), the argument fragments are held
and the unwrapped input is sent as one fragment when the block stops. Then a finish chunk (empty delta,
``finish_reason``; ``tool_calls`` whenever a call was made, unless cut off, rule *tool_calls-when-called*), a
usage chunk (``choices: []``) only when the client asked with ``stream_options.include_usage`` — then every
earlier chunk has ``"usage": null`` — and ``data: [DONE]``.

A ``StreamError`` (at any time, also before ``StreamStart``: chat needs no opening) is written as ``data:
{"error": {...}}`` then ``data: [DONE]``, and nothing is written after it or after the finish. Named rules:
``reasoning-signature-dropped`` (signatures and redacted reasoning data have no chat form; a redacted block
writes nothing), empty fragments write no chunk.

The chunk prefix (id, object, created, model) is serialised once per stream; each chunk serialises only its
choice.
"""

from __future__ import annotations

from typing import Literal, assert_never

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
from dragoman.canonical.tools import custom_tool_names, unwrap_custom_input
from dragoman.dialects.base import JSONObject
from dragoman.dialects.openai_chat.stop_reason import FinishReason, encode_finish_reason
from dragoman.dialects.openai_chat.usage import encode_usage
from dragoman.dialects.openai_errors import encode_error_object
from dragoman.ids import new_id, now
from dragoman.sse import SSE_COMMENT_KEEPALIVE, encode_sse

_DONE = encode_sse(b"[DONE]")
_DELTA_FIELD: dict[BlockKind, str] = {"text": "content", "refusal": "refusal", "reasoning": "reasoning_content"}
CallMode = Literal["function", "custom", "unwrap"]


class ChatStreamEncoder:
    def __init__(self, request: Request) -> None:
        self._model = request.model
        self._include_usage = request.include_usage
        self._tail = b'],"usage":null}' if request.include_usage else b"]}"
        self._head = b""
        self._ended = False
        self._custom_names = custom_tool_names(request)
        self._kinds: dict[int, BlockKind] = {}
        self._tool_indices: dict[int, int] = {}
        self._modes: dict[int, CallMode] = {}
        self._held: dict[int, list[str]] = {}

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
            case BlockStop():
                return self._block_stop(event.index)
            case ReasoningSignature():
                return b""
            case StreamFinish():
                reason = encode_finish_reason(event.stop_reason, bool(self._tool_indices))
                return self._opening() + self._finish(reason, event.usage)
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
        mode: CallMode = "function"
        if start.tool_kind == "custom":
            mode = "custom"
        elif start.tool_name in self._custom_names:
            mode = "unwrap"
            self._held[start.index] = []
        self._modes[start.index] = mode
        call: JSONObject = {"index": tool_index, "id": start.tool_call_id or new_id("call_")}
        if mode == "function":
            call["type"], call["function"] = "function", {"name": start.tool_name or "", "arguments": ""}
        else:
            call["type"], call["custom"] = "custom", {"name": start.tool_name or "", "input": ""}
        return self._chunk({"tool_calls": [call]})

    def _block_delta(self, delta: BlockDelta) -> bytes:
        if not delta.text:
            return b""
        kind = self._kinds.get(delta.index, "text")
        if kind != "tool_call":
            return self._chunk({_DELTA_FIELD[kind]: delta.text})
        mode = self._modes[delta.index]
        if mode == "unwrap":
            self._held[delta.index].append(delta.text)
            return b""
        return self._call_fragment(delta.index, mode, delta.text)

    def _block_stop(self, index: int) -> bytes:
        held = self._held.pop(index, None)
        if held is None:
            return b""
        raw_input = unwrap_custom_input("".join(held))
        return self._call_fragment(index, "custom", raw_input) if raw_input else b""

    def _call_fragment(self, index: int, mode: CallMode, text: str) -> bytes:
        body: JSONObject = {"arguments": text} if mode == "function" else {"input": text}
        return self._chunk({"tool_calls": [{"index": self._tool_indices[index],
                                            "function" if mode == "function" else "custom": body}]})

    def _finish(self, finish_reason: FinishReason, usage: Usage) -> bytes:
        self._ended = True
        out = self._chunk({}, finish_reason)
        if self._include_usage:
            out += encode_sse(self._head + b'],"usage":' + orjson.dumps(encode_usage(usage)) + b"}")
        return out + _DONE

    def _chunk(self, delta: JSONObject, finish_reason: FinishReason | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return encode_sse(self._head + orjson.dumps(choice) + self._tail)
