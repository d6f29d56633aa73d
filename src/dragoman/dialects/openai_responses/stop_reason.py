"""Responses ``status`` + ``incomplete_details.reason`` <-> canonical :class:`StopReason`.

The Responses API has no single stop field: a response is ``completed``, or ``incomplete`` with a reason
(``max_output_tokens``, ``content_filter``), and a function call in the output means the model stopped to
use a tool. ``raw`` keeps the incomplete reason when there is one, else the status, so the dialect's own
values (``completed``, ``max_output_tokens``, ``content_filter``) round-trip exactly.

Rules:
- ``completed`` decodes to ``TOOL_USE`` when the output holds a function call, else ``END_TURN``.
- An unknown incomplete reason, an ``incomplete`` without reason, or another status (``failed``,
  ``cancelled``, ``in_progress`` …) decodes to ``OTHER`` with ``raw`` kept.
- Encoding: ``MAX_TOKENS`` and ``CONTENT_FILTER`` give ``incomplete`` with their reason; every other kind
  gives ``completed`` (``stop-sequence-as-completed``, ``refusal-as-completed``, ``pause_turn-as-completed``:
  the dialect has no such value and the turn did end); ``OTHER`` gives back ``raw`` when it is one of this
  dialect's values (``incomplete`` without reason included), else ``completed``.
"""

from __future__ import annotations

from typing import Literal, NamedTuple, assert_never

from dragoman.canonical.response import StopKind, StopReason

Status = Literal["completed", "incomplete"]
IncompleteReason = Literal["max_output_tokens", "content_filter"]


class WireStop(NamedTuple):
    status: Status
    incomplete_reason: IncompleteReason | None = None


_DECODE: dict[str, StopKind] = {
    "completed": StopKind.END_TURN,
    "max_output_tokens": StopKind.MAX_TOKENS,
    "content_filter": StopKind.CONTENT_FILTER,
}

_OWN: dict[str, WireStop] = {
    "completed": WireStop("completed"),
    "incomplete": WireStop("incomplete"),
    "max_output_tokens": WireStop("incomplete", "max_output_tokens"),
    "content_filter": WireStop("incomplete", "content_filter"),
}


def decode_stop_reason(status: str | None, incomplete_reason: str | None, has_tool_call: bool) -> StopReason:
    if status == "incomplete":
        raw = incomplete_reason or status
        return StopReason(_DECODE.get(raw, StopKind.OTHER), raw)
    if status == "completed":
        return StopReason(StopKind.TOOL_USE if has_tool_call else StopKind.END_TURN, status)
    return StopReason(StopKind.OTHER, status)


def encode_stop_reason(reason: StopReason) -> WireStop:
    kind = reason.kind
    match kind:
        case StopKind.MAX_TOKENS:
            return _OWN["max_output_tokens"]
        case StopKind.CONTENT_FILTER:
            return _OWN["content_filter"]
        case StopKind.END_TURN | StopKind.TOOL_USE | StopKind.STOP_SEQUENCE | StopKind.REFUSAL:
            return _OWN["completed"]
        case StopKind.PAUSE_TURN:
            return _OWN["completed"]
        case StopKind.OTHER:
            return _OWN.get(reason.raw or "", _OWN["completed"])
        case _:
            assert_never(kind)
