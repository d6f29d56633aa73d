"""Anthropic ``Message`` bodies: ``decode_response`` (from an upstream) and ``encode_response`` (to a client).

Decoding: ``text`` → :class:`TextPart`; ``thinking`` → :class:`ReasoningPart` with its signature (origin
``anthropic_messages``); ``redacted_thinking`` → :class:`ReasoningPart` with ``redacted_data``; ``tool_use`` →
:class:`ToolCallPart` whose id goes through ``tool_ids.decode_tool_id`` and whose ``arguments`` is the ``input``
object as compact JSON text. Named rules: *citations-dropped* (``citations`` are not carried), and
*server-tool-blocks-dropped*: server-tool blocks (``server_tool_use``, ``*_tool_result``, ``container_upload``)
and unknown block types are left out (only Anthropic's own built-in tools produce them, and those reach an
Anthropic upstream only for an Anthropic client, whose requests are normally relayed untouched).

Encoding, named rules:
- ``TextPart`` → ``text`` with ``citations: null``; ``RefusalPart`` → a ``text`` block, and the stop reason
  becomes ``refusal`` (see ``stop_reason.py``).
- ``ReasoningPart`` → ``redacted_thinking`` when it has redacted data, else ``thinking`` with its text (or
  its summaries joined by blank lines when it has no text) and the signature ``proofs.client_signature``
  gives (*proofs-travel-wrapped*, *chat-reasoning-marked*). Reasoning with no text and no proof is left out.
- ``ToolCallPart`` → ``tool_use`` with the id made Anthropic-safe (``tool_ids.py``) and ``input`` parsed from
  the argument text (``""`` means ``{}``; a ``custom`` call's raw input becomes ``{"input": …}``, rule
  *custom-as-function*). Arguments that are not a JSON object are left out with their block when the answer
  was cut off (``max_tokens``: incomplete JSON is expected then, and such a call cannot be run); otherwise the
  upstream produced a broken call and ``UpstreamProtocolError`` is raised.
- Rule *tool-use-stop*: an answer with a tool call stops with ``tool_use`` unless it was cut off at
  ``max_tokens`` (some upstreams say ``stop`` after a call).
- Rule *client-model-name*: ``model`` is the model the client asked for (the upstream's only when the
  request named none): Claude Code keeps a thinking block in its history only when the answer names exactly
  the model it asked for, and a deployment's name is the client's name for it anyway.
- The id gets a ``msg_`` prefix when it lacks one (a fresh one when empty). ``stop_details`` and
  ``container`` are ``null``.
"""

from __future__ import annotations

from typing import assert_never

import orjson

from dragoman.canonical.content import (
    DocumentPart,
    ImagePart,
    Part,
    ReasoningPart,
    RefusalPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from dragoman.canonical.errors import UpstreamProtocolError
from dragoman.canonical.request import Request
from dragoman.canonical.response import Response, StopKind
from dragoman.canonical.tools import wrap_custom_input
from dragoman.dialects.anthropic_messages.content import parse_arguments
from dragoman.dialects.anthropic_messages.errors import decode_stream_error
from dragoman.dialects.anthropic_messages.proofs import DIALECT, client_redacted_data, client_signature
from dragoman.dialects.anthropic_messages.stop_reason import decode_stop_reason, encode_answer_stop_reason
from dragoman.dialects.anthropic_messages.tool_ids import decode_tool_id, encode_tool_id
from dragoman.dialects.anthropic_messages.usage import decode_usage, encode_usage
from dragoman.dialects.base import JSONObject
from dragoman.ids import new_id

# --- decoding (from an upstream) ---


def decode_response(body: JSONObject) -> Response:
    if not isinstance(body, dict):
        raise UpstreamProtocolError("Anthropic response body is not a JSON object")
    if body.get("type") == "error":
        raise decode_stream_error(body)
    blocks = body.get("content")
    if not isinstance(blocks, list):
        raise UpstreamProtocolError("Anthropic response has no 'content' array")
    content = [part for block in blocks if (part := decode_block(block)) is not None]
    stop_sequence = body.get("stop_sequence")
    return Response(
        id=_string(body.get("id")),
        model=_string(body.get("model")),
        content=content,
        stop_reason=decode_stop_reason(
            _optional_string(body.get("stop_reason")), _optional_string(stop_sequence)
        ),
        usage=decode_usage(body.get("usage")),
    )


def _string(value: object) -> str:
    return value if isinstance(value, str) else ""


def _optional_string(value: object) -> str | None:
    return value if isinstance(value, str) else None


def decode_block(block: object) -> Part | None:
    if not isinstance(block, dict):
        raise UpstreamProtocolError("Anthropic content block is not a JSON object")
    match block.get("type"):
        case "text":
            return TextPart(_string(block.get("text")))
        case "thinking":
            return ReasoningPart(
                text=_string(block.get("thinking")), signature=block.get("signature") or None, origin=DIALECT
            )
        case "redacted_thinking":
            return ReasoningPart(redacted_data=_string(block.get("data")), origin=DIALECT)
        case "tool_use":
            return ToolCallPart(
                id=decode_tool_id(_string(block.get("id"))),
                name=_string(block.get("name")),
                arguments=orjson.dumps(block.get("input", {})).decode(),
            )
        case _:
            return None


# --- encoding (to a client) ---


def encode_response(response: Response, request: Request) -> JSONObject:
    content: list[JSONObject] = []
    refused = called = False
    for part in response.content:
        match part:
            case TextPart():
                content.append(text_block(part.text))
            case RefusalPart():
                content.append(text_block(part.text))
                refused = True
            case ReasoningPart():
                block = _reasoning_block(part)
                if block is not None:
                    content.append(block)
            case ToolCallPart():
                tool_block = _tool_use_block(part, response.stop_reason.kind)
                if tool_block is not None:
                    content.append(tool_block)
                    called = True
            case ImagePart() | DocumentPart() | ToolResultPart():
                continue  # request-only parts; no answer carries them
            case _:
                assert_never(part)
    stop_reason = encode_answer_stop_reason(response.stop_reason, refused=refused, called=called)
    return {
        "id": message_id(response.id),
        "type": "message",
        "role": "assistant",
        "model": request.model or response.model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": response.stop_reason.stop_sequence if stop_reason == "stop_sequence" else None,
        "stop_details": None,
        "usage": encode_usage(response.usage),
        "container": None,
    }


def message_id(upstream_id: str) -> str:
    if not upstream_id:
        return new_id("msg_")
    return upstream_id if upstream_id.startswith("msg_") else "msg_" + upstream_id


def text_block(text: str) -> JSONObject:
    return {"type": "text", "text": text, "citations": None}


def _reasoning_block(part: ReasoningPart) -> JSONObject | None:
    if part.redacted_data:
        return {"type": "redacted_thinking", "data": client_redacted_data(part.origin, part.redacted_data)}
    text = part.text or "\n\n".join(part.summary)
    signature = client_signature(part.origin, signature=part.signature, encrypted=part.encrypted, item_id=part.id)
    if not text and not signature:
        return None
    return {"type": "thinking", "thinking": text, "signature": signature}


def _tool_use_block(part: ToolCallPart, stop: StopKind) -> JSONObject | None:
    tool_input = parse_arguments(wrap_custom_input(part.arguments) if part.kind == "custom" else part.arguments)
    if tool_input is None:
        if stop is StopKind.MAX_TOKENS:
            return None
        raise UpstreamProtocolError(
            f"tool call {part.id!r} ({part.name}) has arguments that are not a JSON object: {part.arguments[:200]!r}"
        )
    return {
        "type": "tool_use",
        "id": encode_tool_id(part.id),
        "name": part.name,
        "input": tool_input,
        "caller": {"type": "direct"},
    }
