"""The canonical (non-streamed) answer, its usage and its stop reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from dragoman.canonical.content import Part


class StopKind(StrEnum):
    END_TURN = "end_turn"
    MAX_TOKENS = "max_tokens"
    STOP_SEQUENCE = "stop_sequence"
    TOOL_USE = "tool_use"
    CONTENT_FILTER = "content_filter"
    REFUSAL = "refusal"
    PAUSE_TURN = "pause_turn"
    OTHER = "other"


@dataclass(slots=True, frozen=True)
class StopReason:
    """Why generation stopped. ``raw`` keeps the upstream's own value (for ``OTHER`` and exact round trips)."""

    kind: StopKind
    raw: str | None = None
    stop_sequence: str | None = None


@dataclass(slots=True)
class Usage:
    """Token usage with OpenAI's convention: ``input_tokens`` INCLUDES cache reads and cache writes.

    Anthropic reports ``input_tokens`` excluding both; its codec adds/subtracts them at the boundary.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(slots=True)
class Response:
    id: str
    model: str
    content: list[Part]
    stop_reason: StopReason
    usage: Usage = field(default_factory=Usage)
    created: int = 0
