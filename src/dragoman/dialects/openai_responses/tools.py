"""Responses tool definitions and ``tool_choice`` <-> canonical :class:`Tool` / :class:`ToolChoice`.

Decoding: ``function`` tools → ``Tool(kind="function", name, description, parameters, strict)``; ``custom``
tools → ``Tool(kind="custom", name, description, format)`` (the grammar or text format kept as given);
every other type (``web_search``, ``web_search_preview``, ``file_search``, ``tool_search``, ``namespace``,
``local_shell``, ``shell``, ``apply_patch``, ``mcp``, ``code_interpreter``, ``image_generation``,
``computer_use_preview`` …) → ``Tool(kind="native", name=<its name or type>, native=<the raw dict>,
origin="openai_responses")`` (rule *native-to-origin*, canonical/tools.py). On function and custom tools,
``defer_loading: true`` (discovery through tool search), ``output_schema``, ``allowed_callers`` and unknown
fields have no canonical form and are untranslated (``tools[i].<field>``).

``tool_choice``: ``auto``/``none``/``required`` → that mode; ``{"type": "function"|"custom", "name"}`` →
``ToolChoice("tool", name)``; a hosted tool type alone (``{"type": "web_search_preview"}`` …) →
``ToolChoice("tool", <type>)``, the name its native tool decodes to; ``allowed_tools``, ``mcp`` and other
forms are untranslated (``tool_choice``).

Encoding (to a Responses upstream): function and custom tools in their own shapes. Rule
``strict-default-false``: an unknown ``strict`` is sent as ``false``, because Chat Completions and Anthropic
tools are not strict unless asked, while Responses would apply strict mode wherever the schema allows it.
Rule ``parameters-default-empty-object``: a function without a schema gets an empty object schema, which the
API requires; native tools of origin ``openai_responses`` verbatim; a native tool of another
dialect is refused with ``InvalidRequest(param="tools[i]")``. A named ``tool_choice`` takes the form of
the tool it names (function, custom, or the native tool's ``type``).

The answer echoes the request's tools and choice in the ``Response`` object's own shapes (``echo_tools``).
"""

from __future__ import annotations

from typing import Any, Final, Literal

from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import Tool, ToolChoice
from dragoman.dialects.base import JSONObject

ORIGIN: Final = "openai_responses"
_MODES: Final[dict[str, Literal["auto", "none", "required"]]] = {"auto": "auto", "none": "none", "required": "required"}
_HOSTED_CHOICES: Final = frozenset({
    "file_search", "web_search_preview", "web_search_preview_2025_03_11", "computer", "computer_use_preview",
    "computer_use", "image_generation", "code_interpreter", "apply_patch", "shell",
})
_FUNCTION_FIELDS: Final = frozenset({"type", "name", "description", "parameters", "strict"})
_CUSTOM_FIELDS: Final = frozenset({"type", "name", "description", "format"})
_EMPTY_SCHEMA: Final = {"type": "object", "properties": {}}


# --- decoding ---

def decode_tools(value: Any, path: str, untranslated: list[str]) -> list[Tool]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidRequest(f"'{path}' must be an array", param=path)
    return [decode_tool(raw, f"{path}[{index}]", untranslated) for index, raw in enumerate(value)]


def decode_tool(raw: Any, path: str, untranslated: list[str]) -> Tool:
    if not isinstance(raw, dict):
        raise InvalidRequest(f"'{path}' must be an object", param=path)
    kind = raw.get("type")
    if not isinstance(kind, str):
        raise InvalidRequest(f"'{path}.type' must be a string", param=f"{path}.type")
    if kind == "function":
        tool = Tool(name=_name(raw, path), description=_optional(raw, "description", str, path),
                    parameters=_optional(raw, "parameters", dict, path), strict=_optional(raw, "strict", bool, path))
        _untranslated_fields(raw, _FUNCTION_FIELDS, path, untranslated)
        return tool
    if kind == "custom":
        tool = Tool(name=_name(raw, path), description=_optional(raw, "description", str, path), kind="custom",
                    format=_optional(raw, "format", dict, path))
        _untranslated_fields(raw, _CUSTOM_FIELDS, path, untranslated)
        return tool
    name = raw.get("name")
    return Tool(name=name if isinstance(name, str) and name else kind, kind="native", native=raw, origin=ORIGIN)


def _name(raw: JSONObject, path: str) -> str:
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise InvalidRequest(f"'{path}.name' must be a non-empty string", param=f"{path}.name")
    return name


def _optional(raw: JSONObject, key: str, kind: type, path: str) -> Any:
    value = raw.get(key)
    if value is not None and not isinstance(value, kind):
        names = {str: "a string", dict: "an object", bool: "a boolean"}
        raise InvalidRequest(f"'{path}.{key}' must be {names[kind]}", param=f"{path}.{key}")
    return value


def _untranslated_fields(raw: JSONObject, known: frozenset[str], path: str, untranslated: list[str]) -> None:
    for key, value in raw.items():
        if key not in known and value is not None and value is not False:
            untranslated.append(f"{path}.{key}")


def decode_tool_choice(value: Any, untranslated: list[str]) -> ToolChoice | None:
    if value is None:
        return None
    if isinstance(value, str):
        mode = _MODES.get(value)
        if mode is None:
            raise InvalidRequest(f"'tool_choice' must be 'auto', 'none', 'required' or an object, got {value!r}",
                                 param="tool_choice")
        return ToolChoice(mode)
    if not isinstance(value, dict):
        raise InvalidRequest("'tool_choice' must be a string or an object", param="tool_choice")
    kind = value.get("type")
    if kind in ("function", "custom"):
        name = value.get("name")
        if not isinstance(name, str) or not name:
            raise InvalidRequest("'tool_choice.name' must be a non-empty string", param="tool_choice.name")
        return ToolChoice("tool", name)
    if kind in _HOSTED_CHOICES and value.keys() == {"type"}:
        return ToolChoice("tool", kind)
    if not isinstance(kind, str):
        raise InvalidRequest("'tool_choice.type' must be a string", param="tool_choice.type")
    untranslated.append("tool_choice")
    return None


# --- encoding ---

def encode_tools(tools: list[Tool]) -> list[JSONObject]:
    encoded: list[JSONObject] = []
    for index, tool in enumerate(tools):
        if tool.kind == "native":
            if tool.origin != ORIGIN or tool.native is None:
                kind = (tool.native or {}).get("type", tool.name)
                raise InvalidRequest(
                    f"tool {tool.name!r} (type {kind!r}) is a {tool.origin} built-in tool; a Responses upstream "
                    "has no equivalent",
                    param=f"tools[{index}]",
                )
            encoded.append(tool.native)
        elif tool.kind == "custom":
            encoded.append(_custom(tool))
        else:
            function = _function(tool)
            if function["parameters"] is None:
                function["parameters"] = dict(_EMPTY_SCHEMA)
            if function["strict"] is None:
                function["strict"] = False
            encoded.append(function)
    return encoded


def _function(tool: Tool) -> JSONObject:
    function: JSONObject = {"type": "function", "name": tool.name}
    if tool.description is not None:
        function["description"] = tool.description
    function["parameters"] = tool.parameters
    function["strict"] = tool.strict
    return function


def _custom(tool: Tool) -> JSONObject:
    custom: JSONObject = {"type": "custom", "name": tool.name}
    if tool.description is not None:
        custom["description"] = tool.description
    if tool.format is not None:
        custom["format"] = tool.format
    return custom


def encode_tool_choice(choice: ToolChoice, tools: list[Tool]) -> str | JSONObject:
    if choice.mode != "tool":
        return choice.mode
    name = choice.name or ""
    tool = next((tool for tool in tools if tool.name == name), None)
    if tool is not None and tool.kind == "custom":
        return {"type": "custom", "name": name}
    if tool is not None and tool.kind == "native" and tool.native is not None:
        return {"type": tool.native.get("type", name)}
    return {"type": "function", "name": name}


def echo_tools(tools: list[Tool]) -> list[JSONObject]:
    """The request's tools as a ``Response`` object lists them (function tools always carry ``strict`` and
    ``parameters``, possibly null); native tools of other dialects never reach a Responses client's answer."""
    echoed: list[JSONObject] = []
    for tool in tools:
        if tool.kind == "function":
            echoed.append(_function(tool))
        elif tool.kind == "custom":
            echoed.append(_custom(tool))
        elif tool.origin == ORIGIN and tool.native is not None:
            echoed.append(tool.native)
    return echoed
