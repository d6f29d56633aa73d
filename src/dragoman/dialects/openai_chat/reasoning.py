"""Chat reasoning: ``reasoning_effort`` <-> :class:`ReasoningConfig`, and reasoning text in assistant history.

Config:

- decode: ``reasoning_effort`` (``none``, ``minimal``, ``low``, ``medium``, ``high``, ``xhigh``, ``max``) ->
  ``ReasoningConfig(effort=…)``; ``none`` -> ``ReasoningConfig(enabled=False, effort="none")``. A string
  outside that list (a vendor's own level) goes to ``Request.untranslated``; a non-string is a 400.
- encode, in this order: ``effort="none"`` -> ``"none"`` (only an explicit none is written); reasoning off
  without an effort (Anthropic ``disabled``) -> nothing, the model's default; an effort -> that effort
  (also with ``adaptive``); only a budget (Anthropic ``budget_tokens``) -> the effort of the shared table
  in ``canonical/reasoning.py`` (``effort_for_budget``); adaptive without an effort -> nothing.
  Rule *reasoning-summary-dropped*: Responses' ``reasoning.summary`` has no chat field.

History:

- decode: an assistant message's ``reasoning_content`` (vLLM, DeepSeek) or ``reasoning`` (OpenRouter,
  Ollama) -> ``ReasoningPart(text, origin="openai_chat")`` first in the message.
- encode (rule *foreign-reasoning-dropped*): only reasoning of origin ``openai_chat`` goes back, as
  ``reasoning_content`` (its text, or its summary paragraphs when a client returned it as a summary), because
  DeepSeek requires the reasoning of tool-calling turns to be sent back and vLLM and OpenRouter read it too;
  reasoning another vendor produced (Anthropic thinking, OpenAI encrypted reasoning) is left out, since no
  chat upstream can use or verify it.
- *proofs-not-carried*: chat has no field for a reasoning proof (Anthropic ``signature``, redacted data, OpenAI
  ``encrypted_content``), so a chat client never receives one (response.py, stream_encode.py) and the request
  decoder has none to unwrap with ``canonical.reasoning.unwrap_proof``.
"""

from __future__ import annotations

from typing import Final

from dragoman.canonical.content import Part, ReasoningPart
from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.reasoning import effort_for_budget
from dragoman.canonical.request import Effort, ReasoningConfig
from dragoman.dialects.base import JSONObject

ORIGIN: Final = "openai_chat"
_EFFORTS: Final[dict[str, Effort]] = {
    "none": "none", "minimal": "minimal", "low": "low", "medium": "medium", "high": "high", "xhigh": "xhigh",
    "max": "max",
}


def decode_reasoning_effort(value: object, untranslated: list[str]) -> ReasoningConfig | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRequest("'reasoning_effort' must be a string", param="reasoning_effort")
    effort = _EFFORTS.get(value)
    if effort is None:
        untranslated.append("reasoning_effort")
        return None
    return ReasoningConfig(enabled=effort != "none", effort=effort)


def encode_reasoning_effort(config: ReasoningConfig | None) -> Effort | None:
    if config is None:
        return None
    if config.effort == "none":
        return "none"
    if not config.enabled:
        return None
    if config.effort is not None:
        return config.effort
    if config.budget_tokens is not None and not config.adaptive:
        return effort_for_budget(config.budget_tokens)
    return None


def decode_history_reasoning(message: JSONObject) -> ReasoningPart | None:
    text = message.get("reasoning_content")
    if not isinstance(text, str) or not text:
        text = message.get("reasoning")
    if isinstance(text, str) and text:
        return ReasoningPart(text=text, origin=ORIGIN)
    return None


def encode_history_reasoning(parts: list[Part]) -> str:
    """Chat-origin reasoning text; a client that showed it as a summary (Responses) may hand it back as one."""
    return "".join(part.text or "\n\n".join(part.summary) for part in parts
                   if isinstance(part, ReasoningPart) and part.origin == ORIGIN)
