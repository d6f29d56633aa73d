"""Anthropic ``stop_reason`` <-> canonical :class:`StopReason`, a small two-way table keeping the raw value.

Rules:
- ``model_context_window_exceeded`` decodes to ``MAX_TOKENS`` (the answer was cut off) with ``raw`` kept, so
  it encodes back to itself; any other value of our own round-trips exactly the same way.
- An unknown value decodes to ``OTHER`` with ``raw`` kept; a missing one (``null``) to ``OTHER`` without raw.
- An answer with a refusal part (OpenAI ``refusal`` content, rendered as a text block) that ended naturally
  (``END_TURN`` or ``OTHER``) gets ``refusal``: the only way Anthropic says the model refused. Other
  stops (cut off, tool use, pause) are kept, since the client acts on them.
- Rule *tool-use-stop*: an answer that made a tool call gets ``tool_use`` unless it was cut off
  (``MAX_TOKENS``): the client must run the call, whatever the upstream said (some say ``stop``).
- Encoding ``CONTENT_FILTER`` gives ``refusal`` (the only policy stop Anthropic has); ``OTHER`` gives back
  ``raw`` when it is one of this dialect's values, else ``end_turn`` (the API has no "unknown" stop and the
  answer did end).
"""

from __future__ import annotations

from typing import assert_never

from dragoman.canonical.response import StopKind, StopReason

_DECODE: dict[str, StopKind] = {
    "end_turn": StopKind.END_TURN,
    "max_tokens": StopKind.MAX_TOKENS,
    "stop_sequence": StopKind.STOP_SEQUENCE,
    "tool_use": StopKind.TOOL_USE,
    "pause_turn": StopKind.PAUSE_TURN,
    "refusal": StopKind.REFUSAL,
    "model_context_window_exceeded": StopKind.MAX_TOKENS,
}

ANTHROPIC_STOP_REASONS = frozenset(_DECODE)


def decode_stop_reason(raw: str | None, stop_sequence: str | None = None) -> StopReason:
    if raw is None:
        return StopReason(StopKind.OTHER, None, stop_sequence)
    return StopReason(_DECODE.get(raw, StopKind.OTHER), raw, stop_sequence)


def _encode_kind(kind: StopKind) -> str | None:
    match kind:
        case StopKind.END_TURN:
            return "end_turn"
        case StopKind.MAX_TOKENS:
            return "max_tokens"
        case StopKind.STOP_SEQUENCE:
            return "stop_sequence"
        case StopKind.TOOL_USE:
            return "tool_use"
        case StopKind.CONTENT_FILTER | StopKind.REFUSAL:
            return "refusal"
        case StopKind.PAUSE_TURN:
            return "pause_turn"
        case StopKind.OTHER:
            return None
        case _:
            assert_never(kind)


def encode_stop_reason(reason: StopReason) -> str:
    raw = reason.raw
    if raw is not None and _DECODE.get(raw) is reason.kind:
        return raw
    return _encode_kind(reason.kind) or "end_turn"


def encode_answer_stop_reason(reason: StopReason, *, refused: bool, called: bool = False) -> str:
    """``encode_stop_reason`` for a whole answer, applying the tool-use and refusal rules."""
    if called and reason.kind is not StopKind.MAX_TOKENS:
        return "tool_use"
    if refused and reason.kind in (StopKind.END_TURN, StopKind.OTHER):
        return "refusal"
    return encode_stop_reason(reason)
