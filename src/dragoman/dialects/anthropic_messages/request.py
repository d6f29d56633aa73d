"""Anthropic Messages requests: ``decode_request`` (client side, with validation) and ``encode_request``
(to an Anthropic upstream). The conversation is in ``messages.py``, blocks in ``content.py`` and ``media.py``,
tools in ``tools.py``, thinking in ``reasoning.py`` and ``proofs.py``, output settings in ``output_config.py``;
each states its own rules.

Decoding, top level:
- Carried: ``model``, ``messages``, ``system``, ``max_tokens``, ``temperature``, ``top_p``, ``stop_sequences``,
  ``stream``, ``metadata`` (``user_id`` → ``Request.user``, other keys → ``Request.metadata``), ``tools``,
  ``tool_choice``, ``thinking``, ``output_config``, ``output_format``, top-level ``cache_control``.
- ``include_usage`` is always true: an Anthropic client always gets usage, so an upstream that only reports
  it on request (chat ``stream_options``) must be asked for it.
- Rule *clear-thinking-noop*: ``context_management`` whose edits are all ``clear_thinking_20251015`` (Claude
  Code sends ``keep: "all"``) only tells Anthropic how to prune earlier thinking blocks; no other upstream
  ever receives Anthropic thinking, so it is carried as nothing. Other edits and fields go to
  ``untranslated`` (``context_management.edits[i]`` …).
- Untranslated (no canonical form; wire path appended, never dropped): ``top_k``, ``container``,
  ``mcp_servers``, any unknown top-level field, and what the other modules name. Empty ``tools``/
  ``mcp_servers`` and ``null`` values count as absent.
- Ignored (no effect on the answer): ``service_tier``, ``inference_geo``, ``diagnostics``, ``speed``.

Encoding, top level, named rules:
- ``max_tokens`` is required by the API: ``default_max_tokens`` (the codec's ``DEFAULT_MAX_TOKENS``) when
  the request has none. ``temperature`` above 1 (OpenAI allows 2) is clamped to 1.
- ``user`` → ``metadata.user_id``; other ``metadata`` keys are left out (Anthropic's ``metadata`` accepts only
  ``user_id``, and OpenAI's metadata does not change the answer). ``include_usage`` is left out (always
  reported). Rule *prompt-cache-key-dropped*: Anthropic caches by ``cache_control`` breakpoints and has no
  cache key. ``tool_choice`` and ``parallel_tool_calls`` without tools are left out.
"""

from __future__ import annotations

from typing import Final

from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import Request
from dragoman.dialects.anthropic_messages.media import cache_control_of
from dragoman.dialects.anthropic_messages.messages import (
    apply_top_level_cache_control,
    decode_messages,
    decode_system,
    encode_messages,
)
from dragoman.dialects.anthropic_messages.output_config import decode_output_config, encode_output_config
from dragoman.dialects.anthropic_messages.reasoning import decode_thinking_config, encode_thinking, signed_turn_missing
from dragoman.dialects.anthropic_messages.tools import (
    decode_tool_choice,
    decode_tools,
    encode_tool_choice,
    encode_tools,
)
from dragoman.dialects.base import JSONObject
from dragoman.dialects.validate import (
    metadata_map,
    optional_bool,
    optional_number,
    optional_positive_int,
    optional_str,
    require_object,
    stop_sequences,
)

DIALECT: Final = "anthropic_messages"

_CARRIED: Final = frozenset({
    "model", "messages", "max_tokens", "system", "temperature", "top_p", "stop_sequences", "metadata", "stream",
    "tools", "tool_choice", "thinking", "output_config", "output_format", "cache_control", "context_management",
})
_IGNORED: Final = frozenset({"service_tier", "inference_geo", "diagnostics", "speed"})
_NOOP_EDITS: Final = frozenset({"clear_thinking_20251015"})


# --- decoding (client side) ---


def decode_request(body: JSONObject) -> Request:
    if not isinstance(body, dict):
        raise InvalidRequest("the request body must be a JSON object")
    model = optional_str(body, "model") or ""
    if body.get("max_tokens") is None:
        raise InvalidRequest("max_tokens: Field required", param="max_tokens")
    max_tokens = optional_positive_int(body, "max_tokens")
    untranslated: list[str] = []
    for key, value in body.items():
        if key not in _CARRIED and key not in _IGNORED and _counts(key, value):
            untranslated.append(key)
    _check_top_k(body)
    _decode_context_management(body.get("context_management"), untranslated)
    tools = decode_tools(body.get("tools"), untranslated)
    tool_choice, parallel_tool_calls = decode_tool_choice(body.get("tool_choice"))
    effort, output_format = decode_output_config(body, untranslated)
    reasoning = decode_thinking_config(body.get("thinking"), effort, untranslated)
    messages = decode_system(body.get("system"))
    messages.extend(decode_messages(body.get("messages"), untranslated))
    if not any(message.role in ("user", "tool") for message in messages):  # tool results come in user turns
        raise InvalidRequest("'messages' must contain at least one user message", param="messages")
    apply_top_level_cache_control(messages, cache_control_of(body, ""),
                                  sum(1 for tool in tools if tool.cache_control is not None))
    user, metadata = _decode_metadata(body.get("metadata"))
    return Request(
        model=model,
        messages=messages,
        stream=optional_bool(body, "stream") or False,
        max_tokens=max_tokens,
        temperature=optional_number(body, "temperature", 0, 1),
        top_p=optional_number(body, "top_p", 0, 1),
        stop=_decode_stop_sequences(body.get("stop_sequences")),
        user=user,
        metadata=metadata,
        include_usage=True,
        tools=tools,
        tool_choice=tool_choice,
        parallel_tool_calls=parallel_tool_calls,
        reasoning=reasoning,
        output_format=output_format,
        untranslated=untranslated,
    )


def _counts(key: str, value: object) -> bool:
    """Whether a present field asks for something (``null`` and ``[]`` ask for nothing)."""
    return value is not None and not (key == "mcp_servers" and value == [])


def _check_top_k(body: JSONObject) -> None:
    value = body.get("top_k")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise InvalidRequest(f"'top_k' must be a non-negative integer, got {value!r}", param="top_k")


def _decode_context_management(value: object, untranslated: list[str]) -> None:
    if value is None:
        return
    wire = require_object(value, "context_management")
    for key, item in wire.items():
        if key != "edits" and item is not None:
            untranslated.append(f"context_management.{key}")
    edits = wire.get("edits")
    if edits is None:
        return
    if not isinstance(edits, list):
        raise InvalidRequest("'context_management.edits' must be an array", param="context_management.edits")
    for index, edit in enumerate(edits):
        if not (isinstance(edit, dict) and edit.get("type") in _NOOP_EDITS):
            untranslated.append(f"context_management.edits[{index}]")


def _decode_stop_sequences(value: object) -> list[str]:
    if value is not None and not isinstance(value, list):
        raise InvalidRequest("'stop_sequences' must be an array of strings", param="stop_sequences")
    return stop_sequences(value, "stop_sequences")


def _decode_metadata(value: object) -> tuple[str | None, dict[str, str] | None]:
    if value is None:
        return None, None
    wire = require_object(value, "metadata")
    user = optional_str(wire, "user_id", "metadata.user_id")
    rest = {key: item for key, item in wire.items() if key != "user_id"}
    return user, metadata_map(rest, "metadata") if rest else None


# --- encoding (to an Anthropic upstream) ---


def encode_request(request: Request, model: str, *, default_max_tokens: int) -> JSONObject:
    system, messages = encode_messages(request.messages)
    tools = encode_tools(request.tools)
    tool_choice = encode_tool_choice(request.tool_choice, request.parallel_tool_calls) if tools else None
    max_tokens = request.max_tokens or default_max_tokens
    thinking = encode_thinking(request.reasoning, max_tokens)
    forced = tool_choice is not None and tool_choice["type"] in ("any", "tool")
    if thinking.on and (forced or signed_turn_missing(messages)):
        thinking.thinking, thinking.effort, thinking.max_tokens = None, None, max_tokens

    body: JSONObject = {"model": model, "max_tokens": thinking.max_tokens}
    if system:
        body["system"] = system
    body["messages"] = messages
    if tools:
        body["tools"] = tools
    if tool_choice is not None:
        body["tool_choice"] = tool_choice
    if thinking.thinking is not None:
        body["thinking"] = thinking.thinking
    output_config = encode_output_config(thinking.effort, request.output_format)
    if output_config is not None:
        body["output_config"] = output_config
    if not thinking.on:
        if request.temperature is not None:
            body["temperature"] = min(request.temperature, 1.0)
        if request.top_p is not None:
            body["top_p"] = request.top_p
    if request.stop:
        body["stop_sequences"] = request.stop
    if request.user is not None:
        body["metadata"] = {"user_id": request.user}
    if request.stream:
        body["stream"] = True
    return body
