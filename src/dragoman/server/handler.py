"""One chat request, from the client's bytes to the client's answer, in whichever dialects are involved."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any

import orjson
from starlette.requests import Request as HTTPRequest
from starlette.responses import Response

from dragoman.access.control import ANONYMOUS, LimitExceeded
from dragoman.access.ratelimit_headers import rate_limit_headers
from dragoman.canonical.content import ReasoningPart
from dragoman.canonical.errors import (
    GatewayError,
    InternalError,
    InvalidRequest,
    UpstreamProtocolError,
    UpstreamTimeout,
)
from dragoman.canonical.request import Request
from dragoman.canonical.structured import emulate_with_tool, unwrap_response, unwrap_stream
from dragoman.canonical.tools import apply_native_tool_policy
from dragoman.config import Config, DeploymentConfig
from dragoman.dialects.base import Codec
from dragoman.dialects.registry import CODECS
from dragoman.providers.http import UpstreamClient, UpstreamResponse
from dragoman.routing.affinity import StreamKeys, preferred_member, response_keys
from dragoman.routing.retry import MEMBER_FAULT_STATUSES
from dragoman.routing.runtime import make_affinity, make_router
from dragoman.server.accounting import CLIENT_CLOSED_REQUEST, Accounting, RequestLedger
from dragoman.server.auth import principal_of
from dragoman.server.body import parse_json_object, read_body
from dragoman.server.disconnect import ClientDisconnected, until_disconnected
from dragoman.server.passthrough import PassthroughStream
from dragoman.server.rendering import JSON, error_response, json_response
from dragoman.server.streaming import EVENT_STREAM, AccountedStream, EventPump, TranslatedStream, canonical_events

log = logging.getLogger("dragoman.handler")

# A token estimate for reserving tokens-per-minute before the call, corrected by the real usage after it:
# about four bytes of request JSON per token, without parsing anything more.
BYTES_PER_TOKEN_ESTIMATE = 4
DEPLOYMENT_HEADER = "x-dragoman-deployment"
OVERHEAD_HEADER = "x-dragoman-overhead-ms"


class Gateway:
    def __init__(self, config: Config, upstreams: UpstreamClient) -> None:
        self.config = config
        self.router = make_router(config)
        self.affinity = make_affinity(config)
        self.upstreams = upstreams
        self._accounting: Accounting | None = None

    def attach(self, accounting: Accounting) -> None:
        """Keys, limits and usage records become available once the app's lifespan has opened them."""
        self._accounting = accounting

    @property
    def accounting(self) -> Accounting:
        assert self._accounting is not None, "Gateway.attach() was not called (the app's lifespan opens it)"
        return self._accounting

    async def close(self) -> None:
        await self.router.close()
        await self.affinity.close()

    async def handle(self, http_request: HTTPRequest, client: Codec) -> Response:
        ledger = self.accounting.open(client.name)
        ledger.principal = principal_of(http_request)
        upstream_seconds = [0.0]
        try:
            body = await read_body(http_request, self.config.server.max_body_bytes)
            answer = self._answer(http_request, body, client, ledger, upstream_seconds)
            response = await until_disconnected(http_request, answer)
        except GatewayError as error:
            ledger.close(error.status, None, error)
            response = error_response(client, error)
            if isinstance(error, LimitExceeded):
                response.headers.update(rate_limit_headers(client.name, error.snapshot))
        except ClientDisconnected:
            ledger.close(CLIENT_CLOSED_REQUEST, None, None, error_code="client_disconnected")
            return Response(status_code=CLIENT_CLOSED_REQUEST)
        except Exception:
            log.exception("request failed inside dragoman")
            internal = InternalError("dragoman failed to handle the request")
            ledger.close(internal.status, None, internal)
            response = error_response(client, internal)
        headers = response.headers
        if ledger.ticket is not None:
            headers.update(rate_limit_headers(client.name, ledger.ticket.admission.snapshot))
        if ledger.attempt is not None:
            headers[DEPLOYMENT_HEADER] = ledger.attempt.member_id
        overhead = time.perf_counter() - ledger.started - upstream_seconds[0]
        headers[OVERHEAD_HEADER] = f"{max(overhead, 0.0) * 1000:.2f}"
        return response

    async def _answer(self, http_request: HTTPRequest, body: bytes, client: Codec, ledger: RequestLedger,
                      upstream_seconds: list[float]) -> Response:
        parsed = parse_json_object(body)
        request = client.decode_request(parsed)
        ledger.stream = request.stream
        ledger.model = request.model or self.router.default_model or ""
        principal = ledger.principal or ANONYMOUS
        self.accounting.access.authorize_model(principal, ledger.model)
        estimate = len(body) // BYTES_PER_TOKEN_ESTIMATE
        plan = self.router.resolve(request.model, estimated_tokens=estimate,
                                   dialect=client.name if request.untranslated else None)
        if not plan.lone:
            plan.prefer(await preferred_member(self.affinity, request, parsed))
        ledger.ticket = await self.accounting.access.admit(principal, estimate)
        while True:
            attempt = await plan.next()
            if attempt.number > 1:  # the first attempt may have rewritten the request for its upstream
                parsed = parse_json_object(body)
                request = client.decode_request(parsed)
            ledger.attempt = attempt
            ledger.deployment = attempt.deployment
            ledger.upstream_dialect = attempt.deployment.dialect
            ledger.affinity_keys = []
            try:
                async with asyncio.timeout(attempt.deployment.first_token_seconds):
                    response = await self._attempt(http_request, client, parsed, request, attempt.deployment,
                                                   ledger, track_affinity=not plan.lone)
            except TimeoutError:
                error: GatewayError = UpstreamTimeout(
                    f"the upstream {attempt.member_id} sent no answer within "
                    f"{attempt.deployment.first_token_seconds:g}s")
                if await plan.failed(attempt, error):
                    continue
                raise error from None
            except GatewayError as error:
                if await plan.failed(attempt, error):
                    continue
                raise
            finally:
                upstream_seconds[0] = plan.upstream_seconds + plan.waited_seconds
            attempt.first_byte()
            return response

    async def _attempt(self, http_request: HTTPRequest, client: Codec, parsed: dict[str, Any], request: Request,
                       deployment: DeploymentConfig, ledger: RequestLedger, *, track_affinity: bool) -> Response:
        """One try on one member: the answer, or the error that decides whether another member is tried."""
        upstream = CODECS[deployment.dialect]
        emulate = deployment.structured_output == "tool" and request.output_format is not None
        reasoning_refused = not deployment.reasoning and request.reasoning is not None
        # Same dialect is relayed untouched unless something must be rewritten canonically: an
        # emulated output format, settings this deployment refuses, or reasoning proofs of another
        # vendor (rule *foreign-reasoning-dropped*: only the dialect that made a proof may see it).
        rewrite = emulate or reasoning_refused or _carries_foreign_reasoning(request, client.name)
        if upstream is client and (request.untranslated or not rewrite):
            if reasoning_refused:
                _strip_reasoning_settings(parsed, client.name)
            return await self._forward(http_request, client, parsed, request, deployment, ledger,
                                       track_affinity=track_affinity)
        if request.untranslated:
            raise _untranslatable(request, client, upstream)
        betas = http_request.headers.get("anthropic-beta") if client.name == "anthropic_messages" else None
        return await self._translate(client, upstream, request, deployment, ledger, emulate_output=emulate,
                                     client_betas=betas, track_affinity=track_affinity)

    async def _translate(
        self,
        client: Codec,
        upstream: Codec,
        request: Request,
        deployment: DeploymentConfig,
        ledger: RequestLedger,
        *,
        emulate_output: bool,
        client_betas: str | None,
        track_affinity: bool,
    ) -> Response:
        if request.max_tokens is None and deployment.max_tokens is not None:
            request.max_tokens = deployment.max_tokens
        apply_native_tool_policy(request, upstream.name, drop_unsupported=deployment.drop_unsupported_tools)
        if not deployment.reasoning:
            request.reasoning = None  # rule *reasoning-off*: this upstream rejects reasoning settings
        output_tool = emulate_with_tool(request) if emulate_output else None
        client_model = request.model or deployment.name  # rule *client-model-name*
        try:
            payload = orjson.dumps(upstream.encode_request(request, deployment.upstream_model))
        except InvalidRequest as error:
            raise _in_client_terms(error, client, request) from None
        headers = upstream.upstream_headers(deployment.api_key)
        if upstream.name == "anthropic_messages" and (betas := deployment.anthropic_beta.filter(client_betas)):
            headers["anthropic-beta"] = betas
        answer = await self.upstreams.post(
            deployment, upstream.upstream_path, payload, headers, stream=request.stream
        )
        await _raise_for_status(answer, upstream, stream=request.stream)
        if not request.stream:
            response = upstream.decode_response(await _read_json(answer))
            if output_tool is not None:
                response = unwrap_response(response, output_tool)
            response.model = client_model
            encoded = json_response(client.encode_response(response, request))
            if track_affinity:
                ledger.affinity_keys = response_keys(response, upstream.name)
            ledger.close(200, response.usage, None)
            return encoded
        upstream_events = canonical_events(answer, upstream.stream_decoder(), client_model)
        if output_tool is not None:
            upstream_events = unwrap_stream(upstream_events, output_tool)
        events = EventPump(upstream_events)
        interval = self.config.server.keepalive_interval
        stream = TranslatedStream(events, answer, interval, ledger,
                                  StreamKeys(upstream.name) if track_affinity else None)
        try:
            await stream.peek()
        except BaseException:
            await events.aclose()
            answer.close()
            raise
        body = stream.body(client.stream_encoder(request))
        return AccountedStream(body, ledger)

    async def _forward(
        self,
        http_request: HTTPRequest,
        codec: Codec,
        parsed: dict[str, Any],
        request: Request,
        deployment: DeploymentConfig,
        ledger: RequestLedger,
        *,
        track_affinity: bool,
    ) -> Response:
        parsed["model"] = deployment.upstream_model
        hide_usage_chunk = False
        if codec.name == "openai_chat" and request.stream and not request.include_usage:
            options = parsed.get("stream_options")
            parsed["stream_options"] = {**(options if isinstance(options, dict) else {}), "include_usage": True}
            hide_usage_chunk = True
        headers = codec.upstream_headers(deployment.api_key)
        if codec.name == "anthropic_messages":
            headers.update(anthropic_forwarded_headers(http_request, deployment))
        answer = await self.upstreams.post(
            deployment, codec.upstream_path, orjson.dumps(parsed), headers, stream=request.stream
        )
        if 400 <= answer.status < 500 and answer.status not in MEMBER_FAULT_STATUSES:
            # The client's fault, already in its dialect: relayed verbatim, nothing re-shaped or lost. (What
            # says something about the member, such as its 429, goes through the retry path instead.)
            body = await answer.read()
            ledger.close(answer.status, None, None, error_code="upstream_error")
            return Response(body, status_code=answer.status, media_type=answer.headers.get("content-type", JSON),
                            headers=_retry_after_header(answer))
        await _raise_for_status(answer, codec, stream=request.stream)
        if not request.stream:
            body = await answer.read()
            answered = _require_json_object(answer, body)
            if track_affinity:
                ledger.affinity_keys = response_keys(codec.decode_response(answered), codec.name)
            ledger.close(200, codec.decode_usage(answered), None)
            return Response(body, media_type=answer.headers.get("content-type", JSON))
        relay = PassthroughStream(
            answer,
            codec.stream_decoder(),
            codec.stream_encoder(request),
            self.config.server.keepalive_interval,
            ledger,
            StreamKeys(codec.name) if track_affinity else None,
            hide_usage_chunk=hide_usage_chunk,
            numbered_events=codec.name == "openai_responses",
        )
        try:
            await relay.peek()
        except BaseException:
            answer.close()
            raise
        return AccountedStream(relay.body(), ledger)


def anthropic_forwarded_headers(http_request: HTTPRequest, deployment: DeploymentConfig) -> dict[str, str]:
    """Client headers that change what an Anthropic upstream does, on the same-dialect path: its
    ``anthropic-version``, and its ``anthropic-beta`` flags as the deployment's allow/deny list lets through."""
    headers: dict[str, str] = {}
    if version := http_request.headers.get("anthropic-version"):
        headers["anthropic-version"] = version
    if betas := deployment.anthropic_beta.filter(http_request.headers.get("anthropic-beta")):
        headers["anthropic-beta"] = betas
    return headers


def _untranslatable(request: Request, client: Codec, upstream: Codec) -> InvalidRequest:
    first = request.untranslated[0]
    others = f" (also: {', '.join(request.untranslated[1:6])})" if len(request.untranslated) > 1 else ""
    return InvalidRequest(
        f"'{first}' cannot be translated from {client.name} to the {upstream.name} upstream of model "
        f"{request.model!r}{others}. It is carried only when the upstream speaks the client's dialect; "
        "see docs/compatibility.md.",
        param=first,
    )


# Canonical field names an upstream encoder may refuse, as each client dialect spells them.
_WIRE_PARAM_NAMES: dict[str, dict[str, str]] = {
    "anthropic_messages": {"stop": "stop_sequences", "user": "metadata.user_id"},
    "openai_responses": {"max_tokens": "max_output_tokens"},
    "openai_chat": {},
}


_CANONICAL_MESSAGE_PATH = re.compile(r"^messages\[(\d+)\](.*)$")

# Where each dialect keeps its reasoning settings, for deployments with ``reasoning: false``.
_REASONING_SETTINGS: dict[str, tuple[str, ...]] = {
    "openai_chat": ("reasoning_effort",),
    "openai_responses": ("reasoning",),
    "anthropic_messages": ("thinking",),
}


def _in_client_terms(error: InvalidRequest, client: Codec, request: Request) -> InvalidRequest:
    """An upstream encoder names canonical fields and message indexes; the client should read its own."""
    param = error.param or ""
    wire = _WIRE_PARAM_NAMES[client.name].get(param)
    if wire is None and (found := _CANONICAL_MESSAGE_PATH.match(param)):
        index = int(found.group(1))
        source = request.messages[index].source if index < len(request.messages) else None
        wire = source + found.group(2) if source else None
    if wire is None:
        return error
    error.message = error.message.replace(param, wire)
    error.param = wire
    return error


def _carries_foreign_reasoning(request: Request, dialect: str) -> bool:
    return any(
        isinstance(part, ReasoningPart) and part.origin is not None and part.origin != dialect
        for message in request.messages
        if message.role == "assistant"
        for part in message.content
    )


def _strip_reasoning_settings(parsed: dict[str, Any], dialect: str) -> None:
    for key in _REASONING_SETTINGS[dialect]:
        parsed.pop(key, None)
    output_config = parsed.get("output_config")
    if dialect == "anthropic_messages" and isinstance(output_config, dict):
        output_config.pop("effort", None)
        if not output_config:
            parsed.pop("output_config")


def _retry_after_header(answer: UpstreamResponse) -> dict[str, str]:
    value = answer.headers.get("retry-after")
    return {"retry-after": value} if value else {}


async def _raise_for_status(answer: UpstreamResponse, codec: Codec, *, stream: bool) -> None:
    if answer.status < 300 and (not stream or EVENT_STREAM in answer.headers.get("content-type", EVENT_STREAM)):
        return
    body = await answer.read()
    answer.release()
    if answer.status < 300:
        raise UpstreamProtocolError(
            f"the upstream {answer.where} answered a streaming request with "
            f"{answer.headers.get('content-type')!r} instead of an event stream: {body[:300]!r}"
        )
    error = codec.decode_error(answer.status, body)
    if error.retry_after is None:
        error.retry_after = answer.retry_after()
    raise error


async def _read_json(answer: UpstreamResponse) -> dict[str, Any]:
    return _require_json_object(answer, await answer.read())


def _require_json_object(answer: UpstreamResponse, body: bytes) -> dict[str, Any]:
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise UpstreamProtocolError(f"the upstream {answer.where} sent invalid JSON: {body[:300]!r}") from error
    if not isinstance(parsed, dict):
        raise UpstreamProtocolError(f"the upstream {answer.where} sent JSON that is not an object")
    return parsed
