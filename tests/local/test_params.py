"""A chat body → llama-cpp-python arguments: what is carried, reshaped, ignored and refused (no model needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from dragoman.canonical.errors import InvalidRequest
from dragoman.providers.local.params import ChatParams, chat_params
from dragoman.providers.local.settings import EngineSettings

TOOLS_FORMAT = EngineSettings(Path("model.gguf"), 2048, None, "chatml-function-calling", 8)
TEMPLATE = EngineSettings(Path("model.gguf"), 2048, None, None, 8)
USER = {"role": "user", "content": "Hi"}
TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
OTHER_TOOL = {"type": "function", "function": {"name": "get_time"}}


def params(settings: EngineSettings = TOOLS_FORMAT, *, stream: bool = False, **body: Any) -> ChatParams:
    return chat_params(orjson.dumps({"model": "m", "messages": [USER], **body}), model_name="m",
                       settings=settings, stream=stream)


def refused(settings: EngineSettings = TOOLS_FORMAT, **body: Any) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as error:
        params(settings, **body)
    return error.value


def test_sampling_and_limits_are_carried() -> None:
    carried = params(max_tokens=9, max_completion_tokens=5, temperature=0.5, top_p=0.9, seed=7, stop="END",
                     presence_penalty=0.1, frequency_penalty=0.2, top_k=20, logit_bias={"2": -100},
                     user="u", metadata={"a": "b"}, store=False, n=1, logprobs=False,
                     stream=True, stream_options={"include_usage": True}).arguments
    assert carried == {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 5, "temperature": 0.5,
                       "top_p": 0.9, "presence_penalty": 0.1, "frequency_penalty": 0.2, "seed": 7, "top_k": 20,
                       "stop": ["END"], "logit_bias": {"2": -100.0}}


def test_usage_asked_for_and_answer_named() -> None:
    asked = params(stream_options={"include_usage": True}, stream=True)
    assert asked.include_usage and asked.model == "m" and not asked.uses_tools


def test_messages_become_plain_strings() -> None:
    reshaped = params(messages=[
        {"role": "developer", "content": [{"type": "text", "text": "Be brief."}, {"type": "text", "text": "Be kind."}]},
        {"role": "user", "content": [{"type": "text", "text": "Hi"}], "name": "ann"},
        {"role": "assistant", "content": None, "reasoning_content": "thinking…"},
        {"role": "user", "content": "Again"},
    ]).arguments["messages"]
    assert reshaped == [{"role": "system", "content": "Be brief.\nBe kind."}, {"role": "user", "content": "Hi"},
                        {"role": "assistant", "content": ""}, {"role": "user", "content": "Again"}]


@pytest.mark.parametrize(("field", "value"), [
    ("n", 2), ("logprobs", True), ("top_logprobs", 2), ("functions", [{"name": "f"}]), ("audio", {"voice": "x"}),
    ("x_vendor", 1),
])
def test_what_the_model_cannot_do_is_refused_by_name(field: str, value: Any) -> None:
    error = refused(**{field: value})
    assert error.param == field
    assert "embedded model 'm'" in error.message


def test_images_are_refused_naming_the_part() -> None:
    error = refused(messages=[{"role": "user", "content": [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}])
    assert error.param == "messages[0].content[1]"
    assert "reads text only" in error.message


def test_json_schema_becomes_a_grammar_schema() -> None:
    schema = {"type": "object", "properties": {"name": {"type": "string"}}}
    assert params(response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}
                  ).arguments["response_format"] == {"type": "json_object", "schema": schema}
    assert params(response_format={"type": "json_object"}).arguments["response_format"] == {"type": "json_object"}
    assert "response_format" not in params(response_format={"type": "text"}).arguments


@pytest.mark.parametrize("body", [
    {"tools": [TOOL]},
    {"messages": [USER, {"role": "assistant", "tool_calls": [
        {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}]},
    {"messages": [USER, {"role": "tool", "tool_call_id": "c", "content": "done"}]},
])
def test_a_format_without_tools_refuses_everything_about_tools(body: dict[str, Any]) -> None:
    error = refused(TEMPLATE, **body)
    assert error.code == "tools_not_supported"
    assert "'m' cannot call tools" in error.message
    assert "the GGUF file's own chat template" in error.message


def test_tool_choice() -> None:
    assert params(tools=[TOOL]).arguments["tool_choice"] == "auto"  # OpenAI's default with tools
    assert params(tools=[TOOL], tool_choice="none").arguments["tool_choice"] == "none"
    named = {"type": "function", "function": {"name": "get_weather"}}
    assert params(tools=[TOOL], tool_choice="required").arguments["tool_choice"] == named
    assert params(tools=[TOOL, OTHER_TOOL], tool_choice=named).arguments["tool_choice"] == named
    assert refused(tools=[TOOL, OTHER_TOOL], tool_choice="required").param == "tool_choice"
    assert refused(tools=[TOOL], tool_choice={"type": "function", "function": {"name": "nope"}}).param == \
        "tool_choice.function.name"
    assert params(tools=[OTHER_TOOL]).arguments["tools"][0]["function"]["parameters"] == \
        {"type": "object", "properties": {}}
    assert refused(tools=[{"type": "custom", "custom": {"name": "x"}}]).param == "tools[0].type"


def test_chatml_function_calling_sees_tools_and_results() -> None:
    """Its template lists tools only in a system message and renders no tool messages."""
    call = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}}
    messages = params(tools=[TOOL], messages=[
        USER, {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": [{"type": "text", "text": "Rain"}]},
    ]).arguments["messages"]
    assert messages == [
        {"role": "system", "content": ""},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "", "tool_calls": [call]},
        {"role": "user", "content": "functions.get_weather returned:\nRain"},
    ]


def test_functionary_keeps_tool_messages() -> None:
    functionary = EngineSettings(Path("model.gguf"), 2048, None, "functionary", 8)
    messages = params(functionary, tools=[TOOL], messages=[
        USER, {"role": "tool", "tool_call_id": "call_1", "content": "Rain"}]).arguments["messages"]
    assert messages[-1] == {"role": "tool", "tool_call_id": "call_1", "content": "Rain"}


@pytest.mark.parametrize("bias", [{"x": 1}, {"2": 101}, {"2": True}])
def test_logit_bias_is_checked(bias: dict[str, Any]) -> None:
    assert refused(logit_bias=bias).param == "logit_bias"


def test_not_json() -> None:
    with pytest.raises(InvalidRequest):
        chat_params(b"{", model_name="m", settings=TEMPLATE, stream=False)
