"""The OpenAI Chat Completions codec: one object serving chat clients and chat upstreams.

Upstream side: ``POST {base_url}/chat/completions`` (``base_url`` ends in ``/v1``) with
``Authorization: Bearer <key>`` (left out when the deployment has no key) and
``Content-Type: application/json``. Errors in both directions use the shared OpenAI error shape
(``dialects/openai_errors.py``). The rules for what is carried, dropped or refused are in the docstrings
of the modules, one concern each: ``request.py`` (top-level fields), ``messages.py`` (messages and roles),
``content.py`` (text, images, documents), ``tools.py`` (tool definitions, ``tool_choice``, tool calls),
``tool_results.py`` (``tool`` messages), ``reasoning.py`` (``reasoning_effort``, reasoning in history),
``output_format.py`` (``response_format``), ``response.py``, ``stream_decode.py``, ``stream_encode.py``,
``stop_reason.py``, ``usage.py`` and ``errors.py`` (errors inside 200 answers).
"""

from __future__ import annotations

from dragoman.canonical.errors import GatewayError
from dragoman.canonical.request import Request
from dragoman.canonical.response import Response, Usage
from dragoman.dialects import openai_errors
from dragoman.dialects.base import Codec, DialectName, JSONObject
from dragoman.dialects.openai_chat import request as chat_request
from dragoman.dialects.openai_chat import response as chat_response
from dragoman.dialects.openai_chat.stream_decode import ChatStreamDecoder
from dragoman.dialects.openai_chat.stream_encode import ChatStreamEncoder
from dragoman.dialects.openai_chat.usage import decode_usage


class OpenAIChatCodec:
    name: DialectName = "openai_chat"
    upstream_path = "/chat/completions"

    # --- client side ---
    def decode_request(self, body: JSONObject) -> Request:
        return chat_request.decode_request(body)

    def encode_response(self, response: Response, request: Request) -> JSONObject:
        return chat_response.encode_response(response, request)

    def stream_encoder(self, request: Request) -> ChatStreamEncoder:
        return ChatStreamEncoder(request)

    def encode_error(self, error: GatewayError) -> JSONObject:
        return openai_errors.encode_error(error)

    # --- upstream side ---
    def upstream_headers(self, api_key: str | None) -> dict[str, str]:
        if api_key is None:
            return {"Content-Type": "application/json"}
        return {"Content-Type": "application/json", "Authorization": f"Bearer {api_key}"}

    def encode_request(self, request: Request, model: str) -> JSONObject:
        return chat_request.encode_request(request, model)

    def decode_response(self, body: JSONObject) -> Response:
        return chat_response.decode_response(body)

    def decode_usage(self, body: JSONObject) -> Usage:
        return decode_usage(body.get("usage"))

    def stream_decoder(self) -> ChatStreamDecoder:
        return ChatStreamDecoder()

    def decode_error(self, status: int, body: bytes) -> GatewayError:
        return openai_errors.decode_error(status, body)


CODEC: Codec = OpenAIChatCodec()
