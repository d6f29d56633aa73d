"""``GET /v1/models``: configured model names, in the OpenAI list shape or, for clients that send
``anthropic-version``, in the Anthropic one (``type: "model"``, ``display_name``, ``created_at`` …)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request as HTTPRequest
from starlette.responses import Response

from dragoman.canonical.errors import NotFound
from dragoman.dialects.base import Codec
from dragoman.dialects.registry import CODECS
from dragoman.routing.router import Router
from dragoman.server.auth import principal_of
from dragoman.server.rendering import error_response, json_response

OWNER = "dragoman"


def _wants_anthropic(request: HTTPRequest) -> bool:
    return "anthropic-version" in request.headers


class ModelCatalog:
    def __init__(self, router: Router) -> None:
        self._router = router
        self._created = int(datetime.now(UTC).timestamp())
        self._created_at = datetime.fromtimestamp(self._created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _openai(self, name: str) -> dict[str, Any]:
        return {"id": name, "object": "model", "created": self._created, "owned_by": OWNER}

    def _anthropic(self, name: str) -> dict[str, Any]:
        members = self._router.deployments(name) or []
        limits = [member.max_tokens for member in members if member.max_tokens is not None]
        return {
            "type": "model",
            "id": name,
            "display_name": name,
            "created_at": self._created_at,
            "capabilities": None,  # unknown: the upstream decides; null is the API's own "not reported"
            "max_input_tokens": None,
            "max_tokens": min(limits) if limits else None,
        }

    def _visible(self, request: HTTPRequest) -> list[str]:
        """The models the caller may use: a key limited to some models sees only those."""
        key = principal_of(request).key
        return [name for name in self._router.listed if key is None or key.allows_model(name)]

    async def list(self, request: HTTPRequest) -> Response:
        names = self._visible(request)
        if _wants_anthropic(request):
            return json_response({
                "data": [self._anthropic(name) for name in names],
                "has_more": False,
                "first_id": names[0] if names else None,
                "last_id": names[-1] if names else None,
            })
        return json_response({"object": "list", "data": [self._openai(name) for name in names]})

    async def retrieve(self, request: HTTPRequest) -> Response:
        name = request.path_params["model_id"]
        anthropic = _wants_anthropic(request)
        visible = self._visible(request)
        if name not in visible:
            codec: Codec = CODECS["anthropic_messages" if anthropic else "openai_chat"]
            configured = ", ".join(visible) or "none"
            error = NotFound(f"The model {name!r} does not exist. Configured models: {configured}",
                             param="model", code="model_not_found")
            return error_response(codec, error)
        return json_response(self._anthropic(name) if anthropic else self._openai(name))
