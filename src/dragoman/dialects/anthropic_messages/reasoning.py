"""Thinking configuration: ``thinking`` and ``output_config.effort`` <-> :class:`ReasoningConfig`.

Decoding (client side):
- ``{"type": "enabled", "budget_tokens": n}`` (n an integer ≥ 1024, as the API requires) →
  ``ReasoningConfig(budget_tokens=n)``; ``{"type": "adaptive"}`` → ``ReasoningConfig(adaptive=True)``;
  ``{"type": "disabled"}`` → ``ReasoningConfig(enabled=False)``. ``output_config.effort`` (``low`` … ``max``)
  is the config's ``effort``. Rule *effort-without-thinking*: an effort with no ``thinking`` field gives
  ``ReasoningConfig(effort=…)``, since an effort is what OpenAI reasoning models are steered with.
- Rule *thinking-display*: ``display: "summarized"`` → ``summary="auto"`` (Responses' way to ask for summarized
  reasoning); ``"omitted"`` (thinking text left out of the answer, signatures kept) has no counterpart and
  only hides text, so it is ignored. Other unknown fields of ``thinking`` → ``untranslated``.

Encoding (to an Anthropic upstream), with the shared effort <-> budget table (``canonical/reasoning.py``):
- Reasoning off (``enabled=False`` or effort ``none``) → ``{"type": "disabled"}``.
- Adaptive → ``{"type": "adaptive"}`` plus ``output_config.effort`` when an effort is given (``minimal``
  becomes ``low``, Anthropic's lowest).
- Otherwise ``{"type": "enabled", "budget_tokens": …}``: the given budget, else the effort's budget, else the
  budget of ``medium`` (the OpenAI models' default effort), and never below 1024. Rule *effort-with-adaptive*:
  with a budget, ``output_config.effort`` is not sent (the budget is the effort; older models reject it).
- Rule *budget-below-max-tokens*: the API wants ``budget_tokens`` < ``max_tokens``; when it is not, ``max_tokens``
  becomes budget + 4096 (room for the answer after the thinking).
- Rule *thinking-drops-sampling*: with thinking on, ``temperature`` and ``top_p`` are left out (the API
  rejects changing them then).
- Rule *forced-tool-drops-thinking*: thinking is left out when ``tool_choice`` forces a tool (``any`` or a
  named tool), which the API refuses with thinking on (structured output emulated with a forced tool does
  this). Rule *thinking-needs-signed-turn*: thinking is left out when the last assistant turn, whose tool
  calls the request answers, does not start with a signed thinking block (its reasoning came from another
  vendor, or the client dropped it): the API refuses thinking on such a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.reasoning import MIN_BUDGET, budget_for_effort
from dragoman.canonical.request import Effort, ReasoningConfig
from dragoman.dialects.base import JSONObject

ANTHROPIC_EFFORTS: Final[dict[str, Effort]] = {
    "low": "low", "medium": "medium", "high": "high", "xhigh": "xhigh", "max": "max",
}
_THINKING_FIELDS: Final = frozenset({"type", "budget_tokens", "display"})
DEFAULT_EFFORT: Final[Effort] = "medium"
ANSWER_ROOM: Final = 4096


# --- decoding (client side) ---


def decode_effort(value: object, param: str) -> Effort | None:
    if value is None:
        return None
    effort = ANTHROPIC_EFFORTS.get(value) if isinstance(value, str) else None
    if effort is None:
        raise InvalidRequest(f"'{param}' must be one of {', '.join(ANTHROPIC_EFFORTS)}, got {value!r}", param=param)
    return effort


def decode_thinking_config(value: object, effort: Effort | None, untranslated: list[str]) -> ReasoningConfig | None:
    if value is None:
        return ReasoningConfig(effort=effort) if effort is not None else None
    if not isinstance(value, dict):
        raise InvalidRequest("'thinking' must be an object", param="thinking")
    config = ReasoningConfig(effort=effort)
    match value.get("type"):
        case "enabled":
            budget = value.get("budget_tokens")
            if isinstance(budget, bool) or not isinstance(budget, int) or budget < MIN_BUDGET:
                raise InvalidRequest(
                    f"'thinking.budget_tokens' must be an integer of at least {MIN_BUDGET}, got {budget!r}",
                    param="thinking.budget_tokens",
                )
            config.budget_tokens = budget
        case "adaptive":
            config.adaptive = True
        case "disabled":
            config.enabled = False
        case other:
            raise InvalidRequest(f"'thinking.type' must be 'enabled', 'adaptive' or 'disabled', got {other!r}",
                                 param="thinking.type")
    display = value.get("display")
    if display not in (None, "summarized", "omitted"):
        raise InvalidRequest(f"'thinking.display' must be 'summarized' or 'omitted', got {display!r}",
                             param="thinking.display")
    if display == "summarized" and config.enabled:
        config.summary = "auto"
    untranslated.extend(f"thinking.{key}" for key, item in value.items()
                        if key not in _THINKING_FIELDS and item is not None)
    return config


# --- encoding (to an Anthropic upstream) ---


@dataclass(slots=True)
class EncodedThinking:
    thinking: JSONObject | None = None
    effort: str | None = None
    max_tokens: int = 0

    @property
    def on(self) -> bool:
        return self.thinking is not None and self.thinking["type"] != "disabled"


def encode_thinking(config: ReasoningConfig | None, max_tokens: int) -> EncodedThinking:
    if config is None:
        return EncodedThinking(max_tokens=max_tokens)
    if not config.enabled or config.effort == "none":
        return EncodedThinking({"type": "disabled"}, max_tokens=max_tokens)
    if config.adaptive:
        effort = None if config.effort is None else ("low" if config.effort == "minimal" else config.effort)
        return EncodedThinking({"type": "adaptive"}, effort, max_tokens)
    budget = config.budget_tokens or budget_for_effort(config.effort or DEFAULT_EFFORT) or MIN_BUDGET
    budget = max(budget, MIN_BUDGET)
    if max_tokens <= budget:
        max_tokens = budget + ANSWER_ROOM
    return EncodedThinking({"type": "enabled", "budget_tokens": budget}, max_tokens=max_tokens)


def signed_turn_missing(messages: list[JSONObject]) -> bool:
    """Whether the request answers tool calls of an assistant turn that does not start with thinking."""
    if len(messages) < 2 or messages[-1]["role"] != "user" or messages[-2]["role"] != "assistant":
        return False
    if not any(block.get("type") == "tool_result" for block in messages[-1]["content"]):
        return False
    return messages[-2]["content"][0].get("type") not in ("thinking", "redacted_thinking")
