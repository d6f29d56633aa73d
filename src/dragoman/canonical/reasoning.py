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

from typing import Final

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
