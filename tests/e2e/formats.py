"""Structured-output requests in each dialect, and what an upstream received of one."""

from __future__ import annotations

from typing import Any

from tests.upstream import Dialect

SCHEMA: dict[str, Any] = {"type": "object", "properties": {"answer": {"type": "string"}, "confidence": {
    "type": "number"}}, "required": ["answer", "confidence"], "additionalProperties": False}
NAME = "capital_answer"
DESCRIPTION = "The capital and how sure the model is."


def format_fields(client: Dialect, kind: str = "json_schema", *, legacy: bool = False) -> dict[str, Any]:
    if client == "chat":
        if kind == "json_object":
            return {"response_format": {"type": "json_object"}}
        return {"response_format": {"type": "json_schema", "json_schema": {
            "name": NAME, "description": DESCRIPTION, "schema": SCHEMA, "strict": True}}}
    if client == "responses":
        if kind == "json_object":
            return {"text": {"format": {"type": "json_object"}}}
        return {"text": {"format": {"type": "json_schema", "name": NAME, "description": DESCRIPTION,
                                    "schema": SCHEMA, "strict": True}}}
    wire = {"type": "json_schema", "schema": SCHEMA}
    return {"output_format": wire} if legacy else {"output_config": {"format": wire}}


def received_format(dialect: Dialect, body: dict[str, Any]) -> dict[str, Any] | None:
    """``{"type", "name", "schema", "strict"}`` of the structured output an upstream was asked for."""
    if dialect == "chat":
        wire = body.get("response_format")
        if not wire or wire.get("type") == "text":
            return None
        inner = wire.get("json_schema") or {}
        return {"type": wire["type"], "name": inner.get("name"), "schema": inner.get("schema"),
                "strict": inner.get("strict")}
    if dialect == "responses":
        wire = (body.get("text") or {}).get("format")
        if not wire or wire.get("type") == "text":
            return None
        return {"type": wire["type"], "name": wire.get("name"), "schema": wire.get("schema"),
                "strict": wire.get("strict")}
    wire = (body.get("output_config") or {}).get("format") or body.get("output_format")
    return None if not wire else {"type": wire["type"], "name": None, "schema": wire.get("schema"), "strict": None}
