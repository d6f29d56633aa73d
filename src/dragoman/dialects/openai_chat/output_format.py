"""Chat ``response_format`` <-> canonical :class:`OutputFormat` (structured output).

- ``{"type": "text"}`` is the default and decodes to no output format.
- ``{"type": "json_object"}`` <-> ``OutputFormat("json_object")``.
- ``{"type": "json_schema", "json_schema": {name, schema, strict, description}}`` <->
  ``OutputFormat("json_schema", name, schema, strict, description)``. Chat requires a ``name``; a format
  decoded from a dialect without one (Anthropic) is sent as ``"response"`` (rule *schema-name-default*).
- a ``type`` newer than this codec (vLLM's ``structural_tag`` …) goes to ``Request.untranslated``.
"""

from __future__ import annotations

from typing import Final

from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import OutputFormat
from dragoman.dialects.base import JSONObject
from dragoman.dialects.validate import optional_str, require_object

DEFAULT_SCHEMA_NAME: Final = "response"


def decode_response_format(raw: object, untranslated: list[str]) -> OutputFormat | None:
    if raw is None:
        return None
    fmt = require_object(raw, "response_format")
    kind = fmt.get("type")
    if kind == "text":
        return None
    if kind == "json_object":
        return OutputFormat("json_object")
    if kind == "json_schema":
        spec = require_object(fmt.get("json_schema"), "response_format.json_schema")
        name = spec.get("name")
        if not isinstance(name, str) or not name:
            raise InvalidRequest("'response_format.json_schema.name' is required and must be a non-empty string",
                                 param="response_format.json_schema.name")
        schema = spec.get("schema")
        if schema is not None and not isinstance(schema, dict):
            raise InvalidRequest("'response_format.json_schema.schema' must be an object",
                                 param="response_format.json_schema.schema")
        strict = spec.get("strict")
        if strict is not None and not isinstance(strict, bool):
            raise InvalidRequest("'response_format.json_schema.strict' must be a boolean",
                                 param="response_format.json_schema.strict")
        description = optional_str(spec, "description", "response_format.json_schema.description")
        return OutputFormat("json_schema", name=name, schema=schema, strict=strict, description=description)
    if not isinstance(kind, str):
        raise InvalidRequest("'response_format.type' is required and must be a string", param="response_format.type")
    untranslated.append("response_format")
    return None


def encode_response_format(fmt: OutputFormat) -> JSONObject:
    if fmt.kind == "json_object":
        return {"type": "json_object"}
    spec: JSONObject = {"name": fmt.name or DEFAULT_SCHEMA_NAME}
    if fmt.description is not None:
        spec["description"] = fmt.description
    if fmt.schema is not None:
        spec["schema"] = fmt.schema
    if fmt.strict is not None:
        spec["strict"] = fmt.strict
    return {"type": "json_schema", "json_schema": spec}
