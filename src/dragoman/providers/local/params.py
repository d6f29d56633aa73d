"""A Chat Completions request body → the arguments of llama-cpp-python's ``create_chat_completion``.

The body is what dragoman sends any chat upstream: a client's own body with the model rewritten, or one the
chat codec encoded. Fields:

- carried: ``messages``, ``max_completion_tokens`` / ``max_tokens`` (the first wins), ``temperature``,
  ``top_p``, ``seed``, ``stop``, ``presence_penalty``, ``frequency_penalty``, ``logit_bias``,
  ``response_format`` (``json_object``, and ``json_schema`` as a grammar from the schema), ``tools`` and
  ``tool_choice`` (when the chat format calls tools), ``stream``, ``stream_options.include_usage``; also
  llama.cpp's own ``top_k``, ``min_p`` and ``repeat_penalty``. Sampling settings a request leaves out
  take llama-cpp-python's defaults (temperature 0.2, top_p 0.95), as llama.cpp users expect.
- ignored, because they do not change what this model writes: ``model``, ``user``, ``safety_identifier``,
  ``metadata``, ``store``, ``service_tier``, ``prompt_cache_*``, ``reasoning_effort``,
  ``parallel_tool_calls``.
- refused with a 400 naming the field: everything else (``n`` > 1, ``logprobs``, ``audio``, the legacy
  ``functions`` …), images and other non-text content, and tools, tool calls or tool results when the
  chat format cannot call tools.

Messages are reshaped for llama.cpp's chat templates, which take plain strings: text parts are joined,
``developer`` becomes ``system``, reasoning is dropped. The ``chatml-function-calling`` template shows the
tool list only inside a system message and renders no ``tool`` messages, so a system message is added when
there is none and each tool result becomes a user message naming the function that produced it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from dragoman.canonical.errors import InvalidRequest
from dragoman.dialects.validate import (
    optional_bool,
    optional_number,
    optional_positive_int,
    require_list,
    require_object,
    stop_sequences,
)
from dragoman.providers.local.settings import EngineSettings

_IGNORED = frozenset({
    "model", "user", "safety_identifier", "metadata", "store", "service_tier", "prompt_cache_key",
    "prompt_cache_retention", "prompt_cache_options", "reasoning_effort", "parallel_tool_calls",
})
_HANDLED = frozenset({
    "messages", "max_completion_tokens", "max_tokens", "temperature", "top_p", "seed", "stop",
    "presence_penalty", "frequency_penalty", "logit_bias", "response_format", "tools", "tool_choice", "stream",
    "stream_options", "top_k", "min_p", "repeat_penalty",
})
_NO_OP_VALUES: dict[str, object] = {"n": 1, "logprobs": False, "modalities": ["text"], "functions": []}
_MISSING = object()
_TEXT_PART_TYPES = frozenset({"text", "input_text", "output_text", "refusal"})
_TEXT_ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant"}
CHATML_FUNCTION_CALLING = "chatml-function-calling"


@dataclass(slots=True)
class ChatParams:
    arguments: dict[str, Any]  # keyword arguments of create_chat_completion, except ``stream``
    model: str  # the name the answer carries
    stream: bool
    include_usage: bool
    uses_tools: bool


def chat_params(body: bytes, *, model_name: str, settings: EngineSettings, stream: bool) -> ChatParams:
    """Raises ``InvalidRequest`` naming the field the embedded model cannot take."""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise InvalidRequest(f"the request body is not valid JSON: {error}") from None
    request = require_object(parsed, "body")
    _refuse_unknown(request, model_name)
    tools = _tools(request, model_name, settings)
    arguments: dict[str, Any] = {"messages": _messages(request.get("messages"), model_name, settings, tools)}
    if tools:
        arguments["tools"] = tools
        arguments["tool_choice"] = _tool_choice(request.get("tool_choice"), tools, model_name)
    max_tokens = optional_positive_int(request, "max_completion_tokens")
    arguments["max_tokens"] = max_tokens if max_tokens is not None else optional_positive_int(request, "max_tokens")
    for key, low, high in (("temperature", 0.0, 2.0), ("top_p", 0.0, 1.0), ("presence_penalty", -2.0, 2.0),
                           ("frequency_penalty", -2.0, 2.0), ("min_p", 0.0, 1.0), ("repeat_penalty", 0.0, 10.0)):
        value = optional_number(request, key, low, high)
        if value is not None:
            arguments[key] = value
    for key in ("seed", "top_k"):
        value = request.get(key)
        if value is not None:
            if not isinstance(value, int) or isinstance(value, bool) or (key == "top_k" and value < 0):
                raise InvalidRequest(f"'{key}' must be {'a non-negative ' if key == 'top_k' else 'an '}integer",
                                     param=key)
            arguments[key] = value
    if stop := stop_sequences(request.get("stop"), "stop"):
        arguments["stop"] = stop
    if (logit_bias := _logit_bias(request.get("logit_bias"))) is not None:
        arguments["logit_bias"] = logit_bias
    if (response_format := _response_format(request.get("response_format"))) is not None:
        arguments["response_format"] = response_format
    model = request.get("model")
    return ChatParams(
        arguments=arguments,
        model=model if isinstance(model, str) and model else model_name,
        stream=stream,
        include_usage=_include_usage(request.get("stream_options")),
        uses_tools=bool(tools),
    )


def _refuse_unknown(request: dict[str, Any], model_name: str) -> None:
    for key, value in request.items():
        if key in _HANDLED or key in _IGNORED or value is None or value == _NO_OP_VALUES.get(key, _MISSING):
            continue
        raise InvalidRequest(f"'{key}' is not supported by the embedded model {model_name!r}", param=key)


def _cannot_call_tools(model_name: str, settings: EngineSettings, param: str) -> InvalidRequest:
    return InvalidRequest(
        f"The model {model_name!r} cannot call tools: its chat format ({settings.describe_format}) has no tool "
        "calling. Send the request without tools, or give the deployment a chat_format that calls tools "
        "(chatml-function-calling, functionary).",
        param=param,
        code="tools_not_supported",
    )


def _tools(request: dict[str, Any], model_name: str, settings: EngineSettings) -> list[dict[str, Any]]:
    raw = request.get("tools")
    if raw is None or raw == []:
        return []
    if not settings.calls_tools:
        raise _cannot_call_tools(model_name, settings, "tools")
    tools: list[dict[str, Any]] = []
    for index, item in enumerate(require_list(raw, "tools")):
        path = f"tools[{index}]"
        tool = require_object(item, path)
        if tool.get("type") != "function":
            raise InvalidRequest(f"'{path}.type' {tool.get('type')!r}: the embedded model {model_name!r} takes "
                                 "only function tools", param=f"{path}.type")
        function = require_object(tool.get("function"), f"{path}.function")
        name = function.get("name")
        if not isinstance(name, str) or not name:
            raise InvalidRequest(f"'{path}.function.name' must be a non-empty string", param=f"{path}.function.name")
        parameters = function.get("parameters")
        entry: dict[str, Any] = {
            "name": name,
            # The templates print the schema, so a tool without parameters gets the empty object schema.
            "parameters": require_object(parameters, f"{path}.function.parameters") if parameters is not None
            else {"type": "object", "properties": {}},
        }
        if isinstance(description := function.get("description"), str):
            entry["description"] = description
        tools.append({"type": "function", "function": entry})
    return tools


def _tool_choice(raw: object, tools: list[dict[str, Any]], model_name: str) -> Any:
    names = [tool["function"]["name"] for tool in tools]
    if raw is None or raw == "auto" or raw == "none":
        return raw or "auto"  # OpenAI's default with tools is "auto"; llama-cpp-python's would ignore them
    if raw == "required":
        if len(names) == 1:
            return {"type": "function", "function": {"name": names[0]}}
        raise InvalidRequest(f"tool_choice 'required' with several tools is not supported by the embedded model "
                             f"{model_name!r}: name one tool, or use 'auto'", param="tool_choice")
    choice = require_object(raw, "tool_choice")
    function = choice.get("function")
    name = function.get("name") if choice.get("type") == "function" and isinstance(function, dict) else None
    if not isinstance(name, str):
        raise InvalidRequest(f"tool_choice {orjson.dumps(raw).decode()} is not supported by the embedded model "
                             f"{model_name!r}: use 'auto', 'none', 'required' or a function name",
                             param="tool_choice")
    if name not in names:
        raise InvalidRequest(f"tool_choice names the function {name!r}, which is not in 'tools'",
                             param="tool_choice.function.name")
    return {"type": "function", "function": {"name": name}}


def _messages(raw: object, model_name: str, settings: EngineSettings,
              tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    call_names: dict[str, str] = {}
    for index, item in enumerate(require_list(raw, "messages")):
        path = f"messages[{index}]"
        message = require_object(item, path)
        role = message.get("role")
        if role == "tool":
            if not settings.calls_tools:
                raise _cannot_call_tools(model_name, settings, path)
            messages.append(_tool_result(message, path, call_names, model_name, settings))
            continue
        if role not in _TEXT_ROLES:
            raise InvalidRequest(f"'{path}.role' must be one of system, developer, user, assistant, tool",
                                 param=f"{path}.role")
        out: dict[str, Any] = {"role": _TEXT_ROLES[role], "content": _text(message.get("content"), path, model_name)}
        if role == "assistant" and message.get("tool_calls"):
            if not settings.calls_tools:
                raise _cannot_call_tools(model_name, settings, f"{path}.tool_calls")
            out["tool_calls"] = _tool_calls(message["tool_calls"], f"{path}.tool_calls", call_names)
        messages.append(out)
    if tools and settings.chat_format == CHATML_FUNCTION_CALLING and not any(
        message["role"] == "system" for message in messages
    ):
        messages.insert(0, {"role": "system", "content": ""})
    return messages


def _text(content: object, path: str, model_name: str) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    texts: list[str] = []
    for index, item in enumerate(require_list(content, f"{path}.content", non_empty=False)):
        part = require_object(item, f"{path}.content[{index}]")
        kind = part.get("type")
        value = part.get("refusal") if kind == "refusal" else part.get("text")
        if kind not in _TEXT_PART_TYPES or not isinstance(value, str):
            raise InvalidRequest(f"'{path}.content[{index}]' is a {kind!r} part: the embedded model {model_name!r} "
                                 "reads text only", param=f"{path}.content[{index}]")
        texts.append(value)
    return "\n".join(texts)


def _tool_calls(raw: object, path: str, call_names: dict[str, str]) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    for index, item in enumerate(require_list(raw, path)):
        call = require_object(item, f"{path}[{index}]")
        function = require_object(call.get("function"), f"{path}[{index}].function")
        name, arguments = function.get("name"), function.get("arguments")
        if not isinstance(name, str) or not isinstance(arguments, str):
            raise InvalidRequest(f"'{path}[{index}].function' needs a string name and string arguments",
                                 param=f"{path}[{index}].function")
        raw_id = call.get("id")
        call_id = raw_id if isinstance(raw_id, str) else f"call_{index}"
        call_names[call_id] = name
        calls.append({"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}})
    return calls


def _tool_result(message: dict[str, Any], path: str, call_names: dict[str, str], model_name: str,
                 settings: EngineSettings) -> dict[str, Any]:
    content = _text(message.get("content"), path, model_name)
    call_id = message.get("tool_call_id")
    if not isinstance(call_id, str):
        raise InvalidRequest(f"'{path}.tool_call_id' must be a string", param=f"{path}.tool_call_id")
    if settings.chat_format != CHATML_FUNCTION_CALLING:
        return {"role": "tool", "tool_call_id": call_id, "content": content}
    name = call_names.get(call_id, "function")
    return {"role": "user", "content": f"functions.{name} returned:\n{content}"}


def _logit_bias(raw: object) -> dict[str, float] | None:
    if raw is None:
        return None
    bias = require_object(raw, "logit_bias")
    for key, value in bias.items():
        if not key.isdigit() or not isinstance(value, int | float) or isinstance(value, bool) or abs(value) > 100:
            raise InvalidRequest("'logit_bias' maps token ids to numbers from -100 to 100", param="logit_bias")
    return {key: float(value) for key, value in bias.items()}


def _response_format(raw: object) -> dict[str, Any] | None:
    if raw is None:
        return None
    response_format = require_object(raw, "response_format")
    kind = response_format.get("type")
    if kind == "text":
        return None
    if kind == "json_object":
        return {"type": "json_object"}
    if kind == "json_schema":
        schema = require_object(response_format.get("json_schema"), "response_format.json_schema").get("schema")
        if schema is None:
            return {"type": "json_object"}
        return {"type": "json_object", "schema": require_object(schema, "response_format.json_schema.schema")}
    raise InvalidRequest(f"'response_format.type' {kind!r} is not supported by the embedded model",
                         param="response_format.type")


def _include_usage(options: object) -> bool:
    if options is None:
        return False
    return optional_bool(require_object(options, "stream_options"), "include_usage") is True
