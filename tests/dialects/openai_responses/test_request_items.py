"""Responses request decoding in detail: input items, content parts, tools, tool choice, reasoning."""

from __future__ import annotations

from typing import Any

import pytest

from dragoman.canonical.content import (
    DocumentPart,
    ImagePart,
    ReasoningPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.reasoning import wrap_proof
from dragoman.canonical.request import Message, ReasoningConfig, Request, Tool, ToolChoice
from dragoman.dialects.openai_responses.codec import CODEC

PDF = "JVBERi0xLjQK"


def decode(*items: dict[str, Any], **fields: Any) -> Request:
    return CODEC.decode_request({"input": [{"role": "user", "content": "go"}, *items], **fields})


# --- calls, outputs and reasoning in history ---

def test_one_assistant_turn_from_its_items_and_one_tool_message_from_its_outputs() -> None:
    request = decode(
        {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "plan"}],
         "content": [{"type": "reasoning_text", "text": "raw 1"}, {"type": "reasoning_text", "text": "raw 2"}],
         "encrypted_content": "gAAA", "status": "completed"},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Running."}]},
        {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "sh", "arguments": '{"c":1}',
         "status": "completed"},
        {"type": "custom_tool_call", "id": "ctc_1", "call_id": "call_2", "name": "apply_patch",
         "input": "*** Begin Patch\n*** End Patch"},
        {"type": "function_call_output", "call_id": "call_1", "output": "done"},
        {"type": "custom_tool_call_output", "call_id": "call_2", "output": [{"type": "input_text", "text": "ok"}]},
        {"role": "user", "content": "next"},
    )
    assert request.untranslated == []
    assert request.messages[1:] == [
        Message("assistant", [
            ReasoningPart(text="raw 1\n\nraw 2", summary=["plan"], encrypted="gAAA", id="rs_1",
                          origin="openai_responses"),
            TextPart("Running."),
            ToolCallPart("call_1", "sh", '{"c":1}'),
            ToolCallPart("call_2", "apply_patch", "*** Begin Patch\n*** End Patch", kind="custom"),
        ]),
        Message("tool", [ToolResultPart("call_1", [TextPart("done")]), ToolResultPart("call_2", [TextPart("ok")])]),
        Message("user", [TextPart("next")]),
    ]


def test_tool_output_with_image_and_file() -> None:
    request = decode({"type": "function_call", "call_id": "c", "name": "shot", "arguments": "{}"},
                     {"type": "function_call_output", "call_id": "c", "output": [
                         {"type": "input_text", "text": "here"},
                         {"type": "input_image", "image_url": "data:image/png;base64,iVBOR", "detail": "high"},
                         {"type": "input_file", "file_data": f"data:application/pdf;base64,{PDF}",
                          "filename": "r.pdf"},
                         {"type": "input_file", "file_id": "file-1"}]})
    assert request.messages[-1] == Message("tool", [ToolResultPart("c", [
        TextPart("here"), ImagePart(data="iVBOR", media_type="image/png", detail="high"),
        DocumentPart(data=PDF, media_type="application/pdf", filename="r.pdf")])])
    assert request.untranslated == ["input[2].output[3]"]


@pytest.mark.parametrize(("origin", "kind", "expected"), [
    ("anthropic_messages", "signature",
     ReasoningPart(text="I will run a harmless command.", signature="sig", origin="anthropic_messages")),
    ("anthropic_messages", "redacted",
     ReasoningPart(text="I will run a harmless command.", redacted_data="sig", origin="anthropic_messages")),
])
def test_wrapped_proofs_go_back_to_their_origin(origin: str, kind: Any, expected: ReasoningPart) -> None:
    request = decode({"type": "reasoning", "id": "rs_x", "content": None, "encrypted_content": wrap_proof(
        origin, kind, "sig"), "summary": [{"type": "summary_text", "text": "I will run a harmless command."}]})
    assert request.messages[1] == Message("assistant", [expected])


def test_reasoning_without_encrypted_content_or_summary() -> None:
    request = decode({"type": "reasoning", "id": "rs_1", "summary": []})
    assert request.messages[1] == Message("assistant", [ReasoningPart(id="rs_1", origin="openai_responses")])


def test_additional_tools_and_configuration_update() -> None:
    namespace = {"type": "namespace", "name": "clock", "description": "", "tools": [
        {"type": "function", "name": "sleep", "parameters": {"type": "object"}, "strict": False}]}
    request = CODEC.decode_request({
        "reasoning": {"effort": "high", "context": "all_turns"},
        "tools": [{"type": "function", "name": "f"}],
        "input": [
            {"type": "additional_tools", "id": "at_1", "role": "developer",
             "tools": [namespace, {"type": "custom", "name": "exec", "description": "Run JS"}]},
            {"role": "user", "content": "hi", "internal_chat_message_metadata_passthrough": {"turn_id": "t"}},
            {"type": "configuration_update", "reasoning": {"effort": "low"}},
        ],
    })
    assert request.untranslated == []
    assert request.tools == [
        Tool("f"),
        Tool("clock", kind="native", native=namespace, origin="openai_responses"),
        Tool("exec", "Run JS", kind="custom"),
    ]
    assert request.reasoning == ReasoningConfig(effort="low")
    assert request.messages == [Message("user", [TextPart("hi")])]


@pytest.mark.parametrize(("item", "param", "message"), [
    ({"type": "function_call", "name": "f", "arguments": "{}"}, "input[1].call_id", "must be a string"),
    ({"type": "function_call", "call_id": "c", "arguments": "{}"}, "input[1].name", "must be a string"),
    ({"type": "function_call", "call_id": "c", "name": "f", "arguments": {}}, "input[1].arguments",
     "must be a string"),
    ({"type": "custom_tool_call", "call_id": "c", "name": "f"}, "input[1].input", "must be a string"),
    ({"type": "function_call_output", "call_id": "c", "output": 4}, "input[1].output", "string or an array"),
    ({"type": "function_call_output", "output": "x"}, "input[1].call_id", "must be a string"),
    ({"type": "function_call_output", "call_id": "c", "output": [{"type": "refusal", "refusal": "x"}]},
     "input[1].output[0].type", "only allowed in assistant"),
    ({"type": "function_call_output", "call_id": "c", "output": [{"type": "output_text", "text": "x"}, "y"]},
     "input[1].output[1]", "must be an object"),
    ({"type": "reasoning", "summary": "x"}, "input[1].summary", "must be an array"),
    ({"type": "reasoning", "summary": [{"type": "summary_text"}]}, "input[1].summary[0]", "string 'text'"),
    ({"type": "reasoning", "summary": [], "encrypted_content": 1}, "input[1].encrypted_content", "must be a string"),
    ({"type": "additional_tools", "tools": [{"type": "function"}]}, "input[1].tools[0].name", "non-empty"),
    ({"type": "configuration_update", "reasoning": {"effort": 3}}, "input[1].reasoning.effort", "must be one of"),
])
def test_item_validation(item: dict[str, Any], param: str, message: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        decode(item)
    assert (caught.value.param, caught.value.status) == (param, 400)
    assert message in caught.value.message


# --- content parts ---

@pytest.mark.parametrize(("part", "decoded"), [
    ({"type": "input_image", "image_url": "https://x.test/cat.png"}, ImagePart(url="https://x.test/cat.png")),
    ({"type": "input_image", "image_url": "https://x.test/cat.png", "detail": "auto"},
     ImagePart(url="https://x.test/cat.png")),
    ({"type": "input_image", "image_url": "data:image/webp;base64,UklG", "detail": "low"},
     ImagePart(data="UklG", media_type="image/webp", detail="low")),
    ({"type": "input_image", "image_url": "data:IMAGE/JPEG;base64,/9j/", "file_id": None},
     ImagePart(data="/9j/", media_type="image/jpeg")),
    ({"type": "input_file", "file_data": f"data:application/pdf;base64,{PDF}", "filename": "a.pdf"},
     DocumentPart(data=PDF, media_type="application/pdf", filename="a.pdf")),
    ({"type": "input_file", "file_data": "aGk=", "filename": "notes.TXT"},
     DocumentPart(data="aGk=", media_type="text/plain", filename="notes.TXT")),
    ({"type": "input_file", "file_data": "data:text/csv;base64,YSxi", "filename": "t.csv", "detail": "high"},
     DocumentPart(data="YSxi", media_type="text/csv", filename="t.csv")),
    ({"type": "input_file", "file_url": "https://x.test/paper.pdf?dl=1"},
     DocumentPart(url="https://x.test/paper.pdf?dl=1", media_type="application/pdf")),
    ({"type": "input_file", "file_url": "https://x.test/download"}, DocumentPart(url="https://x.test/download")),
    ({"type": "input_text", "text": "cached", "prompt_cache_breakpoint": {"mode": "explicit"}},
     TextPart("cached", cache_control={"type": "ephemeral"})),
])
def test_content_parts(part: dict[str, Any], decoded: Any) -> None:
    request = CODEC.decode_request({"input": [{"role": "user", "content": [part]}]})
    assert (request.messages[0].content, request.untranslated) == ([decoded], [])


@pytest.mark.parametrize(("part", "param", "message"), [
    ({"type": "input_image", "image_url": "data:image/bmp;base64,Qk0="}, "input[0].content[0].image_url",
     "PNG, JPEG, GIF or WebP"),
    ({"type": "input_image", "image_url": "ftp://x.test/a.png"}, "input[0].content[0].image_url", "http(s) URL"),
    ({"type": "input_image"}, "input[0].content[0].image_url", "needs an 'image_url'"),
    ({"type": "input_image", "image_url": 5}, "input[0].content[0].image_url", "must be a string"),
    ({"type": "input_file", "file_url": "file:///etc/passwd"}, "input[0].content[0].file_url", "http(s) URL"),
    ({"type": "input_file", "filename": "a.pdf"}, "input[0].content[0]", "needs 'file_data', 'file_url'"),
])
def test_content_part_validation(part: dict[str, Any], param: str, message: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        CODEC.decode_request({"input": [{"role": "user", "content": [part]}]})
    assert caught.value.param == param and message in caught.value.message


def test_images_and_files_are_refused_in_assistant_history() -> None:
    with pytest.raises(InvalidRequest) as caught:
        decode({"role": "assistant", "content": [{"type": "input_image", "image_url": "https://x.test/a.png"}]})
    assert caught.value.param == "input[1].content[0].type"


# --- tools and tool choice ---

def test_tool_kinds() -> None:
    tools: list[dict[str, Any]] = [
        {"type": "function", "name": "f", "description": None, "parameters": {"type": "object"}, "strict": True,
         "defer_loading": False},
        {"type": "custom", "name": "c", "description": "free text", "format": {"type": "text"}},
        {"type": "web_search_preview", "search_context_size": "low"},
        {"type": "mcp", "server_label": "deepwiki", "server_url": "https://mcp.test"},
        {"type": "tool_search", "execution": "client", "description": "find", "parameters": {"type": "object"}},
    ]
    request = CODEC.decode_request({"input": "hi", "tools": tools})
    assert request.untranslated == []
    assert request.tools == [
        Tool("f", parameters={"type": "object"}, strict=True),
        Tool("c", "free text", kind="custom", format={"type": "text"}),
        Tool("web_search_preview", kind="native", native=tools[2], origin="openai_responses"),
        Tool("mcp", kind="native", native=tools[3], origin="openai_responses"),
        Tool("tool_search", kind="native", native=tools[4], origin="openai_responses"),
    ]


@pytest.mark.parametrize(("choice", "decoded"), [
    ("auto", ToolChoice("auto")),
    ("none", ToolChoice("none")),
    ("required", ToolChoice("required")),
    ({"type": "function", "name": "f"}, ToolChoice("tool", "f")),
    ({"type": "custom", "name": "apply_patch"}, ToolChoice("tool", "apply_patch")),
    ({"type": "web_search_preview"}, ToolChoice("tool", "web_search_preview")),
    ({"type": "apply_patch"}, ToolChoice("tool", "apply_patch")),
])
def test_tool_choice_forms(choice: Any, decoded: ToolChoice) -> None:
    request = CODEC.decode_request({"input": "hi", "tool_choice": choice})
    assert (request.tool_choice, request.untranslated) == (decoded, [])


@pytest.mark.parametrize(("reasoning", "decoded"), [
    ({"effort": "none"}, ReasoningConfig(effort="none")),
    ({"effort": "xhigh", "summary": "detailed"}, ReasoningConfig(effort="xhigh", summary="detailed")),
    ({"generate_summary": "concise"}, ReasoningConfig(summary="concise")),
    ({}, None),
    ({"context": "current_turn", "effort": None}, None),
])
def test_reasoning_config(reasoning: dict[str, Any], decoded: ReasoningConfig | None) -> None:
    request = CODEC.decode_request({"input": "hi", "reasoning": reasoning})
    assert (request.reasoning, request.untranslated) == (decoded, [])
