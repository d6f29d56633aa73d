"""Errors: recorded and junk upstream bodies decoded; every canonical error encoded in Anthropic's shape."""

from __future__ import annotations

import json

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
)
from dragoman.dialects.anthropic_messages.codec import CODEC
from dragoman.dialects.anthropic_messages.errors import decode_stream_error
from tests.recordings import fixture_path
from tests.schemas import ANTHROPIC_ERROR, assert_valid


def test_recorded_400() -> None:
    body = fixture_path("anthropic/messages-error-400-invalid-request.json").read_bytes()
    error = CODEC.decode_error(400, body)
    assert isinstance(error, UpstreamError)
    assert (error.status, error.kind, error.code) == (400, "invalid_request", "invalid_request_error")
    assert error.message == (
        "This model does not support effort level 'xhigh'. Supported levels: high, low, max, medium."
    )


def test_recorded_404() -> None:
    error = CODEC.decode_error(404, fixture_path("anthropic/messages-error-404-not-found.json").read_bytes())
    assert (error.status, error.kind, error.message) == (404, "not_found", "model: claude-does-not-exist")
    assert CODEC.encode_error(error)["error"] == {"type": "not_found_error", "message": "model: claude-does-not-exist"}


@pytest.mark.parametrize(
    ("status", "body", "kind", "status_out", "message"),
    [
        (400, b'{"error": {"message": "bad temperature", "type": "invalid_request_error", "param": "t"}}',
         "invalid_request", 400, "bad temperature"),
        (401, b'{"error": "invalid x-api-key"}', "authentication", 401, "invalid x-api-key"),
        (422, b'{"detail": "Unprocessable"}', "invalid_request", 422, "Unprocessable"),
        (403, b'{"message": "forbidden region"}', "permission", 403, "forbidden region"),
        (429, b"Too Many Requests", "rate_limit", 429, "Too Many Requests"),
        (400, b"", "invalid_request", 400, "upstream answered HTTP 400"),
        (400, b"[1, 2]", "invalid_request", 400, "[1, 2]"),
        (500, b"<html>oops</html>", "upstream", 502, "upstream error (500): <html>oops</html>"),
        (529, b'{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}', "upstream", 502,
         "upstream overloaded (529): Overloaded"),
    ],
)
def test_decode_any_shape(status: int, body: bytes, kind: str, status_out: int, message: str) -> None:
    error = CODEC.decode_error(status, body)
    assert (error.kind, error.status, error.message) == (kind, status_out, message)


def test_upstream_error_type_is_kept_for_an_anthropic_client() -> None:
    overloaded = CODEC.decode_error(529, b'{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}')
    assert isinstance(overloaded, UpstreamUnavailable)
    assert CODEC.encode_error(overloaded)["error"]["type"] == "overloaded_error"
    billing = CODEC.decode_error(402, b'{"type":"error","error":{"type":"billing_error","message":"no credit"}}')
    body = CODEC.encode_error(billing)
    assert body["error"] == {"type": "billing_error", "message": "no credit"}
    assert_valid(*ANTHROPIC_ERROR, body)


def test_stream_error_status_comes_from_its_type() -> None:
    invalid = {"type": "error", "error": {"type": "invalid_request_error", "message": "m"}}
    assert decode_stream_error(invalid).status == 400
    assert decode_stream_error({"type": "error", "error": {"type": "api_error", "message": "m"}}).status == 502
    unknown = decode_stream_error({"type": "error"})
    assert (unknown.status, unknown.message) == (502, "upstream error (500): upstream stream error")


@pytest.mark.parametrize(
    ("error", "wire_type"),
    [
        (InvalidRequest("messages: bad", param="messages"), "invalid_request_error"),
        (AuthenticationFailed("no key"), "authentication_error"),
        (PermissionDenied("no"), "permission_error"),
        (NotFound("no such model"), "not_found_error"),
        (RateLimited("slow", retry_after=3), "rate_limit_error"),
        (UpstreamError("upstream said no", status=400, kind="invalid_request"), "invalid_request_error"),
        (UpstreamError("upstream 429", status=429, kind="rate_limit", code="rate_limit_exceeded"), "rate_limit_error"),
        (UpstreamUnavailable("connection refused"), "api_error"),
        (UpstreamProtocolError("bad JSON"), "api_error"),
        (UpstreamTimeout("no answer"), "timeout_error"),
        (Overloaded("busy"), "overloaded_error"),
        (InternalError("bug"), "api_error"),
        (GatewayError("generic"), "api_error"),
    ],
)
def test_encode_every_kind(error: GatewayError, wire_type: str) -> None:
    body = CODEC.encode_error(error)
    assert body == {"type": "error", "error": {"type": wire_type, "message": error.message}, "request_id": None}
    assert_valid(*ANTHROPIC_ERROR, body)
    json.dumps(body)


def test_the_param_is_named_in_the_message() -> None:
    named = CODEC.encode_error(InvalidRequest("Tool 'web_search' has no equivalent", param="tools[1]"))
    assert named["error"]["message"] == "tools[1]: Tool 'web_search' has no equivalent"
    already = CODEC.encode_error(InvalidRequest("'tools[1].name' must be a string", param="tools[1].name"))
    assert already["error"]["message"] == "'tools[1].name' must be a string"


def test_request_too_large_uses_the_spec_type() -> None:
    # The real API types its 413 "request_too_large", which the spec's ErrorResponse union lacks; the SDKs
    # choose the exception from the status, so the spec-valid type is used.
    error = RequestTooLarge("body over 32 MB")
    body = CODEC.encode_error(error)
    assert error.status == 413
    assert body["error"] == {"type": "invalid_request_error", "message": "body over 32 MB"}
    assert_valid(*ANTHROPIC_ERROR, body)
    upstream_413 = CODEC.decode_error(413, b'{"type":"error","error":{"type":"request_too_large","message":"big"}}')
    assert (upstream_413.status, upstream_413.kind) == (413, "request_too_large")
    assert CODEC.encode_error(upstream_413)["error"]["type"] == "request_too_large"  # the upstream's own word
