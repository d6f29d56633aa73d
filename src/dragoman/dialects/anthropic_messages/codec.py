"""The Anthropic Messages codec (``POST /v1/messages``), for clients and upstreams that speak it.

``DEFAULT_MAX_TOKENS`` is the ``max_tokens`` sent to an Anthropic upstream when the canonical request has
none (the API requires it). 8192 fits every current Claude model's output limit and is what clients such
as the SDK examples use; the server may override it per deployment by setting ``request.max_tokens``
before encoding. The named translation rules live in each module's docstring.
"""

from __future__ import annotations

from typing import Final

from dragoman.canonical.errors import GatewayError
from dragoman.canonical.request import Request
from dragoman.canonical.response import Response, Usage
from dragoman.dialects.anthropic_messages.errors import decode_error, encode_error
from dragoman.dialects.anthropic_messages.request import decode_request, encode_request
from dragoman.dialects.anthropic_messages.response import decode_response, encode_response
from dragoman.dialects.anthropic_messages.stream_decode import AnthropicStreamDecoder
from dragoman.dialects.anthropic_messages.stream_encode import AnthropicStreamEncoder
from dragoman.dialects.anthropic_messages.usage import decode_usage
from dragoman.dialects.base import Codec, DialectName, JSONObject

DEFAULT_MAX_TOKENS = 8192
ANTHROPIC_VERSION: Final = "2023-06-01"


class AnthropicMessagesCodec:
    name: DialectName = "anthropic_messages"
    upstream_path = "/v1/messages"

    # --- client side ---
    def decode_request(self, body: JSONObject) -> Request:
        return decode_request(body)

    def encode_response(self, response: Response, request: Request) -> JSONObject:
        return encode_response(response, request)

    def stream_encoder(self, request: Request) -> AnthropicStreamEncoder:
        return AnthropicStreamEncoder(request)

    def encode_error(self, error: GatewayError) -> JSONObject:
        return encode_error(error)

    # --- upstream side ---
    def upstream_headers(self, api_key: str | None) -> dict[str, str]:
        headers = {"anthropic-version": ANTHROPIC_VERSION, "content-type": "application/json"}
        if api_key is not None:
            headers["x-api-key"] = api_key
        return headers

    def encode_request(self, request: Request, model: str) -> JSONObject:
        return encode_request(request, model, default_max_tokens=DEFAULT_MAX_TOKENS)

    def decode_response(self, body: JSONObject) -> Response:
        return decode_response(body)

    def decode_usage(self, body: JSONObject) -> Usage:
        return decode_usage(body.get("usage"))

    def stream_decoder(self) -> AnthropicStreamDecoder:
        return AnthropicStreamDecoder()

    def decode_error(self, status: int, body: bytes) -> GatewayError:
        return decode_error(status, body)


CODEC = AnthropicMessagesCodec()
_CONFORMS: Codec = CODEC
