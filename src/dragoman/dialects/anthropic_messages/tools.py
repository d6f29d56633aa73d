"""Tool definitions and ``tool_choice`` <-> canonical :class:`Tool` / :class:`ToolChoice`.

Decoding (client side):
- A tool without ``type`` (or ``type: "custom"``) is a function tool: ``name``, ``description``,
  ``input_schema`` → ``parameters``, ``strict``, ``cache_control``. ``eager_input_streaming`` is ignored (it
  only changes how finely arguments are streamed). ``input_examples``, ``defer_loading: true`` and
  ``allowed_callers`` other than ``["direct"]`` change what the model does and have no canonical form:
  ``untranslated`` with their path, as does any unknown field.
- A typed tool (``bash_20250124``, ``text_editor_*``, ``web_search_*``, ``web_fetch_*``, ``code_execution_*``,
  ``computer_*``, ``memory_*``, tool-search tools, ``mcp_toolset`` …) → ``Tool(kind="native", name=<its name, else
  its type>, native=<the raw dict>, origin="anthropic_messages")``.
- ``tool_choice``: ``auto``, ``any`` (= ``required``), ``tool`` (with ``name``), ``none``;
  ``disable_parallel_tool_use`` → ``parallel_tool_calls`` inverted (absent: ``None``).

Encoding (to an Anthropic upstream):
- Function tools with ``parameters`` as ``input_schema`` (``{"type": "object", "properties": {}}`` when there
  are none, ``"type": "object"`` added when missing, as the API requires it); ``strict`` and
  ``cache_control`` when set. Rule *custom-as-function*: a ``custom`` tool (free-form input, OpenAI) becomes a
  function whose only argument is the string ``input`` (``canonical.tools.custom_input_schema``, which also
  states its grammar), with a description even if it had none. Rule *native-to-origin*: a native tool is
  written back verbatim only when its origin is Anthropic; any other is a 400 naming ``tools[i]``.
- ``tool_choice``: ``required`` → ``any``; ``parallel_tool_calls: false`` → ``disable_parallel_tool_use:
  true`` (on an ``auto`` choice when none was given), ``true`` → ``false`` on a given choice (the API's
  default otherwise). ``none`` has no parallel switch. Without tools, ``tool_choice`` and
  ``parallel_tool_calls`` are left out (they mean nothing then).
"""

from __future__ import annotations

from typing import Final, Literal, assert_never

from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import Tool, ToolChoice
from dragoman.canonical.tools import custom_input_schema
from dragoman.dialects.anthropic_messages.media import cache_control_of
from dragoman.dialects.base import JSONObject

DIALECT: Final = "anthropic_messages"
_FUNCTION_TYPES: Final = frozenset({None, "custom"})
_FUNCTION_FIELDS: Final = frozenset(
    {"type", "name", "description", "input_schema", "strict", "cache_control", "eager_input_streaming"}
)
ChoiceMode = Literal["auto", "none", "required", "tool"]
_CHOICE_MODES: Final[dict[str, ChoiceMode]] = {"auto": "auto", "any": "required", "tool": "tool", "none": "none"}
_EMPTY_SCHEMA: Final[JSONObject] = {"type": "object", "properties": {}}


# --- decoding (client side) ---


def decode_tools(value: object, untranslated: list[str]) -> list[Tool]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidRequest("'tools' must be an array", param="tools")
    tools: list[Tool] = []
    for index, item in enumerate(value):
        path = f"tools[{index}]"
        if not isinstance(item, dict):
            raise InvalidRequest(f"'{path}' must be an object", param=path)
        kind = item.get("type")
        if kind in _FUNCTION_TYPES:
            tools.append(_decode_function(item, path, untranslated))
        elif isinstance(kind, str):
            name = item.get("name")
            tools.append(Tool(name=name if isinstance(name, str) else kind, kind="native", native=item,
                              origin=DIALECT))
        else:
            raise InvalidRequest(f"'{path}.type' must be a string", param=f"{path}.type")
    return tools


def _decode_function(item: JSONObject, path: str, untranslated: list[str]) -> Tool:
    name = item.get("name")
    if not isinstance(name, str) or not name:
        raise InvalidRequest(f"'{path}.name' must be a non-empty string", param=f"{path}.name")
    schema = item.get("input_schema")
    if not isinstance(schema, dict):
        raise InvalidRequest(f"'{path}.input_schema' must be an object", param=f"{path}.input_schema")
    description = item.get("description")
    if description is not None and not isinstance(description, str):
        raise InvalidRequest(f"'{path}.description' must be a string", param=f"{path}.description")
    strict = item.get("strict")
    if strict is not None and not isinstance(strict, bool):
        raise InvalidRequest(f"'{path}.strict' must be a boolean", param=f"{path}.strict")
    for key, field in item.items():
        if key not in _FUNCTION_FIELDS and _asks_for_something(key, field):
            untranslated.append(f"{path}.{key}")
    return Tool(name=name, description=description, parameters=schema, strict=strict,
                cache_control=cache_control_of(item, path))


def _asks_for_something(key: str, value: object) -> bool:
    match key:
        case "defer_loading":
            return value is True
        case "allowed_callers":
            return value is not None and value != ["direct"]
        case _:
            return value is not None and value != []


def decode_tool_choice(value: object) -> tuple[ToolChoice | None, bool | None]:
    """The choice and ``parallel_tool_calls`` (``disable_parallel_tool_use`` inverted)."""
    if value is None:
        return None, None
    if not isinstance(value, dict):
        raise InvalidRequest("'tool_choice' must be an object", param="tool_choice")
    wire = value.get("type")
    mode = _CHOICE_MODES.get(wire) if isinstance(wire, str) else None
    if mode is None:
        raise InvalidRequest(f"'tool_choice.type' must be one of {', '.join(_CHOICE_MODES)}, got {wire!r}",
                             param="tool_choice.type")
    name = value.get("name")
    if mode == "tool" and (not isinstance(name, str) or not name):
        raise InvalidRequest("'tool_choice.name' must name the tool to use", param="tool_choice.name")
    disable = value.get("disable_parallel_tool_use")
    if disable is not None and not isinstance(disable, bool):
        raise InvalidRequest("'tool_choice.disable_parallel_tool_use' must be a boolean",
                             param="tool_choice.disable_parallel_tool_use")
    choice = ToolChoice(mode, name if mode == "tool" else None)
    return choice, None if disable is None else not disable


# --- encoding (to an Anthropic upstream) ---


def encode_tools(tools: list[Tool]) -> list[JSONObject]:
    encoded: list[JSONObject] = []
    for index, tool in enumerate(tools):
        kind = tool.kind
        match kind:
            case "function":
                encoded.append(_function(tool, tool.description, _input_schema(tool.parameters)))
            case "custom":
                description = tool.description or f"The {tool.name} tool, which takes free-form text input."
                encoded.append(_function(tool, description, custom_input_schema(tool)))
            case "native":
                if tool.origin != DIALECT or tool.native is None:
                    kind_name = (tool.native or {}).get("type", tool.name)
                    raise InvalidRequest(
                        f"Tool {tool.name!r} (type {kind_name!r}) is a {tool.origin} built-in tool with no "
                        "Anthropic equivalent.",
                        param=f"tools[{index}]",
                    )
                encoded.append(tool.native)
            case _:
                assert_never(kind)
    return encoded


def _input_schema(parameters: JSONObject | None) -> JSONObject:
    if not parameters:
        return dict(_EMPTY_SCHEMA)
    return parameters if "type" in parameters else {"type": "object", **parameters}


def _function(tool: Tool, description: str | None, schema: JSONObject) -> JSONObject:
    wire: JSONObject = {"name": tool.name}
    if description:
        wire["description"] = description
    wire["input_schema"] = schema
    if tool.strict is not None:
        wire["strict"] = tool.strict
    if tool.cache_control is not None:
        wire["cache_control"] = tool.cache_control
    return wire


def encode_tool_choice(choice: ToolChoice | None, parallel: bool | None) -> JSONObject | None:
    if choice is None:
        return {"type": "auto", "disable_parallel_tool_use": True} if parallel is False else None
    mode = choice.mode
    match mode:
        case "auto":
            wire: JSONObject = {"type": "auto"}
        case "required":
            wire = {"type": "any"}
        case "tool":
            wire = {"type": "tool", "name": choice.name or ""}
        case "none":
            return {"type": "none"}
        case _:
            assert_never(mode)
    if parallel is not None:
        wire["disable_parallel_tool_use"] = not parallel
    return wire
