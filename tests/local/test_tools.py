"""Tool calls from the embedded model (its chat format calls tools), and the 400 when a format cannot."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import openai
import pytest
from openai.types.chat import ChatCompletionMessageFunctionToolCall

from tests.local.conftest import DEFAULT, TEMPLATE

QUESTION = "What is the weather in Paris?"
PARAMETERS = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
CHAT_TOOL: Any = {"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
                                                   "parameters": PARAMETERS}}
MODES = [pytest.param(False, id="json"), pytest.param(True, id="stream")]


@pytest.mark.parametrize("stream", MODES)
def test_chat_tool_call(stream: bool, oai: openai.OpenAI) -> None:
    """``required`` with one tool forces it: the arguments follow the schema (a grammar makes sure)."""
    params: Any = {"model": DEFAULT, "messages": [{"role": "user", "content": QUESTION}], "tools": [CHAT_TOOL],
                   "tool_choice": "required", "max_tokens": 40, "temperature": 0}
    if stream:
        with oai.chat.completions.stream(**params) as events:
            completion = events.get_final_completion()
    else:
        completion = oai.chat.completions.create(**params)
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    calls = choice.message.tool_calls or []
    assert len(calls) == 1
    call = calls[0]
    assert isinstance(call, ChatCompletionMessageFunctionToolCall)
    assert call.id.startswith("call_")
    assert call.function.name == "get_weather"
    assert isinstance(json.loads(call.function.arguments)["city"], str)


def test_tool_result_goes_back_to_the_model(oai: openai.OpenAI) -> None:
    """A whole tool round: the call and its result in the history, the model answers in text."""
    completion = oai.chat.completions.create(
        model=DEFAULT, temperature=0, max_tokens=24, tools=[CHAT_TOOL], tool_choice="none",
        messages=[
            {"role": "user", "content": QUESTION},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "get_weather",
                                                                    "arguments": '{"city": "Paris"}'}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "Sunny, 24 degrees"},
        ])
    choice = completion.choices[0]
    assert choice.message.content
    assert not choice.message.tool_calls


@pytest.mark.parametrize("stream", MODES)
def test_anthropic_tool_use(stream: bool, claude: anthropic.Anthropic) -> None:
    params: Any = {"model": DEFAULT, "max_tokens": 40, "messages": [{"role": "user", "content": QUESTION}],
                   "tools": [{"name": "get_weather", "description": "Weather for a city", "input_schema": PARAMETERS}],
                   "tool_choice": {"type": "tool", "name": "get_weather"}}
    if stream:
        with claude.messages.stream(**params) as events:
            message = events.get_final_message()
    else:
        message = claude.messages.create(**params)
    assert message.stop_reason == "tool_use"
    uses = [block for block in message.content if block.type == "tool_use"]
    assert len(uses) == 1
    assert uses[0].name == "get_weather"
    assert isinstance(uses[0].input, dict)
    assert isinstance(uses[0].input["city"], str)


def test_responses_function_call(oai: openai.OpenAI) -> None:
    response = oai.responses.create(
        model=DEFAULT, input=QUESTION, max_output_tokens=40,
        tools=[{"type": "function", "name": "get_weather", "description": "Weather for a city",
                "parameters": PARAMETERS, "strict": False}],
        tool_choice={"type": "function", "name": "get_weather"})
    calls = [item for item in response.output if item.type == "function_call"]
    assert len(calls) == 1
    assert calls[0].name == "get_weather"
    assert isinstance(json.loads(calls[0].arguments)["city"], str)


def test_chat_format_without_tools_refuses_them(oai: openai.OpenAI, claude: anthropic.Anthropic) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        oai.chat.completions.create(model=TEMPLATE, messages=[{"role": "user", "content": QUESTION}],
                                    tools=[CHAT_TOOL], max_tokens=8)
    assert "'local-template' cannot call tools" in str(refused.value)
    with pytest.raises(anthropic.BadRequestError) as refused_anthropic:
        claude.messages.create(model=TEMPLATE, max_tokens=8, messages=[{"role": "user", "content": QUESTION}],
                               tools=[{"name": "get_weather", "input_schema": PARAMETERS}])
    assert "'local-template' cannot call tools" in str(refused_anthropic.value)
    assert refused_anthropic.value.body["error"]["type"] == "invalid_request_error"  # type: ignore[index]
