"""The ASGI application: routes, and the dialect each path implies for its errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request as HTTPRequest
from starlette.responses import Response
from starlette.routing import Route

from dragoman import __version__
from dragoman.access.control import AccessControl
from dragoman.access.runtime import AccessRuntime, open_runtime
from dragoman.canonical.errors import GatewayError, InvalidRequest, NotFound
from dragoman.config import Config
from dragoman.dialects.base import Codec
from dragoman.dialects.registry import CODECS
from dragoman.discovery import Discovery
from dragoman.providers.http import UpstreamClient
from dragoman.server.accounting import Accounting
from dragoman.server.admin import admin_routes
from dragoman.server.auth import gated
from dragoman.server.count_tokens import ANTHROPIC_COUNTER, RESPONSES_COUNTER, count_tokens
from dragoman.server.handler import Gateway
from dragoman.server.models import ModelCatalog
from dragoman.server.rendering import error_response, json_response

Endpoint = Callable[[HTTPRequest], Awaitable[Response]]


def dialect_for_path(path: str) -> Codec:
    """The dialect a client calling ``path`` speaks, for rendering errors on unknown routes."""
    if path.startswith(("/v1/messages", "/messages", "/v1/complete")):
        return CODECS["anthropic_messages"]
    if path.startswith(("/v1/responses", "/responses")):
        return CODECS["openai_responses"]
    return CODECS["openai_chat"]


def _models_dialect(request: HTTPRequest) -> Codec:
    """``/v1/models`` serves both families of SDKs; Anthropic's send ``anthropic-version``."""
    return CODECS["anthropic_messages" if "anthropic-version" in request.headers else "openai_chat"]


def build_app(config: Config) -> Starlette:
    upstreams = UpstreamClient()
    gateway = Gateway(config, upstreams)
    catalog = ModelCatalog(gateway.router)
    opened: list[AccessRuntime] = []

    def runtime() -> AccessRuntime:
        assert opened, "the access runtime opens in the app's lifespan"
        return opened[0]

    def access() -> AccessControl:
        return runtime().access

    def guard(endpoint: Endpoint, dialect: Callable[[HTTPRequest], Codec]) -> Endpoint:
        return gated(endpoint, access, dialect)

    def fixed(codec: Codec) -> Callable[[HTTPRequest], Codec]:
        return lambda _request: codec

    def chat_endpoint(codec: Codec) -> Endpoint:
        async def endpoint(request: HTTPRequest) -> Response:
            return await gateway.handle(request, codec)

        return endpoint

    async def root(request: HTTPRequest) -> Response:
        return json_response({"name": "dragoman", "version": __version__, "status": "ok"})

    async def healthz(request: HTTPRequest) -> Response:
        return json_response({"status": "ok"})

    async def responses_get(request: HTTPRequest) -> Response:
        codec = CODECS["openai_responses"]
        if request.headers.get("upgrade", "").lower() == "websocket":
            # Codex CLI tries a WebSocket first; 426 makes it fall back to HTTP streaming at once.
            error = GatewayError("WebSocket transport is not supported; use HTTP POST /v1/responses",
                                 status=426, code="websocket_not_supported")
            error.kind = "invalid_request"
            return error_response(codec, error)
        return error_response(codec, InvalidRequest("Use POST /v1/responses", status=405, code="method_not_allowed"))

    async def anthropic_tokens(request: HTTPRequest) -> Response:
        return await count_tokens(gateway, request, ANTHROPIC_COUNTER)

    async def responses_tokens(request: HTTPRequest) -> Response:
        return await count_tokens(gateway, request, RESPONSES_COUNTER)

    async def not_found(request: HTTPRequest, exc: Exception) -> Response:
        codec = dialect_for_path(request.url.path)
        status = getattr(exc, "status_code", 404)
        if status == 405:
            error: GatewayError = InvalidRequest(
                f"Method {request.method} is not allowed on {request.url.path}", status=405, code="method_not_allowed"
            )
        else:
            error = NotFound(f"Unknown route: {request.method} {request.url.path}", code="unknown_route")
        return error_response(codec, error)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        opened.append(await open_runtime(config, start_writer=True))
        accounting = Accounting(runtime().access, runtime().writer, gateway.affinity)
        gateway.attach(accounting)
        await upstreams.start()
        discovery = Discovery.from_config(config, gateway.router)
        if discovery is not None:
            discovery.start()
        try:
            yield
        finally:
            if discovery is not None:
                await discovery.stop()
            await upstreams.close()
            await accounting.drain()
            await gateway.close()
            await runtime().close()

    chat, responses, messages = CODECS["openai_chat"], CODECS["openai_responses"], CODECS["anthropic_messages"]
    routes = [
        Route("/", root, methods=["GET", "HEAD"]),
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
        Route("/v1/chat/completions", guard(chat_endpoint(chat), fixed(chat)), methods=["POST"]),
        Route("/chat/completions", guard(chat_endpoint(chat), fixed(chat)), methods=["POST"]),
        Route("/v1/responses", guard(chat_endpoint(responses), fixed(responses)), methods=["POST"]),
        Route("/v1/responses", responses_get, methods=["GET"]),
        Route("/v1/messages", guard(chat_endpoint(messages), fixed(messages)), methods=["POST"]),
        Route("/v1/messages/count_tokens", guard(anthropic_tokens, fixed(messages)), methods=["POST"]),
        Route("/v1/responses/input_tokens", guard(responses_tokens, fixed(responses)), methods=["POST"]),
        Route("/v1/models", guard(catalog.list, _models_dialect), methods=["GET"]),
        Route("/models", guard(catalog.list, _models_dialect), methods=["GET"]),
        Route("/v1/models/{model_id:path}", guard(catalog.retrieve, _models_dialect), methods=["GET"]),
        Route("/models/{model_id:path}", guard(catalog.retrieve, _models_dialect), methods=["GET"]),
        *admin_routes(runtime, gateway.router.snapshot),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={404: not_found, 405: not_found})
    app.state.gateway = gateway
    return app
