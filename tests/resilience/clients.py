"""The gateway through the official SDKs (``max_retries=0``: only dragoman retries), in each client dialect,
reduced to what the resilience tests look at: status, headers, text, and errors inside a stream."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import anthropic
import httpx2
import openai

from tests.e2e.wire import USER_TEXT
from tests.gateway import CLIENT_KEY
from tests.upstream import Dialect

DEPLOYMENT = "x-dragoman-deployment"
OVERHEAD = "x-dragoman-overhead-ms"
SDK_ERRORS = (openai.APIStatusError, anthropic.APIStatusError)


@dataclass(slots=True)
class Reply:
    """A 2xx answer: its headers, its text, and the errors a stream carried (in the dialect's own shape)."""

    headers: dict[str, str]
    text: str = ""
    stream_errors: list[Any] = field(default_factory=list)
    elapsed_ms: float = 0.0

    @property
    def deployment(self) -> str | None:
        return self.headers.get(DEPLOYMENT)


def headers_of(error: openai.APIStatusError | anthropic.APIStatusError) -> dict[str, str]:
    return {name.lower(): value for name, value in error.response.headers.items()}


class Clients:
    """An OpenAI and an Anthropic SDK client for one gateway."""

    def __init__(self, url: str, *, timeout: float = 20.0) -> None:
        self.openai = openai.OpenAI(base_url=f"{url}/v1", api_key=CLIENT_KEY, max_retries=0, timeout=timeout)
        self.anthropic = anthropic.Anthropic(base_url=url, api_key=CLIENT_KEY, max_retries=0, timeout=timeout)

    def close(self) -> None:
        self.openai.close()
        self.anthropic.close()

    def ask(self, client: Dialect, model: str, *, stream: bool = False) -> Reply:
        """One ordinary request; an error status raises the SDK's exception (``openai.InternalServerError`` …)."""
        started = time.monotonic()
        if client == "chat":
            reply = self._chat(model, stream)
        elif client == "responses":
            reply = self._responses(model, stream)
        else:
            reply = self._messages(model, stream)
        reply.elapsed_ms = (time.monotonic() - started) * 1000
        return reply

    def _chat(self, model: str, stream: bool) -> Reply:
        raw = self.openai.chat.completions.with_raw_response.create(
            model=model, messages=[{"role": "user", "content": USER_TEXT}], stream=stream)
        reply = Reply(_lowered(raw.headers))
        if not stream:
            reply.text = raw.parse().choices[0].message.content or ""  # type: ignore[union-attr]
            return reply
        try:
            for chunk in raw.parse():  # type: ignore[union-attr]
                for choice in chunk.choices:
                    reply.text += choice.delta.content or ""
        except openai.APIError as error:  # the SDK raises a chunk that carries an error
            reply.stream_errors.append(error.body)
        return reply

    def _responses(self, model: str, stream: bool) -> Reply:
        raw = self.openai.responses.with_raw_response.create(
            model=model, input=[{"role": "user", "content": USER_TEXT}], stream=stream)
        reply = Reply(_lowered(raw.headers))
        if not stream:
            reply.text = raw.parse().output_text  # type: ignore[union-attr]
            return reply
        try:
            for event in raw.parse():  # type: ignore[union-attr]
                if event.type == "response.output_text.delta":
                    reply.text += event.delta
                elif event.type in ("error", "response.failed"):
                    reply.stream_errors.append(event.to_dict())
        except openai.APIError as error:  # the SDK raises the ``error`` event
            reply.stream_errors.append(error.body)
        return reply

    def _messages(self, model: str, stream: bool) -> Reply:
        raw = self.anthropic.messages.with_raw_response.create(
            model=model, max_tokens=256, messages=[{"role": "user", "content": USER_TEXT}], stream=stream)
        reply = Reply(_lowered(raw.headers))
        if not stream:
            reply.text = "".join(block.text for block in raw.parse().content if block.type == "text")  # type: ignore[union-attr]
            return reply
        try:
            for event in raw.parse():  # type: ignore[union-attr]
                if event.type == "content_block_delta" and event.delta.type == "text_delta":
                    reply.text += event.delta.text
        except anthropic.APIStatusError as error:  # the SDK raises an ``event: error``
            reply.stream_errors.append(error.body)
        return reply


def _lowered(headers: httpx2.Headers) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def error_class(client: Dialect, status: int) -> type[Exception]:
    """The exception the client's SDK raises for ``status``."""
    if client == "anthropic":
        return {400: anthropic.BadRequestError, 429: anthropic.RateLimitError, 502: anthropic.InternalServerError,
                504: anthropic.GatewayTimeoutError}[status]
    return {400: openai.BadRequestError, 429: openai.RateLimitError, 502: openai.InternalServerError,
            504: openai.InternalServerError}[status]
