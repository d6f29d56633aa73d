"""``output_config`` (``effort``, ``format``) and the older top-level ``output_format`` <-> canonical fields.

Decoding (client side): ``output_config.format`` (or, when it is absent, the beta's top-level
``output_format``) ``{"type": "json_schema", "schema": …}`` → ``OutputFormat("json_schema", schema=…)``;
``output_config.effort`` is returned for the thinking config (``reasoning.py``). ``task_budget`` and unknown
fields of ``output_config`` → ``untranslated`` with their path.

Encoding (to an Anthropic upstream): ``output_config.format`` as ``{"type": "json_schema", "schema": …}``.
Rule *json-object-as-schema*: Anthropic has no "any JSON object" mode, so ``json_object`` is sent as the
schema ``{"type": "object"}``. Rule *schema-name-dropped*: the schema's ``name``, ``description`` and
``strict`` have no Anthropic field (its structured outputs are always strict).
"""

from __future__ import annotations

from typing import Final

from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import Effort, OutputFormat
from dragoman.dialects.anthropic_messages.reasoning import decode_effort
from dragoman.dialects.base import JSONObject

_OUTPUT_CONFIG_FIELDS: Final = frozenset({"effort", "format"})
_ANY_OBJECT: Final[JSONObject] = {"type": "object"}


def decode_output_config(body: JSONObject, untranslated: list[str]) -> tuple[Effort | None, OutputFormat | None]:
    config = body.get("output_config")
    if config is None:
        config = {}
    elif not isinstance(config, dict):
        raise InvalidRequest("'output_config' must be an object", param="output_config")
    untranslated.extend(f"output_config.{key}" for key, value in config.items()
                        if key not in _OUTPUT_CONFIG_FIELDS and value is not None)
    effort = decode_effort(config.get("effort"), "output_config.effort")
    output_format = _decode_format(config.get("format"), "output_config.format")
    if output_format is None:
        output_format = _decode_format(body.get("output_format"), "output_format")
    return effort, output_format


def _decode_format(value: object, param: str) -> OutputFormat | None:
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("type") != "json_schema":
        raise InvalidRequest(f"'{param}' must be {{\"type\": \"json_schema\", \"schema\": {{…}}}}", param=param)
    schema = value.get("schema")
    if not isinstance(schema, dict):
        raise InvalidRequest(f"'{param}.schema' must be an object", param=f"{param}.schema")
    return OutputFormat("json_schema", schema=schema)


def encode_output_config(effort: str | None, output_format: OutputFormat | None) -> JSONObject | None:
    config: JSONObject = {}
    if effort is not None:
        config["effort"] = effort
    if output_format is not None:
        schema = output_format.schema if output_format.kind == "json_schema" and output_format.schema else None
        config["format"] = {"type": "json_schema", "schema": schema or dict(_ANY_OBJECT)}
    return config or None
