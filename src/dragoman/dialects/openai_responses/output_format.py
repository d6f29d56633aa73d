"""Structured output: Responses ``text.format`` <-> canonical :class:`OutputFormat`.

``{"type": "text"}`` (the default) is no output format; ``json_object`` → ``OutputFormat("json_object")``;
``json_schema`` (``name``, ``schema``, ``strict``, ``description``) → ``OutputFormat("json_schema", …)``; any
other format type is untranslated (``text.format``). ``text.verbosity`` only asks for shorter or longer
prose and has no counterpart in the other dialects: it is ignored (``verbosity-ignored``); other ``text``
fields are untranslated.

Encoding: ``text: {"format": …}``. Rule ``schema-name-default``: the API requires a schema name, so a
schema without one is named ``response``; a ``json_schema`` format without a schema asks for any object.
"""

from __future__ import annotations

from typing import Any, Final

from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import OutputFormat
from dragoman.dialects import validate
from dragoman.dialects.base import JSONObject

DEFAULT_SCHEMA_NAME: Final = "response"
_TEXT_FORMAT: Final = {"type": "text"}


def decode_text(text: Any, untranslated: list[str]) -> OutputFormat | None:
    if text is None:
        return None
    validate.require_object(text, "text")
    output: OutputFormat | None = None
    for key, value in text.items():
        if key == "format":
            output = _decode_format(value, untranslated)
        elif key != "verbosity" and value is not None:
            untranslated.append(f"text.{key}")
    return output


def _decode_format(value: Any, untranslated: list[str]) -> OutputFormat | None:
    if value is None or value == _TEXT_FORMAT:
        return None
    validate.require_object(value, "text.format")
    kind = value.get("type")
    if kind == "json_object":
        return OutputFormat("json_object")
    if kind != "json_schema":
        untranslated.append("text.format")
        return None
    schema = value.get("schema")
    if not isinstance(schema, dict):
        raise InvalidRequest("'text.format.schema' must be an object", param="text.format.schema")
    strict = value.get("strict")
    if strict is not None and not isinstance(strict, bool):
        raise InvalidRequest("'text.format.strict' must be a boolean", param="text.format.strict")
    return OutputFormat(
        "json_schema",
        name=validate.optional_str(value, "name", "text.format.name"),
        schema=schema,
        strict=strict,
        description=validate.optional_str(value, "description", "text.format.description"),
    )


def encode_format(output: OutputFormat | None) -> JSONObject:
    """The ``text.format`` object (``{"type": "text"}`` when there is no output format)."""
    if output is None:
        return dict(_TEXT_FORMAT)
    if output.kind == "json_object":
        return {"type": "json_object"}
    encoded: JSONObject = {
        "type": "json_schema",
        "name": output.name or DEFAULT_SCHEMA_NAME,
        "schema": output.schema if output.schema is not None else {"type": "object"},
    }
    if output.strict is not None:
        encoded["strict"] = output.strict
    if output.description is not None:
        encoded["description"] = output.description
    return encoded
