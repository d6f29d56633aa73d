"""Generated canonical answers survive a trip through a Responses client's wire format and back: whole
responses (``decode_response(encode_response(r)) == r``) and streams (the decoder gives back the events the
encoder was given), for every part kind the dialect carries."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dragoman.canonical.content import Part, ReasoningPart, RefusalPart, TextPart, ToolCallPart
from dragoman.canonical.events import (
    BlockDelta,
    BlockStart,
    BlockStop,
    ReasoningSignature,
    StreamEvent,
    StreamFinish,
    StreamStart,
)
from dragoman.canonical.request import Message, Request
from dragoman.canonical.response import Response, StopKind, StopReason, Usage
from dragoman.dialects.openai_responses.codec import CODEC
from dragoman.dialects.openai_responses.stream_encode import ResponsesStreamEncoder
from tests.dialects.openai_responses.helpers import decode_stream

REQUEST = Request(model="alias", messages=[Message("user", [TextPart("hi")])], stream=True)
_text = st.text(min_size=1, max_size=10)
_proof = st.text("abcdefgABCDEFG0123456789=+/", min_size=1, max_size=16)
_id = st.text("abcdef0123456789", min_size=1, max_size=8)
_usage = st.builds(Usage, *[st.integers(0, 10**6)] * 5)


def _stop(parts: list[Part], cut: bool) -> StopReason:
    if cut:
        return StopReason(StopKind.MAX_TOKENS, "max_output_tokens")
    calls = any(isinstance(part, ToolCallPart) for part in parts)
    return StopReason(StopKind.TOOL_USE if calls else StopKind.END_TURN, "completed")


_part = st.one_of(
    st.builds(TextPart, _text),
    st.builds(RefusalPart, _text),
    st.builds(ReasoningPart, text=st.just("") | _text, summary=st.lists(_text, max_size=2), encrypted=_proof,
              id=_id.map(lambda value: f"rs_{value}"), origin=st.just("openai_responses")),
    st.builds(ToolCallPart, _id.map(lambda value: f"call_{value}"), _text, st.text(max_size=10),
              kind=st.sampled_from(["function", "custom"])),
)


@st.composite
def responses(draw: st.DrawFn) -> Response:
    parts: list[Part] = list(draw(st.lists(_part, max_size=5)))
    return Response(id=f"resp_{draw(_id)}", model=draw(_text), content=parts, usage=draw(_usage),
                    stop_reason=_stop(parts, draw(st.booleans())), created=draw(st.integers(1, 2**31)))


@settings(max_examples=100, deadline=None)
@given(responses())
def test_decode_of_encode_preserves_the_answer(response: Response) -> None:
    assert CODEC.decode_response(CODEC.encode_response(response, REQUEST)) == response


@st.composite
def streams(draw: st.DrawFn) -> list[StreamEvent]:
    events: list[StreamEvent] = [StreamStart(f"resp_{draw(_id)}", draw(_text), draw(st.integers(1, 2**31)))]
    calls = False
    for index in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["text", "refusal", "reasoning", "tool_call"]))
        deltas = [BlockDelta(index, text) for text in draw(st.lists(_text, min_size=kind != "tool_call",
                                                                    max_size=3))]
        if kind == "reasoning":
            events.append(BlockStart(index, "reasoning", origin="openai_responses", item_id=f"rs_{draw(_id)}"))
            events.extend(deltas)
            events.append(ReasoningSignature(index, draw(_proof), encrypted=True))
        elif kind == "tool_call":
            calls = True
            events.append(BlockStart(index, "tool_call", tool_call_id=f"call_{draw(_id)}", tool_name=draw(_text),
                                     tool_kind=draw(st.sampled_from(["function", "custom"]))))
            events.extend(deltas)
        else:
            events.append(BlockStart(index, kind))  # type: ignore[arg-type]
            events.extend(deltas)
        events.append(BlockStop(index))
    cut = draw(st.booleans())
    stop = StopReason(StopKind.MAX_TOKENS, "max_output_tokens") if cut else StopReason(
        StopKind.TOOL_USE if calls else StopKind.END_TURN, "completed")
    events.append(StreamFinish(stop, draw(_usage)))
    return events


@settings(max_examples=100, deadline=None)
@given(streams())
def test_stream_decoder_reads_back_what_the_encoder_wrote(events: list[StreamEvent]) -> None:
    encoder = ResponsesStreamEncoder(REQUEST)
    raw = b"".join(encoder.encode(event) for event in events)
    assert decode_stream(raw) == events
