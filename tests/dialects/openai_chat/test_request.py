"""Chat request decoding: real client bodies, parameters, what stays untranslated, one test per validation rule."""

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
from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import Message, OutputFormat, ReasoningConfig, Request, Tool, ToolChoice
from dragoman.dialects.openai_chat.codec import CODEC
from tests.recordings import fixture_path, load_json


def client_bodies(name: str, path: str = "/v1/chat/completions") -> list[dict[str, Any]]:
    lines = fixture_path(f"clients/{name}").read_text().splitlines()
    entries = [json.loads(line) for line in lines if line.strip()]
    return [json.loads(entry["body"]) for entry in entries if entry["path"] == path]


USER = {"role": "user", "content": "hi"}
TOOL = {"type": "function", "function": {"name": "f"}}


def part(content_part: dict[str, Any]) -> dict[str, Any]:
    return {"role": "user", "content": [content_part]}


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
        "city": {"type": "string"}}, "required": ["city"]})]
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
    assert request.tools == [Tool("get_capital", function["description"], function["parameters"])]
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


# --- validation: one test per rule, the parameter named ---

@pytest.mark.parametrize(
    ("body", "param", "message"),
    [
        ({}, "messages", "'messages' is required"),
        ({"messages": {"role": "user"}}, "messages", "'messages' must be an array"),
        ({"messages": []}, "messages", "'messages' must not be empty"),
        ({"messages": [{"role": "system", "content": "x"}]}, "messages", "at least one message with role 'user'"),
        ({"messages": [{"role": "tool", "content": "x", "tool_call_id": "c"}]}, "messages", "role 'user'"),
        ({"messages": [USER], "temperature": 2.5}, "temperature", "between 0 and 2, got 2.5"),
        ({"messages": [USER], "temperature": -0.1}, "temperature", "between 0 and 2"),
        ({"messages": [USER], "temperature": "hot"}, "temperature", "must be a number"),
        ({"messages": [USER], "top_p": 1.5}, "top_p", "between 0 and 1"),
        ({"messages": [USER], "max_tokens": 0}, "max_tokens", "positive integer, got 0"),
        ({"messages": [USER], "max_tokens": 1.5}, "max_tokens", "positive integer"),
        ({"messages": [USER], "max_tokens": True}, "max_tokens", "positive integer"),
        ({"messages": [USER], "max_completion_tokens": -3}, "max_completion_tokens", "positive integer"),
        ({"messages": [USER], "max_completion_tokens": "64"}, "max_completion_tokens", "positive integer"),
        ({"messages": [USER], "stop": ["a", "b", "c", "d", "e"]}, "stop", "at most 4 sequences, got 5"),
        ({"messages": [USER], "stop": 5}, "stop", "a string or an array of strings"),
        ({"messages": [USER], "stop": ["a", 1]}, "stop", "a string or an array of strings"),
        ({"messages": [USER], "model": 5}, "model", "'model' must be a string"),
        ({"messages": [USER], "stream": "yes"}, "stream", "'stream' must be a boolean"),
        ({"messages": [USER], "user": 42}, "user", "'user' must be a string"),
        ({"messages": [USER], "safety_identifier": 42}, "safety_identifier", "must be a string"),
        ({"messages": [USER], "metadata": ["k"]}, "metadata", "'metadata' must be an object"),
        ({"messages": [USER], "stream_options": True}, "stream_options", "'stream_options' must be an object"),
        ({"messages": [USER], "stream_options": {"include_usage": "yes"}}, "stream_options.include_usage",
         "must be a boolean"),
        ({"messages": [USER], "parallel_tool_calls": "no"}, "parallel_tool_calls", "must be a boolean"),
        ({"messages": ["hi"]}, "messages[0]", "'messages[0]' must be an object"),
        ({"messages": [{"content": "hi"}]}, "messages[0].role", "'messages[0].role' is required"),
        ({"messages": [{"role": "robot", "content": "hi"}]}, "messages[0].role",
         "must be one of system, developer, user, assistant, tool, got 'robot'"),
        ({"messages": [{"role": 1, "content": "hi"}]}, "messages[0].role", "must be one of"),
        ({"messages": [USER, {"role": "user"}]}, "messages[1].content", "'messages[1].content' is required"),
        ({"messages": [{"role": "user", "content": 5}]}, "messages[0].content",
         "must be a string or an array of content parts"),
        ({"messages": [{"role": "system", "content": {"text": "x"}}, USER]}, "messages[0].content",
         "must be a string or an array"),
        ({"messages": [{"role": "user", "content": ["hi"]}]}, "messages[0].content[0]", "must be an object"),
        ({"messages": [{"role": "user", "content": [{"text": "hi"}]}]}, "messages[0].content[0].type",
         "is required and must be a string"),
        ({"messages": [{"role": "user", "content": [{"type": "text", "text": 5}]}]},
         "messages[0].content[0].text", "must be a string"),
        ({"messages": [{"role": "user", "content": [{"type": "refusal", "refusal": "no"}]}]},
         "messages[0].content[0].type", "refusal parts are allowed only in assistant messages"),
        ({"messages": [USER, {"role": "assistant", "content": [{"type": "refusal", "refusal": None}]}]},
         "messages[1].content[0].refusal", "must be a string"),
        ({"messages": [USER, {"role": "assistant", "content": "x", "refusal": 1}]}, "messages[1].refusal",
         "must be a string"),
        ({"messages": [{"role": "user", "content": "x", "name": 7}]}, "messages[0].name", "must be a string"),
        # tools and tool_choice
        ({"messages": [USER], "tools": {"type": "function"}}, "tools", "'tools' must be an array"),
        ({"messages": [USER], "tools": ["f"]}, "tools[0]", "'tools[0]' must be an object"),
        ({"messages": [USER], "tools": [{"function": {"name": "f"}}]}, "tools[0].type", "is required"),
        ({"messages": [USER], "tools": [{"type": "function"}]}, "tools[0].function", "must be an object"),
        ({"messages": [USER], "tools": [{"type": "function", "function": {}}]}, "tools[0].function.name",
         "'tools[0].function.name' is required and must be a non-empty string"),
        ({"messages": [USER], "tools": [{"type": "function", "function": {"name": "f", "parameters": "{}"}}]},
         "tools[0].function.parameters", "must be an object"),
        ({"messages": [USER], "tools": [{"type": "function", "function": {"name": "f", "strict": "yes"}}]},
         "tools[0].function.strict", "must be a boolean"),
        ({"messages": [USER], "tools": [{"type": "function", "function": {"name": "f", "description": 1}}]},
         "tools[0].function.description", "must be a string"),
        ({"messages": [USER], "tools": [{"type": "custom", "custom": {"name": "c", "format": {"type": "regex"}}}]},
         "tools[0].custom.format.type", "must be 'text' or 'grammar', got 'regex'"),
        ({"messages": [USER], "tools": [{"type": "custom", "custom": {"name": "c", "format": {
            "type": "grammar", "grammar": {"syntax": "lark"}}}}]}, "tools[0].custom.format.grammar.definition",
         "is required"),
        ({"messages": [USER], "tools": [{"type": "custom", "custom": {"name": ""}}]}, "tools[0].custom.name",
         "is required"),
        ({"messages": [USER], "tools": [TOOL], "tool_choice": "any"}, "tool_choice",
         "must be one of none, auto, required or an object, got 'any'"),
        ({"messages": [USER], "tools": [TOOL], "tool_choice": {"type": "function", "function": {}}},
         "tool_choice.function.name", "is required"),
        ({"messages": [USER], "tools": [TOOL], "tool_choice": {"function": {"name": "f"}}}, "tool_choice.type",
         "is required"),
        ({"messages": [USER], "tools": [TOOL], "tool_choice": 3}, "tool_choice", "must be an object"),
        # reasoning, structured output, caching
        ({"messages": [USER], "reasoning_effort": 5}, "reasoning_effort", "must be a string"),
        ({"messages": [USER], "response_format": "json"}, "response_format", "must be an object"),
        ({"messages": [USER], "response_format": {"json_schema": {}}}, "response_format.type", "is required"),
        ({"messages": [USER], "response_format": {"type": "json_schema"}}, "response_format.json_schema",
         "must be an object"),
        ({"messages": [USER], "response_format": {"type": "json_schema", "json_schema": {"schema": {}}}},
         "response_format.json_schema.name", "is required"),
        ({"messages": [USER], "response_format": {"type": "json_schema", "json_schema": {"name": "n", "schema": []}}},
         "response_format.json_schema.schema", "must be an object"),
        ({"messages": [USER], "response_format": {"type": "json_schema", "json_schema": {"name": "n", "strict": 1}}},
         "response_format.json_schema.strict", "must be a boolean"),
        ({"messages": [USER], "prompt_cache_key": 5}, "prompt_cache_key", "must be a string"),
        # tool calls and tool messages
        ({"messages": [USER, {"role": "tool", "content": "x"}]}, "messages[1].tool_call_id", "is required"),
        ({"messages": [USER, {"role": "tool", "tool_call_id": "c"}]}, "messages[1].content", "is required"),
        ({"messages": [USER, {"role": "tool", "tool_call_id": "c", "content": 5}]}, "messages[1].content",
         "must be a string or an array of content parts"),
        ({"messages": [USER, {"role": "tool", "tool_call_id": "c", "content": [{"type": "refusal", "refusal": "x"}]}]},
         "messages[1].content[0].type", "refusal parts are allowed only in assistant messages"),
        ({"messages": [USER, {"role": "assistant", "tool_calls": {}}]}, "messages[1].tool_calls", "must be an array"),
        ({"messages": [USER, {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "f"}}]}]},
         "messages[1].tool_calls[0].id", "is required"),
        ({"messages": [USER, {"role": "assistant", "tool_calls": [{"id": "c", "type": "mcp"}]}]},
         "messages[1].tool_calls[0].type", "must be 'function' or 'custom', got 'mcp'"),
        ({"messages": [USER, {"role": "assistant", "tool_calls": [{"id": "c", "type": "function"}]}]},
         "messages[1].tool_calls[0].function", "must be an object"),
        ({"messages": [USER, {"role": "assistant", "tool_calls": [
            {"id": "c", "type": "function", "function": {"name": "f", "arguments": {"a": 1}}}]}]},
         "messages[1].tool_calls[0].function.arguments", "must be a string"),
        ({"messages": [USER, {"role": "assistant", "tool_calls": [
            {"id": "c", "type": "custom", "custom": {"input": "x"}}]}]}, "messages[1].tool_calls[0].custom.name",
         "is required"),
        # images and files
        ({"messages": [part({"type": "image_url", "image_url": {}})]}, "messages[0].content[0].image_url.url",
         "is required"),
        ({"messages": [part({"type": "image_url", "image_url": 5})]}, "messages[0].content[0].image_url",
         "must be an object"),
        ({"messages": [part({"type": "image_url", "image_url": {"url": "data:image/bmp;base64,Qk0="}})]},
         "messages[0].content[0]", "image type 'image/bmp' is not supported"),
        ({"messages": [part({"type": "image_url", "image_url": {"url": "ftp://x/y.png"}})]},
         "messages[0].content[0].image_url.url", "an http(s) URL or a base64 data URL"),
        ({"messages": [part({"type": "image_url", "image_url": {"url": "data:image/png,%89PNG"}})]},
         "messages[0].content[0].image_url.url", "must be a base64 data URL"),
        ({"messages": [part({"type": "image_url", "image_url": {"url": "https://x/y.png", "detail": 1}})]},
         "messages[0].content[0].image_url.detail", "must be a string"),
        ({"messages": [part({"type": "file", "file": {"filename": "a.pdf"}})]}, "messages[0].content[0].file",
         "needs 'file_data' (or 'file_id')"),
        ({"messages": [part({"type": "file", "file": "a.pdf"})]}, "messages[0].content[0].file", "must be an object"),
        ({"messages": [part({"type": "file", "file": {"file_data": "data:application/zip;base64,UEs="}})]},
         "messages[0].content[0]", "file type 'application/zip' is not supported"),
        ({"messages": [part({"type": "file", "file": {"file_data": "UEsDBA==", "filename": "a.zip"}})]},
         "messages[0].content[0]", "file type 'unknown' is not supported"),
        ({"messages": [part({"type": "file", "file": {"file_data": "JVBERi0=", "filename": 3}})]},
         "messages[0].content[0].file.filename", "must be a string"),
    ],
)
def test_invalid_requests_name_the_field(body: dict[str, Any], param: str, message: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        CODEC.decode_request(body)
    assert caught.value.param == param
    assert caught.value.status == 400
    assert message in caught.value.message
