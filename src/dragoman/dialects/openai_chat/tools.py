"""Chat ``tools``, ``tool_choice`` and tool-call objects <-> canonical :class:`Tool`, :class:`ToolChoice`,
:class:`ToolCallPart`.

Tool definitions:

- ``{"type": "function", "function": {name, description, parameters, strict}}`` <-> ``Tool(kind="function")``.
  Rule *strict-explicit*: chat's ``strict`` defaults to false, so an absent or null ``strict`` decodes to
  ``False`` (the effective value, which a dialect whose default is strict, Responses, must not mistake for
  "unsaid"); on encode only ``strict: true`` is written, false being chat's default.
- ``{"type": "custom", "custom": {name, description, format}}`` <-> ``Tool(kind="custom")``. The canonical
  ``format`` has the Responses shape (``{"type": "grammar", "syntax", "definition"}`` / ``{"type": "text"}``),
  so chat's nested ``{"type": "grammar", "grammar": {"syntax", "definition"}}`` is flattened on decode
  and nested again on encode. Custom tools are sent natively (chat has them).
- any other tool ``type`` (vendor built-ins on OpenAI-compatible servers, e.g. Groq's ``browser_search``)
  -> ``Tool(kind="native", name=<its name or type>, native=<the raw dict>, origin="openai_chat")``;
  rule *native-to-origin*: the encoder writes back verbatim only native tools of origin ``openai_chat`` and
  refuses any other native tool with ``InvalidRequest(param="tools[i]")``.
- ``cache_control`` on a tool (OpenRouter) is kept on decode and not written (*cache_control-dropped*).

``tool_choice``: ``auto``/``none``/``required`` and a named function or custom tool <-> ``ToolChoice``.
``allowed_tools`` (a subset of the tools) has no canonical form: ``tool_choice`` goes to
``Request.untranslated``. A ``tool_choice`` without tools chooses nothing and is ignored on decode; on
encode ``tool_choice`` and ``parallel_tool_calls`` are written only with tools (OpenAI rejects them alone).

Tool calls: ``{id, type: "function", function: {name, arguments}}`` <-> ``ToolCallPart(kind="function")``;
``{id, type: "custom", custom: {name, input}}`` <-> ``ToolCallPart(kind="custom", arguments=<input>)``.
"""

from __future__ import annotations

from typing import Any, Literal, assert_never

from dragoman.canonical.content import ToolCallPart
from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import Tool, ToolChoice
from dragoman.dialects.base import JSONObject
from dragoman.dialects.openai_chat.reasoning import ORIGIN
from dragoman.dialects.validate import optional_str, require_list, require_object

_MODES: dict[str, Literal["auto", "none", "required"]] = {"auto": "auto", "none": "none", "required": "required"}


def _required_str(container: JSONObject, key: str, path: str) -> str:
    value = container.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidRequest(f"'{path}.{key}' is required and must be a non-empty string", param=f"{path}.{key}")
    return value


def decode_tools(raw: object) -> list[Tool]:
    if raw is None:
        return []
    return [_decode_tool(item, f"tools[{i}]") for i, item in enumerate(require_list(raw, "tools", non_empty=False))]


def _decode_tool(raw: object, path: str) -> Tool:
    tool = require_object(raw, path)
    kind = tool.get("type")
    cache_control = tool.get("cache_control") if isinstance(tool.get("cache_control"), dict) else None
    if kind == "function":
        function = require_object(tool.get("function"), f"{path}.function")
        parameters = function.get("parameters")
        if parameters is not None and not isinstance(parameters, dict):
            raise InvalidRequest(f"'{path}.function.parameters' must be an object", param=f"{path}.function.parameters")
        strict = function.get("strict")
        if strict is not None and not isinstance(strict, bool):
            raise InvalidRequest(f"'{path}.function.strict' must be a boolean", param=f"{path}.function.strict")
        return Tool(name=_required_str(function, "name", f"{path}.function"),
                    description=optional_str(function, "description", f"{path}.function.description"),
                    parameters=parameters, strict=bool(strict), cache_control=cache_control)
    if kind == "custom":
        custom = require_object(tool.get("custom"), f"{path}.custom")
        return Tool(name=_required_str(custom, "name", f"{path}.custom"),
                    description=optional_str(custom, "description", f"{path}.custom.description"),
                    kind="custom", format=_decode_format(custom.get("format"), f"{path}.custom.format"),
                    cache_control=cache_control)
    if not isinstance(kind, str):
        raise InvalidRequest(f"'{path}.type' is required and must be a string", param=f"{path}.type")
    name = tool.get("name")
    return Tool(name=name if isinstance(name, str) and name else kind, kind="native", native=tool, origin=ORIGIN)


def _decode_format(raw: object, path: str) -> dict[str, Any] | None:
    if raw is None:
        return None
    fmt = require_object(raw, path)
    kind = fmt.get("type")
    if kind == "text":
        return {"type": "text"}
    if kind == "grammar":
        grammar = fmt.get("grammar", fmt)  # the flat Responses shape is accepted too
        grammar = require_object(grammar, f"{path}.grammar")
        grammar_path = f"{path}.grammar" if "grammar" in fmt else path
        return {"type": "grammar", "syntax": _required_str(grammar, "syntax", grammar_path),
                "definition": _required_str(grammar, "definition", grammar_path)}
    raise InvalidRequest(f"'{path}.type' must be 'text' or 'grammar', got {kind!r}", param=f"{path}.type")


def decode_tool_choice(raw: object, untranslated: list[str]) -> ToolChoice | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        if raw not in _MODES:
            raise InvalidRequest(f"'tool_choice' must be one of none, auto, required or an object, got {raw!r}",
                                 param="tool_choice")
        return ToolChoice(_MODES[raw])
    choice = require_object(raw, "tool_choice")
    kind = choice.get("type")
    if kind in ("function", "custom"):
        named = require_object(choice.get(kind), f"tool_choice.{kind}")
        return ToolChoice("tool", _required_str(named, "name", f"tool_choice.{kind}"))
    if not isinstance(kind, str):
        raise InvalidRequest("'tool_choice.type' is required and must be a string", param="tool_choice.type")
    untranslated.append("tool_choice")  # allowed_tools, or a type newer than this codec
    return None


def encode_tools(tools: list[Tool]) -> list[JSONObject]:
    return [_encode_tool(tool, f"tools[{i}]") for i, tool in enumerate(tools)]


def _encode_tool(tool: Tool, path: str) -> JSONObject:
    match tool.kind:
        case "function":
            function: JSONObject = {"name": tool.name}
            if tool.description is not None:
                function["description"] = tool.description
            if tool.parameters is not None:
                function["parameters"] = tool.parameters
            if tool.strict:
                function["strict"] = True
            return {"type": "function", "function": function}
        case "custom":
            custom: JSONObject = {"name": tool.name}
            if tool.description is not None:
                custom["description"] = tool.description
            if tool.format is not None:
                custom["format"] = _encode_format(tool.format)
            return {"type": "custom", "custom": custom}
        case "native":
            if tool.origin == ORIGIN and tool.native is not None:
                return tool.native
            raise InvalidRequest(
                f"Tool {tool.name!r} is a {tool.origin or 'provider'} built-in tool that an OpenAI Chat Completions "
                "upstream does not have", param=path)
        case _:
            assert_never(tool.kind)


def _encode_format(fmt: dict[str, Any]) -> JSONObject:
    if fmt.get("type") == "grammar":
        return {"type": "grammar", "grammar": {"definition": fmt.get("definition", ""),
                                               "syntax": fmt.get("syntax", "lark")}}
    return {"type": "text"}


def encode_tool_choice(choice: ToolChoice, tools: list[Tool]) -> str | JSONObject:
    if choice.mode != "tool":
        return choice.mode
    custom = any(tool.kind == "custom" and tool.name == choice.name for tool in tools)
    kind = "custom" if custom else "function"
    return {"type": kind, kind: {"name": choice.name or ""}}


def decode_tool_call(raw: object, path: str) -> ToolCallPart:
    """A tool call in a client's assistant history (validated: a bad one is the client's 400)."""
    call = require_object(raw, path)
    call_id = _required_str(call, "id", path)
    kind = call.get("type", "function")
    if kind not in ("function", "custom"):
        raise InvalidRequest(f"'{path}.type' must be 'function' or 'custom', got {kind!r}", param=f"{path}.type")
    body = require_object(call.get(kind), f"{path}.{kind}")
    field = "arguments" if kind == "function" else "input"
    value = body.get(field, "")
    if not isinstance(value, str):
        raise InvalidRequest(f"'{path}.{kind}.{field}' must be a string", param=f"{path}.{kind}.{field}")
    return ToolCallPart(id=call_id, name=_required_str(body, "name", f"{path}.{kind}"), arguments=value,
                        kind=kind)


def encode_tool_call(part: ToolCallPart) -> JSONObject:
    if part.kind == "custom":
        return {"id": part.id, "type": "custom", "custom": {"name": part.name, "input": part.arguments}}
    return {"id": part.id, "type": "function", "function": {"name": part.name, "arguments": part.arguments}}
