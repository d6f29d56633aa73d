"""Every recorded chat stream: decode, check the facts against the recording, re-encode, decode again."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dragoman.canonical.assembler import assemble
from dragoman.canonical.content import RefusalPart, TextPart, ToolCallPart
from dragoman.canonical.events import BlockDelta, BlockStart, BlockStop, StreamFinish, StreamStart
from dragoman.canonical.response import StopKind
from tests.dialects.openai_chat.streams import chat_request, data_records, decode_stream, encode_stream
from tests.recordings import load_sse_bytes
from tests.schemas import OPENAI_CHAT_CHUNK, assert_valid

STREAMS = [
    "openai/chat-stream-text-usage.sse",
    "openai/chat-stream-parallel-tool-calls.sse",
    "openai/chat-stream-refusal.sse",
    "openai/chat-stream-text-usage-obfuscation.chunks.txt",
]


def reference(raw: bytes) -> dict[str, Any]:
    """What the recording says, read with plain json and no codec code."""
    facts: dict[str, Any] = {"text": "", "refusal": "", "calls": {}, "finish": None, "usage": None}
    for data in data_records(raw):
        if data == "[DONE]":
            continue
        record = json.loads(data)
        facts["id"], facts["model"], facts["created"] = record["id"], record["model"], record["created"]
        if record.get("usage"):
            facts["usage"] = record["usage"]
        for choice in record["choices"]:
            delta = choice["delta"]
            facts["text"] += delta.get("content") or ""
            facts["refusal"] += delta.get("refusal") or ""
            for call in delta.get("tool_calls") or []:
                entry = facts["calls"].setdefault(call["index"], {"id": None, "name": "", "arguments": ""})
                entry["id"] = call.get("id") or entry["id"]
                entry["name"] += call.get("function", {}).get("name") or ""
                entry["arguments"] += call.get("function", {}).get("arguments") or ""
            facts["finish"] = choice["finish_reason"] or facts["finish"]
    return facts


@pytest.mark.parametrize("name", STREAMS)
def test_decoded_stream_matches_recording(name: str) -> None:
    raw = load_sse_bytes(name)
    facts = reference(raw)
    events = decode_stream(raw)

    assert events[0] == StreamStart(facts["id"], facts["model"], facts["created"])
    assert isinstance(events[-1], StreamFinish)
    assert sum(isinstance(event, StreamStart) for event in events) == 1
    assert sum(isinstance(event, StreamFinish) for event in events) == 1
    starts = [event.index for event in events if isinstance(event, BlockStart)]
    assert starts == list(range(len(starts)))

    response = assemble(events)
    texts = [part.text for part in response.content if isinstance(part, TextPart)]
    refusals = [part.text for part in response.content if isinstance(part, RefusalPart)]
    calls = [part for part in response.content if isinstance(part, ToolCallPart)]
    assert "".join(texts) == facts["text"]
    assert "".join(refusals) == facts["refusal"]
    assert [(c.id, c.name, c.arguments) for c in calls] == [
        (entry["id"], entry["name"], entry["arguments"]) for _, entry in sorted(facts["calls"].items())
    ]
    assert response.stop_reason.raw == facts["finish"]
    usage = facts["usage"]
    assert response.usage.input_tokens == usage["prompt_tokens"]
    assert response.usage.output_tokens == usage["completion_tokens"]
    assert response.usage.total_tokens == usage["total_tokens"]
    assert response.usage.reasoning_tokens == usage["completion_tokens_details"]["reasoning_tokens"]
    assert response.usage.cache_read_tokens == (usage.get("prompt_tokens_details") or {}).get("cached_tokens", 0)


def test_parallel_tool_calls_key_facts() -> None:
    response = assemble(decode_stream(load_sse_bytes("openai/chat-stream-parallel-tool-calls.sse")))
    first, second = response.content
    assert isinstance(first, ToolCallPart) and isinstance(second, ToolCallPart)
    assert (first.id, first.name) == ("call_JMW1whyEaYG438VE1OIflxA2", "GetWeatherArgs")
    assert json.loads(first.arguments) == {"city": "Edinburgh", "country": "GB", "units": "c"}
    assert second.name == "get_stock_price"
    assert json.loads(second.arguments) == {"ticker": "AAPL", "exchange": "NASDAQ"}
    assert response.stop_reason.kind is StopKind.TOOL_USE
    assert (response.usage.input_tokens, response.usage.output_tokens) == (149, 60)


def test_refusal_stream_is_one_refusal_block() -> None:
    events = decode_stream(load_sse_bytes("openai/chat-stream-refusal.sse"))
    assert events[1] == BlockStart(0, "refusal")
    assert isinstance(events[-2], BlockStop)
    assert assemble(events).content == [RefusalPart("I'm sorry, I can't assist with that request.")]


def test_split_at_every_byte_gives_the_same_events() -> None:
    raw = load_sse_bytes("openai/chat-stream-parallel-tool-calls.sse")
    assert decode_stream(raw, byte_by_byte=True) == decode_stream(raw)


@pytest.mark.parametrize("name", STREAMS)
def test_reencoded_stream_decodes_to_the_same_events_and_follows_the_spec(name: str) -> None:
    raw = load_sse_bytes(name)
    events = decode_stream(raw)
    ours = encode_stream(events, chat_request(include_usage=True))

    assert decode_stream(ours) == events
    records = data_records(ours)
    assert records[-1] == "[DONE]"
    for record in records[:-1]:
        assert_valid(*OPENAI_CHAT_CHUNK, json.loads(record))


@pytest.mark.parametrize("name", STREAMS)
def test_reencoded_chunks_match_the_recorded_ones(name: str) -> None:
    """Past the opening chunk, every recorded chunk that says something has the same ``choices`` as ours."""
    raw = load_sse_bytes(name)
    ours = [json.loads(r) for r in data_records(encode_stream(decode_stream(raw), chat_request()))[:-1]]
    theirs = [json.loads(r) for r in data_records(raw) if r != "[DONE]"]
    saying = [c for c in theirs[1:] if not c["choices"] or _says_something(c["choices"][0])]
    assert [c["choices"] for c in ours[1:]] == [c["choices"] for c in saying]
    assert {(c["id"], c["created"], c["model"]) for c in ours} == {(theirs[0]["id"], theirs[0]["created"],
                                                                   theirs[0]["model"])}
    assert [c["usage"] is None for c in ours] == [True] * (len(ours) - 1) + [False]
    assert ours[-1]["usage"]["total_tokens"] == theirs[-1]["usage"]["total_tokens"]


def _says_something(choice: dict[str, Any]) -> bool:
    delta = choice["delta"]
    return bool(choice["finish_reason"] or delta.get("content") or delta.get("refusal") or delta.get("tool_calls"))


def test_text_deltas_are_one_block_with_every_fragment() -> None:
    raw = load_sse_bytes("openai/chat-stream-text-usage.sse")
    events = decode_stream(raw)
    deltas = [event for event in events if isinstance(event, BlockDelta)]
    fragments = [json.loads(r)["choices"][0]["delta"].get("content") for r in data_records(raw)[:-2]]
    assert [d.text for d in deltas] == [f for f in fragments if f]
    assert {d.index for d in deltas} == {0}
