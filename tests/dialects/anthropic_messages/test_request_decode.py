"""Client requests: real bodies (recorded requests, the SDK, Claude Code), what lands in ``untranslated``,
and one test per validation rule (the 400 names the field by its wire path)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dragoman.canonical.content import TextPart
from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import Message
from dragoman.dialects.anthropic_messages.codec import CODEC
from tests.recordings import fixture_path, load_json


def client_bodies(name: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for line in fixture_path(f"clients/{name}").read_text().splitlines():
        record = json.loads(line)
        if record["method"] == "POST" and record["path"] == "/v1/messages":
            out.append((record["client"], json.loads(record["body"])))
    return out


def test_sdk_requests() -> None:
    bodies = client_bodies("anthropic-python.requests.jsonl")
    assert len(bodies) == 12
    for _, body in bodies:
        request = CODEC.decode_request(body)
        assert request.model == "claude-sonnet-4-5" and request.max_tokens == body["max_tokens"]
        assert request.messages[-1] == Message("user", [TextPart("say hi")])
        assert request.stream is bool(body.get("stream")) and request.include_usage
    first = CODEC.decode_request(bodies[0][1])
    assert first.messages == [Message("system", [TextPart("You are terse.")]), Message("user", [TextPart("say hi")])]
    assert first.untranslated == []
    tools = CODEC.decode_request(bodies[3][1])
    assert tools.user == "u-123" and tools.metadata is None
    assert tools.messages[0] == Message("system", [TextPart("You are terse.", {"type": "ephemeral"})])
    assert tools.untranslated == ["thinking", "tools"]


def test_claude_code_requests() -> None:
    bodies = client_bodies("claude-code.requests.jsonl")
    assert len(bodies) == 9
    for _, body in bodies:
        request = CODEC.decode_request(body)
        assert request.stream and request.max_tokens == body["max_tokens"] and request.model == body["model"]
        assert request.untranslated[:4] == ["tools", "thinking", "context_management", "output_config"]
        assert request.user == body["metadata"]["user_id"]
        system = request.messages[0]
        assert system.role == "system" and len(system.content) == len(body["system"])
        assert [part.cache_control for part in system.content if isinstance(part, TextPart)] == [
            block.get("cache_control") for block in body["system"]]
        # The mid-conversation system message stays a system message in place.
        assert request.messages[2].role == "system"
        assert request.messages[2].content == [TextPart(body["messages"][1]["content"])]
        assert request.messages[1].content[1] == TextPart(body["messages"][0]["content"][1]["text"],
                                                          body["messages"][0]["content"][1].get("cache_control"))
    followup = CODEC.decode_request(next(body for client, body in bodies
                                         if client == "cc-tool-roundtrip" and len(body["messages"]) == 4))
    assert followup.untranslated[4:] == ["messages[2].content[0]", "messages[2].content[2]", "messages[3].content[0]"]
    assert followup.messages[3] == Message("assistant", [TextPart("Let me run a command.")])
    assert followup.messages[4] == Message("user", [])


@pytest.mark.parametrize(
    ("name", "untranslated"),
    [
        ("anthropic/messages-stream-thinking-signature.request.json", ["thinking"]),
        ("anthropic/messages-stream-redacted-thinking.request.json", ["thinking"]),
        ("anthropic/messages-nonstream-thinking.request.json", ["thinking"]),
        ("anthropic/messages-nonstream-thinking-tool-use.request.json", ["thinking", "tool_choice", "tools"]),
        ("anthropic/messages-nonstream-parallel-tool-use.request.json", ["tool_choice", "tools"]),
        ("anthropic/messages-error-400-invalid-request.request.json", ["output_config"]),
    ],
)
def test_recorded_requests(name: str, untranslated: list[str]) -> None:
    body = load_json(name)
    request = CODEC.decode_request(body)
    assert request.untranslated == untranslated
    assert request.model == body["model"] and request.max_tokens == 4096 and request.stream is body["stream"]
    assert request.messages[-1] == Message("user", [TextPart(body["messages"][0]["content"][0]["text"])])
    if "system" in body:
        assert request.messages[0] == Message("system", [TextPart(body["system"])])


def test_count_tokens_body_is_not_a_messages_request() -> None:
    with pytest.raises(InvalidRequest) as raised:
        CODEC.decode_request(load_json("anthropic/messages-error-404-not-found.request.json"))
    assert (raised.value.param, raised.value.message) == ("max_tokens", "max_tokens: Field required")


def body(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"model": "claude-x", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]}
    base.update(fields)
    return {key: value for key, value in base.items() if value is not ...}


def test_carried_fields() -> None:
    request = CODEC.decode_request(body(
        temperature=0.5, top_p=0.9, stop_sequences=["a", "b"], stream=True,
        metadata={"user_id": "u1", "trace": 7}, service_tier="auto", inference_geo="us", cache_control=None,
        speed="fast", thinking={"type": "disabled"}, tools=[], top_k=None,
    ))
    assert (request.temperature, request.top_p, request.stop, request.stream) == (0.5, 0.9, ["a", "b"], True)
    assert (request.user, request.metadata) == ("u1", {"trace": "7"})
    assert request.untranslated == []


def test_untranslated_fields_and_blocks() -> None:
    request = CODEC.decode_request(body(
        top_k=5, container="c1", mcp_servers=[{"type": "url"}], output_format={"type": "json_schema"},
        brand_new_field=1,
        messages=[
            {"role": "user", "content": [
                {"type": "text", "text": "look"},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AA"}},
                {"type": "document", "source": {"type": "text", "data": "doc"}},
                {"type": "text", "text": "cited", "citations": [{"type": "char_location"}]},
                {"type": "search_result", "source": "s", "title": "t", "content": []},
                {"type": "container_upload", "file_id": "f"},
                {"type": "future_block"},
            ]},
            {"role": "assistant", "content": [{"type": "redacted_thinking", "data": "x"},
                                              {"type": "server_tool_use", "id": "s", "name": "web_search", "input": {}},
                                              {"type": "web_search_tool_result", "tool_use_id": "s", "content": []}]},
        ],
    ))
    assert request.untranslated == [
        "top_k", "container", "mcp_servers", "output_format", "brand_new_field",
        "messages[0].content[1]", "messages[0].content[2]", "messages[0].content[3].citations",
        "messages[0].content[4]", "messages[0].content[5]", "messages[0].content[6]",
        "messages[1].content[0]", "messages[1].content[1]", "messages[1].content[2]",
    ]
    assert request.messages[0].content == [TextPart("look"), TextPart("cited")]


def test_model_may_be_absent() -> None:
    assert CODEC.decode_request(body(model=...)).model == ""


def test_assistant_first_and_system_strings() -> None:
    history = [{"role": "assistant", "content": "earlier"},
               {"role": "user", "content": [{"type": "text", "text": "q"}]}]
    request = CODEC.decode_request(body(system="", messages=history))
    assert [message.role for message in request.messages] == ["assistant", "user"]


def invalid(fields: dict[str, Any], param: str, message: str) -> None:
    with pytest.raises(InvalidRequest) as raised:
        CODEC.decode_request(body(**fields))
    assert raised.value.param == param
    assert message in raised.value.message
    assert raised.value.status == 400


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
        ({"messages": [{"role": "user", "content": ["hi"]}]}, "messages[0].content[0]", "content block object"),
        ({"messages": [{"role": "user", "content": [{"text": "hi"}]}]}, "messages[0].content[0].type",
         "must be a string"),
        ({"messages": [{"role": "user", "content": [{"type": "text", "text": 1}]}]}, "messages[0].content[0].text",
         "must be a string"),
        ({"messages": [{"role": "user", "content": [{"type": "text", "text": "a", "cache_control": "yes"}]}]},
         "messages[0].content[0].cache_control", "must be an object"),
    ],
)
def test_validation(fields: dict[str, Any], param: str, message: str) -> None:
    invalid(fields, param, message)


def test_body_must_be_an_object() -> None:
    with pytest.raises(InvalidRequest):
        CODEC.decode_request([])  # type: ignore[arg-type]
