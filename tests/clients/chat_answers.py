"""OpenAI Chat Completions answers with chosen content, built from the recordings in ../shared/fixtures/openai.

Each answer takes the recorded chunks (or body) of the same kind and changes only the content: the same
ids, models, ``system_fingerprint``, ``obfuscation`` padding, ``logprobs: null``, a first chunk carrying the
role, a finish chunk with an empty delta, a usage chunk with ``choices: []`` (only when the request asked
for ``stream_options.include_usage``, as OpenAI does) and ``data: [DONE]``.

Text streams copy ``chat-stream-text-usage-obfuscation.chunks.txt``; tool-call streams copy
``chat-stream-parallel-tool-calls.sse`` (one chunk opening the call with id, name and empty arguments, then
argument fragments); JSON answers copy ``chat-nonstream-text.json`` and ``chat-nonstream-tool-call.json``.
"""

from __future__ import annotations

import copy
import functools
import json
from dataclasses import dataclass
from typing import Any

from tests.recordings import load_json
from tests.upstream.answers import Body, Stream, json_body, sse_record
from tests.upstream.recorded import record_payload, recorded_stream

TEXT_STREAM = "openai/chat-stream-text-usage-obfuscation.chunks.txt"
TOOL_STREAM = "openai/chat-stream-parallel-tool-calls.sse"
TEXT_JSON = "openai/chat-nonstream-text.json"
TOOL_JSON = "openai/chat-nonstream-tool-call.json"
DONE = b"data: [DONE]\n\n"
FRAGMENT = 6


@dataclass(frozen=True, slots=True)
class ChatToolCall:
    id: str
    name: str
    arguments: str


def fragments(text: str, size: int = FRAGMENT) -> list[str]:
    """``text`` in pieces of a few characters, as models stream it (never an empty list)."""
    return [text[start:start + size] for start in range(0, len(text), size)] or [""]


@functools.cache
def _chunks(name: str) -> tuple[dict[str, Any], ...]:
    payloads = (record_payload(record) for record in recorded_stream(name).records)
    return tuple(payload for payload in payloads if isinstance(payload, dict))


def _first(name: str, wanted: str) -> dict[str, Any]:
    """A deep copy of the first recorded chunk of a kind: ``role``, ``content``, ``call-open``,
    ``call-arguments``, ``finish`` or ``usage``."""
    for chunk in _chunks(name):
        if _kind(chunk) == wanted:
            return copy.deepcopy(chunk)
    raise LookupError(f"{name} has no {wanted} chunk")


def _kind(chunk: dict[str, Any]) -> str:
    if not chunk["choices"]:
        return "usage"
    choice = chunk["choices"][0]
    delta = choice["delta"]
    if choice.get("finish_reason"):
        return "finish"
    if "role" in delta:
        return "role"
    if delta.get("tool_calls"):
        return "call-open" if "id" in delta["tool_calls"][0] else "call-arguments"
    return "content"


def _usage_tail(name: str, include_usage: bool) -> list[bytes]:
    return ([sse_record(_first(name, "usage"))] if include_usage else []) + [DONE]


def text_stream(text: str, *, include_usage: bool) -> Stream:
    records = [sse_record(_first(TEXT_STREAM, "role"))]
    for piece in fragments(text):
        chunk = _first(TEXT_STREAM, "content")
        chunk["choices"][0]["delta"]["content"] = piece
        records.append(sse_record(chunk))
    records.append(sse_record(_first(TEXT_STREAM, "finish")))
    return Stream(tuple(records + _usage_tail(TEXT_STREAM, include_usage)))


def tool_call_stream(call: ChatToolCall, *, include_usage: bool) -> Stream:
    records = [sse_record(_first(TOOL_STREAM, "role"))]
    opening = _first(TOOL_STREAM, "call-open")
    opened = opening["choices"][0]["delta"]["tool_calls"][0]
    opened["id"], opened["function"]["name"] = call.id, call.name
    records.append(sse_record(opening))
    for piece in fragments(call.arguments):
        chunk = _first(TOOL_STREAM, "call-arguments")
        chunk["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"] = piece
        records.append(sse_record(chunk))
    finish = _first(TOOL_STREAM, "finish")
    assert finish["choices"][0]["finish_reason"] == "tool_calls"
    records.append(sse_record(finish))
    return Stream(tuple(records + _usage_tail(TOOL_STREAM, include_usage)))


def text_json(text: str) -> Body:
    body = load_json(TEXT_JSON)
    body["choices"][0]["message"]["content"] = text
    return json_body(200, body)


def tool_call_json(call: ChatToolCall) -> Body:
    body = load_json(TOOL_JSON)
    (recorded,) = body["choices"][0]["message"]["tool_calls"]
    recorded["id"], recorded["function"] = call.id, {"name": call.name, "arguments": call.arguments}
    return json_body(200, body)


def tool_arguments(arguments: dict[str, Any]) -> str:
    """Arguments as OpenAI models write them: compact JSON."""
    return json.dumps(arguments, separators=(",", ":"))
