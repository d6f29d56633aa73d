"""``POST /v1/messages/count_tokens``: exact from an Anthropic upstream, otherwise a labelled local estimate."""

from __future__ import annotations

import logging

import orjson
from starlette.requests import Request as HTTPRequest
from starlette.responses import Response

from dragoman.canonical.errors import GatewayError, InternalError, InvalidRequest
from dragoman.dialects.registry import CODECS
from dragoman.server.body import parse_json_object, read_body
from dragoman.server.handler import Gateway
from dragoman.server.rendering import JSON, error_response, json_response
from dragoman.tokens import estimate_input_tokens

log = logging.getLogger("dragoman.count_tokens")
COUNT_PATH = "/v1/messages/count_tokens"
ESTIMATE_HEADER = {"x-dragoman-token-count": "estimated"}


async def count_tokens(gateway: Gateway, http_request: HTTPRequest) -> Response:
    codec = CODECS["anthropic_messages"]
    try:
        parsed = parse_json_object(await read_body(http_request, gateway.config.server.max_body_bytes))
        messages = parsed.get("messages")
        if not isinstance(messages, list) or not messages:
            raise InvalidRequest("'messages' must be a non-empty array", param="messages")
        model = parsed.get("model")
        if model is not None and not isinstance(model, str):
            raise InvalidRequest("'model' must be a string", param="model")
        deployment = gateway.registry.resolve(model or "")
        if deployment.dialect != "anthropic_messages":
            return json_response({"input_tokens": estimate_input_tokens(parsed)}, headers=ESTIMATE_HEADER)
        parsed["model"] = deployment.upstream_model
        headers = codec.upstream_headers(deployment.api_key)
        for name in ("anthropic-beta", "anthropic-version"):
            if value := http_request.headers.get(name):
                headers[name] = value
        answer = await gateway.upstreams.post(deployment, COUNT_PATH, orjson.dumps(parsed), headers, stream=False)
        body = await answer.read()
        if answer.status in (404, 405):
            # An Anthropic-compatible server without a counting endpoint: never a 404 for a configured model.
            return json_response({"input_tokens": estimate_input_tokens(parsed)}, headers=ESTIMATE_HEADER)
        if answer.status < 500:
            return Response(body, status_code=answer.status, media_type=answer.headers.get("content-type", JSON))
        raise codec.decode_error(answer.status, body)
    except GatewayError as error:
        return error_response(codec, error)
    except Exception:
        log.exception("count_tokens failed inside dragoman")
        return error_response(codec, InternalError("dragoman failed to count tokens"))
