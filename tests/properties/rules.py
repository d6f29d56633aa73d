"""The documented rules by which an encoder changes a request on purpose, applied to the expectation: a
property compares what came through with the request *after* these rules, and every other difference is a
loss. Each rule names the codec docstring that states it."""

from __future__ import annotations

from dataclasses import replace

from dragoman.canonical.request import ReasoningConfig, Request
from dragoman.dialects.base import DialectName
from tests.properties.strategies import ORIGINS
from tests.properties.views import BUDGETS, Lens, effort_of

ANSWER_ROOM = 4096
"""anthropic_messages/reasoning.py, *budget-below-max-tokens*: max_tokens becomes budget + 4096."""


def lens_for(client: str, upstream: str) -> Lens:
    """What survives a route from a ``client`` dialect to an ``upstream`` dialect (the same for a round trip)."""
    openai_only = {client, upstream} <= {"chat", "responses"}
    both_anthropic = client == upstream == "anthropic"
    return Lens(
        stop="responses" not in (client, upstream),
        detail=openai_only,
        cache_control=both_anthropic,
        is_error=both_anthropic,
        error_prefix=upstream != "anthropic",
        reasoning_origin=ORIGINS[client] if client == upstream else None,
        reasoning_dropped=None if client == upstream else ORIGINS[client],
        custom_as_function=upstream == "anthropic",
        format_name=openai_only,
        prompt_cache_key=openai_only,
        metadata=client == upstream == "responses",
        sampling_with_thinking=upstream != "anthropic",
    )


def expected(request: Request, upstream: DialectName) -> Request:
    """``request`` as the ``upstream`` encoder documents it will send it."""
    if upstream != "anthropic_messages" or effort_of(request) is None:
        return request
    forced = request.tool_choice is not None and request.tool_choice.mode in ("required", "tool")
    if forced and request.tools:
        # *forced-tool-drops-thinking*: the API refuses thinking with a forced tool.
        return replace(request, reasoning=None)
    effort = effort_of(request)
    budget = BUDGETS.get(effort or "", BUDGETS["medium"])
    max_tokens = request.max_tokens
    if max_tokens is not None and budget >= max_tokens:
        max_tokens = budget + ANSWER_ROOM
    return replace(request, max_tokens=max_tokens, reasoning=ReasoningConfig(effort=effort))  # type: ignore[arg-type]
