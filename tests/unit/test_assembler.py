"""The fragment assembler joins deltas and refuses illegal event order."""

from __future__ import annotations

import pytest

from dragoman.canonical.assembler import assemble
from dragoman.canonical.content import ReasoningPart, TextPart, ToolCallPart
from dragoman.canonical.errors import UpstreamProtocolError
from dragoman.canonical.events import (
    BlockDelta,
    BlockStart,
    BlockStop,
    ReasoningSignature,
    StreamFinish,
    StreamStart,
)
from dragoman.canonical.response import StopKind, StopReason, Usage


def test_blocks_are_joined_in_order() -> None:
    usage = Usage(input_tokens=10, output_tokens=5)
    response = assemble([
        StreamStart(id="r1", model="m", created=7),
        BlockStart(0, "reasoning"), BlockDelta(0, "think"), BlockDelta(0, "ing"), ReasoningSignature(0, "sig"),
        BlockStop(0),
        BlockStart(1, "text"), BlockDelta(1, "Hel"), BlockDelta(1, "lo"), BlockStop(1),
        BlockStart(2, "tool_call", tool_call_id="call_1", tool_name="f"), BlockDelta(2, '{"a":'),
        BlockDelta(2, "1}"), BlockStop(2),
        StreamFinish(StopReason(StopKind.TOOL_USE, "tool_use"), usage),
    ])
    assert (response.id, response.model, response.created) == ("r1", "m", 7)
    assert response.content == [
        ReasoningPart(text="thinking", signature="sig"),
        TextPart("Hello"),
        ToolCallPart(id="call_1", name="f", arguments='{"a":1}'),
    ]
    assert response.stop_reason.kind is StopKind.TOOL_USE
    assert response.usage is usage


def test_overlapping_blocks_are_a_protocol_error() -> None:
    with pytest.raises(UpstreamProtocolError):
        assemble([StreamStart(id="r", model="m"), BlockStart(0, "text"), BlockStart(1, "text")])
    with pytest.raises(UpstreamProtocolError):
        assemble([StreamStart(id="r", model="m"), BlockDelta(0, "x")])
