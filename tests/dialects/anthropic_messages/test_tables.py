"""The two-way tables: stop reasons, usage and tool ids, each with its round trip."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dragoman.canonical.response import StopKind, StopReason, Usage
from dragoman.dialects.anthropic_messages.stop_reason import (
    ANTHROPIC_STOP_REASONS,
    decode_stop_reason,
    encode_answer_stop_reason,
    encode_stop_reason,
)
from dragoman.dialects.anthropic_messages.tool_ids import PREFIX, decode_tool_id, encode_tool_id
from dragoman.dialects.anthropic_messages.usage import decode_usage, encode_delta_usage, encode_usage, merge_usage


def test_every_anthropic_stop_reason_round_trips() -> None:
    expected = {"end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal",
                "model_context_window_exceeded"}
    assert expected == ANTHROPIC_STOP_REASONS
    for raw in ANTHROPIC_STOP_REASONS:
        assert encode_stop_reason(decode_stop_reason(raw)) == raw
    assert decode_stop_reason("model_context_window_exceeded").kind is StopKind.MAX_TOKENS
    assert decode_stop_reason("stop_sequence", "###") == StopReason(StopKind.STOP_SEQUENCE, "stop_sequence", "###")


def test_unknown_and_missing_stop_reasons() -> None:
    assert decode_stop_reason("something_new") == StopReason(StopKind.OTHER, "something_new")
    assert decode_stop_reason(None) == StopReason(StopKind.OTHER, None)
    assert encode_stop_reason(StopReason(StopKind.OTHER, "something_new")) == "end_turn"
    assert encode_stop_reason(StopReason(StopKind.OTHER, "refusal")) == "end_turn"  # raw disagrees with kind


def test_every_canonical_kind_encodes() -> None:
    expected = {
        StopKind.END_TURN: "end_turn", StopKind.MAX_TOKENS: "max_tokens", StopKind.STOP_SEQUENCE: "stop_sequence",
        StopKind.TOOL_USE: "tool_use", StopKind.CONTENT_FILTER: "refusal", StopKind.REFUSAL: "refusal",
        StopKind.PAUSE_TURN: "pause_turn", StopKind.OTHER: "end_turn",
    }
    assert set(expected) == set(StopKind)
    for kind, wire in expected.items():
        # Foreign raw values (OpenAI's) never leak into the Anthropic answer.
        assert encode_stop_reason(StopReason(kind, "length")) == wire
        assert encode_stop_reason(StopReason(kind)) == wire


def test_refusal_rule() -> None:
    assert encode_answer_stop_reason(StopReason(StopKind.END_TURN, "stop"), refused=True) == "refusal"
    assert encode_answer_stop_reason(StopReason(StopKind.OTHER), refused=True) == "refusal"
    assert encode_answer_stop_reason(StopReason(StopKind.MAX_TOKENS, "length"), refused=True) == "max_tokens"
    assert encode_answer_stop_reason(StopReason(StopKind.END_TURN, "stop"), refused=False) == "end_turn"


def test_usage_adds_and_subtracts_the_cache() -> None:
    wire = {"input_tokens": 12, "cache_creation_input_tokens": 300, "cache_read_input_tokens": 2000,
            "output_tokens": 40, "output_tokens_details": {"thinking_tokens": 25}, "service_tier": "standard"}
    usage = decode_usage(wire)
    assert usage == Usage(input_tokens=2312, output_tokens=40, cache_read_tokens=2000, cache_write_tokens=300,
                          reasoning_tokens=25)
    assert usage.total_tokens == 2352
    encoded = encode_usage(usage)
    assert {key: encoded[key] for key in wire if key != "service_tier"} == {k: v for k, v in wire.items()
                                                                            if k != "service_tier"}
    assert encode_delta_usage(usage) == {"input_tokens": 12, "cache_creation_input_tokens": 300,
                                         "cache_read_input_tokens": 2000, "output_tokens": 40,
                                         "server_tool_use": None, "output_tokens_details": {"thinking_tokens": 25}}


def test_usage_tolerates_junk_and_clamps_foreign_counts() -> None:
    assert decode_usage(None) == Usage()
    assert decode_usage({"input_tokens": None, "output_tokens": "7", "cache_read_input_tokens": True}) == Usage()
    assert encode_usage(Usage(input_tokens=5, cache_read_tokens=9))["input_tokens"] == 0


def test_merge_usage_keeps_start_values_that_the_delta_omits() -> None:
    base = {"input_tokens": 10, "cache_read_input_tokens": 4, "output_tokens": 1}
    merge_usage(base, {"output_tokens": 9, "cache_read_input_tokens": None, "input_tokens": 11})
    assert base == {"input_tokens": 11, "cache_read_input_tokens": 4, "output_tokens": 9}


counts = st.integers(min_value=0, max_value=10**9)


@given(uncached=counts, read=counts, write=counts, output=counts, reasoning=counts)
def test_usage_round_trip(uncached: int, read: int, write: int, output: int, reasoning: int) -> None:
    usage = Usage(uncached + read + write, output, read, write, reasoning)
    assert decode_usage(encode_usage(usage)) == usage
    assert decode_usage(encode_delta_usage(usage)) == usage


@given(st.text())
def test_tool_id_round_trip(tool_id: str) -> None:
    encoded = encode_tool_id(tool_id)
    assert encoded and all(char.isascii() and (char.isalnum() or char in "_-") for char in encoded)
    assert decode_tool_id(encoded) == tool_id


def test_tool_ids_that_are_already_valid_are_kept() -> None:
    for tool_id in ("toolu_01NRLabsLyVHZPKxbKvkfSMn", "call_abc-DEF_123"):
        assert encode_tool_id(tool_id) == tool_id == decode_tool_id(tool_id)
    assert encode_tool_id(PREFIX + "abc") != PREFIX + "abc"
