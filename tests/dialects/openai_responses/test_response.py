"""Non-streamed Responses answers: recorded bodies decoded, re-encoded, compared field by field and validated."""

from __future__ import annotations

from typing import Any

import pytest
from openai.types.responses import Response as SDKResponse

from dragoman.canonical.content import (
    DocumentPart,
    ImagePart,
    ReasoningPart,
    RefusalPart,
    TextPart,
    ToolCallPart,
)
from dragoman.canonical.errors import UpstreamError, UpstreamProtocolError, UpstreamUnavailable
from dragoman.canonical.reasoning import wrap_proof
from dragoman.canonical.request import Message, OutputFormat, ReasoningConfig, Request, Tool, ToolChoice
from dragoman.canonical.response import Response, StopKind, StopReason, Usage
from dragoman.canonical.tools import wrap_custom_input
from dragoman.dialects.openai_responses.codec import CODEC
from tests.recordings import load_json
from tests.schemas import OPENAI_RESPONSE, assert_valid

NONSTREAM = [
    "openai/responses-nonstream-function-call.json",
    "openai/responses-nonstream-parallel-function-calls.json",
    "openai/responses-nonstream-reasoning.json",
    "openai/responses-nonstream-reasoning-encrypted-content.json",
]
REQUEST = Request(model="client-model", messages=[Message("user", [TextPart("hi")])])


def recorded_parts(body: dict[str, Any]) -> list[tuple[str, Any]]:
    """The recording's output, read without the codec, in the shape the canonical parts should have."""
    parts: list[tuple[str, Any]] = []
    for item in body["output"]:
        if item["type"] == "message":
            parts.extend(("text", part["text"]) for part in item["content"])
        elif item["type"] == "function_call":
            parts.append(("tool_call", (item["call_id"], item["name"], item["arguments"])))
        elif item["type"] == "reasoning":
            summary = [entry["text"] for entry in item["summary"]]
            parts.append(("reasoning", (item["id"], summary, item.get("encrypted_content"))))
    return parts


def canonical_parts(response: Response) -> list[tuple[str, Any]]:
    parts: list[tuple[str, Any]] = []
    for part in response.content:
        if isinstance(part, TextPart):
            parts.append(("text", part.text))
        elif isinstance(part, ToolCallPart):
            parts.append(("tool_call", (part.id, part.name, part.arguments)))
        elif isinstance(part, ReasoningPart):
            assert part.text == "" and part.origin == "openai_responses"
            parts.append(("reasoning", (part.id, part.summary, part.encrypted)))
    return parts


@pytest.mark.parametrize("name", NONSTREAM, ids=lambda name: name.split("/")[1])
def test_recorded_response_decodes_and_reencodes(name: str) -> None:
    body = load_json(name)
    response = CODEC.decode_response(body)
    assert (response.id, response.model, response.created) == (body["id"], body["model"], body["created_at"])
    assert canonical_parts(response) == recorded_parts(body)
    usage = body["usage"]
    assert response.usage == Usage(
        input_tokens=usage["input_tokens"], output_tokens=usage["output_tokens"],
        cache_read_tokens=usage["input_tokens_details"]["cached_tokens"],
        reasoning_tokens=usage["output_tokens_details"]["reasoning_tokens"])
    has_call = any(item["type"] == "function_call" for item in body["output"])
    assert response.stop_reason == StopReason(StopKind.TOOL_USE if has_call else StopKind.END_TURN, "completed")

    encoded = CODEC.encode_response(response, REQUEST)
    assert_valid(*OPENAI_RESPONSE, encoded)
    sdk = SDKResponse.model_validate(encoded)  # openai-python's own (pydantic) model of the body
    assert sdk.output_text == "".join(text for kind, text in recorded_parts(body) if kind == "text")
    for key in ("id", "object", "created_at", "status", "model", "error", "incomplete_details"):
        assert encoded[key] == body[key], key
    assert encoded["usage"] == {**usage, "input_tokens_details": {**usage["input_tokens_details"],
                                                                  "cache_write_tokens": 0}}
    assert [item["type"] for item in encoded["output"]] == [item["type"] for item in body["output"]]
    for mine, theirs in zip(encoded["output"], body["output"], strict=True):
        if mine["type"] == "message":
            assert [p["text"] for p in mine["content"]] == [p["text"] for p in theirs["content"]]
            assert mine["status"] == theirs["status"] and mine["role"] == "assistant"
        elif mine["type"] == "function_call":
            keys = ("call_id", "name", "arguments", "status")
            assert {k: mine[k] for k in keys} == {k: theirs[k] for k in keys}
        else:
            assert {k: mine[k] for k in ("id", "summary")} == {k: theirs[k] for k in ("id", "summary")}
            assert mine.get("encrypted_content") == theirs.get("encrypted_content")
    assert CODEC.decode_response(encoded) == response


def test_every_part_kind_survives_encode_then_decode() -> None:
    response = Response(
        id="chatcmpl-1", model="m", created=1, usage=Usage(5, 6, 1, 2, 3),
        stop_reason=StopReason(StopKind.TOOL_USE, "completed"),
        content=[
            ReasoningPart(text="full thought", summary=["short", "shorter"], encrypted="enc", id="rs_1",
                          origin="openai_responses"),
            TextPart("a"), TextPart("b"), RefusalPart("no"),
            ToolCallPart("call_1", "f", '{"x":1}'),
            TextPart("after"),
        ],
    )
    encoded = CODEC.encode_response(response, REQUEST)
    assert_valid(*OPENAI_RESPONSE, encoded)
    assert SDKResponse.model_validate(encoded).output_text == "abafter"
    assert encoded["id"].startswith("resp_") and encoded["id"] != response.id
    assert [item["type"] for item in encoded["output"]] == ["reasoning", "message", "function_call", "message"]
    assert encoded["output"][0]["content"] == [{"type": "reasoning_text", "text": "full thought"}]
    assert len(encoded["output"][1]["content"]) == 3
    decoded = CODEC.decode_response(encoded)
    assert decoded.content == response.content
    assert (decoded.usage, decoded.stop_reason, decoded.model, decoded.created) == (
        response.usage, response.stop_reason, "m", 1)


def test_foreign_proofs_are_wrapped_and_input_only_parts_are_left_out() -> None:
    response = Response(id="msg_1", model="claude", stop_reason=StopReason(StopKind.END_TURN), content=[
        ReasoningPart(text="thinking", signature="sig", origin="anthropic_messages"),
        ReasoningPart(redacted_data="blob", origin="anthropic_messages"),
        ReasoningPart(text="vllm thoughts", origin="openai_chat"),
        ImagePart(url="http://x/y.png"), DocumentPart(text="doc"), TextPart("done"),
    ])
    encoded = CODEC.encode_response(response, REQUEST)
    assert_valid(*OPENAI_RESPONSE, encoded)
    thinking, redacted, chat, message = encoded["output"]
    assert thinking["encrypted_content"] == wrap_proof("anthropic_messages", "signature", "sig")
    assert thinking["summary"] == [{"type": "summary_text", "text": "thinking"}] and "content" not in thinking
    assert redacted["encrypted_content"] == wrap_proof("anthropic_messages", "redacted", "blob")
    assert chat["summary"] == [{"type": "summary_text", "text": "vllm thoughts"}]
    assert chat["encrypted_content"] == wrap_proof("openai_chat", "signature", "")  # rule chat-reasoning-marked
    assert message["type"] == "message"
    # A client that sends the items back hands each proof to its origin (rule proofs-travel-wrapped).
    body = {"input": [{"role": "user", "content": "hi"}, thinking, redacted, chat, message]}
    followup = CODEC.decode_request(body)
    assert followup.messages[1].content == [
        ReasoningPart(text="thinking", signature="sig", origin="anthropic_messages"),
        ReasoningPart(redacted_data="blob", origin="anthropic_messages"),
        ReasoningPart(text="vllm thoughts", origin="openai_chat"),
        TextPart("done"),
    ]
    # Rule foreign-proofs-not-forwarded: a same-dialect route forwards the body, without what OpenAI cannot read.
    assert body["input"] == [{"role": "user", "content": "hi"}, message]


def test_custom_tool_calls_reach_the_client_as_custom_calls() -> None:
    request = Request(model="m", messages=[Message("user", [TextPart("patch it")])],
                      tools=[Tool("apply_patch", kind="custom", format={"type": "text"}), Tool("sh")])
    patch = "*** Begin Patch\n*** End Patch\n"
    response = Response(id="msg_1", model="claude", stop_reason=StopReason(StopKind.TOOL_USE, "tool_use"), content=[
        ToolCallPart("toolu_1", "apply_patch", wrap_custom_input(patch)),  # an upstream without custom tools
        ToolCallPart("call_2", "apply_patch", patch, kind="custom"),         # a Responses upstream
        ToolCallPart("toolu_3", "sh", '{"cmd":"ls"}'),
    ])
    encoded = CODEC.encode_response(response, request)
    assert_valid(*OPENAI_RESPONSE, encoded)
    first, second, third = encoded["output"]
    for item, call_id in ((first, "toolu_1"), (second, "call_2")):
        assert item["id"].startswith("ctc_")
        assert {k: item[k] for k in ("type", "call_id", "name", "input")} == {
            "type": "custom_tool_call", "call_id": call_id, "name": "apply_patch", "input": patch}
    assert (third["type"], third["arguments"]) == ("function_call", '{"cmd":"ls"}')
    assert encoded["status"] == "completed"
    assert encoded["tools"] == [{"type": "custom", "name": "apply_patch", "format": {"type": "text"}},
                                {"type": "function", "name": "sh", "parameters": None, "strict": None}]
    sdk = SDKResponse.model_validate(encoded)
    assert [item.type for item in sdk.output] == ["custom_tool_call", "custom_tool_call", "function_call"]
    decoded = CODEC.decode_response(encoded)
    assert decoded.content == [ToolCallPart("toolu_1", "apply_patch", patch, kind="custom"),
                               ToolCallPart("call_2", "apply_patch", patch, kind="custom"),
                               ToolCallPart("toolu_3", "sh", '{"cmd":"ls"}')]
    assert decoded.stop_reason.kind is StopKind.TOOL_USE


@pytest.mark.parametrize(("kind", "raw", "status", "details"), [
    (StopKind.MAX_TOKENS, "length", "incomplete", {"reason": "max_output_tokens"}),
    (StopKind.CONTENT_FILTER, None, "incomplete", {"reason": "content_filter"}),
    (StopKind.OTHER, "incomplete", "incomplete", {}),
    (StopKind.STOP_SEQUENCE, "stop_sequence", "completed", None),
    (StopKind.REFUSAL, "refusal", "completed", None),
])
def test_stop_reasons_set_status_and_incomplete_details(
    kind: StopKind, raw: str | None, status: str, details: dict[str, str] | None
) -> None:
    response = Response(id="", model="m", content=[TextPart("cut")], stop_reason=StopReason(kind, raw))
    encoded = CODEC.encode_response(response, REQUEST)
    assert_valid(*OPENAI_RESPONSE, encoded)
    assert (encoded["status"], encoded["incomplete_details"]) == (status, details)
    assert encoded["output"][0]["status"] == ("incomplete" if status == "incomplete" else "completed")


def test_request_is_echoed_with_spec_defaults() -> None:
    web_search = {"type": "web_search", "external_web_access": False}
    request = Request(model="alias", messages=[], temperature=0.2, top_p=0.5, max_tokens=9, user="u",
                      metadata={"a": "b"}, tools=[Tool("f", "does f", {"type": "object"}, True),
                                                  Tool("web_search", kind="native", native=web_search,
                                                       origin="openai_responses"),
                                                  Tool("bash", kind="native", native={"type": "bash_20250124"},
                                                       origin="anthropic_messages")],
                      tool_choice=ToolChoice("tool", "f"), prompt_cache_key="pck",
                      reasoning=ReasoningConfig(effort="low", summary="auto"),
                      output_format=OutputFormat("json_schema", "answer", {"type": "object"}, strict=True))
    response = Response(id="resp_x", model="", content=[], stop_reason=StopReason(StopKind.END_TURN))
    encoded = CODEC.encode_response(response, request)
    assert_valid(*OPENAI_RESPONSE, encoded)
    assert encoded["model"] == "alias" and encoded["id"] == "resp_x"
    assert (encoded["temperature"], encoded["top_p"], encoded["max_output_tokens"]) == (0.2, 0.5, 9)
    assert (encoded["user"], encoded["metadata"], encoded["instructions"]) == ("u", {"a": "b"}, None)
    assert encoded["tools"] == [{"type": "function", "name": "f", "description": "does f",
                                 "parameters": {"type": "object"}, "strict": True}, web_search]
    assert encoded["tool_choice"] == {"type": "function", "name": "f"}
    assert (encoded["prompt_cache_key"], encoded["reasoning"]) == ("pck", {"effort": "low", "summary": "auto"})
    assert encoded["text"] == {"format": {"type": "json_schema", "name": "answer", "schema": {"type": "object"},
                                          "strict": True}}
    bare = CODEC.encode_response(response, REQUEST)
    assert "user" not in bare and "prompt_cache_key" not in bare and bare["metadata"] == {}
    assert (bare["tool_choice"], bare["reasoning"], bare["text"]) == ("auto", None, {"format": {"type": "text"}})


def test_failed_response_body_raises_its_error() -> None:
    body = {"id": "resp_1", "status": "failed", "output": [],
            "error": {"code": "rate_limit_exceeded", "message": "Too many requests"}}
    with pytest.raises(UpstreamError) as caught:
        CODEC.decode_response(body)
    assert (caught.value.status, caught.value.message) == (429, "Too many requests")
    with pytest.raises(UpstreamUnavailable, match="upstream response failed"):
        CODEC.decode_response({"status": "failed", "output": [], "error": None})


def test_incomplete_and_unknown_items_decode() -> None:
    body = {"id": "resp_2", "model": "m", "status": "incomplete", "incomplete_details": {"reason": "max_output_tokens"},
            "output": [{"type": "web_search_call", "id": "ws_1"},
                       {"type": "message", "content": [{"type": "output_text", "text": "par"},
                                                       {"type": "output_audio", "data": "x"}]}]}
    response = CODEC.decode_response(body)
    assert response.content == [TextPart("par")]
    assert response.stop_reason == StopReason(StopKind.MAX_TOKENS, "max_output_tokens")
    assert response.usage == Usage()


def test_body_without_output_is_a_protocol_error() -> None:
    with pytest.raises(UpstreamProtocolError, match="output"):
        CODEC.decode_response({"id": "resp_3", "status": "completed"})


def test_upstream_custom_tool_call_decodes_as_a_custom_call() -> None:
    body = {"id": "resp_4", "model": "gpt-5.5", "status": "completed", "created_at": 7, "output": [
        {"id": "ctc_1", "type": "custom_tool_call", "status": "completed", "call_id": "call_9", "name": "apply_patch",
         "input": "*** Begin Patch\n*** End Patch"}]}
    response = CODEC.decode_response(body)
    assert response.content == [ToolCallPart("call_9", "apply_patch", "*** Begin Patch\n*** End Patch", kind="custom")]
    assert response.stop_reason == StopReason(StopKind.TOOL_USE, "completed")


def test_a_call_without_text_gives_no_empty_message() -> None:
    response = Response(id="", model="m", stop_reason=StopReason(StopKind.TOOL_USE, "tool_calls"),
                        content=[TextPart(""), ToolCallPart("call_1", "f", "{}"), RefusalPart("")])
    encoded = CODEC.encode_response(response, REQUEST)
    assert_valid(*OPENAI_RESPONSE, encoded)
    assert [item["type"] for item in encoded["output"]] == ["function_call"]
