"""The conversation: ``system`` and ``messages`` <-> canonical :class:`Message` list.

Decoding (client side):
- ``system`` (a string or text blocks) becomes one leading canonical ``system`` message; a ``system`` message
  inside ``messages`` (Claude Code sends one mid-conversation) stays a ``system`` message in place.
- A user message with ``tool_result`` blocks becomes a ``tool`` message holding all its results in order,
  followed by a ``user`` message with the remaining blocks, if any (rule *tool-results-lead*: the API wants
  the results first anyway). ``tool_use`` blocks belong to assistant messages and ``tool_result`` blocks to
  user messages; anything else is a 400 naming the block.
- Rule *top-level-cache-control*: a top-level ``cache_control`` (automatic caching: "a breakpoint on the last
  cacheable block") is put on the last part of the last message that can carry one, unless that part has
  its own or the request already has the API's maximum of 4 breakpoints.

Encoding (to an Anthropic upstream), named rules:
- *system-hoisted*: every ``system``/``developer`` message, wherever it is, is hoisted in order into the
  top-level ``system`` array of text blocks (the Messages API has no mid-conversation system role without
  a beta); only text can go there (reasoning parts there are left out), anything else is a 400 naming the
  part.
- *tool-results-in-user-turn*: a ``tool`` message becomes ``tool_result`` blocks at the start of a user
  message, merged with the user content around it (the API wants the results of an assistant turn first in
  the next user turn).
- *roles-alternate*: consecutive messages of the same role are merged into one message's block list. A
  conversation starting with an assistant message is left as it is (the API accepts it); a message left
  empty is left out.
"""

from __future__ import annotations

from typing import Final, assert_never

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
from dragoman.canonical.request import Message, Role
from dragoman.dialects.anthropic_messages.content import block_type, decode_block, decode_text_block, encode_part
from dragoman.dialects.base import JSONObject
from dragoman.dialects.validate import require_list

_MESSAGE_ROLES: Final[dict[str, Role]] = {"user": "user", "assistant": "assistant", "system": "system"}
MAX_CACHE_BREAKPOINTS: Final = 4
_CacheablePart = TextPart | ImagePart | DocumentPart | ToolCallPart | ToolResultPart


# --- decoding (client side) ---


def decode_system(value: object) -> list[Message]:
    if value is None:
        return []
    if isinstance(value, str):
        return [Message("system", [TextPart(value)], source="system")] if value else []
    if not isinstance(value, list):
        raise InvalidRequest("'system' must be a string or an array of text blocks", param="system")
    parts: list[Part] = []
    for index, item in enumerate(value):
        path = f"system[{index}]"
        if not isinstance(item, dict) or item.get("type") != "text":
            raise InvalidRequest(f"'{path}' must be a text block ({{\"type\": \"text\", \"text\": …}})", param=path)
        parts.append(decode_text_block(item, path, None))
    return [Message("system", parts, source="system")] if parts else []


def decode_messages(value: object, untranslated: list[str]) -> list[Message]:
    messages: list[Message] = []
    for index, item in enumerate(require_list(value, "messages")):
        path = f"messages[{index}]"
        if not isinstance(item, dict):
            raise InvalidRequest(f"'{path}' must be an object with 'role' and 'content'", param=path)
        wire_role = item.get("role")
        role = _MESSAGE_ROLES.get(wire_role) if isinstance(wire_role, str) else None
        if role is None:
            raise InvalidRequest(
                f"'{path}.role' must be 'user', 'assistant' or 'system', got {wire_role!r}", param=f"{path}.role"
            )
        parts = _decode_content(item.get("content"), role, f"{path}.content", untranslated)
        results: list[Part] = [part for part in parts if isinstance(part, ToolResultPart)]
        if results:
            messages.append(Message("tool", results, source=path))
            rest: list[Part] = [part for part in parts if not isinstance(part, ToolResultPart)]
            if rest:
                messages.append(Message(role, rest, source=path))
        else:
            messages.append(Message(role, parts, source=path))
    return messages


def _decode_content(content: object, role: Role, path: str, untranslated: list[str]) -> list[Part]:
    if isinstance(content, str):
        return [TextPart(content)]
    if content is None:
        raise InvalidRequest(f"'{path}' is required", param=path)
    if not isinstance(content, list):
        raise InvalidRequest(f"'{path}' must be a string or an array of content blocks", param=path)
    parts: list[Part] = []
    for index, item in enumerate(content):
        block_path = f"{path}[{index}]"
        block, kind = block_type(item, block_path)
        if (kind == "tool_use" and role != "assistant") or (kind == "tool_result" and role != "user"):
            owner = "assistant" if kind == "tool_use" else "user"
            raise InvalidRequest(f"'{block_path}': {kind} blocks belong in {owner} messages", param=block_path)
        part = decode_block(block, kind, block_path, untranslated)
        if part is not None:
            parts.append(part)
    return parts


def apply_top_level_cache_control(messages: list[Message], cache_control: object, breakpoints: int) -> None:
    if not isinstance(cache_control, dict) or not messages:
        return
    if breakpoints + _count_breakpoints(messages) >= MAX_CACHE_BREAKPOINTS:
        return
    for part in reversed(messages[-1].content):
        if isinstance(part, _CacheablePart):
            if part.cache_control is None:
                part.cache_control = cache_control
            return


def _count_breakpoints(messages: list[Message]) -> int:
    count = 0
    for message in messages:
        for part in message.content:
            if isinstance(part, _CacheablePart) and part.cache_control is not None:
                count += 1
            if isinstance(part, ToolResultPart):
                count += sum(1 for item in part.content if item.cache_control is not None)
    return count


# --- encoding (to an Anthropic upstream) ---


def encode_messages(messages: list[Message]) -> tuple[list[JSONObject], list[JSONObject]]:
    """The top-level ``system`` blocks and the ``messages`` array."""
    system: list[JSONObject] = []
    wire: list[JSONObject] = []
    for index, message in enumerate(messages):
        role = message.role
        match role:
            case "system" | "developer":
                system.extend(_system_blocks(message, index))
            case "user" | "assistant":
                blocks = _blocks(message, index)
                if not blocks:
                    continue
                if wire and wire[-1]["role"] == role:
                    wire[-1]["content"].extend(blocks)
                else:
                    wire.append({"role": role, "content": blocks})
            case "tool":
                _add_results(wire, _blocks(message, index))
            case _:
                assert_never(role)
    return system, wire


def _blocks(message: Message, index: int) -> list[JSONObject]:
    blocks: list[JSONObject] = []
    for part_index, part in enumerate(message.content):
        block = encode_part(part, f"messages[{index}].content[{part_index}]")
        if block is not None:
            blocks.append(block)
    return blocks


def _system_blocks(message: Message, index: int) -> list[JSONObject]:
    for part_index, part in enumerate(message.content):
        if not isinstance(part, TextPart | RefusalPart | ReasoningPart):
            path = f"messages[{index}].content[{part_index}]"
            raise InvalidRequest(f"'{path}': an Anthropic system prompt takes only text, not {part.type}", param=path)
    text_only: list[Part] = [part for part in message.content if not isinstance(part, ReasoningPart)]
    return _blocks(Message(message.role, text_only), index)


def _add_results(wire: list[JSONObject], results: list[JSONObject]) -> None:
    if not results:
        return
    if not wire or wire[-1]["role"] != "user":
        wire.append({"role": "user", "content": results})
        return
    content: list[JSONObject] = wire[-1]["content"]
    position = next((i for i, block in enumerate(content) if block.get("type") != "tool_result"), len(content))
    content[position:position] = results
