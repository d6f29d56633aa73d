"""Errors an OpenAI-compatible upstream reports inside an HTTP 200 answer.

Shapes seen: OpenAI's stream record ``{"error": {"message", "type", "param", "code"}}``; OpenRouter's
chunk that carries ``error`` next to its ``choices``; vLLM's ``{"object": "error", "message", "type",
"code": <http status>}``. Such an error has no HTTP status of its own, so one is inferred (an integer
``code``, else the error ``type``/``code`` name, else 500) and the body goes through the shared
``openai_errors.decode_error``: 4xx is passed on, anything else becomes a 502.
"""

from __future__ import annotations

import orjson

from dragoman.canonical.errors import GatewayError
from dragoman.dialects import openai_errors
from dragoman.dialects.base import JSONObject

_STATUS_BY_NAME: dict[str, int] = {
    "invalid_request_error": 400,
    "BadRequestError": 400,
    "context_length_exceeded": 400,
    "authentication_error": 401,
    "invalid_api_key": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "NotFoundError": 404,
    "rate_limit_error": 429,
    "rate_limit_exceeded": 429,
    "insufficient_quota": 429,
    "server_error": 500,
    "InternalServerError": 500,
    "overloaded_error": 503,
}


def _status(error: JSONObject) -> int:
    code = error.get("code")
    if isinstance(code, int) and not isinstance(code, bool) and 400 <= code <= 599:
        return code
    for key in ("code", "type"):
        name = error.get(key)
        if isinstance(name, str) and name in _STATUS_BY_NAME:
            return _STATUS_BY_NAME[name]
    return 500


def decode_in_band_error(payload: JSONObject) -> GatewayError | None:
    """The error a 200 body or stream record carries, or ``None`` when it carries none."""
    inner = payload.get("error")
    if inner is None:
        if payload.get("object") != "error":
            return None
        inner = payload
    status = _status(inner) if isinstance(inner, dict) else 500
    return openai_errors.decode_error(status, orjson.dumps(payload))
