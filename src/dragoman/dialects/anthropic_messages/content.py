"""Content blocks of a request <-> canonical parts (images and documents in ``media.py``, reasoning proofs in
``proofs.py``).

Decoding (client side), by block type: ``text`` → :class:`TextPart` (with ``cache_control``; non-empty
``citations`` on earlier answers have no canonical form → ``untranslated``); ``tool_use`` →
:class:`ToolCallPart` (its id through ``tool_ids.decode_tool_id``, ``input`` as compact JSON text, a caller
other than ``direct`` → ``untranslated``); ``tool_result`` → :class:`ToolResultPart` (string or text, image
and document blocks; ``search_result`` and ``tool_reference`` blocks → ``untranslated``); ``thinking`` and
``redacted_thinking`` → :class:`ReasoningPart`; ``image``/``document`` → see ``media.py``. Server-tool blocks
(``server_tool_use``, ``*_tool_result``, ``mcp_*``), ``search_result``, ``container_upload``, ``compaction``
and unknown types go to ``untranslated`` with their path.

Encoding (to an Anthropic upstream): empty or whitespace-only text is left out (the API rejects such text
blocks); :class:`RefusalPart` → a text block; :class:`ToolCallPart` → ``tool_use`` with the id made
Anthropic-safe and ``input`` parsed from the argument JSON (``""`` means ``{}``; a ``custom`` call's raw input
is wrapped as ``{"input": …}``, rule *custom-as-function*; arguments that are not a JSON object are a 400
naming the part); :class:`ToolResultPart` → ``tool_result`` (``is_error`` only when true, ``content`` only
when there is some).
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
from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.tools import wrap_custom_input
from dragoman.dialects.anthropic_messages.media import (
    cache_control_of,
    decode_document,
    decode_image,
    encode_document,
    encode_image,
)
from dragoman.dialects.anthropic_messages.proofs import decode_redacted, decode_thinking, encode_history_reasoning
from dragoman.dialects.anthropic_messages.tool_ids import decode_tool_id, encode_tool_id
from dragoman.dialects.base import JSONObject

ResultContent = TextPart | ImagePart | DocumentPart


def _string(block: JSONObject, key: str, path: str) -> str:
    value = block.get(key)
    if not isinstance(value, str):
        raise InvalidRequest(f"'{path}.{key}' must be a string", param=f"{path}.{key}")
    return value


def block_type(block: object, path: str) -> tuple[JSONObject, str]:
    if not isinstance(block, dict):
        raise InvalidRequest(f"'{path}' must be a content block object", param=path)
    kind = block.get("type")
    if not isinstance(kind, str):
        raise InvalidRequest(f"'{path}.type' must be a string", param=f"{path}.type")
    return block, kind


# --- decoding (client side) ---


def decode_text_block(block: JSONObject, path: str, untranslated: list[str] | None) -> TextPart:
    text = _string(block, "text", path)
    if untranslated is not None and block.get("citations"):
        untranslated.append(f"{path}.citations")
    return TextPart(text, cache_control_of(block, path))


def decode_block(block: JSONObject, kind: str, path: str, untranslated: list[str]) -> Part | None:
    match kind:
        case "text":
            return decode_text_block(block, path, untranslated)
        case "image":
            return decode_image(block, path, untranslated)
        case "document":
            return decode_document(block, path, untranslated)
        case "tool_use":
            return _decode_tool_use(block, path, untranslated)
        case "tool_result":
            return _decode_tool_result(block, path, untranslated)
        case "thinking":
            return decode_thinking(_string(block, "thinking", path), _string(block, "signature", path))
        case "redacted_thinking":
            return decode_redacted(_string(block, "data", path))
        case _:
            untranslated.append(path)
            return None


def _decode_tool_use(block: JSONObject, path: str, untranslated: list[str]) -> ToolCallPart:
    tool_input = block.get("input")
    if not isinstance(tool_input, dict):
        raise InvalidRequest(f"'{path}.input' must be an object", param=f"{path}.input")
    caller = block.get("caller")
    if caller is not None and not (isinstance(caller, dict) and caller.get("type") == "direct"):
        untranslated.append(f"{path}.caller")
    return ToolCallPart(
        id=decode_tool_id(_string(block, "id", path)),
        name=_string(block, "name", path),
        arguments=orjson.dumps(tool_input).decode(),
        cache_control=cache_control_of(block, path),
    )


def _decode_tool_result(block: JSONObject, path: str, untranslated: list[str]) -> ToolResultPart:
    is_error = block.get("is_error")
    if is_error is not None and not isinstance(is_error, bool):
        raise InvalidRequest(f"'{path}.is_error' must be a boolean", param=f"{path}.is_error")
    return ToolResultPart(
        call_id=decode_tool_id(_string(block, "tool_use_id", path)),
        content=_decode_result_content(block.get("content"), f"{path}.content", untranslated),
        is_error=bool(is_error),
        cache_control=cache_control_of(block, path),
    )


def _decode_result_content(content: object, path: str, untranslated: list[str]) -> list[ResultContent]:
    if content is None:
        return []
    if isinstance(content, str):
        return [TextPart(content)] if content else []
    if not isinstance(content, list):
        raise InvalidRequest(f"'{path}' must be a string or an array of content blocks", param=path)
    parts: list[ResultContent] = []
    for index, item in enumerate(content):
        item_path = f"{path}[{index}]"
        block, kind = block_type(item, item_path)
        part: ResultContent | None
        match kind:
            case "text":
                part = decode_text_block(block, item_path, untranslated)
            case "image":
                part = decode_image(block, item_path, untranslated)
            case "document":
                part = decode_document(block, item_path, untranslated)
            case _:
                untranslated.append(item_path)
                part = None
        if part is not None:
            parts.append(part)
    return parts


# --- encoding (to an Anthropic upstream) ---


def encode_part(part: Part, path: str) -> JSONObject | None:
    match part:
        case TextPart() | RefusalPart():
            return _text_block(part.text, part.cache_control if isinstance(part, TextPart) else None)
        case ImagePart():
            return encode_image(part, path)
        case DocumentPart():
            return encode_document(part, path)
        case ToolCallPart():
            return _encode_tool_use(part, path)
        case ToolResultPart():
            return encode_tool_result(part, path)
        case ReasoningPart():
            return encode_history_reasoning(part)
        case _:
            assert_never(part)


def _text_block(text: str, cache_control: JSONObject | None) -> JSONObject | None:
    if not text.strip():
        return None
    block: JSONObject = {"type": "text", "text": text}
    if cache_control is not None:
        block["cache_control"] = cache_control
    return block


def _encode_tool_use(part: ToolCallPart, path: str) -> JSONObject:
    arguments = wrap_custom_input(part.arguments) if part.kind == "custom" else part.arguments
    tool_input = parse_arguments(arguments)
    if tool_input is None:
        raise InvalidRequest(
            f"'{path}': the arguments of tool call {part.id!r} ({part.name}) are not a JSON object: "
            f"{part.arguments[:200]!r}",
            param=path,
        )
    block: JSONObject = {"type": "tool_use", "id": encode_tool_id(part.id), "name": part.name, "input": tool_input}
    if part.cache_control is not None:
        block["cache_control"] = part.cache_control
    return block


def parse_arguments(arguments: str) -> JSONObject | None:
    """Tool-call argument text as the ``input`` object: ``""`` is ``{}``; ``None`` if not a JSON object."""
    if not arguments.strip():
        return {}
    try:
        value = orjson.loads(arguments)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def encode_tool_result(part: ToolResultPart, path: str) -> JSONObject:
    block: JSONObject = {"type": "tool_result", "tool_use_id": encode_tool_id(part.call_id)}
    content: list[JSONObject] = []
    for index, item in enumerate(part.content):
        encoded = encode_part(item, f"{path}.content[{index}]")
        if encoded is not None:
            content.append(encoded)
    if content:
        block["content"] = content
    if part.is_error:
        block["is_error"] = True
    if part.cache_control is not None:
        block["cache_control"] = part.cache_control
    return block
