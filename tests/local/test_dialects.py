"""The embedded model through a real gateway, from each official SDK, streamed and not.

Greedy decoding (temperature 0) makes the answer a function of the prompt, so every dialect and mode must
carry the same text; the model is asked for more than ``MAX_TOKENS`` so each answer stops at the limit, and
usage must be llama.cpp's tokenizer count of the rendered prompt and exactly ``MAX_TOKENS`` written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import anthropic
import openai
import pytest

from tests.local.conftest import DEFAULT, chatml_tokens

PROMPT = "Write a long story about a dragon."
MAX_TOKENS = 16  # the least a Responses client may ask for
MODES = [pytest.param(False, id="json"), pytest.param(True, id="stream")]


@dataclass(slots=True)
class Answer:
    text: str
    stop: Any
    input_tokens: int
    output_tokens: int
    text_deltas: int = 0


def chat(client: openai.OpenAI, stream: bool) -> Answer:
    params: Any = {"model": DEFAULT, "messages": [{"role": "user", "content": PROMPT}], "max_tokens": MAX_TOKENS,
                   "temperature": 0}
    if not stream:
        completion = client.chat.completions.create(**params)
        assert completion.model == DEFAULT
        assert completion.usage is not None
        choice = completion.choices[0]
        return Answer(choice.message.content or "", choice.finish_reason, completion.usage.prompt_tokens,
                      completion.usage.completion_tokens)
    answer = Answer("", None, 0, 0)
    for chunk in client.chat.completions.create(**params, stream=True, stream_options={"include_usage": True}):
        assert chunk.model == DEFAULT
        for choice in chunk.choices:
            if choice.delta.content:
                answer.text += choice.delta.content
                answer.text_deltas += 1
            answer.stop = choice.finish_reason or answer.stop
        if chunk.usage is not None:
            answer.input_tokens, answer.output_tokens = chunk.usage.prompt_tokens, chunk.usage.completion_tokens
    return answer


def responses(client: openai.OpenAI, stream: bool) -> Answer:
    params: Any = {"model": DEFAULT, "input": PROMPT, "max_output_tokens": MAX_TOKENS, "temperature": 0}
    if not stream:
        response = client.responses.create(**params)
    else:
        deltas, final = [], None
        for event in client.responses.create(**params, stream=True):
            if event.type == "response.output_text.delta":
                deltas.append(event.delta)
            elif event.type in ("response.completed", "response.incomplete", "response.failed"):
                final = event.response
        assert final is not None
        assert "".join(deltas) == final.output_text
        response = final
    assert response.usage is not None
    reason = response.incomplete_details.reason if response.incomplete_details else None
    return Answer(response.output_text, (response.status, reason), response.usage.input_tokens,
                  response.usage.output_tokens, len(deltas) if stream else 0)


def messages(client: anthropic.Anthropic, stream: bool) -> Answer:
    # This SDK version has no temperature argument; the Messages API still takes the field.
    params: Any = {"model": DEFAULT, "max_tokens": MAX_TOKENS, "extra_body": {"temperature": 0},
                   "messages": [{"role": "user", "content": PROMPT}]}
    deltas: list[str] = []
    if not stream:
        message = client.messages.create(**params)
    else:
        with client.messages.stream(**params) as message_stream:
            deltas = list(message_stream.text_stream)
            message = message_stream.get_final_message()
    text = "".join(block.text for block in message.content if block.type == "text")
    if stream:
        assert "".join(deltas) == text
    assert message.model == DEFAULT
    return Answer(text, message.stop_reason, message.usage.input_tokens, message.usage.output_tokens, len(deltas))


LENGTH_STOP = {"chat": "length", "responses": ("incomplete", "max_output_tokens"), "anthropic": "max_tokens"}


@pytest.fixture(scope="module")
def reference(oai: openai.OpenAI) -> Answer:
    return chat(oai, stream=False)


@pytest.mark.parametrize("stream", MODES)
@pytest.mark.parametrize("dialect", ["chat", "responses", "anthropic"])
def test_every_dialect_gets_the_models_answer(dialect: str, stream: bool, oai: openai.OpenAI,
                                              claude: anthropic.Anthropic, tokenizer: Any,
                                              reference: Answer) -> None:
    answer = messages(claude, stream) if dialect == "anthropic" else (
        chat(oai, stream) if dialect == "chat" else responses(oai, stream))
    assert answer.text.strip(), answer
    assert answer.text == reference.text
    assert answer.stop == LENGTH_STOP[dialect]
    assert answer.input_tokens == chatml_tokens(tokenizer, [("user", PROMPT)])
    assert answer.output_tokens == MAX_TOKENS
    if stream:
        assert answer.text_deltas > MAX_TOKENS // 2, "the answer should stream token by token"


def test_no_model_named_means_the_default(local_gateway: Any) -> None:
    """A request without a model goes to default_model (the no-config default sets it to 'local')."""
    import httpx2

    answer = httpx2.post(f"{local_gateway.url}/v1/chat/completions", timeout=60,
                         json={"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4})
    assert answer.status_code == 200, answer.text
    assert answer.json()["usage"]["completion_tokens"] <= 4
