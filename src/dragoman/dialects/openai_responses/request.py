"""Responses API requests (``POST /v1/responses``) <-> canonical :class:`Request`.

Decoding (a Responses client's request).

Translated: ``model`` (absent → ``""``), ``input`` (a string is one user message; an array of message items,
with or without ``type: "message"``, roles ``user``/``assistant``/``system``/``developer``, content a string
or ``input_text``/``output_text`` parts, ``refusal`` parts in assistant history), ``instructions`` (a leading
``system`` message; an empty string adds none), ``max_output_tokens``, ``temperature``, ``top_p``, ``user``,
``safety_identifier`` (the canonical ``user`` when ``user`` is absent), ``metadata``, ``stream``,
``parallel_tool_calls``. Responses always reports usage, so ``include_usage`` follows ``stream``.

Untranslated (listed in ``Request.untranslated`` by wire path, never raised, never dropped): ``tools``,
``tool_choice`` other than ``auto`` (or ``none`` without tools), ``reasoning``, ``previous_response_id``,
``conversation``, ``prompt``, ``background``, ``top_logprobs``, ``max_tool_calls``, ``context_management``,
``moderation``, ``text.format`` other than ``{"type": "text"}``, ``include`` values other than
``reasoning.encrypted_content``, every input item that is not a message (``function_call``,
``function_call_output``, ``reasoning``, ``item_reference``, Codex's ``additional_tools`` …) as
``input[i]``, non-text content parts (``input_image``, ``input_file``, ``input_audio``, unknown types) as
``input[i].content[j]``, and any unknown top-level field. A neutral value (``null``, ``false``, ``[]``,
``{}``, ``top_logprobs: 0``) of a known untranslated field counts as absent.

Ignored on decode because they do not change the answer: ``store``, ``service_tier``, ``truncation``,
``prompt_cache_key``, ``prompt_cache_retention``, ``prompt_cache_options``, ``stream_options``,
``text.verbosity``, ``include: ["reasoning.encrypted_content"]`` (opaque reasoning proofs are always passed
on when the upstream gives one), Codex's ``client_metadata``, and per-item ``id``/``status``/``phase``.

Validation (400 naming the wire path): ``input`` missing, empty, or neither a string nor an array; an item
or part that is not an object; unknown role; content neither string nor array; text that is not a string;
a ``refusal`` part outside assistant history; no user message at all (skipped when untranslated state such
as ``previous_response_id`` or a non-message item may hold the user turn: such requests only go
same-dialect); ``temperature`` outside 0-2; ``top_p`` outside 0-1; ``max_output_tokens`` not a positive
integer; wrong JSON types for known fields. Responses has no stop sequences: ``stop`` is an unknown field.

Encoding (a request to a Responses upstream). Messages become input message items in place, roles kept
(``system``/``developer`` anywhere); user/system/developer text as ``input_text`` parts; assistant history
as ``{"type": "message", "role": "assistant", "content": [output_text | refusal]}``. ``max_tokens`` →
``max_output_tokens``, ``user`` → ``user``. Rules:

- ``store-false``: always ``store: false``; a gateway must not leave state at the upstream that the client
  did not ask for.
- ``stop-refused``: Responses has no stop sequences, so a request with ``stop`` is refused with
  ``InvalidRequest(param="stop")`` rather than answered without them.
- ``untranslated-refused``: tools, ``tool_choice``, tool messages and parts other than text and refusal are
  not translated this round and are refused with ``InvalidRequest`` naming ``tools``, ``tool_choice`` or
  ``messages[i].content[j]``.
- Dropped because Responses has no form for them: ``Message.name`` (``message-name-dropped``: Responses messages have
  no participant name), ``cache_control`` (OpenAI caches prefixes by itself), ``include_usage`` (usage is
  always reported), ``parallel_tool_calls`` (meaningless without tools).
"""

from __future__ import annotations

from typing import Any

from dragoman.canonical.content import Part, RefusalPart, TextPart
from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import Message, Request, Role
from dragoman.dialects import validate
from dragoman.dialects.base import JSONObject

_ROLES: dict[str, Role] = {"user": "user", "assistant": "assistant", "system": "system", "developer": "developer"}
_TEXT_PARTS = frozenset({"input_text", "output_text"})

_TRANSLATED = frozenset({
    "model", "input", "instructions", "max_output_tokens", "temperature", "top_p", "user",
    "safety_identifier", "metadata", "stream", "parallel_tool_calls", "text", "include", "tool_choice",
})
_UNTRANSLATED = frozenset({
    "tools", "reasoning", "previous_response_id", "conversation", "prompt", "background", "top_logprobs",
    "max_tool_calls", "context_management", "moderation",
})
# Fields with no effect on the answer, with the JSON type each must have when present.
_IGNORED: dict[str, type] = {
    "store": bool,
    "service_tier": str,
    "truncation": str,
    "prompt_cache_key": str,
    "prompt_cache_retention": str,
    "prompt_cache_options": dict,
    "stream_options": dict,
    "client_metadata": dict,
}
_TYPE_NAMES: dict[type, str] = {bool: "a boolean", str: "a string", dict: "an object"}
_HARMLESS_INCLUDES = frozenset({"reasoning.encrypted_content"})
_NEUTRAL_TOOL_CHOICES = frozenset({"auto", "none"})
_STATE_FIELDS = frozenset({"previous_response_id", "conversation", "prompt"})


def _is_neutral(key: str, value: Any) -> bool:
    return value is None or value is False or value == [] or value == {} or (key == "top_logprobs" and value == 0)


def _may_hold_user_turn(untranslated: list[str]) -> bool:
    return any(path in _STATE_FIELDS or (path.startswith("input[") and "." not in path) for path in untranslated)


def decode_request(body: JSONObject) -> Request:
    untranslated: list[str] = []
    model = body.get("model")
    if model is not None and not isinstance(model, str):
        raise InvalidRequest("'model' must be a string", param="model")
    messages = _decode_instructions(body)
    messages.extend(_decode_input(body.get("input"), untranslated))
    stream = validate.optional_bool(body, "stream") or False
    parallel_tool_calls = validate.optional_bool(body, "parallel_tool_calls")
    user = validate.optional_str(body, "user")
    safety_identifier = validate.optional_str(body, "safety_identifier")
    request = Request(
        model=model or "",
        messages=messages,
        stream=stream,
        max_tokens=validate.optional_positive_int(body, "max_output_tokens"),
        temperature=validate.optional_number(body, "temperature", 0, 2),
        top_p=validate.optional_number(body, "top_p", 0, 1),
        user=user if user is not None else safety_identifier,
        metadata=validate.metadata_map(body.get("metadata"), "metadata"),
        include_usage=stream,
        parallel_tool_calls=parallel_tool_calls,
        untranslated=untranslated,
    )
    _check_other_fields(body, untranslated)
    if not any(message.role == "user" for message in messages) and not _may_hold_user_turn(untranslated):
        raise InvalidRequest("'input' must contain at least one user message", param="input")
    return request


def _decode_instructions(body: JSONObject) -> list[Message]:
    instructions = validate.optional_str(body, "instructions")
    return [Message("system", [TextPart(instructions)])] if instructions else []


def _decode_input(value: Any, untranslated: list[str]) -> list[Message]:
    if isinstance(value, str):
        if not value:
            raise InvalidRequest("'input' must not be empty", param="input")
        return [Message("user", [TextPart(value)])]
    if value is not None and not isinstance(value, list):
        raise InvalidRequest("'input' must be a string or an array of input items", param="input")
    items = validate.require_list(value, "input")
    messages: list[Message] = []
    for index, item in enumerate(items):
        path = f"input[{index}]"
        if not isinstance(item, dict):
            raise InvalidRequest(f"'{path}' must be an object", param=path)
        kind = item.get("type", "message")
        if kind == "message":
            messages.append(_decode_message(item, path, untranslated))
        elif isinstance(kind, str):
            untranslated.append(path)
        else:
            raise InvalidRequest(f"'{path}.type' must be a string", param=f"{path}.type")
    return messages


def _decode_message(item: JSONObject, path: str, untranslated: list[str]) -> Message:
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
        return Message(role, [TextPart(content)])
    if not isinstance(content, list):
        raise InvalidRequest(f"'{path}.content' must be a string or an array of content parts",
                             param=f"{path}.content")
    parts: list[Part] = []
    for index, part in enumerate(content):
        decoded = _decode_part(part, role, f"{path}.content[{index}]", untranslated)
        if decoded is not None:
            parts.append(decoded)
    return Message(role, parts)


def _decode_part(part: Any, role: Role, path: str, untranslated: list[str]) -> Part | None:
    if not isinstance(part, dict):
        raise InvalidRequest(f"'{path}' must be an object", param=path)
    kind = part.get("type")
    if kind in _TEXT_PARTS:
        return TextPart(_text(part, "text", path))
    if kind == "refusal":
        if role != "assistant":
            raise InvalidRequest(f"'{path}': refusal parts are only allowed in assistant messages",
                                 param=f"{path}.type")
        return RefusalPart(_text(part, "refusal", path))
    if not isinstance(kind, str):
        raise InvalidRequest(f"'{path}.type' must be a string", param=f"{path}.type")
    untranslated.append(path)
    return None


def _text(part: JSONObject, key: str, path: str) -> str:
    value = part.get(key)
    if not isinstance(value, str):
        raise InvalidRequest(f"'{path}.{key}' must be a string", param=f"{path}.{key}")
    return value


def _check_other_fields(body: JSONObject, untranslated: list[str]) -> None:
    _check_text(body.get("text"), untranslated)
    _check_include(body.get("include"), untranslated)
    tool_choice = body.get("tool_choice")
    if tool_choice is not None and not (tool_choice == "auto" or (tool_choice in _NEUTRAL_TOOL_CHOICES
                                                                  and not body.get("tools"))):
        untranslated.append("tool_choice")
    for key, value in body.items():
        if key in _TRANSLATED:
            continue
        expected = _IGNORED.get(key)
        if expected is not None:
            if value is not None and not isinstance(value, expected):
                raise InvalidRequest(f"'{key}' must be {_TYPE_NAMES[expected]}", param=key)
        elif key in _UNTRANSLATED:
            if not _is_neutral(key, value):
                untranslated.append(key)
        elif value is not None:
            untranslated.append(key)


def _check_text(text: Any, untranslated: list[str]) -> None:
    if text is None:
        return
    validate.require_object(text, "text")
    for key, value in text.items():
        if key == "format":
            if value is not None and value != {"type": "text"}:
                untranslated.append("text.format")
        elif key != "verbosity" and value is not None:
            untranslated.append(f"text.{key}")


def _check_include(include: Any, untranslated: list[str]) -> None:
    if include is None:
        return
    if not isinstance(include, list) or not all(isinstance(item, str) for item in include):
        raise InvalidRequest("'include' must be an array of strings", param="include")
    untranslated.extend(f"include[{index}]" for index, item in enumerate(include)
                        if item not in _HARMLESS_INCLUDES)


def encode_request(request: Request, model: str) -> JSONObject:
    if request.stop:
        raise InvalidRequest("stop sequences ('stop' / 'stop_sequences') cannot be sent to this model: its "
                             "Responses upstream has none; remove them", param="stop")
    if request.tools:
        raise InvalidRequest("tools cannot be sent to a Responses upstream yet", param="tools")
    if request.tool_choice is not None:
        raise InvalidRequest("tool_choice cannot be sent to a Responses upstream yet", param="tool_choice")
    body: JSONObject = {
        "model": model,
        "input": [_encode_message(message, index) for index, message in enumerate(request.messages)],
        "store": False,
    }
    if request.stream:
        body["stream"] = True
    if request.max_tokens is not None:
        body["max_output_tokens"] = request.max_tokens
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.top_p is not None:
        body["top_p"] = request.top_p
    if request.user is not None:
        body["user"] = request.user
    if request.metadata is not None:
        body["metadata"] = request.metadata
    return body


def _encode_message(message: Message, index: int) -> JSONObject:
    role = message.role
    if role == "tool":
        raise InvalidRequest("tool results cannot be sent to a Responses upstream yet", param=f"messages[{index}]")
    assistant = role == "assistant"
    content: list[JSONObject] = []
    for position, part in enumerate(message.content):
        if isinstance(part, TextPart):
            content.append({"type": "output_text", "text": part.text, "annotations": []} if assistant
                           else {"type": "input_text", "text": part.text})
        elif isinstance(part, RefusalPart) and assistant:
            content.append({"type": "refusal", "refusal": part.text})
        else:
            raise InvalidRequest(
                f"a {part.type} part in a {role} message cannot be sent to a Responses upstream yet",
                param=f"messages[{index}].content[{position}]",
            )
    return {"type": "message", "role": role, "content": content}
