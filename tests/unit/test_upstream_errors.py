"""The exception boundary: each foreign exception becomes the right canonical error."""

from __future__ import annotations

import aiohttp
import orjson
import pytest

from dragoman.canonical.errors import (
    GatewayError,
    InvalidRequest,
    UpstreamProtocolError,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from dragoman.providers.errors import upstream_exceptions


def _json_error() -> Exception:
    try:
        orjson.loads(b"{")
    except orjson.JSONDecodeError as error:
        return error
    raise AssertionError("unreachable")


@pytest.mark.parametrize(
    ("raised", "expected", "status"),
    [
        (TimeoutError(), UpstreamTimeout, 504),
        (aiohttp.ServerTimeoutError("read"), UpstreamTimeout, 504),
        (aiohttp.ServerDisconnectedError(), UpstreamUnavailable, 502),
        (aiohttp.ClientPayloadError("cut"), UpstreamUnavailable, 502),
        (aiohttp.ClientOSError(104, "reset"), UpstreamUnavailable, 502),
        (_json_error(), UpstreamProtocolError, 502),
    ],
)
def test_foreign_exceptions_are_mapped(raised: Exception, expected: type[GatewayError], status: int) -> None:
    with pytest.raises(expected) as caught, upstream_exceptions("deployment-a", 12.0):
        raise raised
    assert caught.value.status == status
    assert "deployment-a" in caught.value.message or "12" in caught.value.message


def test_canonical_errors_and_programming_errors_pass_through() -> None:
    with pytest.raises(InvalidRequest), upstream_exceptions("d", 1.0):
        raise InvalidRequest("bad")
    with pytest.raises(KeyError), upstream_exceptions("d", 1.0):
        raise KeyError("bug")
