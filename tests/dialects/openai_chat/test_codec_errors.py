"""The codec object as the server sees it, and errors in both directions."""

from __future__ import annotations

import pytest

from dragoman.canonical.errors import (
    AuthenticationFailed,
    GatewayError,
    InternalError,
    InvalidRequest,
    NotFound,
    Overloaded,
    PermissionDenied,
    RateLimited,
    RequestTooLarge,
    UpstreamError,
    UpstreamProtocolError,
    UpstreamTimeout,
    UpstreamUnavailable,
    upstream_error,
)
from dragoman.dialects.openai_chat.codec import CODEC
from tests.recordings import fixture_path
from tests.schemas import OPENAI_ERROR, assert_valid


def test_codec_identity_and_headers() -> None:
    assert CODEC.name == "openai_chat"
    assert CODEC.upstream_path == "/chat/completions"
    assert CODEC.upstream_headers("sk-1") == {"Content-Type": "application/json", "Authorization": "Bearer sk-1"}
    assert CODEC.upstream_headers(None) == {"Content-Type": "application/json"}


def test_decode_recorded_chat_error() -> None:
    error = CODEC.decode_error(400, fixture_path("openai/chat-error-400.json").read_bytes())
    assert isinstance(error, UpstreamError)
    assert (error.status, error.kind, error.param, error.code) == (
        400, "invalid_request", "messages[0].role", "unsupported_value")
    assert error.message == "Unsupported value: 'messages[0].role' does not support 'system' with this model."


def test_decode_recorded_quota_error() -> None:
    error = CODEC.decode_error(429, fixture_path("openai/responses-error-429-insufficient-quota.json").read_bytes())
    assert (error.status, error.kind, error.code) == (429, "rate_limit", "insufficient_quota")
    assert error.message.startswith("You exceeded your current quota")


@pytest.mark.parametrize(
    ("status", "body", "kind", "out_status", "text"),
    [
        (404, b'{"detail":"Not Found"}', "not_found", 404, "Not Found"),
        (400, b'{"error":"model is required"}', "invalid_request", 400, "model is required"),
        (401, b'{"message":"bad key"}', "authentication", 401, "bad key"),
        (502, b"<html>Bad Gateway</html>", "upstream", 502, "<html>Bad Gateway</html>"),
        (500, b"", "upstream", 502, "upstream answered HTTP 500"),
        (503, b'{"error":{"message":"overloaded","type":"server_error"}}', "upstream", 502, "overloaded"),
        (400, b'{"type":"error","error":{"type":"invalid_request_error","message":"anthropic shape"}}',
         "invalid_request", 400, "anthropic shape"),
    ],
)
def test_decode_other_error_shapes(status: int, body: bytes, kind: str, out_status: int, text: str) -> None:
    error = CODEC.decode_error(status, body)
    assert (error.kind, error.status) == (kind, out_status)
    assert text in error.message


ERRORS: list[GatewayError] = [
    InvalidRequest("'temperature' must be between 0 and 2, got 3", param="temperature"),
    RequestTooLarge("body over 10 MB"),
    AuthenticationFailed("invalid API key"),
    PermissionDenied("key may not use this model"),
    NotFound("model 'x' not found", param="model"),
    RateLimited("too many requests", retry_after=2.0),
    upstream_error(409, "conflict", code="conflict"),
    UpstreamUnavailable("connection refused"),
    UpstreamProtocolError("bad JSON"),
    UpstreamTimeout("no answer in 600 s"),
    Overloaded("queue full"),
    InternalError("bug"),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_encode_every_error_kind(error: GatewayError) -> None:
    body = CODEC.encode_error(error)
    assert_valid(*OPENAI_ERROR, body)
    assert body["error"]["message"] == error.message
    assert body["error"]["param"] == error.param
