"""The one boundary where the HTTP client's exceptions become canonical errors.

Wrapped around every upstream call and every upstream stream iteration; no other layer catches an
aiohttp exception.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import aiohttp
import orjson

from dragoman.canonical.errors import (
    GatewayError,
    UpstreamProtocolError,
    UpstreamTimeout,
    UpstreamUnavailable,
)

# Checked in order: the first matching type decides. TimeoutError comes first because aiohttp's
# ServerTimeoutError is both a TimeoutError and a ClientError.
_MAPPING: tuple[tuple[type[BaseException], type[GatewayError], str], ...] = (
    (TimeoutError, UpstreamTimeout, "the upstream did not answer within {timeout:g} s"),
    (aiohttp.ClientConnectorError, UpstreamUnavailable, "cannot connect to the upstream {where}: {error}"),
    (aiohttp.ServerDisconnectedError, UpstreamUnavailable, "the upstream {where} closed the connection"),
    (aiohttp.ClientPayloadError, UpstreamUnavailable, "the upstream {where} broke off its answer: {error}"),
    (aiohttp.ClientResponseError, UpstreamProtocolError, "the upstream {where} sent an invalid answer: {error}"),
    (aiohttp.ClientError, UpstreamUnavailable, "the upstream {where} failed: {error}"),
    (orjson.JSONDecodeError, UpstreamProtocolError, "the upstream {where} sent invalid JSON: {error}"),
    (UnicodeDecodeError, UpstreamProtocolError, "the upstream {where} sent invalid UTF-8: {error}"),
)


@contextmanager
def upstream_exceptions(where: str, timeout: float) -> Iterator[None]:
    try:
        yield
    except GatewayError:
        raise
    except Exception as error:
        for foreign, canonical, template in _MAPPING:
            if isinstance(error, foreign):
                detail = str(error) or type(error).__name__
                raise canonical(template.format(where=where, timeout=timeout, error=detail)) from error
        raise
