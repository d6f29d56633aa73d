"""Anthropic Messages requests: ``decode_request`` (client side, with validation) and ``encode_request``
(to an Anthropic upstream).

Decoding:
- ``system`` (a string or text blocks) becomes one leading canonical ``system`` message; a ``system``
  message inside ``messages`` (Claude Code sends one mid-conversation) stays a ``system`` message in place.
  ``cache_control`` on text blocks is kept on the :class:`TextPart`.
- ``metadata.user_id`` → ``Request.user``; other ``metadata`` keys → ``Request.metadata``.
- ``include_usage`` is always true: an Anthropic client always gets usage, so an upstream that only reports
  it on request (chat ``stream_options``) must be asked for it.
- Untranslated this round (wire path appended to ``Request.untranslated``, never dropped): ``tools``,
  ``tool_choice``, ``thinking`` (unless ``disabled``), ``output_config``, ``output_format``,
  ``context_management``, ``container``, ``mcp_servers``, ``top_k``, any unknown top-level field, every
  content block other than ``text`` (``image``, ``document``, ``tool_use``, ``tool_result``, ``thinking``,
  ``redacted_thinking``, server tool blocks, ``search_result``, ``container_upload``, unknown types), and
  non-empty ``citations`` on a text block. Empty ``tools``/``mcp_servers`` and ``null`` values count as absent.
- Ignored (no effect on the answer): ``service_tier``, ``inference_geo``, top-level ``cache_control``
  (automatic prompt caching), ``diagnostics``, ``speed``.

Encoding (canonical → Anthropic upstream), named rules:
- Every ``system``/``developer`` message, wherever it is, is hoisted in order into the top-level ``system``
  array of text blocks: the Messages API has no mid-conversation system role without a beta.
- Consecutive messages of the same role are merged into one message's block list (the API wants
  alternation). A conversation starting with an assistant message is left as it is (the API accepts it).
- Empty text parts are left out (the API rejects empty text blocks), and so is a message left empty.
- ``RefusalPart`` in history becomes a text block. ``ReasoningPart`` becomes ``redacted_thinking`` when it has
  redacted data, ``thinking`` when it has a signature from Anthropic, and is otherwise left out: the API
  rejects thinking without a valid signature, and earlier turns' thinking does not change the answer.
- ``max_tokens`` is required by the API: ``default_max_tokens`` (the codec's ``DEFAULT_MAX_TOKENS``) when
  the request has none. ``temperature`` above 1 (OpenAI allows 2) is clamped to 1.
- ``user`` → ``metadata.user_id``; other ``metadata`` keys are left out (Anthropic's ``metadata`` accepts
  only ``user_id``, and OpenAI's metadata does not change the answer). ``tool_choice`` and
  ``parallel_tool_calls`` without tools, and ``include_usage`` (always reported), are left out.
- Images, documents, tool calls, tool results, ``tool`` messages and tools are not translated this round:
  a decoder lists them in ``untranslated`` so they never get here; if they do, ``InvalidRequest`` names them.
"""

from __future__ import annotations

from typing import assert_never

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
from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import Message, Request, Role
from dragoman.dialects.base import JSONObject
from dragoman.dialects.validate import (
    metadata_map,
    optional_bool,
    optional_number,
    optional_positive_int,
    optional_str,
    require_list,
    require_object,
    stop_sequences,
)

DIALECT = "anthropic_messages"

_CARRIED = frozenset(
    {"model", "messages", "max_tokens", "system", "temperature", "top_p", "stop_sequences", "metadata", "stream"}
)
_IGNORED = frozenset({"service_tier", "inference_geo", "cache_control", "diagnostics", "speed"})
_MESSAGE_ROLES: dict[str, Role] = {"user": "user", "assistant": "assistant", "system": "system"}


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
    messages = _decode_system(body.get("system"))
    messages.extend(_decode_messages(body.get("messages"), untranslated))
    if not any(message.role == "user" for message in messages):
        raise InvalidRequest("'messages' must contain at least one user message", param="messages")
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
        untranslated=untranslated,
    )


def _counts(key: str, value: object) -> bool:
    """Whether a present field asks for something (``null``, ``[]`` and disabled thinking ask for nothing)."""
    if value is None or (key in ("tools", "mcp_servers") and value == []):
        return False
    return not (key == "thinking" and isinstance(value, dict) and value.get("type") == "disabled")


def _check_top_k(body: JSONObject) -> None:
    value = body.get("top_k")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise InvalidRequest(f"'top_k' must be a non-negative integer, got {value!r}", param="top_k")


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


def _decode_system(value: object) -> list[Message]:
    if value is None:
        return []
    if isinstance(value, str):
        return [Message("system", [TextPart(value)])] if value else []
    if not isinstance(value, list):
        raise InvalidRequest("'system' must be a string or an array of text blocks", param="system")
    parts: list[Part] = []
    for index, block in enumerate(value):
        path = f"system[{index}]"
        if not isinstance(block, dict) or block.get("type") != "text":
            raise InvalidRequest(f"'{path}' must be a text block ({{\"type\": \"text\", \"text\": …}})", param=path)
        parts.append(_decode_text_block(block, path, None))
    return [Message("system", parts)] if parts else []


def _decode_messages(value: object, untranslated: list[str]) -> list[Message]:
    messages: list[Message] = []
    for index, item in enumerate(require_list(value, "messages")):
        path = f"messages[{index}]"
        if not isinstance(item, dict):
            raise InvalidRequest(f"'{path}' must be an object with 'role' and 'content'", param=path)
        wire_role = item.get("role")
        role = _MESSAGE_ROLES.get(wire_role) if isinstance(wire_role, str) else None
        if role is None:
            raise InvalidRequest(
                f"'{path}.role' must be 'user', 'assistant' or 'system', got {wire_role!r}",
                param=f"{path}.role",
            )
        messages.append(Message(role, _decode_content(item.get("content"), f"{path}.content", untranslated)))
    return messages


def _decode_content(content: object, path: str, untranslated: list[str]) -> list[Part]:
    if isinstance(content, str):
        return [TextPart(content)]
    if content is None:
        raise InvalidRequest(f"'{path}' is required", param=path)
    if not isinstance(content, list):
        raise InvalidRequest(f"'{path}' must be a string or an array of content blocks", param=path)
    parts: list[Part] = []
    for index, block in enumerate(content):
        block_path = f"{path}[{index}]"
        if not isinstance(block, dict):
            raise InvalidRequest(f"'{block_path}' must be a content block object", param=block_path)
        kind = block.get("type")
        if not isinstance(kind, str):
            raise InvalidRequest(f"'{block_path}.type' must be a string", param=f"{block_path}.type")
        if kind == "text":
            parts.append(_decode_text_block(block, block_path, untranslated))
        else:
            untranslated.append(block_path)
    return parts


def _decode_text_block(block: JSONObject, path: str, untranslated: list[str] | None) -> TextPart:
    text = block.get("text")
    if not isinstance(text, str):
        raise InvalidRequest(f"'{path}.text' must be a string", param=f"{path}.text")
    cache_control = block.get("cache_control")
    if cache_control is not None and not isinstance(cache_control, dict):
        raise InvalidRequest(f"'{path}.cache_control' must be an object", param=f"{path}.cache_control")
    if untranslated is not None and block.get("citations"):
        untranslated.append(f"{path}.citations")
    return TextPart(text, cache_control)


# --- encoding (to an Anthropic upstream) ---


def encode_request(request: Request, model: str, *, default_max_tokens: int) -> JSONObject:
    if request.tools:
        raise InvalidRequest("tools are not translated to Anthropic Messages yet", param="tools")
    system: list[JSONObject] = []
    messages: list[JSONObject] = []
    for index, message in enumerate(request.messages):
        role = message.role
        match role:
            case "system" | "developer":
                system.extend(_encode_blocks(message, index, system=True))
            case "user" | "assistant":
                blocks = _encode_blocks(message, index, system=False)
                if not blocks:
                    continue
                if messages and messages[-1]["role"] == role:
                    messages[-1]["content"].extend(blocks)
                else:
                    messages.append({"role": role, "content": blocks})
            case "tool":
                raise InvalidRequest(
                    "tool results are not translated to Anthropic Messages yet", param=f"messages[{index}]"
                )
            case _:
                assert_never(role)
    body: JSONObject = {"model": model, "max_tokens": request.max_tokens or default_max_tokens}
    if system:
        body["system"] = system
    body["messages"] = messages
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


def _encode_blocks(message: Message, index: int, *, system: bool) -> list[JSONObject]:
    blocks: list[JSONObject] = []
    for part_index, part in enumerate(message.content):
        block = _encode_part(part, f"messages[{index}].content[{part_index}]", system=system)
        if block is not None:
            blocks.append(block)
    return blocks


def _encode_part(part: Part, path: str, *, system: bool) -> JSONObject | None:
    match part:
        case TextPart() | RefusalPart():
            if not part.text:
                return None
            block: JSONObject = {"type": "text", "text": part.text}
            if isinstance(part, TextPart) and part.cache_control is not None:
                block["cache_control"] = part.cache_control
            return block
        case ReasoningPart():
            return None if system else _encode_reasoning(part)
        case ImagePart() | DocumentPart() | ToolCallPart() | ToolResultPart():
            raise InvalidRequest(f"{part.type} content is not translated to Anthropic Messages yet", param=path)
        case _:
            assert_never(part)


def _encode_reasoning(part: ReasoningPart) -> JSONObject | None:
    if part.redacted_data:
        return {"type": "redacted_thinking", "data": part.redacted_data}
    if part.signature and part.origin in (None, DIALECT):
        return {"type": "thinking", "thinking": part.text, "signature": part.signature}
    return None
