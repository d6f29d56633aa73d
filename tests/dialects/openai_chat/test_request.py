"""Chat request decoding: real client bodies, parameters, reasoning, structured output, what stays untranslated."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dragoman.canonical.content import (
    ImagePart,
    ReasoningPart,
    RefusalPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from dragoman.canonical.request import Message, OutputFormat, ReasoningConfig, Request, Tool, ToolChoice
from dragoman.dialects.openai_chat.codec import CODEC
from tests.recordings import fixture_path, load_json


def client_bodies(name: str, path: str = "/v1/chat/completions") -> list[dict[str, Any]]:
    lines = fixture_path(f"clients/{name}").read_text().splitlines()
    entries = [json.loads(line) for line in lines if line.strip()]
    return [json.loads(entry["body"]) for entry in entries if entry["path"] == path]


USER = {"role": "user", "content": "hi"}


# --- decoding real bodies ---


def test_openai_python_sdk_requests() -> None:
    plain, streamed, with_usage, with_tools, _ = client_bodies("openai-python.requests.jsonl")
    request = CODEC.decode_request(plain)
    assert request.model == "gpt-4o-mini"
    assert request.messages == [Message("system", [TextPart("You are terse.")]), Message("user", [TextPart("say hi")])]
    assert (request.stream, request.include_usage, request.untranslated) == (False, False, [])

    assert CODEC.decode_request(streamed).stream is True
    assert CODEC.decode_request(streamed).include_usage is False
    assert CODEC.decode_request(with_usage).include_usage is True

    request = CODEC.decode_request(with_tools)
    assert (request.max_tokens, request.temperature) == (64, 0.2)
    assert request.tools == [Tool("get_weather", "Get weather", {"type": "object", "properties": {
        "city": {"type": "string"}}, "required": ["city"]}, strict=False)]
    assert request.tool_choice == ToolChoice("auto")
    assert request.untranslated == []


def test_aider_request() -> None:
    (body,) = client_bodies("aider.requests.jsonl")
    request = CODEC.decode_request(body)
    assert (request.model, request.stream, request.temperature) == ("test", True, 0.0)
    assert [m.role for m in request.messages] == ["system", "user", "assistant", "user", "assistant", "user",
                                                   "assistant", "user"]
    assert request.messages[2].content == [TextPart(body["messages"][2]["content"])]
    assert request.untranslated == []


def test_recorded_request_with_tool_history() -> None:
    body = load_json("openai/chat-nonstream-tool-call.request.json")
    request = CODEC.decode_request(body)
    assert request.untranslated == []
    call_id = "pyd_ai_504f8147f83f44f3a5f14d87bfd01bda"
    assert [(m.role, m.content) for m in request.messages] == [
        ("user", [TextPart("What is the capital of France?")]),
        ("assistant", [ToolCallPart(call_id, "get_capital", '{"country":"France"}')]),
        ("tool", [ToolResultPart(call_id, [TextPart("Paris")])]),
        ("assistant", [TextPart("The capital of France is Paris.\n")]),
        ("user", [TextPart("What is the capital of England?")]),
    ]
    function = body["tools"][0]["function"]
    assert request.tools == [Tool("get_capital", function["description"], function["parameters"], strict=False)]
    assert request.tool_choice == ToolChoice("auto")
    # Sent on to a chat upstream it is the recorded body again, less the defaults (n: 1, stream: false) and
    # with the spec's explicit null content next to tool calls.
    expected = {key: value for key, value in body.items() if key not in ("n", "stream")}
    expected["messages"] = [{**m, "content": None} if "tool_calls" in m else m for m in body["messages"]]
    assert CODEC.encode_request(request, "gpt-4o-mini") == expected


def test_recorded_request_with_default_n() -> None:
    request = CODEC.decode_request(load_json("openai/chat-error-400.request.json"))
    assert (request.model, request.untranslated, request.stream) == ("o1-mini", [], False)
    assert request.messages[0] == Message("system", [TextPart("You are a helpful assistant.")])


def test_parts_names_refusals_reasoning_and_positions() -> None:
    request = CODEC.decode_request({
        "messages": [
            {"role": "developer", "content": [{"type": "text", "text": "Be brief."}]},
            {"role": "user", "name": "ann", "content": [
                {"type": "text", "text": "Look:", "cache_control": {"type": "ephemeral"}},
                {"type": "text", "text": "and", "prompt_cache_breakpoint": {"mode": "explicit"}},
                {"type": "image_url", "image_url": {"url": "https://x/y.png", "detail": "low"}},
                {"type": "input_audio", "input_audio": {"data": "AAA", "format": "wav"}},
                {"type": "file", "file": {"file_id": "file-1"}},
                {"type": "video_url", "video_url": {"url": "https://x/v.mp4"}},
            ]},
            {"role": "assistant", "content": [{"type": "text", "text": "Hm."}, {"type": "refusal", "refusal": "No."}]},
            {"role": "assistant", "content": None, "refusal": "Still no."},
            {"role": "system", "content": [{"type": "text", "text": "Mid-conversation note."},
                                           {"type": "image_url", "image_url": {"url": "https://x/s.png"}}]},
            {"role": "assistant", "content": "ok", "reasoning_content": "because", "audio": {"id": "a1"}},
            {"role": "assistant", "content": "", "reasoning": "openrouter's name"},
            {"role": "function", "name": "f", "content": "{}"},
            {"role": "assistant", "content": "x", "function_call": {"name": "f", "arguments": "{}"}},
            {"role": "user", "content": "go"},
        ],
    })
    assert request.model == ""
    assert request.messages == [
        Message("developer", [TextPart("Be brief.")]),
        Message("user", [TextPart("Look:", {"type": "ephemeral"}), TextPart("and", {"type": "ephemeral"}),
                         ImagePart(url="https://x/y.png", detail="low")], name="ann"),
        Message("assistant", [TextPart("Hm."), RefusalPart("No.")]),
        Message("assistant", [RefusalPart("Still no.")]),
        Message("system", [TextPart("Mid-conversation note.")]),
        Message("assistant", [ReasoningPart(text="because", origin="openai_chat"), TextPart("ok")]),
        Message("assistant", [ReasoningPart(text="openrouter's name", origin="openai_chat")]),
        Message("assistant", [TextPart("x")]),
        Message("user", [TextPart("go")]),
    ]
    # What truly has no canonical form: audio, uploaded-file references, unknown part types, an image in a
    # system message, a stored audio answer, and the legacy function-calling API.
    assert request.untranslated == [
        "messages[1].content[3]", "messages[1].content[4]", "messages[1].content[5]", "messages[4].content[1]",
        "messages[5].audio", "messages[7]", "messages[8].function_call",
    ]


def test_parameters() -> None:
    request = CODEC.decode_request({
        "model": "m", "messages": [{"role": "user", "content": "x"}], "stream": True,
        "stream_options": {"include_usage": True, "include_obfuscation": False},
        "max_tokens": 50, "max_completion_tokens": 70, "temperature": 1, "top_p": 0.5, "stop": "END",
        "user": "u-1", "safety_identifier": "s-1", "metadata": {"k": "v"}, "parallel_tool_calls": False,
        "store": False, "service_tier": "auto", "prompt_cache_key": "pk", "prompt_cache_retention": "24h",
        "prompt_cache_options": {"ttl": "30m"}, "n": 1, "logprobs": False, "modalities": ["text"],
        "response_format": {"type": "text"}, "tool_choice": "none", "tools": None, "seed": None,
        "reasoning_effort": None, "functions": [],
    })
    assert request == Request(
        model="m", messages=[Message("user", [TextPart("x")])], stream=True, max_tokens=70, temperature=1.0,
        top_p=0.5, stop=["END"], user="u-1", metadata={"k": "v"}, include_usage=True, parallel_tool_calls=False,
        prompt_cache_key="pk",
    )


@pytest.mark.parametrize(
    ("effort", "config"),
    [("none", ReasoningConfig(enabled=False, effort="none")), ("minimal", ReasoningConfig(effort="minimal")),
     ("low", ReasoningConfig(effort="low")), ("medium", ReasoningConfig(effort="medium")),
     ("high", ReasoningConfig(effort="high")), ("xhigh", ReasoningConfig(effort="xhigh")),
     ("max", ReasoningConfig(effort="max"))],
)
def test_reasoning_effort(effort: str, config: ReasoningConfig) -> None:
    request = CODEC.decode_request({"messages": [USER], "reasoning_effort": effort})
    assert (request.reasoning, request.untranslated) == (config, [])


@pytest.mark.parametrize(
    ("response_format", "output"),
    [
        ({"type": "json_object"}, OutputFormat("json_object")),
        ({"type": "json_schema", "json_schema": {"name": "city", "schema": {"type": "object"}, "strict": True,
                                                 "description": "A city."}},
         OutputFormat("json_schema", "city", {"type": "object"}, True, "A city.")),
        ({"type": "json_schema", "json_schema": {"name": "free", "strict": None}}, OutputFormat("json_schema", "free")),
    ],
)
def test_response_format(response_format: dict[str, Any], output: OutputFormat) -> None:
    request = CODEC.decode_request({"messages": [USER], "response_format": response_format})
    assert (request.output_format, request.untranslated) == (output, [])


def test_legacy_max_tokens_and_safety_identifier_alone() -> None:
    request = CODEC.decode_request({"messages": [{"role": "user", "content": "x"}], "max_tokens": 9,
                                    "safety_identifier": "s-1", "stop": ["a", "b"]})
    assert (request.max_tokens, request.user, request.stop) == (9, "s-1", ["a", "b"])


def test_fields_that_change_the_answer_and_have_no_canonical_form_are_untranslated() -> None:
    fields = {
        "functions": [{"name": "f"}], "function_call": "auto", "n": 2, "audio": {"voice": "alloy", "format": "wav"},
        "modalities": ["text", "audio"], "logprobs": True, "top_logprobs": 2, "verbosity": "low",
        "frequency_penalty": 0.5, "presence_penalty": 0.1, "logit_bias": {"50256": -100}, "seed": 7,
        "prediction": {"type": "content", "content": "x"}, "web_search_options": {}, "moderation": {},
        "top_k": 40, "repetition_penalty": 1.1,
    }
    request = CODEC.decode_request({"messages": [{"role": "user", "content": "x"}], **fields})
    assert request.untranslated == list(fields)


def test_values_newer_than_this_codec_are_untranslated() -> None:
    request = CODEC.decode_request({
        "messages": [USER],
        "tools": [{"type": "function", "function": {"name": "f"}}],
        "tool_choice": {"type": "allowed_tools", "allowed_tools": {"mode": "auto", "tools": []}},
        "reasoning_effort": "ultra",
        "response_format": {"type": "structural_tag", "structures": []},
    })
    assert request.untranslated == ["tool_choice", "reasoning_effort", "response_format"]
    assert (request.tool_choice, request.reasoning, request.output_format) == (None, None, None)
