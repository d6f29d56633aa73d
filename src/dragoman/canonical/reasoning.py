"""Reasoning effort <-> thinking budget: the one documented table every codec uses.

OpenAI dialects speak in efforts (``reasoning_effort`` / ``reasoning.effort``), Anthropic in token budgets
(``thinking.budget_tokens``) or, on newer models, ``output_config.effort`` with adaptive thinking.

| effort  | budget_tokens |
|---------|---------------|
| minimal | 1024 (Anthropic's minimum) |
| low     | 2048          |
| medium  | 8192          |
| high    | 16384         |
| xhigh   | 32768         |
| max     | 65536         |

A budget maps back to the largest effort whose budget it reaches (so 1024-2047 → ``minimal``,
8192-16383 → ``medium`` …); the round trip effort → budget → effort is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from dragoman.canonical.request import Effort

EFFORT_BUDGETS: Final[dict[Effort, int]] = {
    "minimal": 1024,
    "low": 2048,
    "medium": 8192,
    "high": 16384,
    "xhigh": 32768,
    "max": 65536,
}
MIN_BUDGET: Final = 1024


def budget_for_effort(effort: Effort) -> int | None:
    """The thinking budget for an effort; ``None`` for ``"none"`` (reasoning off)."""
    return EFFORT_BUDGETS.get(effort)


def effort_for_budget(budget: int) -> Effort:
    chosen: Effort = "minimal"
    for effort, threshold in EFFORT_BUDGETS.items():
        if budget >= threshold:
            chosen = effort
    return chosen


ProofKind = Literal["signature", "encrypted", "redacted"]
_PROOF_PREFIX: Final = "dragoman.v1"
_ORIGIN_CODES: Final[dict[str, str]] = {
    "anthropic_messages": "anthropic",
    "openai_responses": "responses",
    "openai_chat": "chat",
}
_ORIGINS_BY_CODE: Final = {code: origin for origin, code in _ORIGIN_CODES.items()}
_KINDS: Final[frozenset[str]] = frozenset({"signature", "encrypted", "redacted"})


@dataclass(slots=True, frozen=True)
class Proof:
    origin: str
    kind: ProofKind
    value: str


def wrap_proof(origin: str, kind: ProofKind, value: str) -> str:
    """Wrap a reasoning proof of ``origin`` so it can travel in another dialect's field.

    A Claude Code client talking to a Responses upstream receives OpenAI ``encrypted_content`` inside a
    thinking ``signature``; when it sends the block back, ``unwrap_proof`` tells the decoder that the value
    is encrypted content for ``openai_responses``, not an Anthropic signature (rule *proofs-travel-wrapped*).
    """
    return f"{_PROOF_PREFIX}.{_ORIGIN_CODES[origin]}.{kind}.{value}"


def unwrap_proof(value: str) -> Proof | None:
    """The origin, kind and original value of a wrapped proof; ``None`` for a dialect's own plain proof."""
    if not value.startswith(_PROOF_PREFIX + "."):
        return None
    _, _, code, kind, inner = value.split(".", 4) if value.count(".") >= 4 else ("", "", "", "", "")
    origin = _ORIGINS_BY_CODE.get(code)
    if origin is None or kind not in _KINDS:
        return None
    return Proof(origin, kind, inner)  # type: ignore[arg-type]
