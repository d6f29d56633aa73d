"""llama-cpp-python's chat completions → exact OpenAI Chat Completions bytes.

llama-cpp-python answers in nearly OpenAI's shapes; this module makes them exact: the model is the name
the request used, the legacy ``function_call`` copy and ``None`` fields go, tool calls get OpenAI-style
ids and ``finish_reason: "tool_calls"``, usage is the metered count, and a stream ends with the usage chunk
(when asked for) and ``data: [DONE]``. Answers with tools are generated whole and then streamed
(llama-cpp-python cannot stream an automatic tool choice): the text, then one delta per tool call.
"""

from __future__ import annotations

from typing import Any

import orjson

from dragoman.canonical.errors import GatewayError
from dragoman.dialects.openai_errors import encode_error
from dragoman.ids import new_id, now
from dragoman.providers.local.meter import Meter
from dragoman.sse import encode_sse

DONE = b"data: [DONE]\n\n"


def usage_of(meter: Meter) -> dict[str, int]:
    prompt = meter.prompt_tokens or 0
    return {"prompt_tokens": prompt, "completion_tokens": meter.completion_tokens,
            "total_tokens": prompt + meter.completion_tokens}


def error_body(error: GatewayError) -> bytes:
    return orjson.dumps(encode_error(error))


def error_record(error: GatewayError) -> bytes:
    return encode_sse(error_body(error))


def _message(raw: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The assistant message of a llama-cpp-python answer, and its finish reason."""
    choice = raw["choices"][0]
    source = choice.get("message") or {}
    message: dict[str, Any] = {"role": "assistant", "content": source.get("content")}
    calls = [
        {"id": new_id("call_"), "type": "function",
         "function": {"name": call["function"]["name"], "arguments": call["function"]["arguments"]}}
        for call in source.get("tool_calls") or []
    ]
    if calls:
        message["tool_calls"] = calls
        return message, "tool_calls"
    if message["content"] is None:
        message["content"] = ""
    return message, choice.get("finish_reason")


def completion(raw: dict[str, Any], model: str, meter: Meter) -> bytes:
    message, finish_reason = _message(raw)
    return orjson.dumps({
        "id": raw.get("id") or new_id("chatcmpl-"),
        "object": "chat.completion",
        "created": raw.get("created") or now(),
        "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}],
        "usage": usage_of(meter),
    })


class ChunkWriter:
    """The SSE records of one streamed answer."""

    def __init__(self, model: str) -> None:
        self._id = new_id("chatcmpl-")
        self._created = now()
        self._model = model

    def _record(self, delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
        return encode_sse(orjson.dumps({
            "id": self._id, "object": "chat.completion.chunk", "created": self._created, "model": self._model,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
        }))

    def chunk(self, raw: dict[str, Any]) -> bytes:
        """One streamed llama-cpp-python chunk (text only: answers with tools go through :meth:`replay`)."""
        choice = raw["choices"][0]
        source = choice.get("delta") or {}
        delta = {key: source[key] for key in ("role", "content") if source.get(key) is not None}
        return self._record(delta, choice.get("finish_reason"))

    def replay(self, raw: dict[str, Any]) -> bytes:
        """A whole answer as the records a streamed one would have had."""
        message, finish_reason = _message(raw)
        out = [self._record({"role": "assistant", "content": ""})]
        if message["content"]:
            out.append(self._record({"content": message["content"]}))
        for index, call in enumerate(message.get("tool_calls", [])):
            out.append(self._record({"tool_calls": [{"index": index, **call}]}))
        out.append(self._record({}, finish_reason))
        return b"".join(out)

    def end(self, meter: Meter, *, include_usage: bool) -> bytes:
        if not include_usage:
            return DONE
        usage = orjson.dumps({
            "id": self._id, "object": "chat.completion.chunk", "created": self._created, "model": self._model,
            "choices": [], "usage": usage_of(meter),
        })
        return encode_sse(usage) + DONE
