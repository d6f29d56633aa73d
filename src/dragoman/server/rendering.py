"""HTTP responses for JSON bodies and errors, in the client's dialect."""

from __future__ import annotations

import math
from typing import Any

import orjson
from starlette.responses import Response

from dragoman.canonical.errors import GatewayError
from dragoman.dialects.base import Codec

JSON = "application/json"


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=JSON, headers=headers)


def error_response(codec: Codec, error: GatewayError) -> Response:
    headers: dict[str, str] = {}
    if error.retry_after is not None:
        headers["retry-after"] = str(max(0, math.ceil(error.retry_after)))
    return json_response(codec.encode_error(error), error.status, headers)
