"""Errors inside a Responses stream or a 200 body: the ``error`` event and ``response.error`` of a failed response.

Decoding: the ``error`` event comes in two shapes, the spec's flat ``{"type": "error", "code", "message",
"param"}`` and the real API's nested ``{"type": "error", "error": {"type", "code", "message", "param"}}``
(recorded in ``responses-stream-error-midstream``); a failed response carries ``{"code", "message"}``. They
have no HTTP status of their own, so one is inferred from the code or type name (else 500), and the body
goes through the shared ``openai_errors.decode_error``: 4xx is passed on, anything else becomes a 502.

Encoding (rule ``error-event-both-shapes``): the ``error`` event carries the spec's flat fields *and* the
real API's nested ``error`` object, so clients written against either shape read it; its ``code`` is the
error's own. ``response.error.code`` must be one of the spec's ``ResponseErrorCode`` values (SDKs type it as
that enum): the error's own code when it is one, else ``rate_limit_exceeded`` for rate limits and
``server_error`` otherwise (``failed-code-in-enum``; the real API also sends codes outside the enum, such as
``insufficient_quota``, which the ``error`` event before it still carries).
"""

from __future__ import annotations

import orjson

from dragoman.canonical.errors import GatewayError
from dragoman.dialects import openai_errors
from dragoman.dialects.base import JSONObject

RESPONSE_ERROR_CODES = frozenset({
    "server_error", "rate_limit_exceeded", "invalid_prompt", "data_residency_mismatch", "bio_policy",
    "vector_store_timeout", "invalid_image", "invalid_image_format", "invalid_base64_image", "invalid_image_url",
    "image_too_large", "image_too_small", "image_parse_error", "image_content_policy_violation",
    "invalid_image_mode", "image_file_too_large", "unsupported_image_media_type", "empty_image_file",
    "failed_to_download_image", "image_file_not_found",
})
"""The spec's ``ResponseErrorCode`` enum."""

_STATUS_BY_NAME: dict[str, int] = {
    "invalid_request_error": 400,
    "invalid_prompt": 400,
    "context_length_exceeded": 400,
    "bio_policy": 400,
    "data_residency_mismatch": 400,
    "authentication_error": 401,
    "invalid_api_key": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "rate_limit_error": 429,
    "rate_limit_exceeded": 429,
    "insufficient_quota": 429,
    "server_error": 500,
    "overloaded_error": 503,
    "vector_store_timeout": 504,
}


def _status(error: JSONObject) -> int:
    for key in ("code", "type"):
        name = error.get(key)
        if isinstance(name, str):
            if name in _STATUS_BY_NAME:
                return _STATUS_BY_NAME[name]
            if "image" in name:  # the spec's many invalid_image*/image_* codes are all input problems
                return 400
    return 500


def decode_error_event(payload: JSONObject) -> GatewayError:
    """The canonical error of an ``error`` stream event (either shape)."""
    inner = payload.get("error")
    fields = inner if isinstance(inner, dict) else payload
    return openai_errors.decode_error(_status(fields), orjson.dumps(payload))


def decode_response_error(error: object) -> GatewayError:
    """The canonical error of a failed response's ``error`` object (``None`` or junk tolerated)."""
    fields = error if isinstance(error, dict) else {}
    body = orjson.dumps({"error": fields}) if fields else b""
    return openai_errors.decode_error(_status(fields), body or b"upstream response failed")


def encode_response_error(error: GatewayError) -> JSONObject:
    code = error.code
    if code not in RESPONSE_ERROR_CODES:
        code = "rate_limit_exceeded" if error.kind == "rate_limit" else "server_error"
    return {"code": code, "message": error.message}


def encode_error_event(error: GatewayError) -> JSONObject:
    """The ``error`` stream event without its ``sequence_number`` (the stream encoder numbers events)."""
    inner = openai_errors.encode_error_object(error)
    return {
        "type": "error",
        "code": inner["code"],
        "message": inner["message"],
        "param": inner["param"],
        "error": inner,
    }
