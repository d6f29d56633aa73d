"""Anthropic-shaped errors: ``{"type": "error", "error": {"type", "message"}, "request_id"}``.

Encoding picks the error ``type`` from the canonical kind (a 413 too: ``invalid_request_error``, see
``_type_for_kind``); when the error carries an Anthropic error type as its ``code`` (it came from an
Anthropic upstream, e.g. ``overloaded_error`` or ``billing_error``) that type is kept, so Claude Code and
the SDK see exactly what the upstream said. ``request_id`` is required by the
spec (nullable) and canonical errors carry none, so it is ``null``. The error shape has no ``param``: a
message that does not name the field already gets it as a prefix, ``"<param>: <message>"``, as the API
words its own validation errors (``"max_tokens: Field required"``).

Decoding accepts Anthropic's shape, OpenAI-like ``{"error": {"message", "type"}}``, ``{"error": "text"}``,
``{"message"|"detail": …}`` and plain text or junk (the body text becomes the message). The upstream's
error type is kept as ``code``. An in-stream ``error`` record has no HTTP status: it is derived from the type.
"""

from __future__ import annotations

from typing import assert_never

import orjson

from dragoman.canonical.errors import ErrorKind, GatewayError, upstream_error
from dragoman.dialects.base import JSONObject

_STATUS_BY_TYPE: dict[str, int] = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}

_MAX_MESSAGE = 2000


def _type_for_kind(kind: ErrorKind) -> str:
    match kind:
        case "invalid_request" | "request_too_large":
            # The real API types its 413 "request_too_large", which the spec's ErrorResponse union lacks;
            # the SDKs pick their exception class from the HTTP status, so the spec's type loses nothing.
            return "invalid_request_error"
        case "authentication":
            return "authentication_error"
        case "permission":
            return "permission_error"
        case "not_found":
            return "not_found_error"
        case "rate_limit":
            return "rate_limit_error"
        case "upstream" | "internal":
            return "api_error"
        case "timeout":
            return "timeout_error"
        case "overloaded":
            return "overloaded_error"
        case _:
            assert_never(kind)


def encode_error(error: GatewayError) -> JSONObject:
    code = error.code
    error_type = code if code is not None and code in _STATUS_BY_TYPE else _type_for_kind(error.kind)
    message = error.message
    if error.param and error.param not in message:
        message = f"{error.param}: {message}"
    return {"type": "error", "error": {"type": error_type, "message": message}, "request_id": None}


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def _fields(parsed: object) -> tuple[str | None, str | None]:
    """(error type, message) from any JSON error shape."""
    if not isinstance(parsed, dict):
        return None, _text(parsed) if isinstance(parsed, str) else None
    inner = parsed.get("error", parsed)
    if isinstance(inner, dict):
        kind = inner.get("type")
        message = _text(inner.get("message")) or _text(inner.get("detail"))
        return (kind if isinstance(kind, str) and kind != "error" else None), message
    return None, _text(inner)


def decode_error(status: int, body: bytes) -> GatewayError:
    try:
        parsed: object = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        parsed = None
    error_type, message = _fields(parsed)
    if not message:
        message = body.decode("utf-8", "replace").strip()[:_MAX_MESSAGE] or f"upstream answered HTTP {status}"
    return upstream_error(status, message, code=error_type)


def decode_stream_error(payload: JSONObject) -> GatewayError:
    """An ``event: error`` record inside an upstream stream (status from its type; unknown types are 500)."""
    error_type, message = _fields(payload)
    status = _STATUS_BY_TYPE.get(error_type or "", 500)
    return upstream_error(status, message or error_type or "upstream stream error", code=error_type)
