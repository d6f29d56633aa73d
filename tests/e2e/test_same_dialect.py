"""Same dialect on both sides: the body goes up with only the model rewritten, answers come back as sent."""

from __future__ import annotations

import anthropic
import httpx2
import openai
import pytest
from openai.types.chat import ChatCompletionMessageFunctionToolCall

from tests.e2e.matrix import TOOLS, expected_upstream_body, only_call
from tests.e2e.wire import post, request_body
from tests.upstream import DIALECTS, Body, Dialect, FakeUpstream, Stream
from tests.upstream.server import is_usage_chunk

UNKNOWN = {"x_vendor_option": {"nested": [1, {"deep": True}], "empty": {}}, "another_unknown": None}
MODES = [pytest.param(False, id="json"), pytest.param(True, id="stream")]


@pytest.mark.parametrize("stream", MODES)
@pytest.mark.parametrize("dialect", DIALECTS)
def test_unknown_and_untranslated_fields_pass_through(dialect: Dialect, stream: bool, http: httpx2.Client,
                                                      upstream: FakeUpstream) -> None:
    body = request_body(dialect, f"{dialect}/text", stream=stream, tools=TOOLS[dialect], **UNKNOWN)
    mark = upstream.mark()
    answer = post(http, dialect, body)
    assert answer.status == 200, answer.content[:500]
    call = only_call(upstream, mark, dialect)
    assert call.json == expected_upstream_body(dialect, body, "text")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_json_answer_relayed(dialect: Dialect, http: httpx2.Client, upstream: FakeUpstream) -> None:
    mark = upstream.mark()
    answer = post(http, dialect, request_body(dialect, f"{dialect}/text"))
    served = only_call(upstream, mark, dialect).answer
    assert isinstance(served, Body)
    assert answer.status == 200
    assert answer.json() == served.json()


RELAYED = [("chat", "text"), ("chat", "refusal"), ("chat", "parallel-tool-calls"), ("responses", "text"),
           ("responses", "reasoning"), ("responses", "tool-call"), ("anthropic", "text"),
           ("anthropic", "thinking"), ("anthropic", "tool-call")]
RELAY_CASES = [
    pytest.param(dialect, scenario, include_usage, id=f"{dialect}-{scenario}{'-usage-asked' if include_usage else ''}")
    for dialect, scenario in RELAYED
    for include_usage in ((False, True) if dialect == "chat" else (False,))
]


@pytest.mark.parametrize(("dialect", "scenario", "include_usage"), RELAY_CASES)
def test_stream_bytes_relayed(dialect: Dialect, scenario: str, include_usage: bool, http: httpx2.Client,
                              upstream: FakeUpstream) -> None:
    """Byte for byte (Anthropic's trailing-space padding included); only the usage chunk dragoman asked a
    chat upstream for is held back from a client that did not ask for it."""
    extra = {"stream_options": {"include_usage": True}} if include_usage else {}
    mark = upstream.mark()
    answer = post(http, dialect, request_body(dialect, f"{dialect}/{scenario}", stream=True, **extra))
    served = only_call(upstream, mark, dialect).answer
    assert isinstance(served, Stream)
    expected = served if include_usage or dialect != "chat" else served.without(is_usage_chunk)
    assert answer.status == 200
    assert answer.content == expected.content


def test_anthropic_padding_survives(http: httpx2.Client, upstream: FakeUpstream) -> None:
    """The thinking recording pads data lines with spaces before the closing brace; a relay keeps them."""
    answer = post(http, "anthropic", request_body("anthropic", "anthropic/thinking", stream=True))
    assert b'"index":1               }' in answer.content


def test_tool_calls_through_sdks(openai_client: openai.OpenAI, anthropic_client: anthropic.Anthropic) -> None:
    """Relayed tool calls reach every SDK as the upstream made them (cross-dialect: test_tool_round_trip*)."""
    chat = openai_client.chat.completions.create(
        model="chat/parallel-tool-calls", messages=[{"role": "user", "content": "Weather?"}],
        tools=TOOLS["chat"])  # type: ignore[arg-type]
    assert chat.choices[0].finish_reason == "tool_calls"
    tool_calls = chat.choices[0].message.tool_calls or []
    assert [call.function.name for call in tool_calls if isinstance(call, ChatCompletionMessageFunctionToolCall)] == [
        "GetWeatherArgs", "get_stock_price"]

    response = openai_client.responses.create(model="responses/tool-call", input="Weather?",
                                              tools=TOOLS["responses"])  # type: ignore[arg-type]
    calls = [item for item in response.output if item.type == "function_call"]
    assert len(calls) == 1 and calls[0].call_id

    with anthropic_client.messages.stream(model="anthropic/tool-call", max_tokens=256, tools=TOOLS["anthropic"],  # type: ignore[arg-type]
                                          messages=[{"role": "user", "content": "Weather?"}]) as stream:
        message = stream.get_final_message()
    assert message.stop_reason == "tool_use"
    uses = [block for block in message.content if block.type == "tool_use"]
    assert len(uses) == 1 and isinstance(uses[0].input, dict)
