"""Call the gateway through the official SDKs, each the way its users do, and read what the SDK returns."""

from __future__ import annotations

from typing import Any

import anthropic
import openai

from tests.e2e.outcome import Outcome, Usage
from tests.e2e.wire import USER_TEXT
from tests.upstream import Dialect


def _chat_usage(usage: Any) -> Usage | None:
    if usage is None:
        return None
    details = usage.prompt_tokens_details
    return Usage(usage.prompt_tokens, usage.completion_tokens, (details.cached_tokens or 0) if details else 0,
                 total=usage.total_tokens)


def _responses_usage(usage: Any) -> Usage | None:
    if usage is None:
        return None
    details = usage.input_tokens_details
    return Usage(usage.input_tokens, usage.output_tokens, (details.cached_tokens or 0) if details else 0,
                 total=usage.total_tokens)


def _anthropic_usage(usage: Any) -> Usage:
    read, write = usage.cache_read_input_tokens or 0, usage.cache_creation_input_tokens or 0
    return Usage(usage.input_tokens + read + write, usage.output_tokens, read, write)


def _response_outcome(response: Any) -> Outcome:
    reason = response.incomplete_details.reason if response.incomplete_details else None
    return Outcome(response.output_text, (response.status, reason), _responses_usage(response.usage))


def _message_outcome(message: Any) -> Outcome:
    text = "".join(block.text for block in message.content if block.type == "text")
    return Outcome(text, message.stop_reason, _anthropic_usage(message.usage))


def chat(client: openai.OpenAI, model: str, stream: bool, **extra: Any) -> Outcome:
    messages: Any = [{"role": "user", "content": USER_TEXT}]
    if not stream:
        completion = client.chat.completions.create(model=model, messages=messages, **extra)
        choice = completion.choices[0]
        return Outcome(choice.message.content or "", choice.finish_reason, _chat_usage(completion.usage))
    outcome = Outcome()
    for chunk in client.chat.completions.create(model=model, messages=messages, stream=True,
                                                stream_options={"include_usage": True}, **extra):
        for choice in chunk.choices:
            outcome.text += choice.delta.content or ""
            outcome.stop = choice.finish_reason or outcome.stop
        outcome.usage = _chat_usage(chunk.usage) or outcome.usage
    return outcome


def chat_helper(client: openai.OpenAI, model: str) -> Outcome:
    """``client.chat.completions.stream(...)``: the SDK's own stream accumulator."""
    messages: Any = [{"role": "user", "content": USER_TEXT}]
    with client.chat.completions.stream(model=model, messages=messages,
                                        stream_options={"include_usage": True}) as stream:
        deltas = "".join(event.delta for event in stream if event.type == "content.delta")
        completion = stream.get_final_completion()
    choice = completion.choices[0]
    assert deltas == (choice.message.content or "")
    return Outcome(choice.message.content or "", choice.finish_reason, _chat_usage(completion.usage))


def responses(client: openai.OpenAI, model: str, stream: bool, **extra: Any) -> Outcome:
    if not stream:
        return _response_outcome(client.responses.create(model=model, input=USER_TEXT, **extra))
    text, final = "", None
    for event in client.responses.create(model=model, input=USER_TEXT, stream=True, **extra):
        if event.type == "response.output_text.delta":
            text += event.delta
        elif event.type in ("response.completed", "response.incomplete", "response.failed"):
            final = event.response
    assert final is not None, "the stream ended without a terminal response event"
    outcome = _response_outcome(final)
    assert text == outcome.text, (text, outcome.text)
    return outcome


def responses_helper(client: openai.OpenAI, model: str) -> Outcome:
    """``client.responses.stream(...)`` with ``get_final_response()``."""
    with client.responses.stream(model=model, input=USER_TEXT) as stream:
        deltas = "".join(event.delta for event in stream if event.type == "response.output_text.delta")
        final = stream.get_final_response()
    assert deltas == final.output_text
    return _response_outcome(final)


def messages(client: anthropic.Anthropic, model: str, stream: bool, **extra: Any) -> Outcome:
    params: dict[str, Any] = {"model": model, "max_tokens": 256,
                              "messages": [{"role": "user", "content": USER_TEXT}], **extra}
    if not stream:
        return _message_outcome(client.messages.create(**params))
    with client.messages.stream(**params) as message_stream:
        text = "".join(message_stream.text_stream)
        final = message_stream.get_final_message()
    outcome = _message_outcome(final)
    assert text == outcome.text, (text, outcome.text)
    return outcome


def call(client: Dialect, clients: tuple[openai.OpenAI, anthropic.Anthropic], model: str, stream: bool,
         **extra: Any) -> Outcome:
    openai_client, anthropic_client = clients
    if client == "chat":
        return chat(openai_client, model, stream, **extra)
    if client == "responses":
        return responses(openai_client, model, stream, **extra)
    return messages(anthropic_client, model, stream, **extra)
