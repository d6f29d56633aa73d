"""One test per validation rule of ``decode_request``: a 400 that names the field by its wire path."""

from __future__ import annotations

from typing import Any

import pytest

from dragoman.canonical.errors import InvalidRequest
from dragoman.dialects.anthropic_messages.codec import CODEC


def body(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"model": "claude-x", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]}
    base.update(fields)
    return {key: value for key, value in base.items() if value is not ...}


def user(*blocks: Any) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": list(blocks)}]}


def image(source: Any) -> dict[str, Any]:
    return {"type": "image", "source": source}


def document(source: Any, **extra: Any) -> dict[str, Any]:
    return {"type": "document", "source": source, **extra}


FN = {"name": "f", "input_schema": {"type": "object"}}
B0 = "messages[0].content[0]"


@pytest.mark.parametrize(
    ("fields", "param", "message"),
    [
        ({"messages": ...}, "messages", "'messages' is required"),
        ({"messages": {"role": "user"}}, "messages", "'messages' must be an array"),
        ({"messages": []}, "messages", "'messages' must not be empty"),
        ({"messages": [{"role": "assistant", "content": "hi"}]}, "messages", "at least one user message"),
        ({"max_tokens": ...}, "max_tokens", "max_tokens: Field required"),
        ({"max_tokens": 0}, "max_tokens", "positive integer"),
        ({"max_tokens": -5}, "max_tokens", "positive integer"),
        ({"max_tokens": 10.5}, "max_tokens", "positive integer"),
        ({"max_tokens": "100"}, "max_tokens", "positive integer"),
        ({"max_tokens": True}, "max_tokens", "positive integer"),
        ({"temperature": 1.5}, "temperature", "between 0 and 1"),
        ({"temperature": -0.1}, "temperature", "between 0 and 1"),
        ({"temperature": "hot"}, "temperature", "must be a number"),
        ({"top_p": 1.01}, "top_p", "between 0 and 1"),
        ({"top_k": -1}, "top_k", "non-negative integer"),
        ({"stop_sequences": ["a", "b", "c", "d", "e"]}, "stop_sequences", "at most 4"),
        ({"stop_sequences": "END"}, "stop_sequences", "array of strings"),
        ({"stop_sequences": ["ok", 3]}, "stop_sequences", "array of strings"),
        ({"stream": "yes"}, "stream", "must be a boolean"),
        ({"model": 42}, "model", "must be a string"),
        ({"metadata": ["u"]}, "metadata", "must be an object"),
        ({"metadata": {"user_id": 5}}, "metadata.user_id", "must be a string"),
        ({"system": 5}, "system", "string or an array of text blocks"),
        ({"system": [{"type": "image"}]}, "system[0]", "must be a text block"),
        ({"system": [{"type": "text", "text": None}]}, "system[0].text", "must be a string"),
        ({"messages": ["hi"]}, "messages[0]", "must be an object"),
        ({"messages": [{"role": "tool", "content": "x"}]}, "messages[0].role", "got 'tool'"),
        ({"messages": [{"role": "developer", "content": "x"}]}, "messages[0].role", "got 'developer'"),
        ({"messages": [{"role": ["user"], "content": "x"}]}, "messages[0].role", "must be 'user'"),
        ({"messages": [{"role": "user"}]}, "messages[0].content", "is required"),
        ({"messages": [{"role": "user", "content": 5}]}, "messages[0].content", "string or an array"),
        (user("hi"), B0, "content block object"),
        (user({"text": "hi"}), f"{B0}.type", "must be a string"),
        (user({"type": "text", "text": 1}), f"{B0}.text", "must be a string"),
        (user({"type": "text", "text": "a", "cache_control": "yes"}), f"{B0}.cache_control", "must be an object"),
        # tools and tool_choice
        ({"tools": {"name": "f"}}, "tools", "must be an array"),
        ({"tools": ["f"]}, "tools[0]", "must be an object"),
        ({"tools": [{"input_schema": {}}]}, "tools[0].name", "non-empty string"),
        ({"tools": [{"name": "f"}]}, "tools[0].input_schema", "must be an object"),
        ({"tools": [{**FN, "description": 3}]}, "tools[0].description", "must be a string"),
        ({"tools": [{**FN, "strict": "yes"}]}, "tools[0].strict", "must be a boolean"),
        ({"tools": [{**FN, "cache_control": 1}]}, "tools[0].cache_control", "must be an object"),
        ({"tools": [{**FN, "type": 7}]}, "tools[0].type", "must be a string"),
        ({"tools": [FN], "tool_choice": "auto"}, "tool_choice", "must be an object"),
        ({"tools": [FN], "tool_choice": {"type": "required"}}, "tool_choice.type", "must be one of"),
        ({"tools": [FN], "tool_choice": {"type": "tool"}}, "tool_choice.name", "name the tool"),
        ({"tools": [FN], "tool_choice": {"type": "auto", "disable_parallel_tool_use": "no"}},
         "tool_choice.disable_parallel_tool_use", "must be a boolean"),
        # thinking and output settings
        ({"thinking": "on"}, "thinking", "must be an object"),
        ({"thinking": {"type": "enabled"}}, "thinking.budget_tokens", "at least 1024"),
        ({"thinking": {"type": "enabled", "budget_tokens": 1000}}, "thinking.budget_tokens", "at least 1024"),
        ({"thinking": {"type": "enabled", "budget_tokens": "2000"}}, "thinking.budget_tokens", "integer"),
        ({"thinking": {"type": "always"}}, "thinking.type", "'enabled', 'adaptive' or 'disabled'"),
        ({"thinking": {"type": "adaptive", "display": "full"}}, "thinking.display", "'summarized' or 'omitted'"),
        ({"output_config": []}, "output_config", "must be an object"),
        ({"output_config": {"effort": "minimal"}}, "output_config.effort", "one of low, medium"),
        ({"output_config": {"format": {"type": "json_object"}}}, "output_config.format", "json_schema"),
        ({"output_config": {"format": {"type": "json_schema"}}}, "output_config.format.schema", "must be an object"),
        ({"output_format": {"type": "json_schema", "schema": []}}, "output_format.schema", "must be an object"),
        ({"context_management": []}, "context_management", "must be an object"),
        ({"cache_control": "ephemeral"}, "cache_control", "must be an object"),
        ({"context_management": {"edits": {}}}, "context_management.edits", "must be an array"),
        # images and documents
        (user(image(None)), f"{B0}.source", "must be an object"),
        (user(image({"data": "AA"})), f"{B0}.source.type", "must be a string"),
        (user(image({"type": "base64", "media_type": "image/tiff", "data": "AA"})), f"{B0}.source.media_type",
         "image/gif, image/jpeg, image/png, image/webp"),
        (user(image({"type": "base64", "media_type": "image/png"})), f"{B0}.source.data", "must be a string"),
        (user(image({"type": "url"})), f"{B0}.source.url", "must be a string"),
        (user(image({"type": "text", "data": "x"})), f"{B0}.source.type", "not an image source"),
        (user(document({"type": "base64", "media_type": "text/csv", "data": "AA"})), f"{B0}.source.media_type",
         "application/pdf"),
        (user(document({"type": "text", "media_type": "text/html", "data": "x"})), f"{B0}.source.media_type",
         "text/plain"),
        (user(document({"type": "text", "data": 1})), f"{B0}.source.data", "must be a string"),
        (user(document({"type": "url"})), f"{B0}.source.url", "must be a string"),
        (user(document({"type": "image"})), f"{B0}.source.type", "not a document source"),
        (user(document({"type": "text", "data": "x"}, title=5)), f"{B0}.title", "must be a string"),
        # tool calls, results and reasoning
        (user({"type": "tool_use", "id": "t", "name": "f", "input": {}}), B0, "belong in assistant messages"),
        ({"messages": [{"role": "assistant", "content": [{"type": "tool_result", "tool_use_id": "t"}]},
                       {"role": "user", "content": "x"}]}, B0, "belong in user messages"),
        ({"messages": [{"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "f"}]},
                       {"role": "user", "content": "x"}]}, f"{B0}.input", "must be an object"),
        ({"messages": [{"role": "assistant", "content": [{"type": "tool_use", "name": "f", "input": {}}]},
                       {"role": "user", "content": "x"}]}, f"{B0}.id", "must be a string"),
        (user({"type": "tool_result"}), f"{B0}.tool_use_id", "must be a string"),
        (user({"type": "tool_result", "tool_use_id": "t", "is_error": "no"}), f"{B0}.is_error", "must be a boolean"),
        (user({"type": "tool_result", "tool_use_id": "t", "content": 3}), f"{B0}.content", "string or an array"),
        (user({"type": "tool_result", "tool_use_id": "t", "content": [3]}), f"{B0}.content[0]",
         "content block object"),
        ({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": [
            {"type": "thinking", "thinking": "x"}]}]}, "messages[1].content[0].signature", "must be a string"),
        ({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": [
            {"type": "redacted_thinking"}]}]}, "messages[1].content[0].data", "must be a string"),
    ],
)
def test_validation(fields: dict[str, Any], param: str, message: str) -> None:
    with pytest.raises(InvalidRequest) as raised:
        CODEC.decode_request(body(**fields))
    assert raised.value.param == param
    assert message in raised.value.message
    assert raised.value.status == 400


def test_body_must_be_an_object() -> None:
    with pytest.raises(InvalidRequest):
        CODEC.decode_request([])  # type: ignore[arg-type]
