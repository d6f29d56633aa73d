"""Round trips of the stop-reason and usage tables."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dragoman.canonical.response import StopKind, StopReason, Usage
from dragoman.dialects.openai_responses.stop_reason import WireStop, decode_stop_reason, encode_stop_reason
from dragoman.dialects.openai_responses.usage import decode_usage, encode_usage

WIRE_STOPS = [
    (WireStop("completed"), False, StopReason(StopKind.END_TURN, "completed")),
    (WireStop("completed"), True, StopReason(StopKind.TOOL_USE, "completed")),
    (WireStop("incomplete", "max_output_tokens"), False, StopReason(StopKind.MAX_TOKENS, "max_output_tokens")),
    (WireStop("incomplete", "content_filter"), False, StopReason(StopKind.CONTENT_FILTER, "content_filter")),
    (WireStop("incomplete"), False, StopReason(StopKind.OTHER, "incomplete")),
]


@pytest.mark.parametrize(("wire", "has_tool_call", "canonical"), WIRE_STOPS)
def test_own_values_round_trip(wire: WireStop, has_tool_call: bool, canonical: StopReason) -> None:
    decoded = decode_stop_reason(wire.status, wire.incomplete_reason, has_tool_call)
    assert decoded == canonical
    assert encode_stop_reason(decoded) == wire


@pytest.mark.parametrize(("status", "reason"), [("incomplete", "max_tool_calls"), ("cancelled", None),
                                                ("failed", None), (None, None)])
def test_unknown_values_decode_to_other_with_raw_kept(status: str | None, reason: str | None) -> None:
    decoded = decode_stop_reason(status, reason, False)
    assert decoded == StopReason(StopKind.OTHER, reason or status)
    assert encode_stop_reason(decoded) == WireStop("completed")


@pytest.mark.parametrize(("kind", "wire"), [
    (StopKind.END_TURN, WireStop("completed")),
    (StopKind.TOOL_USE, WireStop("completed")),
    (StopKind.STOP_SEQUENCE, WireStop("completed")),
    (StopKind.REFUSAL, WireStop("completed")),
    (StopKind.PAUSE_TURN, WireStop("completed")),
    (StopKind.MAX_TOKENS, WireStop("incomplete", "max_output_tokens")),
    (StopKind.CONTENT_FILTER, WireStop("incomplete", "content_filter")),
    (StopKind.OTHER, WireStop("completed")),
])
def test_every_canonical_kind_encodes(kind: StopKind, wire: WireStop) -> None:
    assert encode_stop_reason(StopReason(kind, "tool_calls")) == wire


def test_other_with_an_own_raw_value_encodes_back_to_it() -> None:
    for raw in ("completed", "max_output_tokens", "content_filter"):
        wire = encode_stop_reason(StopReason(StopKind.OTHER, raw))
        assert decode_stop_reason(wire.status, wire.incomplete_reason, False).raw == raw


counts = st.integers(0, 10**9)


@given(st.builds(Usage, counts, counts, counts, counts, counts))
def test_usage_round_trips(usage: Usage) -> None:
    encoded = encode_usage(usage)
    assert encoded["total_tokens"] == usage.input_tokens + usage.output_tokens
    assert decode_usage(encoded) == usage


def test_recorded_usage_and_junk() -> None:
    recorded = {"input_tokens": 63, "input_tokens_details": {"cache_write_tokens": 5, "cached_tokens": 40},
                "output_tokens": 69, "output_tokens_details": {"reasoning_tokens": 26}, "total_tokens": 132}
    assert decode_usage(recorded) == Usage(63, 69, cache_read_tokens=40, cache_write_tokens=5, reasoning_tokens=26)
    assert encode_usage(decode_usage(recorded)) == recorded
    assert decode_usage(None) == Usage()
    assert decode_usage({"input_tokens": True, "input_tokens_details": None, "output_tokens": "3"}) == Usage()
