"""Round trips of the two small tables: finish reasons and usage."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dragoman.canonical.response import StopKind, StopReason, Usage
from dragoman.dialects.openai_chat.stop_reason import decode_stop_reason, encode_stop_reason
from dragoman.dialects.openai_chat.usage import decode_usage, encode_usage

CHAT_VALUES = ["stop", "length", "tool_calls", "content_filter", "function_call"]


@pytest.mark.parametrize("raw", CHAT_VALUES)
def test_every_chat_value_survives_a_round_trip(raw: str) -> None:
    assert encode_stop_reason(decode_stop_reason(raw)) == raw


@pytest.mark.parametrize(
    ("raw", "kind"),
    [("stop", StopKind.END_TURN), ("length", StopKind.MAX_TOKENS), ("tool_calls", StopKind.TOOL_USE),
     ("function_call", StopKind.TOOL_USE), ("content_filter", StopKind.CONTENT_FILTER)],
)
def test_decode_kinds(raw: str, kind: StopKind) -> None:
    assert decode_stop_reason(raw) == StopReason(kind, raw)


@pytest.mark.parametrize("raw", ["abort", "insufficient_system_resource", "error", "eos"])
def test_unknown_values_are_other_with_raw_kept(raw: str) -> None:
    reason = decode_stop_reason(raw)
    assert reason == StopReason(StopKind.OTHER, raw)
    assert encode_stop_reason(reason) == "stop"


def test_missing_value_and_matched_stop_sequence() -> None:
    assert decode_stop_reason(None) == StopReason(StopKind.OTHER)
    assert decode_stop_reason("stop", "###") == StopReason(StopKind.STOP_SEQUENCE, "stop", "###")
    assert decode_stop_reason("length", "###") == StopReason(StopKind.MAX_TOKENS, "length")


@pytest.mark.parametrize(
    ("reason", "encoded"),
    [
        (StopReason(StopKind.END_TURN, "end_turn"), "stop"),
        (StopReason(StopKind.STOP_SEQUENCE, "stop_sequence", "###"), "stop"),
        (StopReason(StopKind.MAX_TOKENS, "max_output_tokens"), "length"),
        (StopReason(StopKind.TOOL_USE, "tool_use"), "tool_calls"),
        (StopReason(StopKind.CONTENT_FILTER, None), "content_filter"),
        (StopReason(StopKind.REFUSAL, "refusal"), "content_filter"),
        (StopReason(StopKind.PAUSE_TURN, "pause_turn"), "stop"),
        (StopReason(StopKind.OTHER, "model_context_window_exceeded"), "stop"),
        (StopReason(StopKind.OTHER, "length"), "length"),
        (StopReason(StopKind.TOOL_USE, "function_call"), "function_call"),
        (StopReason(StopKind.END_TURN, "length"), "stop"),
    ],
)
def test_encode_from_other_dialects(reason: StopReason, encoded: str) -> None:
    assert encode_stop_reason(reason) == encoded


@pytest.mark.parametrize("kind", list(StopKind))
def test_every_kind_encodes_to_a_chat_value(kind: StopKind) -> None:
    assert encode_stop_reason(StopReason(kind)) in CHAT_VALUES


counts = st.integers(0, 10**9)


@given(st.builds(Usage, counts, counts, counts, counts, counts))
def test_usage_round_trip(usage: Usage) -> None:
    wire = encode_usage(usage)
    assert wire["total_tokens"] == usage.input_tokens + usage.output_tokens
    assert decode_usage(wire) == usage


def test_decode_recorded_usage_shapes() -> None:
    assert decode_usage({
        "prompt_tokens": 2006, "completion_tokens": 300, "total_tokens": 2306,
        "prompt_tokens_details": {"cached_tokens": 1920, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 192, "audio_tokens": 0},
    }) == Usage(input_tokens=2006, output_tokens=300, cache_read_tokens=1920, reasoning_tokens=192)
    assert decode_usage({"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6,
                         "prompt_tokens_details": None, "completion_tokens_details": None}) == Usage(5, 1)
    assert decode_usage({"prompt_tokens": 9, "completion_tokens": 2, "prompt_cache_hit_tokens": 8}) == Usage(
        9, 2, cache_read_tokens=8)
    assert decode_usage({"prompt_tokens": 9, "completion_tokens": 2,
                         "prompt_tokens_details": {"cached_tokens": 4, "cache_write_tokens": 5}}) == Usage(
        9, 2, cache_read_tokens=4, cache_write_tokens=5)
    assert decode_usage(None) == Usage()
    assert decode_usage({"prompt_tokens": "9", "completion_tokens": True}) == Usage()


def test_encode_usage_is_the_openai_shape() -> None:
    assert encode_usage(Usage(100, 10, cache_read_tokens=60, reasoning_tokens=4)) == {
        "prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110,
        "prompt_tokens_details": {"cached_tokens": 60}, "completion_tokens_details": {"reasoning_tokens": 4},
    }
