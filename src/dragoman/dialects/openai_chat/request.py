"""Chat Completions request body <-> canonical :class:`Request` (top-level fields; messages in messages.py,
tools in tools.py, reasoning in reasoning.py, structured output in output_format.py).

Decoding (a chat client's request):

- carried: ``model`` (absent -> ``""``, the server fills in its default), ``messages``, ``stream``,
  ``stream_options.include_usage``, ``max_completion_tokens`` / legacy ``max_tokens`` (when both are given
  ``max_completion_tokens`` wins: it is the current field and the one OpenAI's reasoning models honour),
  ``temperature`` (0-2), ``top_p`` (0-1), ``stop`` (string or up to 4 strings), ``user`` (or, when absent,
  ``safety_identifier``), ``metadata``, ``tools``, ``tool_choice``, ``parallel_tool_calls``,
  ``reasoning_effort``, ``response_format``, ``prompt_cache_key``.
- ignored, because they do not change the answer and other dialects cannot say them: ``store``,
  ``service_tier``, ``prompt_cache_retention``, ``prompt_cache_options``, ``stream_options`` keys other
  than ``include_usage`` (``include_obfuscation``), ``safety_identifier`` when ``user`` is also given, and
  ``tool_choice`` when no ``tools`` are given.
- untranslated (listed in ``Request.untranslated``, so a cross-dialect route refuses and a chat upstream
  gets them verbatim), because no canonical field can say them: ``functions`` and ``function_call`` (the
  deprecated API answers in its own ``function_call`` shape, which the canonical request cannot ask for),
  ``n`` > 1, ``audio``, ``modalities`` other than text, ``logprobs``, ``top_logprobs``, ``verbosity``,
  ``frequency_penalty``, ``presence_penalty``, ``logit_bias``, ``seed``, ``prediction``,
  ``web_search_options``, ``moderation``, ``tool_choice`` of type ``allowed_tools``, a ``reasoning_effort``
  or ``response_format`` type newer than this codec, and every field this codec does not know (vLLM's
  ``top_k``…), unless its value is null or the no-op default (``n: 1``, ``logprobs: false``,
  ``modalities: ["text"]``, empty ``functions``).

Encoding (to a chat upstream), named rules:

- *max_tokens-for-limit*: the canonical limit is sent as ``max_tokens``, the field every
  OpenAI-compatible server (vLLM, llama.cpp, Ollama, DeepSeek) understands; ``max_completion_tokens``
  alone is silently ignored by some of them. OpenAI's o-series/gpt-5 reasoning models reject
  ``max_tokens`` with a 400 (loud, not silent), which a deployment-level override must handle.
- *stream-usage-always*: a streamed request always asks for ``stream_options.include_usage`` because
  the gateway needs the usage even when the client did not ask for it.
- *metadata-dropped*: OpenAI rejects ``metadata`` unless ``store`` is true, and turning on storage of
  the user's conversation is not ours to do; metadata only labels, it does not change the answer.
- ``tool_choice`` and ``parallel_tool_calls`` are written only with tools (OpenAI rejects them alone).
- ``prompt_cache_key`` is carried as is; ``cache_control`` markers are dropped (*cache_control-dropped*).
"""

from __future__ import annotations

from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import Request
from dragoman.dialects.base import JSONObject
from dragoman.dialects.openai_chat.messages import decode_messages, encode_messages
from dragoman.dialects.openai_chat.output_format import decode_response_format, encode_response_format
from dragoman.dialects.openai_chat.reasoning import decode_reasoning_effort, encode_reasoning_effort
from dragoman.dialects.openai_chat.tools import decode_tool_choice, decode_tools, encode_tool_choice, encode_tools
from dragoman.dialects.validate import (
    metadata_map,
    optional_bool,
    optional_number,
    optional_positive_int,
    optional_str,
    require_object,
    stop_sequences,
)

_CARRIED = frozenset({
    "model", "messages", "stream", "stream_options", "max_completion_tokens", "max_tokens", "temperature",
    "top_p", "stop", "user", "safety_identifier", "metadata", "parallel_tool_calls", "tools", "tool_choice",
    "reasoning_effort", "response_format", "prompt_cache_key",
})
_IGNORED = frozenset({"store", "service_tier", "prompt_cache_retention", "prompt_cache_options"})
_NO_OP_VALUES: dict[str, object] = {
    "n": 1,
    "logprobs": False,
    "modalities": ["text"],
    "functions": [],
}
_MISSING = object()


def decode_request(body: JSONObject) -> Request:
    model = body.get("model")
    if model is None:
        model = ""
    elif not isinstance(model, str):
        raise InvalidRequest("'model' must be a string", param="model")
    untranslated: list[str] = []
    messages = decode_messages(body.get("messages"), untranslated)
    if not any(message.role == "user" for message in messages):
        raise InvalidRequest("'messages' must contain at least one message with role 'user'", param="messages")
    max_tokens = optional_positive_int(body, "max_completion_tokens")
    legacy_max_tokens = optional_positive_int(body, "max_tokens")
    user = optional_str(body, "user")
    safety_identifier = optional_str(body, "safety_identifier")
    tools = decode_tools(body.get("tools"))
    tool_choice = decode_tool_choice(body.get("tool_choice"), untranslated) if tools else None
    reasoning = decode_reasoning_effort(body.get("reasoning_effort"), untranslated)
    output_format = decode_response_format(body.get("response_format"), untranslated)
    _collect_untranslated(body, untranslated)
    return Request(
        model=model,
        messages=messages,
        stream=optional_bool(body, "stream") or False,
        max_tokens=max_tokens if max_tokens is not None else legacy_max_tokens,
        temperature=optional_number(body, "temperature", 0.0, 2.0),
        top_p=optional_number(body, "top_p", 0.0, 1.0),
        stop=stop_sequences(body.get("stop"), "stop"),
        user=user if user is not None else safety_identifier,
        metadata=metadata_map(body.get("metadata"), "metadata"),
        include_usage=_include_usage(body.get("stream_options")),
        tools=tools,
        tool_choice=tool_choice,
        parallel_tool_calls=optional_bool(body, "parallel_tool_calls"),
        reasoning=reasoning,
        output_format=output_format,
        prompt_cache_key=optional_str(body, "prompt_cache_key"),
        untranslated=untranslated,
    )


def _include_usage(options: object) -> bool:
    if options is None:
        return False
    include = require_object(options, "stream_options").get("include_usage")
    if include is not None and not isinstance(include, bool):
        raise InvalidRequest("'stream_options.include_usage' must be a boolean", param="stream_options.include_usage")
    return include is True


def _collect_untranslated(body: JSONObject, untranslated: list[str]) -> None:
    for key, value in body.items():
        if key in _CARRIED or key in _IGNORED or value is None:
            continue
        if value == _NO_OP_VALUES.get(key, _MISSING):
            continue
        untranslated.append(key)


def encode_request(request: Request, model: str) -> JSONObject:
    body: JSONObject = {"model": model, "messages": encode_messages(request.messages)}
    if request.tools:
        body["tools"] = encode_tools(request.tools)
        if request.tool_choice is not None:
            body["tool_choice"] = encode_tool_choice(request.tool_choice, request.tools)
        if request.parallel_tool_calls is not None:
            body["parallel_tool_calls"] = request.parallel_tool_calls
    if request.stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    if request.max_tokens is not None:
        body["max_tokens"] = request.max_tokens
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.top_p is not None:
        body["top_p"] = request.top_p
    if request.stop:
        body["stop"] = request.stop
    if request.user is not None:
        body["user"] = request.user
    effort = encode_reasoning_effort(request.reasoning)
    if effort is not None:
        body["reasoning_effort"] = effort
    if request.output_format is not None:
        body["response_format"] = encode_response_format(request.output_format)
    if request.prompt_cache_key is not None:
        body["prompt_cache_key"] = request.prompt_cache_key
    return body
