"""Token counting: ``POST /v1/messages/count_tokens`` (Anthropic) and ``POST /v1/responses/input_tokens``
(Responses). Exact from an upstream of the same dialect that can count; otherwise a local estimate marked
``x-dragoman-token-count: estimated`` so nobody mistakes it for exact. Never a 404 for a configured model.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request as HTTPRequest
from starlette.responses import Response

from dragoman.canonical.errors import GatewayError, InternalError, InvalidRequest
from dragoman.config import DeploymentConfig
from dragoman.dialects.base import DialectName
from dragoman.dialects.registry import CODECS
from dragoman.server.auth import principal_of
from dragoman.server.body import parse_json_object, read_body
from dragoman.server.handler import Gateway, anthropic_forwarded_headers
from dragoman.server.rendering import JSON, error_response, json_response
from dragoman.tokens import estimate_input_tokens

log = logging.getLogger("dragoman.count_tokens")
ESTIMATE_HEADER = {"x-dragoman-token-count": "estimated"}


@dataclass(frozen=True, slots=True)
class Counter:
    dialect: DialectName
    content_field: str
    upstream_path: str
    answer: Callable[[int], dict[str, Any]]


ANTHROPIC_COUNTER = Counter("anthropic_messages", "messages", "/v1/messages/count_tokens",
                            lambda tokens: {"input_tokens": tokens})
RESPONSES_COUNTER = Counter("openai_responses", "input", "/responses/input_tokens",
                            lambda tokens: {"object": "response.input_tokens", "input_tokens": tokens})


def _check(parsed: dict[str, Any], counter: Counter) -> str:
    content = parsed.get(counter.content_field)
    as_text = counter.content_field == "input" and isinstance(content, str) and bool(content)
    if not as_text and not (isinstance(content, list) and content):
        raise InvalidRequest(f"'{counter.content_field}' must be a non-empty array", param=counter.content_field)
    model = parsed.get("model")
    if model is not None and not isinstance(model, str):
        raise InvalidRequest("'model' must be a string", param="model")
    return model or ""


def _estimate(parsed: dict[str, Any], counter: Counter) -> Response:
    return json_response(counter.answer(estimate_input_tokens(parsed)), headers=ESTIMATE_HEADER)


async def count_tokens(gateway: Gateway, http_request: HTTPRequest, counter: Counter) -> Response:
    codec = CODECS[counter.dialect]
    try:
        parsed = parse_json_object(await read_body(http_request, gateway.config.server.max_body_bytes))
        model = _check(parsed, counter)
        asked = model or gateway.router.default_model or ""
        gateway.accounting.access.authorize_model(principal_of(http_request), asked)
        attempt = await gateway.router.resolve(model).next()
        try:
            return await _count(gateway, http_request, counter, parsed, attempt.deployment)
        finally:
            await attempt.release()
    except GatewayError as error:
        return error_response(codec, error)
    except Exception:
        log.exception("token counting failed inside dragoman")
        return error_response(codec, InternalError("dragoman failed to count tokens"))


async def _count(gateway: Gateway, http_request: HTTPRequest, counter: Counter, parsed: dict[str, Any],
                 deployment: DeploymentConfig) -> Response:
    """Exactly from a same-dialect upstream that can count, else the local estimate."""
    if deployment.dialect != counter.dialect:
        return _estimate(parsed, counter)
    codec = CODECS[counter.dialect]
    parsed["model"] = deployment.upstream_model
    headers = codec.upstream_headers(deployment.api_key)
    if counter.dialect == "anthropic_messages":
        headers.update(anthropic_forwarded_headers(http_request, deployment))
    answer = await gateway.upstreams.post(
        deployment, counter.upstream_path, orjson.dumps(parsed), headers, stream=False
    )
    body = await answer.read()
    if answer.status in (404, 405, 501):
        return _estimate(parsed, counter)  # a compatible server without a counting endpoint
    if answer.status < 500:
        return Response(body, status_code=answer.status, media_type=answer.headers.get("content-type", JSON))
    raise codec.decode_error(answer.status, body)
