"""Responses API requests (``POST /v1/responses``) <-> canonical :class:`Request`.

Decoding (a Responses client's request). Translated: ``model`` (absent → ``""``), ``input`` (a string is one
user message; an array of items, see input_items.py), ``instructions`` (a leading ``system`` message; an
empty string adds none), ``max_output_tokens``, ``temperature``, ``top_p``, ``user``, ``safety_identifier``
(the canonical ``user`` when ``user`` is absent), ``metadata``, ``stream``, ``parallel_tool_calls``,
``tools`` and ``tool_choice`` (tools.py), ``reasoning`` (reasoning.py), ``text.format`` (output_format.py),
``prompt_cache_key``. Responses always reports usage, so ``include_usage`` follows ``stream``.

Untranslated (listed in ``Request.untranslated`` by wire path, never raised, never dropped; they only travel
verbatim to a Responses upstream): ``previous_response_id``, ``conversation``, ``prompt``, ``background``,
``top_logprobs``, ``max_tool_calls``, ``context_management``, ``moderation``, ``include`` values other than
``reasoning.encrypted_content``, any unknown top-level field, and the item, part and tool fields the other
modules name. A neutral value (``null``, ``false``, ``[]``, ``{}``, ``top_logprobs: 0``) counts as absent.

The body itself is changed in one way, for the same-dialect path that forwards it: reasoning items holding
another dialect's wrapped proof are removed (``foreign-proofs-not-forwarded``, reasoning.py).

Ignored on decode because they do not change the answer: ``store``, ``service_tier``, ``truncation``,
``prompt_cache_retention``, ``prompt_cache_options``, ``stream_options``, ``text.verbosity``, Codex's
``client_metadata``, and ``include: ["reasoning.encrypted_content"]`` (the encoder asks for encrypted
reasoning itself whenever it matters, and clients always receive it when the upstream gives it).

Validation (400 naming the wire path): ``input`` missing, empty, or neither a string nor an array; an item
or part that is not an object; unknown role; content neither string nor array; text that is not a string;
a ``refusal`` part outside assistant history; image media types other than png/jpeg/gif/webp; calls and
outputs without string ``call_id``/``name``/``arguments``; no user message at all (skipped when untranslated
state such as ``previous_response_id`` or an untranslated item may hold the user turn: such requests only go
same-dialect); ``temperature`` outside 0-2; ``top_p`` outside 0-1; ``max_output_tokens`` not a positive
integer; an unknown reasoning effort; wrong JSON types for known fields. Responses has no stop sequences:
``stop`` is an unknown field.

Encoding (a request to a Responses upstream): input items from input_items.py; ``max_tokens`` →
``max_output_tokens``; ``user``, ``metadata``, ``temperature``, ``top_p``, ``parallel_tool_calls``,
``prompt_cache_key``, tools, tool choice, reasoning and ``text.format`` in their Responses form. Rules:

- ``store-false``: always ``store: false``; a gateway must not leave state at the upstream that the client
  did not ask for.
- ``stop-refused``: Responses has no stop sequences, so a request with ``stop`` is refused with
  ``InvalidRequest(param="stop")`` rather than answered without them.
- ``max-output-tokens-floor``: the API refuses ``max_output_tokens`` below 16, so a smaller limit is raised
  to 16 (a probe asking for one token still gets a short answer instead of an error).
- ``encrypted-reasoning-included`` (reasoning.py): ``include: ["reasoning.encrypted_content"]`` when
  reasoning is on or reasoning items are handed back.
- Dropped because Responses has no form for them: ``Message.name`` (``message-name-dropped``),
  ``cache_control`` on parts, tools, calls and results (``cache_control-dropped``, content.py),
  ``include_usage`` (usage is always reported).
"""

from __future__ import annotations

from typing import Any, Final

from dragoman.canonical.content import TextPart
from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import Message, Request
from dragoman.dialects import validate
from dragoman.dialects.base import JSONObject
from dragoman.dialects.openai_responses.input_items import DecodedInput, decode_items, encode_messages
from dragoman.dialects.openai_responses.output_format import decode_text, encode_format
from dragoman.dialects.openai_responses.reasoning import (
    ENCRYPTED_INCLUDE,
    decode_reasoning_config,
    encode_reasoning_config,
    reasoning_on,
)
from dragoman.dialects.openai_responses.tools import (
    decode_tool_choice,
    decode_tools,
    encode_tool_choice,
    encode_tools,
)

_TRANSLATED: Final = frozenset({
    "model", "input", "instructions", "max_output_tokens", "temperature", "top_p", "user",
    "safety_identifier", "metadata", "stream", "parallel_tool_calls", "text", "include", "tool_choice",
    "tools", "reasoning", "prompt_cache_key",
})
_UNTRANSLATED: Final = frozenset({
    "previous_response_id", "conversation", "prompt", "background", "top_logprobs", "max_tool_calls",
    "context_management", "moderation",
})
# Fields with no effect on the answer, with the JSON type each must have when present.
_IGNORED: Final[dict[str, type]] = {
    "store": bool,
    "service_tier": str,
    "truncation": str,
    "prompt_cache_retention": str,
    "prompt_cache_options": dict,
    "stream_options": dict,
    "client_metadata": dict,
}
_TYPE_NAMES: Final[dict[type, str]] = {bool: "a boolean", str: "a string", dict: "an object"}
_STATE_FIELDS: Final = frozenset({"previous_response_id", "conversation", "prompt"})
MIN_OUTPUT_TOKENS: Final = 16
"""The API refuses a smaller ``max_output_tokens``."""


def _is_neutral(key: str, value: Any) -> bool:
    return value is None or value is False or value == [] or value == {} or (key == "top_logprobs" and value == 0)


def _may_hold_user_turn(untranslated: list[str]) -> bool:
    return any(path in _STATE_FIELDS or (path.startswith("input[") and "." not in path) for path in untranslated)


def decode_request(body: JSONObject) -> Request:
    model = body.get("model")
    if model is not None and not isinstance(model, str):
        raise InvalidRequest("'model' must be a string", param="model")
    messages = _decode_instructions(body)
    decoded = _decode_input(body.get("input"))
    messages.extend(decoded.messages)
    untranslated = decoded.untranslated
    stream = validate.optional_bool(body, "stream") or False
    user = validate.optional_str(body, "user")
    safety_identifier = validate.optional_str(body, "safety_identifier")
    tools = decode_tools(body.get("tools"), "tools", untranslated)
    reasoning = decode_reasoning_config(body.get("reasoning"), "reasoning", untranslated)
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
        tools=tools + decoded.tools,
        tool_choice=decode_tool_choice(body.get("tool_choice"), untranslated),
        parallel_tool_calls=validate.optional_bool(body, "parallel_tool_calls"),
        reasoning=decoded.reasoning if decoded.reasoning_updated else reasoning,
        output_format=decode_text(body.get("text"), untranslated),
        prompt_cache_key=validate.optional_str(body, "prompt_cache_key"),
        untranslated=untranslated,
    )
    _check_include(body.get("include"), untranslated)
    _check_other_fields(body, untranslated)
    if not any(message.role == "user" for message in messages) and not _may_hold_user_turn(untranslated):
        raise InvalidRequest("'input' must contain at least one user message", param="input")
    if decoded.foreign_proofs:
        foreign = {id(item) for item in decoded.foreign_proofs}
        body["input"] = [item for item in body["input"] if id(item) not in foreign]
    return request


def _decode_instructions(body: JSONObject) -> list[Message]:
    instructions = validate.optional_str(body, "instructions")
    return [Message("system", [TextPart(instructions)], source="instructions")] if instructions else []


def _decode_input(value: Any) -> DecodedInput:
    if isinstance(value, str):
        if not value:
            raise InvalidRequest("'input' must not be empty", param="input")
        value = [{"role": "user", "content": value}]
    if value is not None and not isinstance(value, list):
        raise InvalidRequest("'input' must be a string or an array of input items", param="input")
    return decode_items(validate.require_list(value, "input"))


def _check_other_fields(body: JSONObject, untranslated: list[str]) -> None:
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


def _check_include(include: Any, untranslated: list[str]) -> None:
    if include is None:
        return
    if not isinstance(include, list) or not all(isinstance(item, str) for item in include):
        raise InvalidRequest("'include' must be an array of strings", param="include")
    untranslated.extend(f"include[{index}]" for index, item in enumerate(include) if item != ENCRYPTED_INCLUDE)


def encode_request(request: Request, model: str) -> JSONObject:
    if request.stop:
        raise InvalidRequest("stop sequences ('stop' / 'stop_sequences') cannot be sent to this model: its "
                             "Responses upstream has none; remove them", param="stop")
    items, hands_back_reasoning = encode_messages(request.messages)
    body: JSONObject = {"model": model, "input": items, "store": False}
    if request.stream:
        body["stream"] = True
    if request.max_tokens is not None:
        body["max_output_tokens"] = max(request.max_tokens, MIN_OUTPUT_TOKENS)
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.top_p is not None:
        body["top_p"] = request.top_p
    if request.user is not None:
        body["user"] = request.user
    if request.metadata is not None:
        body["metadata"] = request.metadata
    if request.tools:
        body["tools"] = encode_tools(request.tools)
    if request.tool_choice is not None:
        body["tool_choice"] = encode_tool_choice(request.tool_choice, request.tools)
    if request.parallel_tool_calls is not None:
        body["parallel_tool_calls"] = request.parallel_tool_calls
    reasoning = encode_reasoning_config(request.reasoning)
    if reasoning is not None:
        body["reasoning"] = reasoning
    if reasoning_on(request.reasoning) or hands_back_reasoning:
        body["include"] = [ENCRYPTED_INCLUDE]
    if request.output_format is not None:
        body["text"] = {"format": encode_format(request.output_format)}
    if request.prompt_cache_key is not None:
        body["prompt_cache_key"] = request.prompt_cache_key
    return body
