"""The tool round trip through the official SDKs, used as their users use them: the SDK's own stream
accumulators build the answer, and the next turn sends back the SDK's objects as they came."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import openai
import pytest

from tests.e2e.calls import Call, calls_of_output, calls_served
from tests.e2e.exchange import QUESTION, Result, results_for
from tests.e2e.matrix import PAIR_IDS, PAIRS
from tests.e2e.round_trip import assert_calls_translated, assert_results_paired
from tests.e2e.tooling import tools_wire
from tests.e2e.wire import PATHS
from tests.upstream import Dialect, FakeUpstream

MODES = [pytest.param(False, id="json"), pytest.param(True, id="stream")]


def _chat(client: openai.OpenAI, model: str, stream: bool, messages: list[Any]) -> tuple[Any, list[Call]]:
    tools: Any = tools_wire("chat")
    completion: Any
    if stream:
        with client.chat.completions.stream(model=model, messages=messages, tools=tools) as events:
            completion = events.get_final_completion()
    else:
        completion = client.chat.completions.create(model=model, messages=messages, tools=tools)
    message = completion.choices[0].message
    calls = [Call(call.id, call.function.name, call.function.arguments)
             for call in message.tool_calls or [] if call.type == "function"]
    assert completion.choices[0].finish_reason in ("tool_calls", "stop", "length")
    return message.to_dict(), calls


def _responses(client: openai.OpenAI, model: str, stream: bool, items: list[Any]) -> tuple[list[Any], list[Call]]:
    tools: Any = tools_wire("responses")
    response: Any
    if stream:
        with client.responses.stream(model=model, input=items, tools=tools) as events:
            response = events.get_final_response()
    else:
        response = client.responses.create(model=model, input=items, tools=tools)
    output = [item.to_dict() for item in response.output]
    return output, calls_of_output(output)


def _messages(client: anthropic.Anthropic, model: str, stream: bool, messages: list[Any]) -> tuple[Any, list[Call]]:
    params: Any = {"model": model, "max_tokens": 256, "messages": messages, "tools": tools_wire("anthropic")}
    if stream:
        with client.messages.stream(**params) as events:
            message = events.get_final_message()
    else:
        message = client.messages.create(**params)
    content: list[Any] = [block.to_dict() for block in message.content]
    calls = [Call(block["id"], block["name"], json.dumps(block["input"])) for block in content
             if block["type"] == "tool_use"]
    return content, calls


def _turns(client: Dialect, clients: tuple[openai.OpenAI, anthropic.Anthropic], model: str, follow_model: str,
           stream: bool) -> tuple[list[Call], list[Result]]:
    """Ask, then send the SDK's answer back with results; returns (calls the client got, results sent)."""
    openai_client, anthropic_client = clients
    if client == "chat":
        question: list[Any] = [{"role": "user", "content": QUESTION}]
        message, calls = _chat(openai_client, model, stream, question)
        results = results_for(calls)
        tool_messages = [{"role": "tool", "tool_call_id": r.call_id, "content": r.text} for r in results]
        _chat(openai_client, follow_model, stream, [*question, message, *tool_messages])
    elif client == "responses":
        question = [{"role": "user", "content": QUESTION}]
        output, calls = _responses(openai_client, model, stream, question)
        results = results_for(calls)
        outputs = [{"type": "function_call_output", "call_id": r.call_id, "output": r.text} for r in results]
        _responses(openai_client, follow_model, stream, [*question, *output, *outputs])
    else:
        question = [{"role": "user", "content": QUESTION}]
        content, calls = _messages(anthropic_client, model, stream, question)
        results = results_for(calls, error_at=0)
        blocks = [{"type": "tool_result", "tool_use_id": r.call_id, "content": r.text, "is_error": r.is_error}
                  for r in results]
        _messages(anthropic_client, follow_model, stream,
                  [*question, {"role": "assistant", "content": content}, {"role": "user", "content": blocks}])
    return calls, results


@pytest.mark.parametrize("stream", MODES)
@pytest.mark.parametrize(("client", "upstream_dialect"), PAIRS, ids=PAIR_IDS)
def test_sdk_tool_round_trip(client: Dialect, upstream_dialect: Dialect, stream: bool, openai_client: openai.OpenAI,
                             anthropic_client: anthropic.Anthropic, upstream: FakeUpstream) -> None:
    mark = upstream.mark()
    calls, results = _turns(client, (openai_client, anthropic_client), f"{upstream_dialect}/parallel-tool-calls",
                            f"{upstream_dialect}/text", stream)
    first, second = upstream.since(mark)
    assert first.path == second.path == PATHS[upstream_dialect]
    served = calls_served(upstream_dialect, first.answer)
    assert_calls_translated(client, served, calls)
    assert_results_paired(client, upstream_dialect, second.json, served, results)
