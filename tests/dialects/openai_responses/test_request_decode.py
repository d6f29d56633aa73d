"""Responses requests decoded: real client bodies, every translated field, untranslated paths, validation."""

from __future__ import annotations

from typing import Any

import pytest

from dragoman.canonical.content import ReasoningPart, RefusalPart, TextPart, ToolCallPart, ToolResultPart
from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import Message, OutputFormat, ReasoningConfig, Request, Tool, ToolChoice
from dragoman.dialects.openai_responses.codec import CODEC
from tests.dialects.openai_responses.helpers import client_bodies
from tests.recordings import load_json


def texts(message: Message) -> list[str]:
    return [part.text for part in message.content if isinstance(part, TextPart)]


# --- real request bodies ---

def test_openai_python_requests() -> None:
    plain, streamed, listed = (CODEC.decode_request(body) for _, body in
                               client_bodies("openai-python.requests.jsonl"))
    assert [(m.role, texts(m)) for m in plain.messages] == [("system", ["You are terse."]), ("user", ["say hi"])]
    assert (plain.model, plain.stream, plain.untranslated) == ("gpt-4.1-mini", False, [])
    assert [(m.role, texts(m)) for m in streamed.messages] == [("user", ["say hi"])]
    assert streamed.stream and streamed.include_usage
    assert [(m.role, texts(m)) for m in listed.messages] == [("user", ["say hi"])]


CODEX = client_bodies("codex.requests.jsonl")


@pytest.mark.parametrize(("client", "body"), CODEX, ids=[f"{client}#{n}" for n, (client, _) in enumerate(CODEX)])
def test_codex_requests_are_translated_entirely(client: str, body: dict[str, Any]) -> None:
    request = CODEC.decode_request(body)
    assert request.untranslated == []
    assert (request.model, request.stream, request.include_usage) == (body["model"], True, True)
    assert request.parallel_tool_calls is body["parallel_tool_calls"]
    assert request.prompt_cache_key == body["prompt_cache_key"]
    assert request.tool_choice == ToolChoice("auto")
    assert request.output_format is None and request.stop == []
    messages = [item for item in body["input"] if item["type"] == "message"]
    assert [(m.role, texts(m)) for m in request.messages[:len(messages)]] == [
        (item["role"], [part["text"] for part in item["content"]]) for item in messages]
    # Tools: the top-level ones, then those of any additional_tools item (rule additional-tools-hoisted).
    wire_tools = body.get("tools", []) + [tool for item in body["input"] if item["type"] == "additional_tools"
                                          for tool in item["tools"]]
    assert len(request.tools) == len(wire_tools)
    for tool, wire in zip(request.tools, wire_tools, strict=True):
        if wire["type"] == "function":
            assert (tool.kind, tool.name, tool.description, tool.parameters, tool.strict) == (
                "function", wire["name"], wire["description"], wire["parameters"], wire["strict"])
        elif wire["type"] == "custom":
            assert (tool.kind, tool.name, tool.format) == ("custom", wire["name"], wire["format"])
        else:
            assert (tool.kind, tool.native, tool.origin) == ("native", wire, "openai_responses")
            assert tool.name == wire.get("name", wire["type"])
    updates = [item["reasoning"] for item in body["input"] if item["type"] == "configuration_update"]
    wire_reasoning = updates[-1] if updates else body["reasoning"]
    assert request.reasoning == ReasoningConfig(effort=wire_reasoning.get("effort"),
                                                summary=wire_reasoning.get("summary"))


def test_codex_custom_and_builtin_tools() -> None:
    request = CODEC.decode_request(next(body for client, body in CODEX if client == "codex-responses-gpt55"))
    kinds = {tool.name: tool.kind for tool in request.tools}
    assert kinds["apply_patch"] == "custom" and kinds["exec_command"] == "function"
    assert (kinds["web_search"], kinds["tool_search"]) == ("native", "native")
    apply_patch = next(tool for tool in request.tools if tool.name == "apply_patch")
    assert apply_patch.format is not None and apply_patch.format["syntax"] == "lark"
    assert apply_patch.format["definition"].startswith("start: begin_patch hunk+ end_patch")
    namespaced = CODEC.decode_request(next(body for client, body in CODEX if client == "codex-responses"))
    assert [tool.name for tool in namespaced.tools if tool.kind == "native"] == ["multi_agent_v1", "web_search"]


def test_codex_tool_followup_carries_reasoning_call_and_output() -> None:
    body = next(body for client, body in CODEX if client == "codex-tool-roundtrip" and len(body["input"]) > 4)
    followup = load_json("clients/codex.example-tool-followup.json")
    assert body["input"][-4:] == followup["input_tail"]
    request = CODEC.decode_request(body)
    assert request.untranslated == []
    assert [m.role for m in request.messages] == ["developer", "developer", "user", "user", "assistant", "tool"]
    reasoning, call, output = followup["input_tail"][1:]
    assert request.messages[4].content == [
        ReasoningPart(summary=["I will run a harmless command."], encrypted=reasoning["encrypted_content"],
                      id=reasoning["id"], origin="openai_responses"),
        ToolCallPart(id=call["call_id"], name="exec_command", arguments='{"cmd": "echo hi-from-tool"}'),
    ]
    assert request.messages[5].content == [ToolResultPart(output["call_id"], [TextPart(output["output"])])]


@pytest.mark.parametrize(("name", "system", "choice", "reasoning"), [
    ("responses-stream-function-call", [], ToolChoice("auto"), None),
    ("responses-stream-text", [], ToolChoice("auto"), None),
    ("responses-nonstream-function-call", [], ToolChoice("auto"), None),
    ("responses-nonstream-parallel-function-calls", [], ToolChoice("auto"), None),
    ("responses-nonstream-reasoning", [], None, ReasoningConfig(effort="high", summary="detailed")),
    ("responses-stream-reasoning-function-call", [], ToolChoice("required"), ReasoningConfig(effort="low")),
    ("responses-stream-reasoning-text-function-call",
     ["Briefly narrate what you are about to do before calling each tool."], ToolChoice("auto"), None),
])
def test_recorded_request_bodies(name: str, system: list[str], choice: ToolChoice | None,
                                 reasoning: ReasoningConfig | None) -> None:
    body = load_json(f"openai/{name}.request.json")
    request = CODEC.decode_request(body)
    assert request.untranslated == []
    assert [texts(m)[0] for m in request.messages if m.role == "system"] == system
    assert texts(next(m for m in request.messages if m.role == "user")) == [body["input"][0]["content"]]
    assert request.model == body["model"] and request.stream is body.get("stream", False)
    assert (request.tool_choice, request.reasoning) == (choice, reasoning)
    assert [Tool(name=t["name"], description=t["description"], parameters=t["parameters"], strict=t["strict"])
            for t in body.get("tools", [])] == request.tools


def test_recorded_tool_round_trip_request() -> None:
    request = CODEC.decode_request(load_json("openai/responses-stream-text.request.json"))
    call_id = "fc_67e554a1de488191af0831d35cbe082e0794405d35281ae2"
    assert request.messages[1:] == [
        Message("assistant", [ToolCallPart(call_id, "get_capital", '{"country":"France"}')]),
        Message("tool", [ToolResultPart(call_id, [TextPart("Paris")])]),
    ]


def test_recorded_bad_temperature_is_refused_like_openai_does() -> None:
    with pytest.raises(InvalidRequest) as caught:
        CODEC.decode_request(load_json("openai/responses-error-400.request.json"))
    assert caught.value.param == load_json("openai/responses-error-400.json")["error"]["param"] == "temperature"


# --- decoding details ---

def test_every_translated_field() -> None:
    request = CODEC.decode_request({
        "model": "m", "instructions": "Be brief.", "max_output_tokens": 100, "temperature": 0.3, "top_p": 0.8,
        "safety_identifier": "hashed", "metadata": {"k": "v"}, "stream": True, "parallel_tool_calls": False,
        "input": [
            {"role": "developer", "content": "dev"},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "q"}]},
            {"role": "assistant", "content": [{"type": "output_text", "text": "a", "annotations": []},
                                              {"type": "refusal", "refusal": "no"}], "id": "msg_1",
             "status": "completed", "phase": "final_answer"},
            {"role": "system", "content": [{"type": "input_text", "text": "late system"}]},
        ],
        "store": True, "service_tier": "flex", "truncation": "auto", "prompt_cache_key": "k",
        "stream_options": {"include_obfuscation": False}, "text": {"format": {"type": "text"}, "verbosity": "low"},
        "include": ["reasoning.encrypted_content"], "tool_choice": "none", "tools": [],
        "reasoning": {"effort": "minimal", "summary": "concise", "context": "all_turns", "mode": "standard"},
        "previous_response_id": None, "background": False, "top_logprobs": 0,
    })
    assert request == Request(
        model="m", stream=True, max_tokens=100, temperature=0.3, top_p=0.8, user="hashed", metadata={"k": "v"},
        include_usage=True, parallel_tool_calls=False, tool_choice=ToolChoice("none"), prompt_cache_key="k",
        reasoning=ReasoningConfig(effort="minimal", summary="concise"),
        messages=[
            Message("system", [TextPart("Be brief.")]),
            Message("developer", [TextPart("dev")]),
            Message("user", [TextPart("q")]),
            Message("assistant", [TextPart("a"), RefusalPart("no")]),
            Message("system", [TextPart("late system")]),
        ],
    )


def test_user_wins_over_safety_identifier_and_model_may_be_absent() -> None:
    request = CODEC.decode_request({"input": "hi", "user": "u", "safety_identifier": "s", "instructions": ""})
    assert (request.model, request.user, len(request.messages)) == ("", "u", 1)


@pytest.mark.parametrize(("text", "output"), [
    ({"format": {"type": "json_object"}}, OutputFormat("json_object")),
    ({"format": {"type": "json_schema", "name": "answer", "schema": {"type": "object"}, "strict": True,
                 "description": "The answer."}},
     OutputFormat("json_schema", "answer", {"type": "object"}, True, "The answer.")),
    ({"format": {"type": "json_schema", "schema": {"type": "object"}}, "verbosity": "high"},
     OutputFormat("json_schema", schema={"type": "object"})),
    ({"format": None}, None),
])
def test_text_format_is_structured_output(text: dict[str, Any], output: OutputFormat | None) -> None:
    request = CODEC.decode_request({"input": "hi", "text": text})
    assert (request.output_format, request.untranslated) == (output, [])


@pytest.mark.parametrize(("extra", "untranslated"), [
    ({"tool_choice": {"type": "allowed_tools", "mode": "auto", "tools": [{"type": "function", "name": "f"}]}},
     ["tool_choice"]),
    ({"tool_choice": {"type": "mcp", "server_label": "deepwiki"}}, ["tool_choice"]),
    ({"text": {"format": {"type": "grammar", "grammar": "x"}}}, ["text.format"]),
    ({"text": {"format": {"type": "text"}, "future": 1}}, ["text.future"]),
    ({"include": ["message.output_text.logprobs", "reasoning.encrypted_content"]}, ["include[0]"]),
    ({"previous_response_id": "resp_1", "conversation": "conv_1", "prompt": {"id": "p"}},
     ["previous_response_id", "conversation", "prompt"]),
    ({"background": True, "top_logprobs": 3, "max_tool_calls": 2}, ["background", "top_logprobs", "max_tool_calls"]),
    ({"context_management": [{"type": "compaction", "compact_threshold": 1000}]}, ["context_management"]),
    ({"reasoning": {"effort": "high", "mode": "pro", "future": True}}, ["reasoning.mode", "reasoning.future"]),
    ({"stop": ["x"], "frequency_penalty": 1}, ["stop", "frequency_penalty"]),
    ({"tools": [{"type": "function", "name": "f", "defer_loading": True, "output_schema": {"type": "string"}},
                {"type": "custom", "name": "c", "allowed_callers": ["direct"], "defer_loading": False}]},
     ["tools[0].defer_loading", "tools[0].output_schema", "tools[1].allowed_callers"]),
    ({"input": [{"role": "user", "content": [{"type": "input_image", "file_id": "file-1"},
                                             {"type": "input_text", "text": "what is it?"},
                                             {"type": "input_file", "file_id": "f"},
                                             {"type": "input_audio", "input_audio": {"data": "x"}}]}]},
     ["input[0].content[0]", "input[0].content[2]", "input[0].content[3]"]),
    ({"input": [{"role": "user", "content": [
        {"type": "input_file", "file_data": "data:application/vnd.ms-excel;base64,AA=="},
        {"type": "input_file", "file_url": "https://x.test/a.docx"},
        {"type": "input_file", "file_data": "AA==", "filename": "notes"}]}]},
     ["input[0].content[0]", "input[0].content[1]", "input[0].content[2]"]),
    ({"input": [{"type": "item_reference", "id": "msg_1"}, {"role": "user", "content": "x"},
                {"type": "web_search_call", "id": "ws_1", "status": "completed"},
                {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}", "namespace": "crm"},
                {"type": "function_call_output", "call_id": "c", "output": "ok", "caller": {"type": "program"}},
                {"type": "configuration_update", "reasoning": {"effort": "low"}, "sampling": {"temperature": 1}}]},
     ["input[0]", "input[2]", "input[3].namespace", "input[4].caller", "input[5].sampling"]),
])
def test_untranslated_fields_are_listed_by_wire_path(extra: dict[str, Any], untranslated: list[str]) -> None:
    request = CODEC.decode_request({"model": "m", "input": "hi", **extra})
    assert request.untranslated == untranslated


def test_request_without_user_turn_is_allowed_when_state_may_hold_it() -> None:
    body = {"previous_response_id": "resp_1", "input": [{"type": "function_call_output", "call_id": "c",
                                                         "output": "4"}]}
    request = CODEC.decode_request(body)
    assert request.untranslated == ["previous_response_id"]
    assert request.messages == [Message("tool", [ToolResultPart("c", [TextPart("4")])])]
    with pytest.raises(InvalidRequest, match="at least one user message"):
        CODEC.decode_request({"input": body["input"]})


@pytest.mark.parametrize(("body", "param", "message"), [
    ({}, "input", "'input' is required"),
    ({"input": 5}, "input", "must be a string or an array"),
    ({"input": []}, "input", "must not be empty"),
    ({"input": ""}, "input", "must not be empty"),
    ({"input": [{"role": "system", "content": "only system"}]}, "input", "at least one user message"),
    ({"input": ["hi"]}, "input[0]", "must be an object"),
    ({"input": [{"role": "tool", "content": "x"}]}, "input[0].role", "must be one of"),
    ({"input": [{"content": "x"}]}, "input[0].role", "is required"),
    ({"input": [{"role": "user", "content": 3}]}, "input[0].content", "must be a string or an array"),
    ({"input": [{"role": "user", "content": ["x"]}]}, "input[0].content[0]", "must be an object"),
    ({"input": [{"role": "user", "content": [{"type": "input_text", "text": 1}]}]},
     "input[0].content[0].text", "must be a string"),
    ({"input": [{"role": "user", "content": [{"text": "x"}]}]}, "input[0].content[0].type", "must be a string"),
    ({"input": [{"role": "user", "content": [{"type": "refusal", "refusal": "x"}]}]},
     "input[0].content[0].type", "only allowed in assistant"),
    ({"input": [{"type": 7}]}, "input[0].type", "must be a string"),
    ({"input": "hi", "temperature": 2.5}, "temperature", "between 0 and 2"),
    ({"input": "hi", "temperature": "hot"}, "temperature", "must be a number"),
    ({"input": "hi", "top_p": 1.5}, "top_p", "between 0 and 1"),
    ({"input": "hi", "max_output_tokens": 0}, "max_output_tokens", "positive integer"),
    ({"input": "hi", "max_output_tokens": 1.5}, "max_output_tokens", "positive integer"),
    ({"input": "hi", "model": 4}, "model", "must be a string"),
    ({"input": "hi", "stream": "yes"}, "stream", "must be a boolean"),
    ({"input": "hi", "instructions": ["x"]}, "instructions", "must be a string"),
    ({"input": "hi", "user": 1}, "user", "must be a string"),
    ({"input": "hi", "safety_identifier": 1}, "safety_identifier", "must be a string"),
    ({"input": "hi", "metadata": []}, "metadata", "must be an object"),
    ({"input": "hi", "parallel_tool_calls": 1}, "parallel_tool_calls", "must be a boolean"),
    ({"input": "hi", "store": "no"}, "store", "must be a boolean"),
    ({"input": "hi", "prompt_cache_key": 5}, "prompt_cache_key", "must be a string"),
    ({"input": "hi", "text": "plain"}, "text", "must be an object"),
    ({"input": "hi", "text": {"format": {"type": "json_schema", "name": "x"}}}, "text.format.schema",
     "must be an object"),
    ({"input": "hi", "text": {"format": {"type": "json_schema", "schema": {}, "strict": "yes"}}},
     "text.format.strict", "must be a boolean"),
    ({"input": "hi", "include": "all"}, "include", "array of strings"),
    ({"input": "hi", "reasoning": "high"}, "reasoning", "must be an object"),
    ({"input": "hi", "reasoning": {"effort": "extreme"}}, "reasoning.effort", "must be one of none, minimal"),
    ({"input": "hi", "reasoning": {"summary": 1}}, "reasoning.summary", "must be a string"),
    ({"input": "hi", "tools": {"type": "function"}}, "tools", "must be an array"),
    ({"input": "hi", "tools": ["f"]}, "tools[0]", "must be an object"),
    ({"input": "hi", "tools": [{"name": "f"}]}, "tools[0].type", "must be a string"),
    ({"input": "hi", "tools": [{"type": "function"}]}, "tools[0].name", "non-empty string"),
    ({"input": "hi", "tools": [{"type": "function", "name": "f", "parameters": "{}"}]}, "tools[0].parameters",
     "must be an object"),
    ({"input": "hi", "tools": [{"type": "function", "name": "f", "strict": "no"}]}, "tools[0].strict",
     "must be a boolean"),
    ({"input": "hi", "tools": [{"type": "custom", "name": "c", "format": "lark"}]}, "tools[0].format",
     "must be an object"),
    ({"input": "hi", "tool_choice": "any"}, "tool_choice", "'auto', 'none', 'required'"),
    ({"input": "hi", "tool_choice": 1}, "tool_choice", "a string or an object"),
    ({"input": "hi", "tool_choice": {"type": "function"}}, "tool_choice.name", "non-empty string"),
    ({"input": "hi", "tool_choice": {"name": "f"}}, "tool_choice.type", "must be a string"),
])
def test_validation(body: dict[str, Any], param: str, message: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        CODEC.decode_request(body)
    assert caught.value.param == param
    assert caught.value.status == 400
    assert message in caught.value.message
