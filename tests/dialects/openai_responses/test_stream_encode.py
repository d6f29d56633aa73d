"""The Responses stream encoder: recorded streams re-encoded, every event checked against the spec."""

from __future__ import annotations

from typing import Any

import pytest
from openai._models import construct_type
from openai._types import omit
from openai.lib.streaming.responses._responses import ResponseStreamState
from openai.types.responses import ResponseStreamEvent

from dragoman.canonical.assembler import assemble
from dragoman.canonical.content import ReasoningPart, TextPart, ToolCallPart
from dragoman.canonical.errors import (
    InvalidRequest,
    RateLimited,
    UpstreamError,
    UpstreamUnavailable,
)
from dragoman.canonical.events import (
    BlockDelta,
    BlockStart,
    BlockStop,
    ReasoningSignature,
    StreamError,
    StreamEvent,
    StreamFinish,
    StreamStart,
)
from dragoman.canonical.reasoning import wrap_proof
from dragoman.canonical.request import Message, Request, Tool
from dragoman.canonical.response import StopKind, StopReason, Usage
from dragoman.canonical.tools import wrap_custom_input
from dragoman.dialects.openai_responses.codec import CODEC
from dragoman.dialects.openai_responses.stream_encode import ResponsesStreamEncoder
from dragoman.sse import SSEDecoder
from tests.dialects.openai_responses.helpers import comparable, decode_stream, records, stream_bytes, stream_fixtures
from tests.schemas import OPENAI_RESPONSE_EVENT, assert_valid_event

STREAMS = stream_fixtures()
REQUEST = Request(model="client-model", messages=[Message("user", [])], stream=True)


def assert_event_valid(event: dict[str, Any]) -> None:
    assert_valid_event(*OPENAI_RESPONSE_EVENT, event)


def encode_all(events: list[StreamEvent], request: Request = REQUEST) -> bytes:
    encoder = ResponsesStreamEncoder(request)
    return b"".join(encoder.encode(event) for event in events)


def check_wire(raw: bytes) -> list[dict[str, Any]]:
    """Every frame: ``event:`` matches the payload type, numbered from 0, valid against the spec."""
    decoder = SSEDecoder()
    messages = decoder.feed(raw) + decoder.flush()
    payloads = records(raw)
    for number, (message, payload) in enumerate(zip(messages, payloads, strict=True)):
        assert message.event == payload["type"]
        assert payload["sequence_number"] == number
        assert_event_valid(payload)
    return payloads


@pytest.mark.parametrize(("name", "number"), STREAMS, ids=[f"{n.split('/')[1]}#{i}" for n, i in STREAMS])
def test_recorded_stream_round_trips_through_the_encoder(name: str, number: int) -> None:
    recorded = stream_bytes(name, number)
    events = decode_stream(recorded)
    encoded = encode_all(events)
    payloads = check_wire(encoded)
    assert comparable(decode_stream(encoded)) == comparable(events)
    assert [p["type"] for p in payloads[:2]] == ["response.created", "response.in_progress"]
    for opening in payloads[:2]:
        assert opening["response"]["status"] == "in_progress" and opening["response"]["output"] == []
        assert "usage" not in opening["response"]
    original = records(recorded)
    if original[-1]["type"] != "response.completed":
        return
    ours, theirs = payloads[-1]["response"], original[-1]["response"]
    assert payloads[-1]["type"] == "response.completed"
    assert (ours["id"], ours["model"], ours["created_at"], ours["status"]) == (
        theirs["id"], theirs["model"], theirs["created_at"], theirs["status"])
    assert ours["usage"]["input_tokens"] == theirs["usage"]["input_tokens"]
    assert ours["usage"]["output_tokens"] == theirs["usage"]["output_tokens"]
    assert ours["usage"]["output_tokens_details"] == theirs["usage"]["output_tokens_details"]
    # The API re-encrypts reasoning between output_item.done and response.completed; the decoder takes the
    # item's own (first) copy, so compare with the recorded output_item.done items.
    recorded_items = [p["item"] for p in original if p["type"] == "response.output_item.done"]
    assert [item["type"] for item in ours["output"]] == [item["type"] for item in theirs["output"]]
    for mine, recorded_item in zip(ours["output"], recorded_items, strict=True):
        assert mine["id"] == recorded_item["id"] or mine["type"] != "reasoning"
        if mine["type"] == "function_call":
            keys = ("call_id", "name", "arguments", "status")
            assert {k: mine[k] for k in keys} == {k: recorded_item[k] for k in keys}
        elif mine["type"] == "message":
            assert [p["text"] for p in mine["content"]] == [p["text"] for p in recorded_item["content"]]
        else:
            assert mine["summary"] == recorded_item["summary"]
            assert mine["encrypted_content"] == recorded_item["encrypted_content"]


def test_recorded_midstream_error_is_rendered_as_error_event_then_failed_response() -> None:
    events = decode_stream(stream_bytes("openai/responses-stream-error-midstream.chunks.txt", 0))
    payloads = check_wire(encode_all(events))
    assert [p["type"] for p in payloads] == ["response.created", "response.in_progress", "error", "response.failed"]
    error = payloads[2]
    assert error["code"] == error["error"]["code"] == "insufficient_quota"
    assert error["message"].startswith("You exceeded your current quota")
    assert error["error"]["type"] == "rate_limit_error"
    failed = payloads[3]["response"]
    assert failed["status"] == "failed"
    # insufficient_quota is not in the spec's ResponseErrorCode enum; the error event above keeps it.
    assert failed["error"] == {"code": "rate_limit_exceeded", "message": error["message"]}


START = StreamStart(id="msg_upstream", model="claude-x", created=1700000000)


def finish(kind: StopKind = StopKind.END_TURN, raw: str | None = None) -> StreamFinish:
    return StreamFinish(StopReason(kind, raw), Usage(input_tokens=10, output_tokens=4, cache_read_tokens=3,
                                                     cache_write_tokens=2, reasoning_tokens=1))


def test_foreign_answer_with_every_block_kind() -> None:
    events: list[StreamEvent] = [
        START,
        BlockStart(0, "reasoning", origin="anthropic_messages"), BlockDelta(0, "Let me think"), BlockDelta(0, ""),
        ReasoningSignature(0, "sig"), BlockStop(0),
        BlockStart(1, "text"), BlockDelta(1, "Hello"), BlockStop(1),
        BlockStart(2, "refusal"), BlockDelta(2, "Not that."), BlockStop(2),
        BlockStart(3, "tool_call", tool_call_id="toolu_1", tool_name="lookup"), BlockDelta(3, '{"q":'),
        BlockDelta(3, '"x"}'), BlockStop(3),
        BlockStart(4, "reasoning", redacted_data="opaque", origin="anthropic_messages"), BlockStop(4),
        finish(StopKind.TOOL_USE),
    ]
    payloads = check_wire(encode_all(events))
    response = payloads[-1]["response"]
    assert response["id"].startswith("resp_") and response["model"] == "claude-x"
    assert response["created_at"] == 1700000000
    reasoning, message, call, redacted = response["output"]
    assert reasoning["summary"] == [{"type": "summary_text", "text": "Let me think"}]
    assert reasoning["encrypted_content"] == wrap_proof("anthropic_messages", "signature", "sig")
    assert message["content"] == [
        {"type": "output_text", "text": "Hello", "annotations": [], "logprobs": []},
        {"type": "refusal", "refusal": "Not that."},
    ]
    assert message["status"] == "completed"
    assert (call["call_id"], call["name"], call["arguments"]) == ("toolu_1", "lookup", '{"q":"x"}')
    assert redacted == {"id": redacted["id"], "type": "reasoning", "summary": [],
                        "encrypted_content": wrap_proof("anthropic_messages", "redacted", "opaque")}
    assert response["usage"] == {
        "input_tokens": 10, "input_tokens_details": {"cached_tokens": 3, "cache_write_tokens": 2},
        "output_tokens": 4, "output_tokens_details": {"reasoning_tokens": 1}, "total_tokens": 14}
    kinds = [p["type"] for p in payloads]
    assert kinds.count("response.output_item.added") == kinds.count("response.output_item.done") == 4
    assert "response.reasoning_summary_part.added" in kinds and "response.refusal.done" in kinds
    assert sum(p["type"].endswith(".delta") and p.get("delta") == "" for p in payloads) == 0
    items = [p["item"]["id"] for p in payloads if p["type"] == "response.output_item.done"]
    assert items == [item["id"] for item in response["output"]]


def test_truncated_answer_ends_with_response_incomplete() -> None:
    events: list[StreamEvent] = [START, BlockStart(0, "text"), BlockDelta(0, "Once upon"), BlockStop(0),
                                 finish(StopKind.MAX_TOKENS)]
    payloads = check_wire(encode_all(events))
    terminal = payloads[-1]
    assert terminal["type"] == "response.incomplete"
    assert terminal["response"]["status"] == "incomplete"
    assert terminal["response"]["incomplete_details"] == {"reason": "max_output_tokens"}
    assert terminal["response"]["output"][0]["status"] == "incomplete"
    assert payloads[-2]["type"] == "response.output_item.done" and payloads[-2]["item"]["status"] == "incomplete"


def test_request_parameters_are_echoed() -> None:
    request = Request(model="alias", messages=[], stream=True, max_tokens=50, temperature=0.5, top_p=0.9,
                      user="u-1", metadata={"k": "v"}, parallel_tool_calls=False)
    payloads = check_wire(encode_all([StreamStart("", ""), finish()], request))
    for payload in (payloads[0], payloads[-1]):
        response = payload["response"]
        assert response["model"] == "alias"
        assert (response["max_output_tokens"], response["temperature"], response["top_p"]) == (50, 0.5, 0.9)
        assert (response["user"], response["metadata"], response["parallel_tool_calls"]) == ("u-1", {"k": "v"}, False)


@pytest.mark.parametrize("error", [
    UpstreamUnavailable("upstream error (500): boom"),
    RateLimited("slow down"),
    UpstreamError("bad input", status=400, kind="invalid_request", param="input", code="invalid_value"),
    InvalidRequest("nope", param="x"),
])
def test_error_before_start_opens_the_stream_first(error: Exception) -> None:
    assert isinstance(error, UpstreamUnavailable | RateLimited | UpstreamError | InvalidRequest)
    encoder = ResponsesStreamEncoder(REQUEST)
    payloads = check_wire(encoder.encode(StreamError(error)))
    assert [p["type"] for p in payloads] == ["response.created", "response.in_progress", "error", "response.failed"]
    assert payloads[2]["message"] == error.message and payloads[2]["param"] == error.param
    expected_code = "rate_limit_exceeded" if error.kind == "rate_limit" else "server_error"
    assert payloads[3]["response"]["error"]["code"] == expected_code
    assert payloads[2]["code"] == (error.code or payloads[2]["error"]["code"])
    assert encoder.encode(finish()) == b""
    assert encoder.encode(START) == b""


def test_error_mid_block_keeps_finished_items_only() -> None:
    encoder = ResponsesStreamEncoder(REQUEST)
    for event in (START, BlockStart(0, "tool_call", tool_call_id="c", tool_name="t"), BlockStop(0),
                  BlockStart(1, "text"), BlockDelta(1, "partial")):
        encoder.encode(event)
    payloads = records(encoder.encode(StreamError(UpstreamUnavailable("lost"))))
    assert [p["type"] for p in payloads] == ["error", "response.failed"]
    assert [p["sequence_number"] for p in payloads] == [8, 9]
    assert [item["type"] for item in payloads[1]["response"]["output"]] == ["function_call"]


def test_keepalive_is_an_sse_comment() -> None:
    assert ResponsesStreamEncoder(REQUEST).keepalive() == b": keepalive\n\n"


def test_missing_tool_call_id_gets_one() -> None:
    payloads = check_wire(encode_all([START, BlockStart(0, "tool_call"), BlockStop(0), finish(StopKind.TOOL_USE)]))
    assert payloads[-1]["response"]["output"][0]["call_id"].startswith("call_")


def test_block_before_stream_start_still_opens_the_stream_first() -> None:
    events: list[StreamEvent] = [BlockStart(0, "text"), BlockDelta(0, "hi"), BlockStop(0), finish()]
    payloads = check_wire(encode_all(events))
    assert [p["type"] for p in payloads[:3]] == ["response.created", "response.in_progress",
                                                 "response.output_item.added"]
    assert payloads[-1]["response"]["model"] == "client-model"


def sdk_final_response(raw: bytes) -> Any:
    """What openai-python's own stream accumulator (``responses.stream()``) makes of our bytes."""
    state: ResponseStreamState[object] = ResponseStreamState(input_tools=omit, text_format=omit)
    for payload in records(raw):
        state.handle_event(construct_type(type_=ResponseStreamEvent, value=payload))  # type: ignore[arg-type]
    return state._completed_response


@pytest.mark.parametrize(("name", "number"), STREAMS, ids=[f"{n.split('/')[1]}#{i}" for n, i in STREAMS])
def test_openai_sdk_accumulates_the_reencoded_stream(name: str, number: int) -> None:
    events = decode_stream(stream_bytes(name, number))
    final = sdk_final_response(encode_all(events))
    if isinstance(events[-1], StreamError):
        assert final is None
        return
    expected = assemble(events)
    assert final.output_text == "".join(p.text for p in expected.content if isinstance(p, TextPart))
    calls = [(item.call_id, item.name, item.arguments) for item in final.output if item.type == "function_call"]
    assert calls == [(p.id, p.name, p.arguments) for p in expected.content if isinstance(p, ToolCallPart)]
    assert (final.usage.input_tokens, final.usage.output_tokens) == (
        expected.usage.input_tokens, expected.usage.output_tokens)


PATCH = "*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch\n"
CODEX_LIKE = Request(model="gpt-5.5", messages=[Message("user", [TextPart("patch it")])], stream=True,
                     tools=[Tool("apply_patch", kind="custom", format={"type": "text"}), Tool("exec_command")])


def test_custom_tool_call_from_a_responses_upstream_streams_its_input() -> None:
    events: list[StreamEvent] = [
        START, BlockStart(0, "tool_call", tool_call_id="call_1", tool_name="apply_patch", tool_kind="custom"),
        BlockDelta(0, PATCH[:10]), BlockDelta(0, PATCH[10:]), BlockStop(0), finish(StopKind.TOOL_USE)]
    raw = encode_all(events, CODEX_LIKE)
    payloads = check_wire(raw)
    assert [p["type"] for p in payloads[2:-1]] == [
        "response.output_item.added", "response.custom_tool_call_input.delta", "response.custom_tool_call_input.delta",
        "response.custom_tool_call_input.done", "response.output_item.done"]
    item = payloads[-1]["response"]["output"][0]
    assert (item["type"], item["call_id"], item["name"], item["input"]) == (
        "custom_tool_call", "call_1", "apply_patch", PATCH)
    assert decode_stream(raw)[1:-1] == events[1:-1]
    final = sdk_final_response(raw)
    assert [(o.type, o.input) for o in final.output] == [("custom_tool_call", PATCH)]


def test_stand_in_function_call_for_a_custom_tool_is_unwrapped_when_it_stops() -> None:
    arguments = wrap_custom_input(PATCH)
    events: list[StreamEvent] = [
        START, BlockStart(0, "tool_call", tool_call_id="toolu_1", tool_name="apply_patch"),
        BlockDelta(0, arguments[:7]), BlockDelta(0, arguments[7:]), BlockStop(0),
        BlockStart(1, "tool_call", tool_call_id="toolu_2", tool_name="exec_command"), BlockDelta(1, '{"cmd":"ls"}'),
        BlockStop(1), finish(StopKind.TOOL_USE)]
    raw = encode_all(events, CODEX_LIKE)
    payloads = check_wire(raw)
    kinds = [p["type"] for p in payloads]
    assert kinds[2:6] == ["response.output_item.added", "response.custom_tool_call_input.delta",
                          "response.custom_tool_call_input.done", "response.output_item.done"]
    assert payloads[3]["delta"] == payloads[4]["input"] == PATCH
    custom, function = payloads[-1]["response"]["output"]
    assert (custom["type"], custom["call_id"], custom["input"]) == ("custom_tool_call", "toolu_1", PATCH)
    assert (function["type"], function["arguments"]) == ("function_call", '{"cmd":"ls"}')
    assert assemble(decode_stream(raw)).content == [ToolCallPart("toolu_1", "apply_patch", PATCH, kind="custom"),
                                                    ToolCallPart("toolu_2", "exec_command", '{"cmd":"ls"}')]


def test_a_turn_that_begins_with_a_tool_call_has_no_empty_message() -> None:
    events: list[StreamEvent] = [
        START, BlockStart(0, "text"), BlockDelta(0, ""), BlockStop(0),
        BlockStart(1, "tool_call", tool_call_id="c", tool_name="exec_command"), BlockDelta(1, "{}"), BlockStop(1),
        BlockStart(2, "refusal"), BlockStop(2), finish(StopKind.TOOL_USE)]
    payloads = check_wire(encode_all(events, CODEX_LIKE))
    assert [item["type"] for item in payloads[-1]["response"]["output"]] == ["function_call"]
    assert not any(p["type"].startswith("response.content_part") for p in payloads)


def test_anthropic_thinking_travels_through_a_codex_turn_and_back() -> None:
    """Claude's thinking reaches a Responses client as a summary with its signature wrapped; the client's
    next request hands the signature back to Anthropic (rule proofs-travel-wrapped)."""
    events: list[StreamEvent] = [
        START, BlockStart(0, "reasoning", origin="anthropic_messages"), BlockDelta(0, "I will run a "),
        BlockDelta(0, "harmless command."), ReasoningSignature(0, "EqQBCkYIBxgCKkB"), BlockStop(0),
        BlockStart(1, "tool_call", tool_call_id="toolu_1", tool_name="exec_command"), BlockDelta(1, "{}"),
        BlockStop(1), finish(StopKind.TOOL_USE)]
    output = check_wire(encode_all(events, CODEX_LIKE))[-1]["response"]["output"]
    followup = CODEC.decode_request({"input": [{"role": "user", "content": "patch it"}, *output,
                                               {"type": "function_call_output", "call_id": "toolu_1", "output": ""}]})
    assert followup.messages[1].content == [
        ReasoningPart(text="I will run a harmless command.", signature="EqQBCkYIBxgCKkB", origin="anthropic_messages"),
        ToolCallPart("toolu_1", "exec_command", "{}")]


def test_openai_reasoning_keeps_its_item_id_and_encrypted_content() -> None:
    events: list[StreamEvent] = [
        START, BlockStart(0, "reasoning", origin="openai_responses", item_id="rs_abc"), BlockDelta(0, "plan"),
        ReasoningSignature(0, "gAAAA", encrypted=True), BlockStop(0), finish()]
    item = check_wire(encode_all(events))[-1]["response"]["output"][0]
    assert (item["id"], item["encrypted_content"], item["summary"]) == (
        "rs_abc", "gAAAA", [{"type": "summary_text", "text": "plan"}])
