"""Reasoning answers derived from the recordings where no recording shows the case.

- OpenAI-compatible chat servers that reason (vLLM, llama.cpp, DeepSeek, OpenRouter) send it in a
  ``reasoning_content`` or ``reasoning`` field next to ``content``; no recording of one exists, so the
  recorded chat text answer gets that field, carrying the real thinking text of an Anthropic recording.
- Anthropic's redacted-thinking recording is a stream only; its non-streamed answer is the message that
  stream describes, assembled here by the documented rules (independently of the code under test).
"""

from __future__ import annotations

import copy
import functools
import json
from dataclasses import replace
from typing import Any

from tests.upstream.answers import Body, Stream, json_body, sse_record
from tests.upstream.recorded import record_payload, recorded_stream
from tests.upstream.variants import edit_body

THINKING_RECORDING = "anthropic/messages-stream-thinking-signature.chunks.txt"


@functools.cache
def reasoning_pieces() -> tuple[str, ...]:
    """The thinking deltas of a real Anthropic stream, in order (empty ones left out)."""
    pieces = []
    for record in recorded_stream(THINKING_RECORDING).records:
        payload = record_payload(record)
        delta = payload.get("delta", {}) if isinstance(payload, dict) else {}
        if delta.get("type") == "thinking_delta" and delta["thinking"]:
            pieces.append(delta["thinking"])
    return tuple(pieces)


def chat_reasoning_body(body: Body, field: str) -> Body:
    def edit(payload: dict[str, Any]) -> dict[str, Any]:
        payload["choices"][0]["message"][field] = "".join(reasoning_pieces())
        return payload

    return edit_body(body, edit)


def chat_reasoning_stream(stream: Stream, field: str) -> Stream:
    """The text stream with one chunk per reasoning piece after the opening (role) chunk."""
    first = record_payload(stream.records[0])
    extra = []
    for piece in reasoning_pieces():
        chunk = copy.deepcopy(first)
        chunk.pop("obfuscation", None)
        chunk["choices"][0]["delta"] = {field: piece}
        extra.append(sse_record(chunk))
    return replace(stream, records=(stream.records[0], *extra, *stream.records[1:]))


def anthropic_message_from_stream(stream: Stream) -> Body:
    """The Messages API object a stream describes: message_start's message, each block as started and
    grown by its deltas, message_delta's stop reason and usage."""
    message: dict[str, Any] = {}
    blocks: dict[int, dict[str, Any]] = {}
    partial: dict[int, str] = {}
    for record in stream.records:
        payload = record_payload(record)
        kind = payload.get("type") if isinstance(payload, dict) else None
        if kind == "message_start":
            message = copy.deepcopy(payload["message"])
        elif kind == "content_block_start":
            blocks[payload["index"]] = copy.deepcopy(payload["content_block"])
        elif kind == "content_block_delta":
            _grow(blocks[payload["index"]], payload["delta"], partial, payload["index"])
        elif kind == "message_delta":
            message.update(payload["delta"])
            message["usage"] = {**message.get("usage", {}), **payload.get("usage", {})}
    for index, text in partial.items():
        blocks[index]["input"] = json.loads(text or "{}")
    message["content"] = [blocks[index] for index in sorted(blocks)]
    return json_body(200, message)


def _grow(block: dict[str, Any], delta: dict[str, Any], partial: dict[int, str], index: int) -> None:
    kind = delta["type"]
    if kind == "text_delta":
        block["text"] += delta["text"]
    elif kind == "thinking_delta":
        block["thinking"] += delta["thinking"]
    elif kind == "signature_delta":
        block["signature"] = delta["signature"]
    elif kind == "input_json_delta":
        partial[index] = partial.get(index, "") + delta["partial_json"]
