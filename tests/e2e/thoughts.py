"""Reasoning in answers of every dialect, whole or streamed, read into one shape: its text and its proof (an
Anthropic signature, redacted data, or OpenAI encrypted content), plus the reasoning settings an upstream
received, read as an effort or a budget.

The wrapped form of a proof that travels through another dialect's client is the one documented in
``canonical/reasoning.py`` (``dragoman.v1.<origin>.<kind>.<value>``); it is spelled out here, not imported,
so that a change to it breaks these tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from tests.e2e.wire import Event, parse_sse
from tests.upstream import Answer, Body, Dialect, Stream

# canonical/reasoning.py's table, as documented.
BUDGETS: dict[str, int] = {"minimal": 1024, "low": 2048, "medium": 8192, "high": 16384, "xhigh": 32768,
                           "max": 65536}
ORIGIN_CODES: dict[Dialect, str] = {"anthropic": "anthropic", "responses": "responses", "chat": "chat"}

ProofKind = Literal["signature", "encrypted", "redacted"]


def wrapped(origin: Dialect, kind: ProofKind, value: str) -> str:
    return f"dragoman.v1.{ORIGIN_CODES[origin]}.{kind}.{value}"


def effort_for(budget: int) -> str:
    chosen = "minimal"
    for effort, threshold in BUDGETS.items():
        if budget >= threshold:
            chosen = effort
    return chosen


@dataclass(frozen=True, slots=True)
class Thought:
    text: str
    proof: str | None = None
    kind: ProofKind | None = None
    pieces: tuple[str, ...] = ()
    """The separate texts it was made of (Responses summary parts), which another dialect may join."""

    def contains(self, other: Thought) -> bool:
        """Whether this thought's text holds every piece of ``other``, in order."""
        at = 0
        for piece in other.pieces or (other.text,):
            found = self.text.find(piece, at)
            if found < 0:
                return False
            at = found + len(piece)
        return True


def proof_wraps(proof: str | None, origin: Dialect, kind: ProofKind, value: str) -> bool:
    """``proof`` is ``value`` wrapped with its origin and kind (a codec may pack more with the value, such as
    the reasoning item's id, so the value need only be inside the wrapped part)."""
    prefix = wrapped(origin, kind, "")
    return proof is not None and proof.startswith(prefix) and value in proof[len(prefix):]


# --- answers -----------------------------------------------------------------------------------------------

def _responses_item(item: dict[str, Any]) -> Thought:
    pieces = tuple(part.get("text", "") for part in item.get("summary") or [])
    pieces = pieces or tuple(part.get("text", "") for part in item.get("content") or [])
    proof = item.get("encrypted_content")
    return Thought("".join(pieces), proof, "encrypted" if proof else None, pieces)


def _anthropic_block(block: dict[str, Any]) -> Thought | None:
    if block["type"] == "thinking":
        signature = block.get("signature") or None
        return Thought(block["thinking"], signature, "signature" if signature else None)
    if block["type"] == "redacted_thinking":
        return Thought("", block["data"], "redacted")
    return None


def thoughts_of_json(dialect: Dialect, body: dict[str, Any]) -> list[Thought]:
    if dialect == "chat":
        message = body["choices"][0]["message"]
        text = message.get("reasoning_content") or message.get("reasoning")
        return [Thought(text)] if text else []
    if dialect == "responses":
        return [_responses_item(item) for item in body.get("output", []) if item.get("type") == "reasoning"]
    return [thought for block in body["content"] if (thought := _anthropic_block(block)) is not None]


def thoughts_of_events(dialect: Dialect, events: list[Event]) -> list[Thought]:
    payloads = [event.json for event in events if event.data != "[DONE]"]
    if dialect == "chat":
        text = "".join((choice.get("delta") or {}).get("reasoning_content") or
                       (choice.get("delta") or {}).get("reasoning") or ""
                       for payload in payloads for choice in payload.get("choices") or [])
        return [Thought(text)] if text else []
    if dialect == "responses":
        # Each item as its output_item.done gave it: OpenAI re-encrypts reasoning for each event, so the
        # encrypted_content of response.completed may differ from the item's (both are valid).
        return [_responses_item(payload["item"]) for payload in payloads
                if payload["type"] == "response.output_item.done" and payload["item"]["type"] == "reasoning"]
    blocks: dict[int, dict[str, Any]] = {}
    for payload in payloads:
        if payload.get("type") == "content_block_start":
            blocks[payload["index"]] = dict(payload["content_block"])
        elif payload.get("type") == "content_block_delta":
            delta, block = payload["delta"], blocks[payload["index"]]
            if delta["type"] == "thinking_delta":
                block["thinking"] += delta["thinking"]
            elif delta["type"] == "signature_delta":
                block["signature"] = block.get("signature", "") + delta["signature"]
    return [thought for index in sorted(blocks) if (thought := _anthropic_block(blocks[index])) is not None]


def thoughts_served(dialect: Dialect, answer: Answer | None) -> list[Thought]:
    if isinstance(answer, Body):
        return thoughts_of_json(dialect, answer.json())
    assert isinstance(answer, Stream), answer
    return thoughts_of_events(dialect, [item for item in parse_sse(answer.content) if isinstance(item, Event)])


# --- settings an upstream received ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Setting:
    """``effort`` as the upstream will read it (a budget read through the table), ``budget`` when one was
    sent, ``off`` when reasoning was sent switched off or not sent at all."""

    effort: str | None
    budget: int | None = None
    off: bool = False


def received_setting(dialect: Dialect, body: dict[str, Any]) -> Setting:
    if dialect == "chat":
        effort = body.get("reasoning_effort")
        return Setting(effort, off=effort in (None, "none"))
    if dialect == "responses":
        effort = (body.get("reasoning") or {}).get("effort")
        return Setting(effort, off=effort in (None, "none"))
    thinking = body.get("thinking") or {}
    output_effort = (body.get("output_config") or {}).get("effort")
    if thinking.get("type") == "enabled":
        budget = thinking["budget_tokens"]
        assert budget < body["max_tokens"], f"budget_tokens must be below max_tokens: {budget}, {body['max_tokens']}"
        return Setting(effort_for(budget), budget)
    if thinking.get("type") == "adaptive":
        return Setting(output_effort)
    return Setting(output_effort, off=True)
