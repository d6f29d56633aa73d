"""Errors: recorded upstream error bodies decoded, every canonical error kind encoded in OpenAI's shape."""

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
from dragoman.dialects.openai_responses.codec import CODEC
from dragoman.dialects.openai_responses.errors import (
    RESPONSE_ERROR_CODES,
    decode_error_event,
    encode_error_event,
    encode_response_error,
)
from tests.dialects.openai_responses.helpers import fixture
from tests.schemas import OPENAI_ERROR, OPENAI_RESPONSE_EVENT, _load_spec, assert_valid, assert_valid_event


def test_recorded_400_is_passed_on() -> None:
    error = CODEC.decode_error(400, fixture("openai/responses-error-400.json").read_bytes())
    assert isinstance(error, UpstreamError)
    assert (error.status, error.kind, error.param, error.code) == (
        400, "invalid_request", "temperature", "decimal_below_min_value")
    assert error.message.startswith("Invalid 'temperature'")
    encoded = CODEC.encode_error(error)
    assert_valid(*OPENAI_ERROR, encoded)
    assert encoded["error"]["param"] == "temperature" and encoded["error"]["type"] == "invalid_request_error"


def test_recorded_429_insufficient_quota() -> None:
    error = CODEC.decode_error(429, fixture("openai/responses-error-429-insufficient-quota.json").read_bytes())
    assert (error.status, error.kind, error.code) == (429, "rate_limit", "insufficient_quota")


@pytest.mark.parametrize("body", [b"<html>Bad gateway</html>", b"", b'{"detail": "x"}', b"[1,2]"])
def test_5xx_and_junk_become_502(body: bytes) -> None:
    error = CODEC.decode_error(500, body)
    assert isinstance(error, UpstreamUnavailable) and error.status == 502


ALL_ERRORS: list[GatewayError] = [
    InvalidRequest("bad", param="input"), RequestTooLarge("big"), AuthenticationFailed("who"),
    PermissionDenied("no"), NotFound("model x"), RateLimited("slow", retry_after=3),
    UpstreamError("upstream said no", status=422, kind="invalid_request", code="x"),
    UpstreamUnavailable("down"), UpstreamProtocolError("garbled"), UpstreamTimeout("late"),
    Overloaded("busy"), InternalError("bug"),
]


@pytest.mark.parametrize("error", ALL_ERRORS, ids=lambda error: type(error).__name__)
def test_every_error_kind_encodes_to_the_spec_shape(error: GatewayError) -> None:
    body = CODEC.encode_error(error)
    assert_valid(*OPENAI_ERROR, body)
    assert body["error"]["message"] == error.message and body["error"]["param"] == error.param
    event = {**encode_error_event(error), "sequence_number": 0}
    assert_valid_event(*OPENAI_RESPONSE_EVENT, event)
    assert event["error"] == body["error"]
    assert error.message in decode_error_event(event).message


@pytest.mark.parametrize(("payload", "status"), [
    ({"type": "error", "code": "server_error", "message": "m", "param": None}, 502),
    ({"type": "error", "error": {"type": "invalid_request_error", "code": None, "message": "m", "param": "p"}}, 400),
    ({"type": "error", "error": {"type": "x", "code": "invalid_image_url", "message": "m", "param": None}}, 400),
    ({"type": "error", "code": "context_length_exceeded", "message": "m", "param": None}, 400),
    ({"type": "error", "code": "mystery", "message": "m"}, 502),
])
def test_error_event_status_is_inferred_from_its_code(payload: dict[str, object], status: int) -> None:
    error = decode_error_event(json.loads(json.dumps(payload)))
    assert error.status == status and "m" in error.message


def test_failed_response_codes_stay_in_the_spec_enum() -> None:
    assert set(_load_spec("openai")["components"]["schemas"]["ResponseErrorCode"]["enum"]) == RESPONSE_ERROR_CODES
    kept = UpstreamError("slow index", status=400, kind="invalid_request", code="vector_store_timeout")
    assert encode_response_error(kept) == {"code": "vector_store_timeout", "message": "slow index"}
    quota = UpstreamError("quota", status=429, kind="rate_limit", code="insufficient_quota")
    assert encode_response_error(quota)["code"] == "rate_limit_exceeded"
    overloaded = UpstreamUnavailable("upstream overloaded (529): Overloaded", code="overloaded_error")
    assert encode_response_error(overloaded)["code"] == "server_error"
