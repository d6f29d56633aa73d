"""Chat request validation: one test per rule, the wire path of the field named, the message clear."""

from __future__ import annotations

from typing import Any

import pytest

from dragoman.canonical.errors import InvalidRequest
from dragoman.dialects.openai_chat.codec import CODEC

USER = {"role": "user", "content": "hi"}
TOOL = {"type": "function", "function": {"name": "f"}}


def part(content_part: dict[str, Any]) -> dict[str, Any]:
    return {"role": "user", "content": [content_part]}


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
