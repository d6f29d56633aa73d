"""Chat Completions ``finish_reason`` <-> canonical :class:`StopReason`.

Decoding keeps the raw value; an unknown value (vLLM ``abort``, DeepSeek ``insufficient_system_resource``,
OpenRouter ``error`` …) becomes ``StopKind.OTHER``. vLLM also reports the matched stop string in the
choice's non-standard ``stop_reason``: a ``stop`` with a string there decodes as ``STOP_SEQUENCE``.

Encoding always yields a value of the spec's enum, so a chat client never sees a value its SDK rejects:
the raw value is given back when it is one of chat's own and means the same kind (exact same-dialect round
trips, e.g. the legacy ``function_call``); otherwise the kind decides. Named lossy rules:

- ``stop-covers-sequences``: chat has one value for a natural end and a stop sequence (``stop``).
- ``refusal-as-content_filter``: Anthropic's ``refusal`` (a safety classifier stopped the answer) is
  closest to chat's ``content_filter``.
- ``pause_turn-as-stop`` and ``other-as-stop``: chat has no paused turn and no open value; the turn
  ends as ``stop``.
- *tool_calls-when-called*: an answer that made a tool call finishes with ``tool_calls`` whatever the
  upstream said (a Responses upstream says ``completed``), unless it was cut off (``length``), because chat
  clients run the calls only on ``tool_calls``.
"""

from __future__ import annotations

from typing import Literal, assert_never

from dragoman.canonical.response import StopKind, StopReason

FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "function_call"]

_DECODE: dict[str, StopKind] = {
    "stop": StopKind.END_TURN,
    "length": StopKind.MAX_TOKENS,
    "tool_calls": StopKind.TOOL_USE,
    "function_call": StopKind.TOOL_USE,
    "content_filter": StopKind.CONTENT_FILTER,
}

_OWN: dict[str, FinishReason] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "function_call": "function_call",
    "content_filter": "content_filter",
}


def decode_stop_reason(raw: str | None, matched_stop: str | None = None) -> StopReason:
    kind = _DECODE.get(raw, StopKind.OTHER) if raw is not None else StopKind.OTHER
    if kind is StopKind.END_TURN and matched_stop is not None:
        return StopReason(StopKind.STOP_SEQUENCE, raw, matched_stop)
    return StopReason(kind, raw)


def encode_stop_reason(reason: StopReason) -> FinishReason:
    raw = reason.raw
    if raw is not None and raw in _OWN and (_DECODE[raw] is reason.kind or reason.kind is StopKind.OTHER):
        return _OWN[raw]
    kind = reason.kind
    match kind:
        case StopKind.END_TURN | StopKind.STOP_SEQUENCE | StopKind.PAUSE_TURN | StopKind.OTHER:
            return "stop"
        case StopKind.MAX_TOKENS:
            return "length"
        case StopKind.TOOL_USE:
            return "tool_calls"
        case StopKind.CONTENT_FILTER | StopKind.REFUSAL:
            return "content_filter"
        case _:
            assert_never(kind)


def encode_finish_reason(reason: StopReason, made_call: bool) -> FinishReason:
    """The finish reason of an answer; ``made_call`` says whether it holds a tool call."""
    if made_call and reason.kind is not StopKind.MAX_TOKENS:
        return "tool_calls"
    return encode_stop_reason(reason)
