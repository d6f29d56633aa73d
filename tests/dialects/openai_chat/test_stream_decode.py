"""The chat stream decoder on the shapes real OpenAI-compatible servers send besides OpenAI's own."""

from __future__ import annotations

import json

import pytest

from dragoman.canonical.assembler import assemble
from dragoman.canonical.content import ReasoningPart, TextPart, ToolCallPart
from dragoman.canonical.errors import UpstreamError, UpstreamProtocolError, UpstreamUnavailable
from dragoman.canonical.events import (
    BlockDelta,
    BlockStart,
    BlockStop,
    StreamError,
    StreamFinish,
    StreamStart,
)
from dragoman.canonical.response import StopKind, StopReason, Usage
from dragoman.dialects.openai_chat.stream_decode import ChatStreamDecoder, Phase
from dragoman.sse import SSEMessage
from tests.dialects.openai_chat.streams import chunk, decode_stream, sse

USAGE = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}


def call(index: int, call_id: str | None = None, name: str | None = None, arguments: str | None = None) -> dict:
    entry: dict = {"index": index}
    if call_id is not None:
        entry.update(id=call_id, type="function")
    function = {key: value for key, value in (("name", name), ("arguments", arguments)) if value is not None}
    if function:
        entry["function"] = function
    return entry


def tool_calls(events: list) -> list[tuple[str, str, str]]:
    return [(p.id, p.name, p.arguments) for p in assemble(events).content if isinstance(p, ToolCallPart)]


def test_reused_index_zero_with_new_ids_starts_new_calls() -> None:
    raw = sse(
        chunk({"role": "assistant", "content": None}),
        chunk({"tool_calls": [call(0, "call_a", "get_weather", "")]}),
        chunk({"tool_calls": [call(0, arguments='{"city":')]}),
        chunk({"tool_calls": [call(0, arguments='"Paris"}')]}),
        chunk({"tool_calls": [call(0, "call_b", "get_time", '{"tz":"CET"}')]}),
        chunk(finish="tool_calls"),
        chunk(choices=[], usage=USAGE),
    )
    events = decode_stream(raw)
    assert tool_calls(events) == [("call_a", "get_weather", '{"city":"Paris"}'),
                                  ("call_b", "get_time", '{"tz":"CET"}')]
    assert [e for e in events if isinstance(e, BlockStart | BlockStop)] == [
        BlockStart(0, "tool_call", tool_call_id="call_a", tool_name="get_weather"), BlockStop(0),
        BlockStart(1, "tool_call", tool_call_id="call_b", tool_name="get_time"), BlockStop(1),
    ]


def test_several_complete_calls_in_one_chunk_and_a_repeated_id() -> None:
    raw = sse(
        chunk({"tool_calls": [call(0, "c1", "a", '{"x":1}'), call(1, "c2", "b", "{}")]}),
        chunk({"tool_calls": [{"index": 1, "id": "c2", "function": {"arguments": ""}}]}),
        chunk(finish="tool_calls", usage=USAGE),
    )
    events = decode_stream(raw)
    assert tool_calls(events) == [("c1", "a", '{"x":1}'), ("c2", "b", "{}")]
    assert assemble(events).stop_reason == StopReason(StopKind.TOOL_USE, "tool_calls")


def test_tool_call_without_id_gets_one() -> None:
    events = decode_stream(sse(chunk({"tool_calls": [{"index": 0, "function": {"name": "f", "arguments": "{}"}}]}),
                               chunk(finish="tool_calls")))
    ((call_id, name, arguments),) = tool_calls(events)
    assert call_id.startswith("call_") and len(call_id) > 5
    assert (name, arguments) == ("f", "{}")


def test_usage_on_the_finish_chunk_itself() -> None:
    events = decode_stream(sse(chunk({"content": "hi"}), chunk(finish="stop", usage=USAGE)))
    assert events[-1] == StreamFinish(StopReason(StopKind.END_TURN, "stop"), Usage(10, 5))


def test_usage_on_every_chunk_keeps_the_last() -> None:
    events = decode_stream(sse(
        chunk({"content": "a"}, usage={"prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11}),
        chunk({"content": "b"}, usage={"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}),
        chunk(finish="stop", usage={"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13}),
    ))
    assert isinstance(events[-1], StreamFinish)
    assert events[-1].usage == Usage(10, 3)


def test_finish_is_held_until_the_usage_chunk() -> None:
    decoder = ChatStreamDecoder()
    assert decoder.feed(SSEMessage(None, json.dumps(chunk({"content": "x"})))) == [
        StreamStart("chatcmpl-1", "m", 1700000000), BlockStart(0, "text"), BlockDelta(0, "x")]
    assert decoder.feed(SSEMessage(None, json.dumps(chunk(finish="length")))) == [BlockStop(0)]
    assert decoder.phase is Phase.FINISHING
    assert decoder.feed(SSEMessage(None, json.dumps(chunk(choices=[], usage=USAGE)))) == []
    assert decoder.feed(SSEMessage(None, "[DONE]")) == [
        StreamFinish(StopReason(StopKind.MAX_TOKENS, "length"), Usage(10, 5))]
    assert decoder.phase is Phase.DONE
    assert decoder.finish() == []


def test_end_without_done_after_finish_reason_is_complete() -> None:
    events = decode_stream(sse(chunk({"content": "hi"}), chunk(finish="stop"), done=False))
    assert isinstance(events[-1], StreamFinish)
    assert assemble(events).content == [TextPart("hi")]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (sse(chunk({"content": "hi"}), done=False), "before a finish_reason"),
        (b"", "before its first chunk"),
        (sse(chunk({"content": "hi"})), "[DONE] before a finish_reason"),
        (sse("[DONE]", done=False), "[DONE] before a finish_reason"),
        (sse(chunk({"content": "hi"}), "{not json", done=False), "not JSON"),
        (sse(chunk({"content": "hi"}), "[1, 2]", done=False), "not an object"),
        (sse(chunk(finish="stop"), chunk({"content": "late"})), "after its finish_reason"),
        (sse(chunk(choices={"index": 0})), "not an array"),
        (sse(chunk({"content": 5})), "'content' that is not a string"),
        (sse(chunk({"tool_calls": [call("0", "c", "f")]})), "non-integer index"),
    ],
)
def test_protocol_violations_raise(raw: bytes, message: str) -> None:
    with pytest.raises(UpstreamProtocolError, match=message.replace("[", r"\[").replace("]", r"\]")):
        decode_stream(raw)


def test_arguments_for_a_closed_call_raise() -> None:
    raw = sse(
        chunk({"tool_calls": [call(0, "c1", "a", "{")]}),
        chunk({"tool_calls": [call(1, "c2", "b", "{}")]}),
        chunk({"tool_calls": [call(0, arguments="}")]}),
    )
    with pytest.raises(UpstreamProtocolError, match="tool call 0 after another block started"):
        decode_stream(raw)


def test_interleaved_text_and_tool_calls_become_sequential_blocks() -> None:
    events = decode_stream(sse(
        chunk({"content": "Let me check."}),
        chunk({"tool_calls": [call(0, "c1", "lookup", "{}")]}),
        chunk({"content": "Done."}),
        chunk(finish="tool_calls"),
    ))
    starts = [e for e in events if isinstance(e, BlockStart)]
    assert [(s.index, s.kind) for s in starts] == [(0, "text"), (1, "tool_call"), (2, "text")]
    assert [type(p) for p in assemble(events).content] == [TextPart, ToolCallPart, TextPart]


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_reasoning_fields_of_vllm_deepseek_and_openrouter(field: str) -> None:
    events = decode_stream(sse(
        chunk({"role": "assistant", field: "Think"}),
        chunk({field: "ing."}),
        chunk({field: "", "content": "Answer"}),
        chunk(finish="stop", usage={**USAGE, "completion_tokens_details": {"reasoning_tokens": 3}}),
    ))
    response = assemble(events)
    assert response.content == [ReasoningPart(text="Thinking.", origin="openai_chat"), TextPart("Answer")]
    assert BlockStart(0, "reasoning", origin="openai_chat") in events
    assert response.usage.reasoning_tokens == 3


def test_both_reasoning_names_in_one_delta_are_not_doubled() -> None:
    events = decode_stream(sse(chunk({"reasoning_content": "x", "reasoning": "x"}), chunk(finish="stop")))
    assert assemble(events).content == [ReasoningPart(text="x", origin="openai_chat")]


def test_reasoning_and_content_in_one_delta_keep_model_order() -> None:
    events = decode_stream(sse(chunk({"content": "B", "reasoning_content": "A"}), chunk(finish="stop")))
    assert assemble(events).content == [ReasoningPart(text="A", origin="openai_chat"), TextPart("B")]


def test_custom_tool_calls_as_openai_streams_them() -> None:
    raw = sse(
        chunk({"role": "assistant", "content": None}),
        chunk({"tool_calls": [{"index": 0, "id": "call_p", "type": "custom",
                               "custom": {"name": "apply_patch", "input": ""}}]}),
        chunk({"tool_calls": [{"index": 0, "custom": {"input": "*** Begin Patch\n"}}]}),
        chunk({"tool_calls": [{"index": 0, "custom": {"input": "*** End Patch"}}]}),
        chunk({"tool_calls": [{"index": 1, "id": "call_f", "type": "function",
                               "function": {"name": "ls", "arguments": "{}"}, "custom": {}}]}),
        chunk(finish="tool_calls"),
    )
    events = decode_stream(raw)
    starts = [e for e in events if isinstance(e, BlockStart)]
    assert starts == [
        BlockStart(0, "tool_call", tool_call_id="call_p", tool_name="apply_patch", tool_kind="custom"),
        BlockStart(1, "tool_call", tool_call_id="call_f", tool_name="ls", tool_kind="function"),
    ]
    assert assemble(events).content == [
        ToolCallPart("call_p", "apply_patch", "*** Begin Patch\n*** End Patch", kind="custom"),
        ToolCallPart("call_f", "ls", "{}"),
    ]


def test_custom_call_without_a_type_is_told_by_its_custom_name() -> None:
    call_ = {"index": 0, "id": "c", "custom": {"name": "sh", "input": "ls"}}
    events = decode_stream(sse(chunk({"tool_calls": [call_]}), chunk(finish="tool_calls")))
    assert assemble(events).content == [ToolCallPart("c", "sh", "ls", kind="custom")]


def test_error_record_first_is_only_a_stream_error() -> None:
    body = {"error": {"message": "Rate limit reached", "type": "rate_limit_error", "param": None,
                      "code": "rate_limit_exceeded"}}
    decoder = ChatStreamDecoder()
    (event,) = decoder.feed(SSEMessage(None, json.dumps(body)))
    assert isinstance(event, StreamError)
    assert isinstance(event.error, UpstreamError)
    assert (event.error.status, event.error.kind, event.error.message) == (429, "rate_limit", "Rate limit reached")
    assert decoder.feed(SSEMessage(None, "[DONE]")) == []
    assert decoder.finish() == []
    assert decoder.phase is Phase.FAILED


def test_error_mid_stream_ends_it() -> None:
    events = decode_stream(sse(
        chunk({"content": "par"}),
        {"error": {"message": "The server had an error", "type": "server_error", "param": None, "code": None}},
        chunk({"content": "ignored"}),
    ))
    assert [type(e) for e in events] == [StreamStart, BlockStart, BlockDelta, StreamError]
    error = events[-1].error
    assert isinstance(error, UpstreamUnavailable) and error.status == 502
    assert "The server had an error" in error.message


def test_openrouter_error_next_to_choices() -> None:
    record = chunk({"content": ""}, "error", error={"code": 502, "message": "Provider disconnected"})
    events = decode_stream(sse(chunk({"content": "a"}), record))
    assert isinstance(events[-1], StreamError)
    assert events[-1].error.status == 502
    assert "Provider disconnected" in events[-1].error.message


def test_vllm_error_object_uses_its_http_code() -> None:
    record = {"object": "error", "message": "max_tokens is too large", "type": "BadRequestError",
              "param": None, "code": 400}
    (event,) = decode_stream(sse(record), finish=False)
    assert isinstance(event, StreamError)
    assert (event.error.status, event.error.kind, event.error.message) == (400, "invalid_request",
                                                                           "max_tokens is too large")


def test_event_error_record_with_plain_body() -> None:
    decoder = ChatStreamDecoder()
    (event,) = decoder.feed(SSEMessage("error", json.dumps({"message": "quota", "type": "insufficient_quota"})))
    assert isinstance(event, StreamError) and isinstance(event.error, UpstreamError)
    assert (event.error.status, event.error.kind, event.error.message) == (429, "rate_limit", "quota")


def test_ignored_fields_records_and_other_choices() -> None:
    events = decode_stream(
        b"event: ping\ndata: {}\n\n"
        + b": OPENROUTER PROCESSING\n\n"
        + sse(
            chunk({"role": "assistant", "content": "", "refusal": None}, obfuscation="abc", service_tier="default",
                  system_fingerprint="fp"),
            chunk(choices=[{"index": 1, "delta": {"content": "other choice"}, "finish_reason": None},
                           {"index": 0, "delta": {"content": "mine", "reasoning_details": [{"x": 1}],
                                                  "annotations": []}, "finish_reason": None}]),
            chunk(finish="stop"),
            done=False,
        )
        + b"data: \n\n"
        + b"data: [DONE]\n\n"
    )
    assert events[0] == StreamStart("chatcmpl-1", "m", 1700000000)
    assert assemble(events).content == [TextPart("mine")]


def test_vllm_matched_stop_string_is_a_stop_sequence() -> None:
    events = decode_stream(sse(chunk({"content": "1 2 3"}), {**chunk(finish="stop"), "choices": [
        {"index": 0, "delta": {}, "finish_reason": "stop", "stop_reason": "4"}]}))
    assert events[-1].stop_reason == StopReason(StopKind.STOP_SEQUENCE, "stop", "4")


def test_unknown_finish_reason_is_other_with_raw_kept() -> None:
    events = decode_stream(sse(chunk({"content": "x"}), chunk(finish="abort")))
    assert events[-1].stop_reason == StopReason(StopKind.OTHER, "abort")


def test_deepseek_cache_hit_tokens() -> None:
    usage = {"prompt_tokens": 100, "completion_tokens": 7, "total_tokens": 107, "prompt_cache_hit_tokens": 64,
             "prompt_cache_miss_tokens": 36}
    events = decode_stream(sse(chunk({"content": "x"}), chunk(finish="stop", usage=usage)))
    assert events[-1].usage == Usage(input_tokens=100, output_tokens=7, cache_read_tokens=64)
