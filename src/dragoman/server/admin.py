"""The admin JSON API under ``/admin/``: API keys (master key only) and usage (every key's with the master
key, only its own with a ``dk-`` key). Without a master key (open mode) it answers loopback clients only.

::

    POST   /admin/keys                 {name, models, rpm, tpm, max_parallel, budget_usd, budget_period,
                                        expires_at}  -> 201 {"key": {...}, "secret": "dk-…"} (shown once)
    GET    /admin/keys[?include_revoked=true]      -> {"object": "list", "data": [key, …]}
    GET    /admin/keys/{id}                        -> key
    PATCH  /admin/keys/{id}    the same fields; absent: unchanged, null: cleared -> key
    DELETE /admin/keys/{id}, POST /admin/keys/{id}/revoke                      -> the revoked key
    GET    /admin/usage?key_id=&model=&since=&until=&limit=
           -> {"object": "list", "data": [record, …], "daily": [aggregate, …], "total": n}

Errors are OpenAI-shaped (``{"error": {"message", "type", "param", "code"}}``), as for an OpenAI client.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from starlette.requests import Request as HTTPRequest
from starlette.responses import Response
from starlette.routing import Route

from dragoman.access.control import presented_secret
from dragoman.access.key_admin import changes_for_update, create_key, parse_moment, settings_for_create
from dragoman.access.keys import ApiKey
from dragoman.access.runtime import AccessRuntime
from dragoman.access.usage import UsageQuery
from dragoman.access.usage_report import usage_report
from dragoman.canonical.errors import AuthenticationFailed, GatewayError, InvalidRequest, NotFound, PermissionDenied
from dragoman.dialects.registry import CODECS
from dragoman.loopback import is_loopback
from dragoman.server.body import parse_json_object, read_body
from dragoman.server.rendering import error_response, json_response

RuntimeGetter = Callable[[], AccessRuntime]
Handler = Callable[[HTTPRequest, AccessRuntime], Awaitable[Response]]
DeploymentStates = Callable[[], Awaitable[list[dict[str, Any]]]]

CODEC = CODECS["openai_chat"]
MAX_ADMIN_BODY_BYTES = 64 * 1024
DEFAULT_USAGE_LIMIT = UsageQuery().limit
MAX_USAGE_LIMIT = 10_000
USAGE_PARAMETERS = ("key_id", "model", "since", "until", "limit")
_NO_STORE = {"cache-control": "no-store"}


def admin_routes(runtime_getter: RuntimeGetter, deployments: DeploymentStates) -> list[Route]:
    """The ``/admin/`` routes. ``runtime_getter`` is called per request: the runtime opens in the app's
    lifespan, after the routes are built. ``deployments`` gives every upstream member's routing state."""

    async def deployment_states(request: HTTPRequest, runtime: AccessRuntime) -> Response:
        await _require_master(request, runtime)
        return json_response({"object": "list", "data": await deployments()})

    def endpoint(handler: Handler) -> Callable[[HTTPRequest], Awaitable[Response]]:
        async def run(request: HTTPRequest) -> Response:
            try:
                return await handler(request, runtime_getter())
            except GatewayError as error:
                return error_response(CODEC, error)

        return run

    return [
        Route("/admin/keys", endpoint(_create_key), methods=["POST"]),
        Route("/admin/keys", endpoint(_list_keys), methods=["GET"]),
        Route("/admin/keys/{key_id}", endpoint(_get_key), methods=["GET"]),
        Route("/admin/keys/{key_id}", endpoint(_update_key), methods=["PATCH"]),
        Route("/admin/keys/{key_id}", endpoint(_revoke_key), methods=["DELETE"]),
        Route("/admin/keys/{key_id}/revoke", endpoint(_revoke_key), methods=["POST"]),
        Route("/admin/usage", endpoint(_usage), methods=["GET"]),
        Route("/admin/deployments", endpoint(deployment_states), methods=["GET"]),
    ]


async def _create_key(request: HTTPRequest, runtime: AccessRuntime) -> Response:
    await _require_master(request, runtime)
    new = settings_for_create(await _json_body(request))
    key, secret = await create_key(runtime.store, new)
    return json_response({"key": key.public(), "secret": secret}, 201, _NO_STORE)


async def _list_keys(request: HTTPRequest, runtime: AccessRuntime) -> Response:
    await _require_master(request, runtime)
    _refuse_unknown_parameters(request, ("include_revoked",))
    include_revoked = _boolean_parameter(request, "include_revoked", default=False)
    keys = await runtime.store.list_keys(include_revoked=include_revoked)
    return json_response({"object": "list", "data": [key.public() for key in keys]})


async def _get_key(request: HTTPRequest, runtime: AccessRuntime) -> Response:
    await _require_master(request, runtime)
    return json_response((await _existing_key(request, runtime)).public())


async def _update_key(request: HTTPRequest, runtime: AccessRuntime) -> Response:
    await _require_master(request, runtime)
    current = await _existing_key(request, runtime)
    body = await _json_body(request)
    if current.revoked_at is not None:
        raise InvalidRequest(f"The API key {current.id} is revoked and can no longer be changed",
                             status=409, code="key_revoked")
    changes = changes_for_update(body, current)
    if not changes:
        return json_response(current.public())
    updated = await runtime.store.update_key(current.id, changes)
    runtime.access.forget(current.id)
    if updated is None:
        raise _unknown_key(current.id)
    return json_response(updated.public())


async def _revoke_key(request: HTTPRequest, runtime: AccessRuntime) -> Response:
    await _require_master(request, runtime)
    key_id = request.path_params["key_id"]
    revoked = await runtime.access.revoke(key_id)
    if revoked is None:
        raise _unknown_key(key_id)
    return json_response(revoked.public())


async def _usage(request: HTTPRequest, runtime: AccessRuntime) -> Response:
    own_key_id = await _usage_scope(request, runtime)
    _refuse_unknown_parameters(request, USAGE_PARAMETERS)
    params = request.query_params
    key_id = params.get("key_id") or None
    if own_key_id is not None:
        if key_id is not None and key_id != own_key_id:
            raise PermissionDenied("An API key can read only its own usage; leave key_id out or give its own id",
                                   param="key_id", code="usage_of_other_key")
        key_id = own_key_id
    elif key_id is not None and await runtime.store.get_key(key_id) is None:
        raise _unknown_key(key_id, param="key_id")
    since = _moment_parameter(request, "since")
    until = _moment_parameter(request, "until")
    if since is not None and until is not None and since >= until:
        raise InvalidRequest("since must be before until", param="since", code="invalid_time_range")
    query = UsageQuery(key_id=key_id, model=params.get("model") or None, since=since, until=until,
                       limit=_limit_parameter(request))
    return json_response(await usage_report(runtime.store, query))


async def _require_master(request: HTTPRequest, runtime: AccessRuntime) -> None:
    access = runtime.access
    if access.open:
        _require_loopback(request)
        return
    if access.is_master(presented_secret(request.headers)):
        return
    principal = await access.authenticate(request.headers)  # 401 for a missing or unknown key
    presented = f"; {principal.key.prefix}… is an ordinary API key" if principal.key else ""
    raise PermissionDenied(f"The admin API needs the master key{presented}", code="master_key_required")


async def _usage_scope(request: HTTPRequest, runtime: AccessRuntime) -> str | None:
    """The key id a caller is confined to, or ``None`` when it may read every key's usage."""
    principal = await runtime.access.authenticate(request.headers)
    if principal.master:
        return None
    if principal.key is None:  # open mode, no valid key
        _require_loopback(request)
        return None
    # Read the key again rather than trusting the per-replica cache: a revocation on any replica counts now.
    current = await runtime.store.get_key(principal.key.id)
    if current is None or current.revoked_at is not None:
        raise AuthenticationFailed(f"The API key {principal.key.prefix}… has been revoked.", code="invalid_api_key")
    return current.id


def _require_loopback(request: HTTPRequest) -> None:
    if not is_loopback(request.client.host if request.client else None):
        raise PermissionDenied(
            "The admin API answers only loopback clients while dragoman runs without a master key; "
            "set auth.master_key (or DRAGOMAN_MASTER_KEY) to use it from elsewhere",
            code="admin_loopback_only",
        )


async def _json_body(request: HTTPRequest) -> dict[str, Any]:
    return parse_json_object(await read_body(request, MAX_ADMIN_BODY_BYTES))


async def _existing_key(request: HTTPRequest, runtime: AccessRuntime) -> ApiKey:
    key_id = request.path_params["key_id"]
    key = await runtime.store.get_key(key_id)
    if key is None:
        raise _unknown_key(key_id)
    return key


def _unknown_key(key_id: str, *, param: str | None = None) -> NotFound:
    return NotFound(f"No API key has the id {key_id!r}", param=param, code="key_not_found")


def _refuse_unknown_parameters(request: HTTPRequest, known: tuple[str, ...]) -> None:
    for name in request.query_params:
        if name not in known:
            raise InvalidRequest(f"Unknown query parameter {name!r}; the parameters are: {', '.join(known)}",
                                 param=name, code="unknown_parameter")


def _boolean_parameter(request: HTTPRequest, name: str, *, default: bool) -> bool:
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise InvalidRequest(f"{name} must be true or false, not {value!r}", param=name, code="invalid_parameter")


def _moment_parameter(request: HTTPRequest, name: str) -> datetime | None:
    value = request.query_params.get(name)
    if not value:
        return None
    try:
        return parse_moment(value)
    except ValueError as error:
        raise InvalidRequest(f"Invalid {name}: {error}", param=name, code="invalid_parameter") from None


def _limit_parameter(request: HTTPRequest) -> int:
    value = request.query_params.get("limit")
    if not value:
        return DEFAULT_USAGE_LIMIT
    if not value.isdigit() or not 1 <= int(value) <= MAX_USAGE_LIMIT:
        raise InvalidRequest(f"limit must be an integer from 1 to {MAX_USAGE_LIMIT}, not {value!r}",
                             param="limit", code="invalid_parameter")
    return int(value)
