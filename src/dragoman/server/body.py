"""Reading a request body: size limit, one JSON parse, and the forbidden-key scan."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request as HTTPRequest

from dragoman.canonical.errors import InvalidRequest, RequestTooLarge

FORBIDDEN_KEYS = frozenset({"__proto__", "constructor", "prototype"})
_FORBIDDEN_NEEDLES = tuple(f'"{key}"'.encode() for key in FORBIDDEN_KEYS)


async def read_body(request: HTTPRequest, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise RequestTooLarge(f"Request body is {declared} bytes; the limit is {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestTooLarge(f"Request body is larger than the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json_object(body: bytes) -> dict[str, Any]:
    if not body:
        raise InvalidRequest("Request body is empty; expected a JSON object")
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise InvalidRequest(f"Request body is not valid JSON: {error}") from error
    if not isinstance(parsed, dict):
        raise InvalidRequest("Request body must be a JSON object")
    # The walk is only paid for when one of the words appears somewhere in the raw bytes.
    if any(needle in body for needle in _FORBIDDEN_NEEDLES):
        _reject_forbidden_keys(parsed, "")
    return parsed


def _reject_forbidden_keys(node: Any, path: str) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}" if path else key
            if key in FORBIDDEN_KEYS:
                raise InvalidRequest(f"Object key {key!r} is not allowed (at '{where}')", param=where)
            _reject_forbidden_keys(value, where)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            _reject_forbidden_keys(item, f"{path}[{index}]")
