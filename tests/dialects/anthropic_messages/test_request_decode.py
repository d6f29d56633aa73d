"""Client requests: real bodies (the SDK, Claude Code, recorded requests) decode with nothing left in
``untranslated`` that another dialect could carry; top-level fields and what stays untranslated."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dragoman.canonical.content import ReasoningPart, TextPart, ToolCallPart, ToolResultPart
from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import Message, OutputFormat, ReasoningConfig, Tool, ToolChoice
from dragoman.dialects.anthropic_messages.codec import CODEC
from tests.recordings import fixture_path, load_json


def client_bodies(name: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for line in fixture_path(f"clients/{name}").read_text().splitlines():
        record = json.loads(line)
        if record["method"] == "POST" and record["path"] == "/v1/messages":
            out.append((record["client"], json.loads(record["body"])))
    return out


def body(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"model": "claude-x", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]}
    base.update(fields)
    return {key: value for key, value in base.items() if value is not ...}


def test_sdk_requests() -> None:
    bodies = client_bodies("anthropic-python.requests.jsonl")
    assert len(bodies) == 12
    for _, wire in bodies:
        request = CODEC.decode_request(wire)
        assert request.model == "claude-sonnet-4-5" and request.max_tokens == wire["max_tokens"]
        assert request.messages[-1] == Message("user", [TextPart("say hi")])
        assert request.stream is bool(wire.get("stream")) and request.include_usage
        assert request.untranslated == []
    first = CODEC.decode_request(bodies[0][1])
    assert first.messages == [Message("system", [TextPart("You are terse.")]), Message("user", [TextPart("say hi")])]
    tools = CODEC.decode_request(bodies[3][1])
    assert tools.user == "u-123" and tools.metadata is None
    assert tools.messages[0] == Message("system", [TextPart("You are terse.", {"type": "ephemeral"})])
    assert tools.reasoning == ReasoningConfig(budget_tokens=1024)
    (wire_tool,) = bodies[3][1]["tools"]
    assert tools.tools == [Tool(wire_tool["name"], wire_tool["description"], wire_tool["input_schema"])]


def test_claude_code_requests_leave_nothing_untranslated() -> None:
    bodies = client_bodies("claude-code.requests.jsonl")
    assert len(bodies) == 9
    for _, wire in bodies:
        request = CODEC.decode_request(wire)
        assert request.untranslated == []
        assert request.stream and request.max_tokens == wire["max_tokens"] and request.model == wire["model"]
        assert request.reasoning == ReasoningConfig(adaptive=True, effort="high")
        assert request.user == wire["metadata"]["user_id"]
        assert len(request.tools) == len(wire["tools"]) >= 24
        assert request.tools == [Tool(tool["name"], tool["description"], tool["input_schema"])
                                 for tool in wire["tools"]]
        system = request.messages[0]
        assert system.role == "system" and len(system.content) == len(wire["system"])
        assert [part.cache_control for part in system.content if isinstance(part, TextPart)] == [
            block.get("cache_control") for block in wire["system"]]
        # The mid-conversation system message stays a system message in place.
        assert request.messages[2] == Message("system", [TextPart(wire["messages"][1]["content"])])
        first_turn = wire["messages"][0]["content"]
        assert request.messages[1] == Message("user", [TextPart(block["text"], block.get("cache_control"))
                                                       for block in first_turn])


def test_claude_code_tool_follow_up() -> None:
    wire = next(wire for client, wire in client_bodies("claude-code.requests.jsonl")
                if client == "cc-tool-roundtrip" and len(wire["messages"]) == 4)
    request = CODEC.decode_request(wire)
    assert request.untranslated == []
    thinking, text, call = wire["messages"][2]["content"]
    assert request.messages[3] == Message("assistant", [
        ReasoningPart(text=thinking["thinking"], signature=thinking["signature"], origin="anthropic_messages"),
        TextPart(text["text"]),
        ToolCallPart(call["id"], "Bash", json.dumps(call["input"], separators=(",", ":"))),
    ])
    (result,) = wire["messages"][3]["content"]
    assert request.messages[4] == Message("tool", [
        ToolResultPart(result["tool_use_id"], [TextPart("hi-from-tool")], is_error=False,
                       cache_control={"type": "ephemeral"}),
    ])
    assert len(request.messages) == 5


@pytest.mark.parametrize(
    ("name", "reasoning", "tool_choice"),
    [
        ("anthropic/messages-stream-thinking-signature.request.json", ReasoningConfig(budget_tokens=1024), None),
        ("anthropic/messages-stream-redacted-thinking.request.json", ReasoningConfig(budget_tokens=1024), None),
        ("anthropic/messages-nonstream-thinking.request.json", ReasoningConfig(budget_tokens=1024), None),
        ("anthropic/messages-nonstream-thinking-tool-use.request.json", ReasoningConfig(budget_tokens=3000),
         ToolChoice("auto")),
        ("anthropic/messages-nonstream-parallel-tool-use.request.json", None, ToolChoice("auto")),
        ("anthropic/messages-error-400-invalid-request.request.json", ReasoningConfig(effort="xhigh"), None),
    ],
)
def test_recorded_requests(name: str, reasoning: ReasoningConfig | None, tool_choice: ToolChoice | None) -> None:
    wire = load_json(name)
    request = CODEC.decode_request(wire)
    assert request.untranslated == []
    assert (request.reasoning, request.tool_choice, request.parallel_tool_calls) == (reasoning, tool_choice, None)
    assert request.tools == [Tool(tool["name"], tool["description"], tool["input_schema"])
                             for tool in wire.get("tools", [])]
    assert request.model == wire["model"] and request.max_tokens == 4096 and request.stream is wire["stream"]
    assert request.messages[-1] == Message("user", [TextPart(wire["messages"][0]["content"][0]["text"])])
    if "system" in wire:
        assert request.messages[0] == Message("system", [TextPart(wire["system"])])


def test_count_tokens_body_is_not_a_messages_request() -> None:
    with pytest.raises(InvalidRequest) as raised:
        CODEC.decode_request(load_json("anthropic/messages-error-404-not-found.request.json"))
    assert (raised.value.param, raised.value.message) == ("max_tokens", "max_tokens: Field required")


def test_carried_fields() -> None:
    request = CODEC.decode_request(body(
        temperature=0.5, top_p=0.9, stop_sequences=["a", "b"], stream=True,
        metadata={"user_id": "u1", "trace": 7}, service_tier="auto", inference_geo="us", cache_control=None,
        speed="fast", thinking={"type": "disabled"}, tools=[], top_k=None,
    ))
    assert (request.temperature, request.top_p, request.stop, request.stream) == (0.5, 0.9, ["a", "b"], True)
    assert (request.user, request.metadata) == ("u1", {"trace": "7"})
    assert request.reasoning == ReasoningConfig(enabled=False)
    assert request.untranslated == []


@pytest.mark.parametrize(
    ("fields", "reasoning"),
    [
        ({"thinking": {"type": "enabled", "budget_tokens": 5000}}, ReasoningConfig(budget_tokens=5000)),
        ({"thinking": {"type": "enabled", "budget_tokens": 2048, "display": "summarized"}},
         ReasoningConfig(budget_tokens=2048, summary="auto")),
        ({"thinking": {"type": "adaptive", "display": "omitted"}}, ReasoningConfig(adaptive=True)),
        ({"thinking": {"type": "adaptive"}, "output_config": {"effort": "max"}},
         ReasoningConfig(adaptive=True, effort="max")),
        ({"output_config": {"effort": "low"}}, ReasoningConfig(effort="low")),
        ({"thinking": {"type": "disabled"}, "output_config": {"effort": "low"}},
         ReasoningConfig(enabled=False, effort="low")),
        ({"thinking": None, "output_config": {"effort": None}}, None),
    ],
)
def test_thinking_config(fields: dict[str, Any], reasoning: ReasoningConfig | None) -> None:
    request = CODEC.decode_request(body(**fields))
    assert request.reasoning == reasoning and request.untranslated == []


def test_tool_choice_and_parallel_calls() -> None:
    tools = [{"name": "f", "input_schema": {"type": "object"}}]
    cases: list[tuple[dict[str, Any], ToolChoice, bool | None]] = [
        ({"type": "auto"}, ToolChoice("auto"), None),
        ({"type": "any", "disable_parallel_tool_use": True}, ToolChoice("required"), False),
        ({"type": "tool", "name": "f", "disable_parallel_tool_use": False}, ToolChoice("tool", "f"), True),
        ({"type": "none"}, ToolChoice("none"), None),
    ]
    for wire, choice, parallel in cases:
        request = CODEC.decode_request(body(tools=tools, tool_choice=wire))
        assert (request.tool_choice, request.parallel_tool_calls) == (choice, parallel)


def test_tool_definitions() -> None:
    bash = {"type": "bash_20250124", "name": "bash", "cache_control": {"type": "ephemeral"}}
    search = {"type": "web_search_20250305", "name": "web_search", "max_uses": 3}
    request = CODEC.decode_request(body(tools=[
        {"type": "custom", "name": "f", "description": "d", "input_schema": {"type": "object"}, "strict": True,
         "cache_control": {"type": "ephemeral", "ttl": "1h"}, "eager_input_streaming": True},
        bash, search,
        {"name": "g", "input_schema": {"type": "object"}, "input_examples": [{"a": 1}], "defer_loading": True,
         "allowed_callers": ["code_execution_20250825"]},
        {"name": "h", "input_schema": {"type": "object"}, "defer_loading": False, "allowed_callers": ["direct"],
         "input_examples": []},
    ]))
    assert request.tools == [
        Tool("f", "d", {"type": "object"}, strict=True, cache_control={"type": "ephemeral", "ttl": "1h"}),
        Tool("bash", kind="native", native=bash, origin="anthropic_messages"),
        Tool("web_search", kind="native", native=search, origin="anthropic_messages"),
        Tool("g", parameters={"type": "object"}),
        Tool("h", parameters={"type": "object"}),
    ]
    assert request.untranslated == ["tools[3].input_examples", "tools[3].defer_loading", "tools[3].allowed_callers"]


def test_output_format() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    new = CODEC.decode_request(body(output_config={"format": {"type": "json_schema", "schema": schema}}))
    old = CODEC.decode_request(body(output_format={"type": "json_schema", "schema": schema}))
    assert new.output_format == old.output_format == OutputFormat("json_schema", schema=schema)
    assert new.untranslated == old.untranslated == []


def test_context_management() -> None:
    keep_all = {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]}
    assert CODEC.decode_request(body(context_management=keep_all)).untranslated == []
    turns = {"edits": [{"type": "clear_thinking_20251015", "keep": {"type": "thinking_turns", "value": 2}},
                       {"type": "clear_tool_uses_20250919"}], "future": 1}
    assert CODEC.decode_request(body(context_management=turns)).untranslated == [
        "context_management.future", "context_management.edits[1]"]


def test_top_level_cache_control_marks_the_last_block() -> None:
    ephemeral = {"type": "ephemeral"}
    request = CODEC.decode_request(body(cache_control=ephemeral, messages=[
        {"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},
        {"role": "user", "content": [{"type": "text", "text": "c"}, {"type": "text", "text": "d"}]}]))
    assert request.messages[-1].content == [TextPart("c"), TextPart("d", ephemeral)]
    assert request.untranslated == []
    own = {"type": "ephemeral", "ttl": "1h"}
    kept = CODEC.decode_request(body(cache_control=ephemeral, messages=[
        {"role": "user", "content": [{"type": "text", "text": "c", "cache_control": own}]}]))
    assert kept.messages[-1].content == [TextPart("c", own)]
    full = [{"type": "text", "text": str(i), "cache_control": ephemeral} for i in range(3)] + [
        {"type": "text", "text": "last"}]
    tools = [{"name": "f", "input_schema": {"type": "object"}, "cache_control": ephemeral}]
    at_limit = CODEC.decode_request(body(cache_control=ephemeral, tools=tools,
                                         messages=[{"role": "user", "content": full}]))
    assert at_limit.messages[-1].content[-1] == TextPart("last")


def test_untranslated_fields_and_blocks() -> None:
    request = CODEC.decode_request(body(
        top_k=5, container="c1", mcp_servers=[{"type": "url"}], brand_new_field=1,
        output_config={"task_budget": {"type": "tokens", "total": 5}},
        thinking={"type": "enabled", "budget_tokens": 1024, "future": True},
        messages=[
            {"role": "user", "content": [
                {"type": "text", "text": "look"},
                {"type": "image", "source": {"type": "file", "file_id": "f1"}},
                {"type": "document", "source": {"type": "content", "content": "doc"}},
                {"type": "text", "text": "cited", "citations": [{"type": "char_location"}]},
                {"type": "search_result", "source": "s", "title": "t", "content": []},
                {"type": "container_upload", "file_id": "f"},
                {"type": "future_block"},
            ]},
            {"role": "assistant", "content": [
                {"type": "server_tool_use", "id": "s", "name": "web_search", "input": {}},
                {"type": "web_search_tool_result", "tool_use_id": "s", "content": []},
                {"type": "tool_use", "id": "t1", "name": "f", "input": {},
                 "caller": {"type": "code_execution_20250825"}},
            ]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": [
                {"type": "text", "text": "ok"}, {"type": "search_result", "source": "s", "title": "t", "content": []},
                {"type": "tool_reference", "tool_name": "f"}]}]},
        ],
    ))
    assert request.untranslated == [
        "top_k", "container", "mcp_servers", "brand_new_field", "output_config.task_budget", "thinking.future",
        "messages[0].content[1]", "messages[0].content[2]", "messages[0].content[3].citations",
        "messages[0].content[4]", "messages[0].content[5]", "messages[0].content[6]",
        "messages[1].content[0]", "messages[1].content[1]", "messages[1].content[2].caller",
        "messages[2].content[0].content[1]", "messages[2].content[0].content[2]",
    ]
    assert request.messages[0].content == [TextPart("look"), TextPart("cited")]
    assert request.messages[2] == Message("tool", [ToolResultPart("t1", [TextPart("ok")])])


def test_model_may_be_absent() -> None:
    assert CODEC.decode_request(body(model=...)).model == ""


def test_assistant_first_and_system_strings() -> None:
    history = [{"role": "assistant", "content": "earlier"},
               {"role": "user", "content": [{"type": "text", "text": "q"}]}]
    request = CODEC.decode_request(body(system="", messages=history))
    assert [message.role for message in request.messages] == ["assistant", "user"]
