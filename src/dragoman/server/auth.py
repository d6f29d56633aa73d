"""The authentication gate in front of every API route: the caller's key is checked before anything else
is read, and a refusal is written in the dialect the caller speaks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request as HTTPRequest
from starlette.responses import Response

from dragoman.access.control import ANONYMOUS, AccessControl, Principal
from dragoman.canonical.errors import GatewayError
from dragoman.dialects.base import Codec
from dragoman.server.rendering import error_response

Endpoint = Callable[[HTTPRequest], Awaitable[Response]]
_PRINCIPAL = "dragoman.principal"


def principal_of(http_request: HTTPRequest) -> Principal:
    """Who the gate let through (anonymous when the route is not gated)."""
    principal = http_request.scope.get(_PRINCIPAL)
    return principal if isinstance(principal, Principal) else ANONYMOUS


def gated(
    endpoint: Endpoint, access: Callable[[], AccessControl], dialect: Callable[[HTTPRequest], Codec]
) -> Endpoint:
    """``endpoint`` behind the key check. ``access`` is a getter because keys open in the app's lifespan,
    after routes are built; ``dialect`` picks the codec that renders a refusal for this caller."""

    async def checked(http_request: HTTPRequest) -> Response:
        try:
            http_request.scope[_PRINCIPAL] = await access().authenticate(http_request.headers)
        except GatewayError as error:
            return error_response(dialect(http_request), error)
        return await endpoint(http_request)

    return checked
