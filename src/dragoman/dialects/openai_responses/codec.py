"""The OpenAI Responses codec: ``POST /v1/responses`` for clients and upstreams.

One concern per module, each docstring naming every rule by which something is mapped lossily, dropped or
refused: ``request`` (top-level fields, validation), ``input_items`` (messages, calls, outputs and other
input items), ``content`` (text, image and file parts), ``tools`` (definitions and ``tool_choice``),
``reasoning`` (config, reasoning items, opaque proofs), ``output_format`` (``text.format``),
``output_items`` and ``response`` (answers), ``stream_decode``/``stream_blocks`` and ``stream_encode``
(streams), ``stop_reason``, ``usage``, ``errors``. Errors use the shared OpenAI shape
(``dialects/openai_errors.py``).
"""

from __future__ import annotations

from dragoman.canonical.errors import GatewayError
from dragoman.canonical.request import Request
from dragoman.canonical.response import Response, Usage
from dragoman.dialects import openai_errors
from dragoman.dialects.base import Codec, DialectName, JSONObject
from dragoman.dialects.openai_responses.request import decode_request, encode_request
from dragoman.dialects.openai_responses.response import decode_response, encode_response
from dragoman.dialects.openai_responses.stream_decode import ResponsesStreamDecoder
from dragoman.dialects.openai_responses.stream_encode import ResponsesStreamEncoder
from dragoman.dialects.openai_responses.usage import decode_usage


class ResponsesCodec:
    name: DialectName = "openai_responses"
    upstream_path = "/responses"

    # --- client side ---

    def decode_request(self, body: JSONObject) -> Request:
        return decode_request(body)

    def encode_response(self, response: Response, request: Request) -> JSONObject:
        return encode_response(response, request)

    def stream_encoder(self, request: Request) -> ResponsesStreamEncoder:
        return ResponsesStreamEncoder(request)

    def encode_error(self, error: GatewayError) -> JSONObject:
        return openai_errors.encode_error(error)

    # --- upstream side ---

    def upstream_headers(self, api_key: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {api_key}"} if api_key is not None else {}

    def encode_request(self, request: Request, model: str) -> JSONObject:
        return encode_request(request, model)

    def decode_response(self, body: JSONObject) -> Response:
        return decode_response(body)

    def decode_usage(self, body: JSONObject) -> Usage:
        return decode_usage(body.get("usage"))

    def stream_decoder(self) -> ResponsesStreamDecoder:
        return ResponsesStreamDecoder()

    def decode_error(self, status: int, body: bytes) -> GatewayError:
        return openai_errors.decode_error(status, body)


CODEC: Codec = ResponsesCodec()
