"""Reasoning proofs go back ONLY to the dialect that produced them. A client of another dialect holds them
wrapped (``dragoman.v1.<origin>.<kind>.…``); when it sends its history back, the upstream that made the proof
gets it unwrapped in its own field, and every other upstream gets none of it (Anthropic rejects a signature
it did not make, OpenAI encrypted content it cannot decrypt). Driven through the SDKs, sending back the
SDK's own objects, as Claude Code and Codex do."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import openai
import pytest

from tests.e2e.conformance import check_upstream_request
from tests.e2e.matrix import only_call
from tests.e2e.thoughts import Thought, thoughts_served
from tests.upstream import Dialect, FakeUpstream
from tests.upstream.recorded import record_payload

QUESTION = "What is 925 divided by 5?"
FOLLOW_UP = "And times 2?"
WRAPPED = "dragoman.v1."
MODES = [pytest.param(False, id="json"), pytest.param(True, id="stream")]


def _first(client: Dialect, clients: tuple[openai.OpenAI, anthropic.Anthropic], model: str,
           stream: bool) -> list[Any]:
    """The client's history after one answer: the question and the answer as the SDK returned it."""
    openai_client, anthropic_client = clients
    if client == "responses":
        question: list[Any] = [{"role": "user", "content": QUESTION}]
        response: Any
        if stream:
            with openai_client.responses.stream(model=model, input=question) as events:
                response = events.get_final_response()
        else:
            response = openai_client.responses.create(model=model, input=question)
        return [*question, *(item.to_dict() for item in response.output)]
    if client == "anthropic":
        params: Any = {"model": model, "max_tokens": 2048, "messages": [{"role": "user", "content": QUESTION}]}
        if stream:
            with anthropic_client.messages.stream(**params) as events:
                message = events.get_final_message()
        else:
            message = anthropic_client.messages.create(**params)
        return [*params["messages"], {"role": "assistant", "content": [block.to_dict() for block in message.content]}]
    messages: list[Any] = [{"role": "user", "content": QUESTION}]
    completion = openai_client.chat.completions.create(model=model, messages=messages)
    return [*messages, completion.choices[0].message.to_dict()]


def _second(client: Dialect, clients: tuple[openai.OpenAI, anthropic.Anthropic], model: str,
            history: list[Any]) -> None:
    openai_client, anthropic_client = clients
    if client == "responses":
        openai_client.responses.create(model=model, input=[*history, {"role": "user", "content": FOLLOW_UP}])
    elif client == "anthropic":
        anthropic_client.messages.create(model=model, max_tokens=2048,
                                         messages=[*history, {"role": "user", "content": FOLLOW_UP}])
    else:
        openai_client.chat.completions.create(model=model, messages=[*history, {"role": "user", "content": FOLLOW_UP}])


def _anthropic_reasoning(body: dict[str, Any]) -> list[Thought]:
    thoughts = []
    for message in body["messages"]:
        for block in message["content"] if isinstance(message["content"], list) else []:
            if block["type"] == "thinking":
                thoughts.append(Thought(block["thinking"], block["signature"], "signature"))
            elif block["type"] == "redacted_thinking":
                thoughts.append(Thought("", block["data"], "redacted"))
    return thoughts


def _responses_reasoning(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for item in body["input"] if item.get("type") == "reasoning"]


def assert_back_home(origin: Dialect, served: list[Thought], sent: dict[str, Any], answer: Any) -> None:
    """The origin upstream got its own reasoning back, unwrapped, in its own fields."""
    assert WRAPPED not in json.dumps(sent), "a wrapped proof reached an upstream"
    if origin == "anthropic":
        got = _anthropic_reasoning(sent)
        assert [(t.text, t.proof, t.kind) for t in got] == [(t.text, t.proof, t.kind) for t in served], got
    elif origin == "responses":
        items = _responses_reasoning(sent)
        assert [item.get("encrypted_content") for item in items] == [t.proof for t in served], items
        served_ids = [item["id"] for item in answer_items(answer) if item["type"] == "reasoning"]
        assert [item.get("id") for item in items] == served_ids, "Responses wants the item id back (store: false)"
    else:
        (assistant,) = [message for message in sent["messages"] if message["role"] == "assistant"]
        assert assistant.get("reasoning_content") == served[0].text, assistant


def answer_items(answer: Any) -> list[dict[str, Any]]:
    """The output items of a Responses answer of the fake upstream (as output_item.done gave them)."""
    if hasattr(answer, "json"):
        items: list[dict[str, Any]] = answer.json()["output"]
        return items
    payloads = [record_payload(record) for record in answer.records]
    return [payload["item"] for payload in payloads if payload.get("type") == "response.output_item.done"]


def assert_not_elsewhere(served: list[Thought], sent: dict[str, Any]) -> None:
    """Another upstream got none of the proofs, wrapped or not."""
    text = json.dumps(sent)
    assert WRAPPED not in text, "a wrapped proof reached an upstream"
    for thought in served:
        if thought.proof:
            assert thought.proof not in text, "a proof reached an upstream of another vendor"


SOURCES: list[tuple[Dialect, Dialect, str]] = [
    ("responses", "anthropic", "thinking"), ("responses", "anthropic", "redacted-thinking"),
    ("chat", "anthropic", "thinking"),
    ("anthropic", "responses", "reasoning"), ("anthropic", "responses", "reasoning-summary"),
    ("chat", "responses", "reasoning-summary"),
    ("anthropic", "chat", "reasoning"), ("responses", "chat", "reasoning"),
]
CASES = [pytest.param(client, origin, scenario, destination, id=f"{client}-from-{origin}-{scenario}-to-{destination}")
         for client, origin, scenario in SOURCES for destination in ("chat", "responses", "anthropic")]


@pytest.mark.parametrize("stream", MODES)
@pytest.mark.parametrize(("client", "origin", "scenario", "destination"), CASES)
def test_proof_goes_back_only_to_its_origin(client: Dialect, origin: Dialect, scenario: str, destination: Dialect,
                                            stream: bool, openai_client: openai.OpenAI,
                                            anthropic_client: anthropic.Anthropic, upstream: FakeUpstream) -> None:
    if stream and client == "chat":
        pytest.skip("chat streams carry the same reasoning text; the chat turn is covered whole")
    clients = (openai_client, anthropic_client)
    mark = upstream.mark()
    history = _first(client, clients, f"{origin}/{scenario}", stream)
    served_answer = only_call(upstream, mark, origin).answer
    served = thoughts_served(origin, served_answer)
    assert served, "the recording has reasoning"
    mark = upstream.mark()
    _second(client, clients, f"{destination}/text", history)
    sent = only_call(upstream, mark, destination).json
    if client != destination:
        check_upstream_request(destination, sent)
    if destination == origin and client != "chat":
        assert_back_home(origin, served, sent, served_answer)
    else:  # another vendor, or a chat client, which has no field to hold a proof
        assert_not_elsewhere(served, sent)
