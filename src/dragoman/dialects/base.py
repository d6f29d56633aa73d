"""The interface every dialect codec implements, for both directions.

One codec serves a *client* that speaks the dialect (decode its request, encode our answer) and an
*upstream* that speaks it (encode a request to it, decode its answer). Verbs are fixed: wire → canonical is
``decode_*``, canonical → wire is ``encode_*``.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from dragoman.canonical.errors import GatewayError
from dragoman.canonical.events import StreamEvent
from dragoman.canonical.request import Request
from dragoman.canonical.response import Response, Usage
from dragoman.sse import SSEMessage

DialectName = Literal["openai_chat", "openai_responses", "anthropic_messages"]
JSONObject = dict[str, Any]


class StreamEncoder(Protocol):
    """Turns canonical events into the client's exact SSE bytes. One instance per response stream.

    ``encode`` may return ``b""`` for events the dialect has no frame for. A ``StreamError`` is rendered
    inside the stream in the dialect's own way and ends it. ``keepalive`` is sent while nothing else is.
    """

    def encode(self, event: StreamEvent) -> bytes: ...

    def keepalive(self) -> bytes: ...


class StreamDecoder(Protocol):
    """Turns an upstream's SSE records into canonical events. One instance per upstream stream.

    An explicit state machine: illegal order or bad JSON raises ``UpstreamProtocolError``; an ``error``
    record becomes a ``StreamError`` event. ``finish`` is called at end of input and closes what is open;
    a stream that ended before its terminal event raises ``UpstreamProtocolError``.
    """

    def feed(self, message: SSEMessage) -> list[StreamEvent]: ...

    def finish(self) -> list[StreamEvent]: ...


class Codec(Protocol):
    name: DialectName
    upstream_path: str
    """Path appended to the deployment's ``base_url`` (e.g. ``/chat/completions`` or ``/v1/messages``)."""

    # --- client side ---
    def decode_request(self, body: JSONObject) -> Request: ...

    def encode_response(self, response: Response, request: Request) -> JSONObject: ...

    def stream_encoder(self, request: Request) -> StreamEncoder: ...

    def encode_error(self, error: GatewayError) -> JSONObject: ...

    # --- upstream side ---
    def upstream_headers(self, api_key: str | None) -> dict[str, str]: ...

    def encode_request(self, request: Request, model: str) -> JSONObject: ...

    def decode_response(self, body: JSONObject) -> Response: ...

    def decode_usage(self, body: JSONObject) -> Usage:
        """Only the usage of a non-streamed answer (cheaper than ``decode_response`` on the relay path)."""
        ...

    def stream_decoder(self) -> StreamDecoder: ...

    def decode_error(self, status: int, body: bytes) -> GatewayError: ...
