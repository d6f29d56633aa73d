"""Responses ``input`` items <-> canonical messages.

Decoding (one handler per item type, from ``_ITEM_DECODERS``):

- ``message`` (with or without ``type``): a message of its role (``user``/``assistant``/``system``/
  ``developer``), content a string or parts (content.py). ``id``, ``status``, ``phase`` and other per-item
  bookkeeping (Codex's ``internal_chat_message_metadata_passthrough``) do not reach the model and are ignored.
- ``function_call`` → ``ToolCallPart(id=call_id, name, arguments)``; ``custom_tool_call`` →
  ``ToolCallPart(id=call_id, name, arguments=input, kind="custom")``; ``reasoning`` → ``ReasoningPart``
  (reasoning.py). Rule ``assistant-items-grouped``: consecutive assistant-side items (messages, reasoning,
  calls) form one assistant turn, as the API produced them, i.e. one assistant ``Message``.
- ``function_call_output``/``custom_tool_call_output`` → ``ToolResultPart(call_id, content)``: a string
  output is one text part, an array its ``input_text``/``input_image``/``input_file`` parts; consecutive
  outputs form one ``tool`` message. A ``namespace`` or ``caller`` on a call or an output (tools inside a
  namespace, calls made by a program) has no canonical form: untranslated (``input[i].namespace`` …).
- ``additional_tools`` (tools made available at that point of the conversation) → appended to the
  request's tools (``additional-tools-hoisted``: the answer being asked for comes after every item, so all
  of them are available to it).
- ``configuration_update`` carrying ``reasoning`` → that reasoning config replaces the request's (the last
  update applies to the answer: ``configuration-update-applies``); other fields in it are untranslated.
- Every other item type (``item_reference``, ``web_search_call``, ``tool_search_call``/``_output``,
  ``local_shell_call``, ``mcp_call``, ``compaction`` …) is untranslated as ``input[i]``.

Encoding (to a Responses upstream): each message becomes input items in place, role kept; an assistant
message becomes, in part order, ``reasoning`` items (reasoning.py decides which may go), one ``message``
item per run of text/refusal parts, and a ``function_call`` or ``custom_tool_call`` item per call; a
``tool`` message becomes one ``function_call_output`` per result (``custom_tool_call_output`` when it
answers a custom call). Rule ``tool-error-prefix``: Responses outputs have no error flag, so an
``is_error`` result's text starts with ``"Error: "``. A single text result is sent as a string output.
Parts a message of that role cannot hold are refused with ``InvalidRequest`` naming
``messages[i].content[j]``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from dragoman.canonical.content import (
    Part,
    ReasoningPart,
    RefusalPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import Message, ReasoningConfig, Role, Tool
from dragoman.dialects.base import JSONObject
from dragoman.dialects.openai_responses.content import (
    ToolOutputPart,
    decode_part,
    decode_tool_output_part,
    encode_assistant_part,
    encode_input_part,
)
from dragoman.dialects.openai_responses.reasoning import (
    ORIGIN,
    decode_reasoning_config,
    decode_reasoning_item,
    encode_reasoning_item,
)
from dragoman.dialects.openai_responses.tools import decode_tools

_ROLES: Final[dict[str, Role]] = {"user": "user", "assistant": "assistant", "system": "system",
                                  "developer": "developer"}
_ERROR_PREFIX: Final = "Error: "


@dataclass(slots=True)
class DecodedInput:
    messages: list[Message] = field(default_factory=list)
    tools: list[Tool] = field(default_factory=list)
    reasoning: ReasoningConfig | None = None
    reasoning_updated: bool = False
    untranslated: list[str] = field(default_factory=list)
    foreign_proofs: list[JSONObject] = field(default_factory=list)
    """Reasoning items carrying another dialect's wrapped proof (rule foreign-proofs-not-forwarded)."""

    def add(self, role: Role, parts: list[Part], source: str | None = None) -> None:
        last = self.messages[-1] if self.messages else None
        if role in ("assistant", "tool") and last is not None and last.role == role:
            last.content.extend(parts)
        else:
            self.messages.append(Message(role, parts, source=source))


# --- decoding ---

def decode_items(items: list[Any]) -> DecodedInput:
    decoded = DecodedInput()
    for index, item in enumerate(items):
        path = f"input[{index}]"
        if not isinstance(item, dict):
            raise InvalidRequest(f"'{path}' must be an object", param=path)
        kind = item.get("type", "message")
        if not isinstance(kind, str):
            raise InvalidRequest(f"'{path}.type' must be a string", param=f"{path}.type")
        handler = _ITEM_DECODERS.get(kind)
        if handler is None:
            decoded.untranslated.append(path)
        else:
            handler(item, path, decoded)
    return decoded


def _message(item: JSONObject, path: str, decoded: DecodedInput) -> None:
    raw_role = item.get("role")
    if raw_role is None:
        raise InvalidRequest(f"'{path}.role' is required", param=f"{path}.role")
    role = _ROLES.get(raw_role) if isinstance(raw_role, str) else None
    if role is None:
        raise InvalidRequest(
            f"'{path}.role' must be one of 'user', 'assistant', 'system', 'developer', got {raw_role!r}",
            param=f"{path}.role",
        )
    content = item.get("content")
    if isinstance(content, str):
        decoded.add(role, [TextPart(content)], path)
        return
    if not isinstance(content, list):
        raise InvalidRequest(f"'{path}.content' must be a string or an array of content parts",
                             param=f"{path}.content")
    parts: list[Part] = []
    for index, part in enumerate(content):
        converted = decode_part(part, role, f"{path}.content[{index}]", decoded.untranslated)
        if converted is not None:
            parts.append(converted)
    decoded.add(role, parts, path)


def _string(item: JSONObject, key: str, path: str) -> str:
    value = item.get(key)
    if not isinstance(value, str):
        raise InvalidRequest(f"'{path}.{key}' must be a string", param=f"{path}.{key}")
    return value


def _unscoped(item: JSONObject, path: str, decoded: DecodedInput) -> None:
    for key in ("namespace", "caller"):
        if item.get(key) is not None:
            decoded.untranslated.append(f"{path}.{key}")


def _function_call(item: JSONObject, path: str, decoded: DecodedInput) -> None:
    call = ToolCallPart(id=_string(item, "call_id", path), name=_string(item, "name", path),
                        arguments=_string(item, "arguments", path))
    _unscoped(item, path, decoded)
    decoded.add("assistant", [call])


def _custom_tool_call(item: JSONObject, path: str, decoded: DecodedInput) -> None:
    call = ToolCallPart(id=_string(item, "call_id", path), name=_string(item, "name", path),
                        arguments=_string(item, "input", path), kind="custom")
    _unscoped(item, path, decoded)
    decoded.add("assistant", [call])


def _reasoning(item: JSONObject, path: str, decoded: DecodedInput) -> None:
    part = decode_reasoning_item(item, path)
    if part.origin != ORIGIN:
        decoded.foreign_proofs.append(item)
    decoded.add("assistant", [part])


def _call_output(item: JSONObject, path: str, decoded: DecodedInput) -> None:
    output = item.get("output")
    content: list[ToolOutputPart] = []
    if isinstance(output, str):
        content.append(TextPart(output))
    elif isinstance(output, list):
        for index, part in enumerate(output):
            converted = decode_tool_output_part(part, f"{path}.output[{index}]", decoded.untranslated)
            if converted is not None:
                content.append(converted)
    else:
        raise InvalidRequest(f"'{path}.output' must be a string or an array of content parts",
                             param=f"{path}.output")
    _unscoped(item, path, decoded)
    decoded.add("tool", [ToolResultPart(_string(item, "call_id", path), content)])


def _additional_tools(item: JSONObject, path: str, decoded: DecodedInput) -> None:
    decoded.tools.extend(decode_tools(item.get("tools"), f"{path}.tools", decoded.untranslated))


def _configuration_update(item: JSONObject, path: str, decoded: DecodedInput) -> None:
    for key, value in item.items():
        if key == "reasoning":
            decoded.reasoning = decode_reasoning_config(value, f"{path}.reasoning", decoded.untranslated)
            decoded.reasoning_updated = True
        elif key not in ("type", "id") and value is not None:
            decoded.untranslated.append(f"{path}.{key}")


_ITEM_DECODERS: Final[dict[str, Callable[[JSONObject, str, DecodedInput], None]]] = {
    "message": _message,
    "function_call": _function_call,
    "custom_tool_call": _custom_tool_call,
    "reasoning": _reasoning,
    "function_call_output": _call_output,
    "custom_tool_call_output": _call_output,
    "additional_tools": _additional_tools,
    "configuration_update": _configuration_update,
}


# --- encoding ---

def encode_messages(messages: list[Message]) -> tuple[list[JSONObject], bool]:
    """The input items, and whether any reasoning item is handed back (it needs encrypted content)."""
    custom_calls = {part.id for message in messages if message.role == "assistant"
                    for part in message.content if isinstance(part, ToolCallPart) and part.kind == "custom"}
    items: list[JSONObject] = []
    for index, message in enumerate(messages):
        if message.role == "assistant":
            items.extend(_encode_assistant(message, index))
        elif message.role == "tool":
            items.extend(_encode_results(message, index, custom_calls))
        else:
            content = [encode_input_part(part, f"messages[{index}].content[{position}]")
                       for position, part in enumerate(message.content)]
            items.append({"type": "message", "role": message.role, "content": content})
    return items, any(item["type"] == "reasoning" for item in items)


def _encode_assistant(message: Message, index: int) -> list[JSONObject]:
    items: list[JSONObject] = []
    text: list[JSONObject] | None = None
    for position, part in enumerate(message.content):
        if isinstance(part, TextPart | RefusalPart):
            if text is None:
                text = []
                items.append({"type": "message", "role": "assistant", "content": text})
            text.append(encode_assistant_part(part))
            continue
        text = None
        if isinstance(part, ToolCallPart):
            items.append(_encode_call(part))
        elif isinstance(part, ReasoningPart):
            reasoning = encode_reasoning_item(part)
            if reasoning is not None:
                items.append(reasoning)
        else:
            raise InvalidRequest(f"a {part.type} part cannot be sent in an assistant message to a Responses "
                                 "upstream", param=f"messages[{index}].content[{position}]")
    if not message.content:
        items.append({"type": "message", "role": "assistant", "content": []})
    return items


def _encode_call(call: ToolCallPart) -> JSONObject:
    if call.kind == "custom":
        return {"type": "custom_tool_call", "call_id": call.id, "name": call.name, "input": call.arguments}
    return {"type": "function_call", "call_id": call.id, "name": call.name, "arguments": call.arguments}


def _encode_results(message: Message, index: int, custom_calls: set[str]) -> list[JSONObject]:
    items: list[JSONObject] = []
    for position, part in enumerate(message.content):
        path = f"messages[{index}].content[{position}]"
        if not isinstance(part, ToolResultPart):
            raise InvalidRequest(f"a tool message holds only tool results, not a {part.type} part", param=path)
        kind = "custom_tool_call_output" if part.call_id in custom_calls else "function_call_output"
        items.append({"type": kind, "call_id": part.call_id, "output": _encode_output(part, path)})
    return items


def _encode_output(result: ToolResultPart, path: str) -> str | list[JSONObject]:
    content = result.content
    if not content:
        return _ERROR_PREFIX.rstrip() if result.is_error else ""
    if len(content) == 1 and isinstance(content[0], TextPart):
        return _ERROR_PREFIX + content[0].text if result.is_error else content[0].text
    parts = [encode_input_part(part, f"{path}.content[{number}]") for number, part in enumerate(content)]
    if result.is_error:
        if parts[0]["type"] == "input_text":
            parts[0] = {**parts[0], "text": _ERROR_PREFIX + parts[0]["text"]}
        else:
            parts.insert(0, {"type": "input_text", "text": _ERROR_PREFIX.rstrip()})
    return parts
