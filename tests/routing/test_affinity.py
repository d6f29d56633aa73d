"""Account affinity: what a request carries that only its producer can use (decoded by the real codecs from
the recordings), and the stores that remember who produced it (memory LRU, real Redis)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from dragoman.canonical.events import BlockStart, ReasoningSignature, StreamEvent
from dragoman.dialects.anthropic_messages.proofs import client_signature
from dragoman.dialects.base import DialectName
from dragoman.dialects.registry import CODECS
from dragoman.routing.affinity import (
    MemoryAffinity,
    StreamKeys,
    _proof_key,
    preferred_member,
    request_keys,
    response_keys,
)
from dragoman.routing.redis_affinity import RedisAffinity
from dragoman.sse import SSEDecoder
from tests.routing.conftest import FakeClock, redis_namespace
from tests.upstream.answers import Body, Dialect, Stream
from tests.upstream.recorded import record_payload
from tests.upstream.scenarios import answer_for

ANTHROPIC = CODECS["anthropic_messages"]
RESPONSES = CODECS["openai_responses"]


def anthropic_history(*blocks: dict[str, str]) -> dict[str, object]:
    return {"model": "m", "max_tokens": 10, "messages": [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": [*blocks, {"type": "text", "text": "hello"}]},
        {"role": "user", "content": "and?"},
    ]}


CODEC_OF: dict[Dialect, DialectName] = {"responses": "openai_responses", "anthropic": "anthropic_messages"}


def stream_events(dialect: Dialect, scenario: str) -> list[StreamEvent]:
    answer = answer_for(dialect, scenario, True)
    assert isinstance(answer, Stream)
    decoder, sse = CODECS[CODEC_OF[dialect]].stream_decoder(), SSEDecoder()
    events = [event for message in sse.feed(answer.content) for event in decoder.feed(message)]
    return events + [event for message in sse.flush() for event in decoder.feed(message)] + decoder.finish()


def test_thinking_signatures_and_redacted_data_newest_first() -> None:
    request = ANTHROPIC.decode_request(anthropic_history(
        {"type": "thinking", "thinking": "hmm", "signature": "SIG-1"},
        {"type": "redacted_thinking", "data": "REDACTED-1"},
    ))
    assert request_keys(request) == [_proof_key("REDACTED-1"), _proof_key("SIG-1")]


def test_previous_response_id_and_encrypted_reasoning() -> None:
    body = {"model": "m", "previous_response_id": "resp_1", "input": [
        {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "ENC-1"},
        {"role": "user", "content": "hi"},
    ]}
    request = RESPONSES.decode_request(body)
    assert request_keys(request, body) == ["resp:resp_1", "item:rs_1", _proof_key("ENC-1")]
    assert request_keys(request) == ["item:rs_1", _proof_key("ENC-1")]


def test_a_wrapped_proof_comes_back_under_the_key_its_upstream_gave_it() -> None:
    # A Claude Code client of a Responses upstream holds the encrypted reasoning inside a thinking signature.
    wrapped = client_signature("openai_responses", encrypted="ENC-2", item_id="rs_2")
    request = ANTHROPIC.decode_request(anthropic_history({"type": "thinking", "thinking": "", "signature": wrapped}))
    keys = StreamKeys("openai_responses")
    keys.observe(BlockStart(index=0, kind="reasoning", origin="openai_responses", item_id="rs_2"))
    keys.observe(ReasoningSignature(index=0, signature="ENC-2", encrypted=True))
    assert set(request_keys(request)) == set(keys.keys) == {"item:rs_2", _proof_key("ENC-2")}


def test_a_request_without_such_things_has_no_keys() -> None:
    assert request_keys(ANTHROPIC.decode_request(anthropic_history())) == []


def test_answer_keys_from_recorded_responses_and_anthropic_answers() -> None:
    recorded = answer_for("responses", "reasoning-summary", False)
    assert isinstance(recorded, Body)
    response = RESPONSES.decode_response(recorded.json())
    item = next(item for item in recorded.json()["output"] if item["type"] == "reasoning")
    own = [f"item:{item['id']}", _proof_key(item["encrypted_content"])]
    assert response_keys(response, "openai_responses") == [f"resp:{response.id}", *own]
    assert response_keys(response, "openai_chat") == own  # only Responses answer ids are ever named again

    thinking = answer_for("anthropic", "thinking", False)
    assert isinstance(thinking, Body)
    signature = next(block["signature"] for block in thinking.json()["content"] if block["type"] == "thinking")
    assert response_keys(ANTHROPIC.decode_response(thinking.json()), "anthropic_messages") == [_proof_key(signature)]


@pytest.mark.parametrize("scenario", ["thinking", "redacted-thinking"])
def test_stream_keys_are_the_proofs_of_a_recorded_anthropic_stream(scenario: str) -> None:
    keys = StreamKeys("anthropic_messages")
    for event in stream_events("anthropic", scenario):
        keys.observe(event)
    answer = answer_for("anthropic", scenario, True)
    assert isinstance(answer, Stream)
    expected = {_proof_key(proof) for record in answer.records for proof in proofs_in(record_payload(record))}
    assert expected and set(keys.keys) == expected


@pytest.mark.parametrize("source", ["response.output_item.done", "response.completed"])
async def test_a_responses_stream_is_recognised_whichever_copy_of_its_items_comes_back(source: str) -> None:
    # OpenAI encrypts the same reasoning item differently in output_item.done and response.completed; Codex
    # sends back the former, SDK users often the latter. The item id is the same in both.
    keys = StreamKeys("openai_responses")
    for event in stream_events("responses", "reasoning-summary"):
        keys.observe(event)
    store = MemoryAffinity()
    await store.remember(keys.keys, "acct-a")
    answer = answer_for("responses", "reasoning-summary", True)
    assert isinstance(answer, Stream)
    payloads = [record_payload(record) for record in answer.records]
    if source == "response.completed":
        items = next(p["response"]["output"] for p in payloads if isinstance(p, dict) and p.get("type") == source)
    else:
        items = [p["item"] for p in payloads if isinstance(p, dict) and p.get("type") == source]
    body = {"model": "m", "input": [{"role": "user", "content": "first"}, *items,
                                    {"role": "user", "content": "next"}]}
    assert await preferred_member(store, RESPONSES.decode_request(body), body) == "acct-a"
    answer_id = next(p["response"]["id"] for p in payloads
                     if isinstance(p, dict) and p.get("type") == "response.created")
    assert f"resp:{answer_id}" in keys.keys


def proofs_in(node: Any) -> Iterator[str]:
    """Every signature and redacted thinking in a payload, however nested."""
    if isinstance(node, dict):
        for key, value in node.items():
            signature = key == "signature" and isinstance(value, str)
            redacted = key == "data" and node.get("type") == "redacted_thinking"
            if (signature or redacted) and value:
                yield value
            else:
                yield from proofs_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from proofs_in(item)


async def test_memory_store_recalls_the_newest_known_key_and_forgets() -> None:
    clock = FakeClock()
    store = MemoryAffinity(max_entries=3, ttl=10, clock=clock)
    await store.remember(["proof:a", "resp:1"], "m#0")
    await store.remember(["proof:b"], "m#1")
    assert await store.recall(["proof:unknown", "proof:b", "proof:a"]) == "m#1"
    assert await store.recall(["proof:a"]) == "m#0"
    await store.remember(["proof:c"], "m#2")  # over max_entries: the least recently used ("resp:1") goes
    assert await store.recall(["resp:1"]) is None
    assert await store.recall(["proof:a"]) == "m#0"
    clock.advance(10)
    assert await store.recall(["proof:a", "proof:b", "proof:c"]) is None


async def test_preferred_member_of_a_request() -> None:
    store = MemoryAffinity()
    body = {"model": "m", "previous_response_id": "resp_9", "input": "hi"}
    request = RESPONSES.decode_request(body)
    assert await preferred_member(store, request, body) is None
    await store.remember(["resp:resp_9"], "acct-b")
    assert await preferred_member(store, request, body) == "acct-b"
    assert await preferred_member(store, ANTHROPIC.decode_request(anthropic_history())) is None


async def test_redis_store_is_shared_and_expires() -> None:
    async with redis_namespace() as (url, prefix):
        one = RedisAffinity.from_url(url, prefix, ttl=0.2)
        two = RedisAffinity.from_url(url, prefix, ttl=0.2)
        try:
            await one.remember(["proof:a", "resp:1"], "m#0")
            await one.remember([], "m#9")
            assert await two.recall(["proof:x", "resp:1"]) == "m#0"
            assert await two.recall([]) is None
            await asyncio.sleep(0.3)
            assert await two.recall(["proof:a", "resp:1"]) is None
        finally:
            await one.close()
            await two.close()


async def test_unreachable_redis_turns_affinity_off() -> None:
    store = RedisAffinity.from_url("redis://127.0.0.1:1/0", "nowhere")
    try:
        await store.remember(["proof:a"], "m#0")
        assert await store.recall(["proof:a"]) is None
    finally:
        await store.close()
