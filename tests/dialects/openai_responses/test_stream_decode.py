"""The Responses stream decoder against every recorded stream, plus the protocol and tolerance rules."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dragoman.canonical.assembler import assemble
from dragoman.canonical.content import ReasoningPart, RefusalPart, TextPart, ToolCallPart
from dragoman.canonical.errors import UpstreamError, UpstreamProtocolError, UpstreamUnavailable
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
from dragoman.canonical.response import StopKind
from dragoman.dialects.openai_responses.stream_decode import Phase, ResponsesStreamDecoder
from dragoman.sse import SSEMessage
from tests.dialects.openai_responses.helpers import decode_stream, records, stream_bytes, stream_fixtures

STREAMS = stream_fixtures()


def assert_grammar(events: list[StreamEvent]) -> None:
    """StreamStart (BlockStart BlockDelta* ReasoningSignature? BlockStop)* StreamFinish, or a StreamError end."""
    assert isinstance(events[0], StreamStart | StreamError)
    assert isinstance(events[-1], StreamFinish | StreamError)
    assert sum(isinstance(event, StreamStart) for event in events) <= 1
    open_index, next_index = None, 0
    for event in events[1:-1]:
        if isinstance(event, BlockStart):
            assert open_index is None and event.index == next_index
            open_index, next_index = event.index, next_index + 1
        elif isinstance(event, BlockDelta | ReasoningSignature):
            assert event.index == open_index
        elif isinstance(event, BlockStop):
            assert event.index == open_index
            open_index = None
        else:
            raise AssertionError(f"unexpected {event!r} inside the stream")
    if isinstance(events[-1], StreamFinish):
        assert open_index is None


def recorded_facts(recs: list[dict[str, Any]]) -> dict[str, Any]:
    """What the recording itself says, read without the decoder."""
    texts: dict[tuple[int, int], str] = {}
    summaries: dict[int, dict[int, str]] = {}
    done_items: list[dict[str, Any]] = []
    terminal: dict[str, Any] = {}
    for rec in recs:
        kind = rec["type"]
        if kind == "response.output_text.delta":
            key = (rec["output_index"], rec["content_index"])
            texts[key] = texts.get(key, "") + rec["delta"]
        elif kind == "response.reasoning_summary_text.delta":
            parts = summaries.setdefault(rec["output_index"], {})
            parts[rec["summary_index"]] = parts.get(rec["summary_index"], "") + rec["delta"]
        elif kind == "response.output_item.done":
            done_items.append(rec["item"])
        elif kind in ("response.completed", "response.incomplete"):
            terminal = rec["response"]
    return {
        "texts": [texts[key] for key in sorted(texts)],
        "tool_calls": [(i["call_id"], i["name"], i["arguments"]) for i in done_items if i["type"] == "function_call"],
        "reasoning": [("\n\n".join(summaries.get(index, {}).get(n, "") for n in sorted(summaries.get(index, {}))),
                       item.get("encrypted_content"))
                      for index, item in enumerate(done_items) if item["type"] == "reasoning"],
        "terminal": terminal,
        "created": recs[0]["response"],
        "done_items": done_items,
    }


@pytest.mark.parametrize(("name", "number"), STREAMS, ids=[f"{n.split('/')[1]}#{i}" for n, i in STREAMS])
def test_recorded_stream_decodes_to_the_recorded_facts(name: str, number: int) -> None:
    raw = stream_bytes(name, number)
    events = decode_stream(raw)
    assert_grammar(events)
    facts = recorded_facts(records(raw))
    start = events[0]
    assert isinstance(start, StreamStart)
    assert (start.id, start.model, start.created) == (
        facts["created"]["id"], facts["created"]["model"], facts["created"]["created_at"])
    if isinstance(events[-1], StreamError):
        return  # checked in test_recorded_midstream_error
    response = assemble(events)
    assert [p.text for p in response.content if isinstance(p, TextPart)] == facts["texts"]
    assert [(p.id, p.name, p.arguments) for p in response.content if isinstance(p, ToolCallPart)] == facts["tool_calls"]
    assert [(p.text, p.encrypted) for p in response.content if isinstance(p, ReasoningPart)] == facts["reasoning"]
    reasoning = [p for p in response.content if isinstance(p, ReasoningPart)]
    assert [(p.id, p.origin, p.signature) for p in reasoning] == [
        (item["id"], "openai_responses", None) for item in facts["done_items"] if item["type"] == "reasoning"]
    usage = facts["terminal"]["usage"]
    assert response.usage.input_tokens == usage["input_tokens"]
    assert response.usage.output_tokens == usage["output_tokens"]
    assert response.usage.cache_read_tokens == usage["input_tokens_details"]["cached_tokens"]
    assert response.usage.cache_write_tokens == usage["input_tokens_details"].get("cache_write_tokens", 0)
    assert response.usage.reasoning_tokens == usage["output_tokens_details"]["reasoning_tokens"]
    assert response.usage.total_tokens == usage["total_tokens"]
    expected_kind = StopKind.TOOL_USE if facts["tool_calls"] else StopKind.END_TURN
    assert response.stop_reason.kind is expected_kind
    assert response.stop_reason.raw == facts["terminal"]["status"] == "completed"


def test_reasoning_summary_stream_has_the_recorded_summary_text() -> None:
    response = assemble(decode_stream(stream_bytes(
        "openai/responses-stream-multistep-reasoning-summary-function-calls.chunks.txt", 0)))
    reasoning = response.content[0]
    assert isinstance(reasoning, ReasoningPart)
    assert reasoning.text.startswith("**Calculating step-by-step using calculator**\n\nI'll compute 12 plus 7")
    assert reasoning.encrypted is not None and reasoning.encrypted.startswith("gAAAAABpPDIV")
    assert reasoning.signature is None and reasoning.origin == "openai_responses"


def test_recorded_midstream_error() -> None:
    events = decode_stream(stream_bytes("openai/responses-stream-error-midstream.chunks.txt", 0))
    assert [type(event) for event in events] == [StreamStart, StreamError]
    error = events[1]
    assert isinstance(error, StreamError) and isinstance(error.error, UpstreamError)
    assert error.error.status == 429 and error.error.kind == "rate_limit"
    assert error.error.code == "insufficient_quota"
    assert error.error.message.startswith("You exceeded your current quota")


def test_split_at_every_byte_gives_the_same_events() -> None:
    raw = stream_bytes("openai/responses-stream-reasoning-text-function-call.sse", 0)
    assert decode_stream(raw, chunk_size=1) == decode_stream(raw)


# --- synthetic streams: protocol errors and tolerance ---

CREATED = {"type": "response.created", "response": {"id": "resp_1", "model": "m", "created_at": 5, "output": []}}


def completed(status: str = "completed", usage: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"type": f"response.{status}", "response": {"status": status, "usage": usage, "output": [], **extra}}


def run(*payloads: dict[str, Any] | str, finish: bool = True) -> list[StreamEvent]:
    decoder = ResponsesStreamDecoder()
    events: list[StreamEvent] = []
    for payload in payloads:
        data = payload if isinstance(payload, str) else json.dumps(payload)
        event = None if isinstance(payload, str) else payload.get("type")
        events.extend(decoder.feed(SSEMessage(event, data)))
    return events + (decoder.finish() if finish else [])


def message_added(index: int = 0) -> dict[str, Any]:
    return {"type": "response.output_item.added", "output_index": index,
            "item": {"type": "message", "id": f"msg_{index}", "role": "assistant", "content": []}}


def text_delta(delta: str, index: int = 0, content: int = 0) -> dict[str, Any]:
    return {"type": "response.output_text.delta", "output_index": index, "content_index": content,
            "item_id": f"msg_{index}", "delta": delta}


def call_added(index: int, call_id: str = "call_1", arguments: str = "") -> dict[str, Any]:
    return {"type": "response.output_item.added", "output_index": index, "item": {
        "type": "function_call", "id": f"fc_{index}", "call_id": call_id, "name": "f", "arguments": arguments}}


def test_invalid_json_is_a_protocol_error() -> None:
    with pytest.raises(UpstreamProtocolError, match="invalid JSON"):
        run(CREATED, "{not json")


def test_content_before_created_is_a_protocol_error() -> None:
    with pytest.raises(UpstreamProtocolError, match=r"before response\.created"):
        run(message_added())


def test_second_created_is_a_protocol_error() -> None:
    with pytest.raises(UpstreamProtocolError, match=r"second response\.created"):
        run(CREATED, CREATED)


def test_stream_ending_before_terminal_event_is_a_protocol_error() -> None:
    raw = stream_bytes("openai/responses-stream-text.sse", 0)
    truncated = raw[: raw.index(b"event: response.completed")]
    with pytest.raises(UpstreamProtocolError, match=r"ended before response\.completed"):
        decode_stream(truncated)


def test_delta_for_unknown_item_is_a_protocol_error() -> None:
    with pytest.raises(UpstreamProtocolError, match="unknown output item"):
        run(CREATED, text_delta("x", index=3))


def test_delta_after_item_done_is_a_protocol_error() -> None:
    done = {"type": "response.output_item.done", "output_index": 0,
            "item": {"type": "message", "id": "msg_0", "content": []}}
    with pytest.raises(UpstreamProtocolError, match=r"after output_item\.done"):
        run(CREATED, message_added(), done, text_delta("late"))


def test_missing_output_index_without_known_item_id_is_a_protocol_error() -> None:
    with pytest.raises(UpstreamProtocolError, match="integer 'output_index'"):
        run(CREATED, {"type": "response.output_item.added", "item": {"type": "message"}})


def test_pings_unknown_events_done_marker_and_records_after_the_end_are_ignored() -> None:
    events = run(CREATED, {"type": "ping"}, {"type": "response.in_progress", "response": {}},
                 {"type": "response.web_search_call.searching", "output_index": 0}, message_added(),
                 {"type": "response.output_text.annotation.added", "output_index": 0}, text_delta("hi"),
                 completed(), "[DONE]", CREATED)
    assert events[:-1] == [StreamStart("resp_1", "m", 5), BlockStart(0, "text"), BlockDelta(0, "hi"), BlockStop(0)]
    assert isinstance(events[-1], StreamFinish) and events[-1].stop_reason.kind is StopKind.END_TURN


def test_error_event_before_created_ends_the_stream() -> None:
    events = run({"type": "error", "code": "server_error", "message": "boom", "param": None})
    assert len(events) == 1 and isinstance(events[0], StreamError)
    assert isinstance(events[0].error, UpstreamUnavailable) and events[0].error.status == 502
    assert "boom" in events[0].error.message


def test_error_event_in_spec_shape_and_following_failed_response() -> None:
    decoder = ResponsesStreamDecoder()
    decoder.feed(SSEMessage(None, json.dumps(CREATED)))
    events = decoder.feed(SSEMessage(None, json.dumps(
        {"type": "error", "code": "rate_limit_exceeded", "message": "slow down", "param": None})))
    assert isinstance(events[0], StreamError) and events[0].error.status == 429
    assert decoder.phase is Phase.DONE
    assert decoder.feed(SSEMessage(None, json.dumps({"type": "response.failed", "response": {}}))) == []
    assert decoder.finish() == []


def test_failed_response_without_error_event_is_a_stream_error() -> None:
    events = run(CREATED, {"type": "response.failed", "response": {
        "status": "failed", "error": {"code": "server_error", "message": "The model crashed"}}})
    assert isinstance(events[-1], StreamError)
    assert isinstance(events[-1].error, UpstreamUnavailable) and "The model crashed" in events[-1].error.message


def test_terminal_response_fills_in_items_that_were_never_streamed() -> None:
    output = [
        {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "think"}],
         "encrypted_content": "enc"},
        {"type": "message", "id": "msg_1", "content": [{"type": "output_text", "text": "Hello"},
                                                       {"type": "refusal", "refusal": "No."}]},
        {"type": "function_call", "id": "fc_1", "call_id": "call_9", "name": "f", "arguments": "{}"},
        {"type": "custom_tool_call", "id": "ctc_1", "call_id": "call_10", "name": "apply_patch", "input": "patch"},
    ]
    response = assemble(run(CREATED, completed(output=output)))
    assert response.content == [
        ReasoningPart(text="think", encrypted="enc", id="rs_1", origin="openai_responses"),
        TextPart("Hello"),
        RefusalPart("No."),
        ToolCallPart("call_9", "f", "{}"),
        ToolCallPart("call_10", "apply_patch", "patch", kind="custom"),
    ]
    assert response.stop_reason.kind is StopKind.TOOL_USE


def test_done_events_fill_in_what_deltas_missed() -> None:
    events = run(CREATED, message_added(), text_delta("Hel"),
                 {"type": "response.output_text.done", "output_index": 0, "content_index": 0, "text": "Hello"},
                 {"type": "response.content_part.done", "output_index": 0, "content_index": 0,
                  "part": {"type": "output_text", "text": "Hello"}},
                 call_added(1, arguments='{"a"'),
                 {"type": "response.function_call_arguments.done", "output_index": 1, "arguments": '{"a":1}'},
                 completed())
    assert assemble(events).content == [TextPart("Hello"), ToolCallPart("call_1", "f", '{"a":1}')]


def test_empty_parts_and_empty_reasoning_give_no_blocks() -> None:
    events = run(CREATED, {"type": "response.output_item.added", "output_index": 0,
                           "item": {"type": "reasoning", "id": "rs_0", "summary": []}},
                 {"type": "response.output_item.done", "output_index": 0,
                  "item": {"type": "reasoning", "id": "rs_0", "summary": []}},
                 message_added(1), {"type": "response.content_part.added", "output_index": 1, "content_index": 0,
                                    "part": {"type": "output_text", "text": ""}},
                 completed())
    assert [type(event) for event in events] == [StreamStart, StreamFinish]


def test_reasoning_text_and_several_summary_parts_join_with_blank_lines() -> None:
    def summary(index: int, delta: str) -> dict[str, Any]:
        return {"type": "response.reasoning_summary_text.delta", "output_index": 0, "item_id": "rs_0",
                "summary_index": index, "delta": delta}
    events = run(CREATED, {"type": "response.output_item.added", "output_index": 0,
                           "item": {"type": "reasoning", "id": "rs_0", "summary": []}},
                 summary(0, "first"), summary(1, "second"),
                 {"type": "response.reasoning_text.delta", "output_index": 0, "content_index": 0, "delta": "raw"},
                 completed())
    assert assemble(events).content == [ReasoningPart(text="first\n\nsecond\n\nraw", id="rs_0",
                                                      origin="openai_responses")]


def test_refusal_stream_and_incomplete_stop() -> None:
    events = run(CREATED, message_added(),
                 {"type": "response.refusal.delta", "output_index": 0, "content_index": 0, "delta": "I can't"},
                 completed("incomplete", usage={"input_tokens": 7, "output_tokens": 3},
                           incomplete_details={"reason": "max_output_tokens"}))
    response = assemble(events)
    assert response.content == [RefusalPart("I can't")]
    assert (response.stop_reason.kind, response.stop_reason.raw) == (StopKind.MAX_TOKENS, "max_output_tokens")
    assert (response.usage.input_tokens, response.usage.output_tokens) == (7, 3)


def test_item_id_locates_the_item_when_output_index_is_missing() -> None:
    delta = text_delta("hi")
    del delta["output_index"]
    assert assemble(run(CREATED, message_added(), delta, completed())).content == [TextPart("hi")]


def test_event_type_may_come_from_the_sse_event_line() -> None:
    decoder = ResponsesStreamDecoder()
    events = decoder.feed(SSEMessage("response.created", json.dumps({"response": CREATED["response"]})))
    assert events == [StreamStart("resp_1", "m", 5)]


def test_interleaved_text_continues_in_a_new_block() -> None:
    events = run(CREATED, message_added(0), text_delta("a"), call_added(1), text_delta("b"), completed())
    assert_grammar(events)
    assert assemble(events).content == [TextPart("a"), ToolCallPart("call_1", "f", ""), TextPart("b")]


def test_interleaved_tool_arguments_are_a_protocol_error() -> None:
    arguments = {"type": "response.function_call_arguments.delta", "output_index": 0, "delta": "{}"}
    with pytest.raises(UpstreamProtocolError, match="interleaved"):
        run(CREATED, call_added(0), message_added(1), text_delta("x", index=1), arguments)


def test_event_for_an_item_of_another_kind_is_a_protocol_error() -> None:
    with pytest.raises(UpstreamProtocolError, match="for a function_call item"):
        run(CREATED, call_added(0), text_delta("x"))


def test_reasoning_block_names_its_origin_and_item_and_its_proof_is_encrypted_content() -> None:
    item = {"type": "reasoning", "id": "rs_7", "summary": []}
    events = run(CREATED, {"type": "response.output_item.added", "output_index": 0, "item": item},
                 {"type": "response.output_item.done", "output_index": 0,
                  "item": {**item, "encrypted_content": "gAAA"}}, completed())
    assert events[1:4] == [BlockStart(0, "reasoning", origin="openai_responses", item_id="rs_7"),
                           ReasoningSignature(0, "gAAA", encrypted=True), BlockStop(0)]


def test_custom_tool_call_stream() -> None:
    item = {"type": "custom_tool_call", "id": "ctc_0", "call_id": "call_1", "name": "apply_patch", "input": ""}
    added = {"type": "response.output_item.added", "output_index": 0, "item": item}

    def delta(text: str) -> dict[str, Any]:
        return {"type": "response.custom_tool_call_input.delta", "output_index": 0, "item_id": "ctc_0", "delta": text}
    events = run(CREATED, added, delta("*** Begin"), delta(" Patch"),
                 {"type": "response.custom_tool_call_input.done", "output_index": 0, "item_id": "ctc_0",
                  "input": "*** Begin Patch\n"},
                 {"type": "response.output_item.done", "output_index": 0, "item": {
                     **item, "input": "*** Begin Patch\n"}}, completed())
    assert events[1:6] == [
        BlockStart(0, "tool_call", tool_call_id="call_1", tool_name="apply_patch", tool_kind="custom"),
        BlockDelta(0, "*** Begin"), BlockDelta(0, " Patch"), BlockDelta(0, "\n"), BlockStop(0)]
    response = assemble(events)
    assert response.content == [ToolCallPart("call_1", "apply_patch", "*** Begin Patch\n", kind="custom")]
    assert response.stop_reason.kind is StopKind.TOOL_USE
    with pytest.raises(UpstreamProtocolError, match="for a custom_tool_call item"):
        run(CREATED, added, {"type": "response.function_call_arguments.delta", "output_index": 0, "delta": "x"})
