"""OpenAI-shaped errors, shared by the Chat Completions and Responses codecs.

Wire shape: ``{"error": {"message", "type", "param", "code"}}``. Upstreams that merely claim OpenAI
compatibility answer in many shapes (``{"error": "text"}``, FastAPI's ``{"detail": …}``, ``{"message": …}``,
plain text); ``decode_error`` accepts them all.
"""

from __future__ import annotations

from typing import Any

import orjson

from dragoman.canonical.errors import ErrorKind, GatewayError, upstream_error

_TYPE_BY_KIND: dict[ErrorKind, str] = {
    "invalid_request": "invalid_request_error",
    "request_too_large": "invalid_request_error",
    "authentication": "authentication_error",
    "permission": "permission_error",
    "not_found": "invalid_request_error",
    "rate_limit": "rate_limit_error",
    "upstream": "server_error",
    "timeout": "timeout_error",
    "overloaded": "server_error",
    "internal": "server_error",
}

_DEFAULT_CODE: dict[ErrorKind, str] = {
    "request_too_large": "request_too_large",
    "authentication": "invalid_api_key",
    "not_found": "not_found",
    "rate_limit": "rate_limit_exceeded",
    "timeout": "timeout",
}


def encode_error_object(error: GatewayError) -> dict[str, Any]:
    return {
        "message": error.message,
        "type": _TYPE_BY_KIND[error.kind],
        "param": error.param,
        "code": error.code or _DEFAULT_CODE.get(error.kind),
    }


def encode_error(error: GatewayError) -> dict[str, Any]:
    return {"error": encode_error_object(error)}


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def decode_error(status: int, body: bytes, retry_after: float | None = None) -> GatewayError:
    message: str | None = None
    param: str | None = None
    code: str | None = None
    try:
        parsed: Any = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        parsed = None
    if isinstance(parsed, dict):
        inner = parsed.get("error", parsed)
        if isinstance(inner, dict):
            message = _as_text(inner.get("message") or inner.get("detail"))
            param = _as_text(inner.get("param"))
            code = _as_text(inner.get("code"))
        else:
            message = _as_text(inner)
    if not message:
        message = body.decode("utf-8", "replace").strip()[:2000] or f"upstream answered HTTP {status}"
    return upstream_error(status, message, param=param, code=code, retry_after=retry_after)
