"""Chat ``messages`` <-> canonical :class:`Message` list.

Decoding (client side), per message ``messages[i]``:

- roles ``system``, ``developer``, ``user``, ``assistant`` are carried with their position; ``name`` kept.
- ``content`` is a string or an array of parts. ``text`` parts are carried (with an OpenRouter-style
  ``cache_control``, which the Anthropic codec can use); ``refusal`` parts (assistant only) become
  :class:`RefusalPart`. ``image_url``, ``input_audio``, ``file`` and part types we do not know are not
  translated this round: their path ``messages[i].content[j]`` goes to ``Request.untranslated``.
- assistant ``content`` may be null; its ``refusal`` string becomes a :class:`RefusalPart` after the
  content. Its ``tool_calls``, legacy ``function_call``, ``audio`` and the ``reasoning_content`` /
  ``reasoning`` that vLLM/DeepSeek clients send back are listed as untranslated (``messages[i].tool_calls``…).
- ``tool`` (and legacy ``function``) messages are not translated this round: ``messages[i]`` is listed
  and the message is left out of the canonical list.

Encoding (to a chat upstream), named rules:

- ``developer-as-system``: ``developer`` messages are sent as ``system``; vLLM, Ollama and llama.cpp
  reject the ``developer`` role, and OpenAI treats ``system`` as ``developer`` for its reasoning models.
- ``reasoning-history-dropped``: reasoning parts in assistant history are left out; chat has no input
  form for them (DeepSeek documents that ``reasoning_content`` must not be sent back).
- ``cache_control-dropped``: chat upstreams cache prompts by themselves and take no marker.
- one text part is sent as a plain string, several as an array of ``text`` parts; assistant refusals go
  to the ``refusal`` field (or ``refusal`` parts when they are interleaved with text).
- images, documents, tool calls, tool results and ``tool`` messages are refused with
  ``InvalidRequest(param="messages[i].content[j]")``; decoders list them as untranslated, so the server
  refuses such a request before it gets here.
"""

from __future__ import annotations

from dragoman.canonical.content import Part, ReasoningPart, RefusalPart, TextPart
from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import Message, Role
from dragoman.dialects.base import JSONObject
from dragoman.dialects.validate import optional_str, require_list, require_object

_ROLES: dict[str, Role] = {"system": "system", "developer": "developer", "user": "user", "assistant": "assistant"}
_UNTRANSLATED_ROLES = frozenset({"tool", "function"})
_ROLE_NAMES = "system, developer, user, assistant, tool"
_UNTRANSLATED_PART_TYPES = frozenset({"image_url", "input_audio", "file"})
_ASSISTANT_UNTRANSLATED = ("tool_calls", "function_call", "audio", "reasoning_content", "reasoning")


def decode_messages(raw: object, untranslated: list[str]) -> list[Message]:
    items = require_list(raw, "messages")
    messages: list[Message] = []
    for i, item in enumerate(items):
        message = _decode_message(item, f"messages[{i}]", untranslated)
        if message is not None:
            messages.append(message)
    return messages


def _decode_message(raw: object, path: str, untranslated: list[str]) -> Message | None:
    message = require_object(raw, path)
    wire_role = message.get("role")
    if wire_role is None:
        raise InvalidRequest(f"'{path}.role' is required", param=f"{path}.role")
    if isinstance(wire_role, str) and wire_role in _UNTRANSLATED_ROLES:
        untranslated.append(path)
        return None
    role = _ROLES.get(wire_role) if isinstance(wire_role, str) else None
    if role is None:
        raise InvalidRequest(
            f"'{path}.role' must be one of {_ROLE_NAMES}, got {wire_role!r}", param=f"{path}.role"
        )
    name = optional_str(message, "name", f"{path}.name")
    assistant = role == "assistant"
    parts = _decode_content(message.get("content"), path, untranslated, assistant=assistant)
    if assistant:
        refusal = optional_str(message, "refusal", f"{path}.refusal")
        if refusal:
            parts.append(RefusalPart(refusal))
        for key in _ASSISTANT_UNTRANSLATED:
            if message.get(key):
                untranslated.append(f"{path}.{key}")
    return Message(role=role, content=parts, name=name)


def _decode_content(content: object, path: str, untranslated: list[str], *, assistant: bool) -> list[Part]:
    if isinstance(content, str):
        return [TextPart(content)]
    if content is None:
        if assistant:
            return []
        raise InvalidRequest(f"'{path}.content' is required", param=f"{path}.content")
    if not isinstance(content, list):
        raise InvalidRequest(
            f"'{path}.content' must be a string or an array of content parts", param=f"{path}.content"
        )
    parts: list[Part] = []
    for j, item in enumerate(content):
        part = _decode_part(item, f"{path}.content[{j}]", assistant=assistant)
        if part is None:
            untranslated.append(f"{path}.content[{j}]")
        else:
            parts.append(part)
    return parts


def _decode_part(raw: object, path: str, *, assistant: bool) -> Part | None:
    part = require_object(raw, path)
    kind = part.get("type")
    if not isinstance(kind, str):
        raise InvalidRequest(f"'{path}.type' is required and must be a string", param=f"{path}.type")
    if kind == "text":
        text = part.get("text")
        if not isinstance(text, str):
            raise InvalidRequest(f"'{path}.text' must be a string", param=f"{path}.text")
        cache_control = part.get("cache_control")
        return TextPart(text, cache_control if isinstance(cache_control, dict) else None)
    if kind == "refusal":
        if not assistant:
            raise InvalidRequest(f"'{path}': refusal parts are allowed only in assistant messages",
                                 param=f"{path}.type")
        refusal = part.get("refusal")
        if not isinstance(refusal, str):
            raise InvalidRequest(f"'{path}.refusal' must be a string", param=f"{path}.refusal")
        return RefusalPart(refusal)
    # image_url, input_audio, file, and types newer than this codec: forwarded only to chat upstreams.
    return None


def encode_messages(messages: list[Message]) -> list[JSONObject]:
    return [_encode_message(message, f"messages[{i}]") for i, message in enumerate(messages)]


def _encode_message(message: Message, path: str) -> JSONObject:
    if message.role == "tool":
        raise _not_carried(path, "tool messages")
    role = "system" if message.role == "developer" else message.role
    out: JSONObject
    if message.role == "assistant":
        out = {"role": role, **_encode_assistant_content(message.content, path)}
    else:
        out = {"role": role, "content": _encode_text_content(message.content, path)}
    if message.name is not None:
        out["name"] = message.name
    return out


def _encode_text_content(parts: list[Part], path: str) -> str | list[JSONObject]:
    texts: list[str] = []
    for j, part in enumerate(parts):
        if not isinstance(part, TextPart):
            raise _not_carried(f"{path}.content[{j}]", f"{part.type} parts in a non-assistant message")
        texts.append(part.text)
    if len(texts) == 1:
        return texts[0]
    if not texts:
        return ""
    return [{"type": "text", "text": text} for text in texts]


def _encode_assistant_content(parts: list[Part], path: str) -> JSONObject:
    wire: list[JSONObject] = []
    refusals = 0
    for j, part in enumerate(parts):
        if isinstance(part, TextPart):
            wire.append({"type": "text", "text": part.text})
        elif isinstance(part, RefusalPart):
            wire.append({"type": "refusal", "refusal": part.text})
            refusals += 1
        elif not isinstance(part, ReasoningPart):
            raise _not_carried(f"{path}.content[{j}]", f"{part.type} parts")
    if refusals == 0:
        return {"content": _join_single(wire)}
    if refusals == 1 and wire[-1]["type"] == "refusal":
        return {"content": _join_single(wire[:-1]), "refusal": wire[-1]["refusal"]}
    return {"content": wire}


def _join_single(text_parts: list[JSONObject]) -> str | list[JSONObject] | None:
    if not text_parts:
        return None
    if len(text_parts) == 1:
        text: str = text_parts[0]["text"]
        return text
    return text_parts


def _not_carried(path: str, what: str) -> InvalidRequest:
    return InvalidRequest(
        f"'{path}': {what} cannot be sent to an OpenAI Chat Completions upstream yet", param=path
    )
