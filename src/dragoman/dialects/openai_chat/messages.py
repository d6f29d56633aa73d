"""Chat ``messages`` <-> canonical :class:`Message` list (parts in content.py, tool results in tool_results.py).

Decoding (client side), per message ``messages[i]``:

- roles ``system``, ``developer``, ``user``, ``assistant`` are carried with their position; ``name`` kept.
  ``content`` is a string or an array of parts (see content.py); an assistant's empty string makes no part.
- assistant: ``reasoning_content``/``reasoning`` -> a :class:`ReasoningPart` first (see reasoning.py), then
  the content parts, then ``refusal`` as a :class:`RefusalPart`, then each ``tool_calls`` entry as a
  :class:`ToolCallPart` (function or custom). ``content`` may be null. Not translated (the path goes to
  ``Request.untranslated``): the legacy ``function_call`` and ``audio`` (a reference to a stored answer).
- ``tool`` messages -> a canonical ``tool`` message of :class:`ToolResultPart` (see tool_results.py);
  consecutive tool messages (the results of one turn's parallel calls) become one canonical message.
- legacy ``function`` messages are not translated: ``messages[i]`` is listed and left out (they pair with
  a call by name, not by id, so no tool result can be made of them).

Encoding (to a chat upstream), named rules:

- *developer-as-system*: ``developer`` messages are sent as ``system``; vLLM, Ollama and llama.cpp reject
  the ``developer`` role, and OpenAI treats ``system`` as ``developer`` for its reasoning models.
- *foreign-reasoning-dropped* (reasoning.py): only reasoning of chat origin goes back, as
  ``reasoning_content``.
- *assistant-parts-regrouped*: chat has one assistant ``content`` followed by ``tool_calls``, so text that
  came after a tool call (Anthropic interleaves) is sent before the calls, in order.
- one text part is sent as a plain string, several as an array of ``text`` parts; assistant refusals go
  to the ``refusal`` field (or ``refusal`` parts when they are interleaved with text). An assistant turn
  with nothing to say is sent with ``content: ""`` (OpenAI rejects a null content without tool calls).
- images and PDFs go only in user messages (chat has no other place for them): elsewhere they are
  refused with ``InvalidRequest(param="messages[i].content[j]")``, as are refusals outside assistant
  messages, tool calls outside assistant messages and tool results outside ``tool`` messages.
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
from dragoman.canonical.request import Message, Role
from dragoman.dialects.base import JSONObject
from dragoman.dialects.openai_chat.content import decode_part, encode_document, encode_image, encode_text
from dragoman.dialects.openai_chat.reasoning import decode_history_reasoning, encode_history_reasoning
from dragoman.dialects.openai_chat.tool_results import decode_tool_message, encode_tool_message, not_carried
from dragoman.dialects.openai_chat.tools import decode_tool_call, encode_tool_call
from dragoman.dialects.validate import optional_str, require_list, require_object

_ROLES: dict[str, Role] = {"system": "system", "developer": "developer", "user": "user", "assistant": "assistant"}
_ROLE_NAMES = "system, developer, user, assistant, tool"
_ASSISTANT_UNTRANSLATED = ("function_call", "audio")


def decode_messages(raw: object, untranslated: list[str]) -> list[Message]:
    items = require_list(raw, "messages")
    messages: list[Message] = []
    for i, item in enumerate(items):
        path = f"messages[{i}]"
        message = require_object(item, path)
        wire_role = message.get("role")
        if wire_role == "tool":
            result = decode_tool_message(message, path, untranslated)
            if messages and messages[-1].role == "tool":
                messages[-1].content.append(result)
            else:
                messages.append(Message("tool", [result], source=path))
        elif wire_role == "function":
            untranslated.append(path)
        else:
            messages.append(_decode_message(message, wire_role, path, untranslated))
    return messages


def _decode_message(message: JSONObject, wire_role: object, path: str, untranslated: list[str]) -> Message:
    if wire_role is None:
        raise InvalidRequest(f"'{path}.role' is required", param=f"{path}.role")
    role = _ROLES.get(wire_role) if isinstance(wire_role, str) else None
    if role is None:
        raise InvalidRequest(f"'{path}.role' must be one of {_ROLE_NAMES}, got {wire_role!r}", param=f"{path}.role")
    name = optional_str(message, "name", f"{path}.name")
    if role != "assistant":
        return Message(role, decode_content(message.get("content"), path, role, untranslated), name, source=path)
    parts: list[Part] = []
    reasoning = decode_history_reasoning(message)
    if reasoning is not None:
        parts.append(reasoning)
    parts.extend(decode_content(message.get("content"), path, role, untranslated))
    refusal = optional_str(message, "refusal", f"{path}.refusal")
    if refusal:
        parts.append(RefusalPart(refusal))
    tool_calls = message.get("tool_calls")
    if tool_calls is not None:
        calls = require_list(tool_calls, f"{path}.tool_calls", non_empty=False)
        parts.extend(decode_tool_call(call, f"{path}.tool_calls[{k}]") for k, call in enumerate(calls))
    for key in _ASSISTANT_UNTRANSLATED:
        if message.get(key):
            untranslated.append(f"{path}.{key}")
    return Message(role, parts, name, source=path)


def decode_content(content: object, path: str, role: str, untranslated: list[str]) -> list[Part]:
    if isinstance(content, str):
        return [TextPart(content)] if content or role != "assistant" else []
    if content is None:
        if role == "assistant":
            return []
        raise InvalidRequest(f"'{path}.content' is required", param=f"{path}.content")
    if not isinstance(content, list):
        raise InvalidRequest(f"'{path}.content' must be a string or an array of content parts",
                             param=f"{path}.content")
    parts: list[Part] = []
    for j, item in enumerate(content):
        part = decode_part(item, f"{path}.content[{j}]", role)
        if part is None:
            untranslated.append(f"{path}.content[{j}]")
        else:
            parts.append(part)
    return parts


def encode_messages(messages: list[Message]) -> list[JSONObject]:
    out: list[JSONObject] = []
    for i, message in enumerate(messages):
        path = f"messages[{i}]"
        if message.role == "tool":
            out.extend(encode_tool_message(message, path))
            continue
        wire = _encode_assistant(message, path) if message.role == "assistant" else _encode_plain(message, path)
        if message.name is not None:
            wire["name"] = message.name
        out.append(wire)
    return out


def _encode_plain(message: Message, path: str) -> JSONObject:
    role = "system" if message.role == "developer" else message.role
    parts: list[JSONObject] = []
    for j, part in enumerate(message.content):
        part_path = f"{path}.content[{j}]"
        if isinstance(part, TextPart):
            parts.append(encode_text(part))
        elif isinstance(part, ImagePart) and role == "user":
            parts.append(encode_image(part, part_path))
        elif isinstance(part, DocumentPart):
            document = encode_document(part, part_path)
            if document["type"] != "text" and role != "user":
                raise not_carried(part_path, f"PDF documents in a {message.role} message")
            parts.append(document)
        else:
            raise not_carried(part_path, f"{part.type} parts in a {message.role} message")
    if all(part["type"] == "text" for part in parts) and len(parts) <= 1:
        return {"role": role, "content": parts[0]["text"] if parts else ""}
    return {"role": role, "content": parts}


def _encode_assistant(message: Message, path: str) -> JSONObject:
    wire: list[JSONObject] = []
    calls: list[JSONObject] = []
    refusals = 0
    for j, part in enumerate(message.content):
        match part:
            case TextPart():
                wire.append(encode_text(part))
            case RefusalPart():
                wire.append({"type": "refusal", "refusal": part.text})
                refusals += 1
            case ToolCallPart():
                calls.append(encode_tool_call(part))
            case ReasoningPart():
                pass  # written below as reasoning_content when it is chat's own
            case ImagePart() | DocumentPart() | ToolResultPart():
                raise not_carried(f"{path}.content[{j}]", f"{part.type} parts in an assistant message")
            case _:
                assert_never(part)
    out: JSONObject = {"role": "assistant"}
    if refusals == 0:
        out["content"] = _join_single(wire)
    elif refusals == 1 and wire[-1]["type"] == "refusal":
        out["content"] = _join_single(wire[:-1])
        out["refusal"] = wire[-1]["refusal"]
    else:
        out["content"] = wire
    if calls:
        out["tool_calls"] = calls
    elif out["content"] is None and "refusal" not in out:
        out["content"] = ""
    reasoning = encode_history_reasoning(message.content)
    if reasoning:
        out["reasoning_content"] = reasoning
    return out


def _join_single(text_parts: list[JSONObject]) -> str | list[JSONObject] | None:
    if not text_parts:
        return None
    if len(text_parts) == 1:
        text: str = text_parts[0]["text"]
        return text
    return text_parts
