"""The error tree. Every failure becomes one of these and is rendered by the *client's* dialect codec.

::

    GatewayError (kind, status, message, param, code)
    ├── InvalidRequest          400  the client's request is wrong; ``param`` names the field
    │   └── RequestTooLarge     413  body over the configured limit
    ├── AuthenticationFailed    401
    ├── PermissionDenied        403
    ├── NotFound                404  unknown model or route
    ├── RateLimited             429  ``retry_after`` seconds when known
    ├── UpstreamError           the upstream answered 4xx: its status and message, re-shaped
    ├── UpstreamUnavailable     502  connection refused/reset, upstream 5xx
    │   └── UpstreamProtocolError 502  the upstream broke its own protocol (bad JSON, illegal event order)
    ├── UpstreamTimeout         504  no answer within the deadline
    ├── Overloaded              503  dragoman itself cannot take the request now
    └── InternalError           500  a bug in dragoman

Three tiers of failure in translation, each its own type: a feature the target cannot express is either
dropped by a named rule (documented in docs/compatibility.md, no error), refused with
``InvalidRequest(param=…)``, or — when the upstream sends something illegal — ``UpstreamProtocolError``.
"""

from __future__ import annotations

from typing import Literal

ErrorKind = Literal[
    "invalid_request",
    "request_too_large",
    "authentication",
    "permission",
    "not_found",
    "rate_limit",
    "upstream",
    "timeout",
    "overloaded",
    "internal",
]


class GatewayError(Exception):
    kind: ErrorKind = "internal"
    status: int = 500

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code
        self.retry_after = retry_after
        if status is not None:
            self.status = status


class InvalidRequest(GatewayError):
    kind: ErrorKind = "invalid_request"
    status = 400


class RequestTooLarge(InvalidRequest):
    kind: ErrorKind = "request_too_large"
    status = 413


class AuthenticationFailed(GatewayError):
    kind: ErrorKind = "authentication"
    status = 401


class PermissionDenied(GatewayError):
    kind: ErrorKind = "permission"
    status = 403


class NotFound(GatewayError):
    kind: ErrorKind = "not_found"
    status = 404


class RateLimited(GatewayError):
    kind: ErrorKind = "rate_limit"
    status = 429


class UpstreamError(GatewayError):
    """An upstream 4xx passed on to the client with the upstream's own status and message.

    ``kind`` is chosen from the status so the client's codec picks the right error type.
    """

    kind: ErrorKind = "upstream"

    def __init__(self, message: str, *, status: int, kind: ErrorKind, **kwargs: object) -> None:
        super().__init__(message, status=status, **kwargs)  # type: ignore[arg-type]
        self.kind = kind


class UpstreamUnavailable(GatewayError):
    kind: ErrorKind = "upstream"
    status = 502


class UpstreamProtocolError(UpstreamUnavailable):
    pass


class UpstreamTimeout(GatewayError):
    kind: ErrorKind = "timeout"
    status = 504


class Overloaded(GatewayError):
    kind: ErrorKind = "overloaded"
    status = 503


class InternalError(GatewayError):
    kind: ErrorKind = "internal"
    status = 500


_KIND_BY_STATUS: dict[int, ErrorKind] = {
    400: "invalid_request",
    401: "authentication",
    403: "permission",
    404: "not_found",
    413: "request_too_large",
    422: "invalid_request",
    429: "rate_limit",
    503: "overloaded",
    529: "overloaded",
    504: "timeout",
}


def kind_for_status(status: int) -> ErrorKind:
    """The error kind an upstream HTTP status stands for (used when re-shaping upstream errors)."""
    if status in _KIND_BY_STATUS:
        return _KIND_BY_STATUS[status]
    return "invalid_request" if 400 <= status < 500 else "upstream"


def upstream_error(status: int, message: str, *, param: str | None = None, code: str | None = None,
                   retry_after: float | None = None) -> GatewayError:
    """The canonical error for an upstream's non-2xx answer: 4xx passed on, 5xx (and others) become 502."""
    if 400 <= status < 500:
        return UpstreamError(message, status=status, kind=kind_for_status(status), param=param, code=code,
                             retry_after=retry_after)
    if status in (503, 529):
        return UpstreamUnavailable(f"upstream overloaded ({status}): {message}", code=code, retry_after=retry_after)
    return UpstreamUnavailable(f"upstream error ({status}): {message}", code=code)
