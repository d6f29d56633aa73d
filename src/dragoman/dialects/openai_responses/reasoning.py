"""Reasoning: the ``reasoning`` request config and ``reasoning`` items with their opaque proofs.

Config. Decoding ``reasoning: {effort, summary}`` → ``ReasoningConfig(effort, summary)`` (``generate_summary``,
the deprecated spelling of ``summary``, too). ``context`` only tells OpenAI which of its own earlier
reasoning items to render again, which no other upstream ever receives (``reasoning-context-ignored``);
``mode`` other than ``standard`` and unknown fields are untranslated. An empty config is no config.
Encoding: ``effort`` as given, else the effort for ``budget_tokens`` from the shared table
(canonical/reasoning.py), none for adaptive thinking (the model's default); ``summary`` as given. Rule
``reasoning-off``: ``effort: "none"`` is sent only when the client asked for effort ``none``; reasoning
merely disabled (Anthropic ``thinking: disabled``) sends no config, because older reasoning models reject
``none`` and non-reasoning models reject any config. Rule ``encrypted-reasoning-included``: a request with
reasoning on, or with reasoning items to hand back, asks for ``include: ["reasoning.encrypted_content"]``:
requests go out with ``store: false``, so reasoning can only cross turns encrypted.

Items. Decoding a client's ``reasoning`` item: ``summary`` texts → ``summary``, ``reasoning_text`` content →
``text``, ``encrypted_content`` → ``encrypted``, ``id`` → ``id``, origin ``openai_responses``, unless
``canonical.reasoning.unwrap_proof`` finds a proof of another dialect wrapped in ``encrypted_content``
(rule *proofs-travel-wrapped*): then the proof goes back to its own field (Anthropic ``signature`` or
``redacted_data``) with its true origin, and all the item's text is the reasoning text (that is how the
encoders below wrote it). Encoding items for an upstream (rule ``foreign-reasoning-dropped``): only
reasoning of origin ``openai_responses`` that carries ``encrypted`` is sent; anything else cannot be
verified or resolved by OpenAI with ``store: false``.

Proofs for a Responses client (``client_proof``): our own encrypted content as is; an Anthropic
signature or redacted data, wrapped with ``wrap_proof`` so it comes back to its origin. Rule
``chat-reasoning-marked``: reasoning text from a chat upstream (vLLM, DeepSeek, OpenRouter) has no proof; its
``encrypted_content`` is ``wrap_proof("openai_chat", "signature", "")``, a marker that sends the text back
to a chat upstream, which wants it (the Anthropic codec marks it the same way). Reasoning of another origin
carries its text as a single summary (``foreign-reasoning-as-summary``) since summaries are what Responses
clients show and send back.

Rule ``foreign-proofs-not-forwarded``: ``decode_request`` removes from the client's body every reasoning
item whose ``encrypted_content`` is another dialect's wrapped proof (the canonical request keeps it for its
origin), because a request to a Responses upstream goes verbatim and OpenAI rejects content it cannot
decrypt.
"""

from __future__ import annotations

from typing import Any, Final

from dragoman.canonical.content import ReasoningPart
from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.reasoning import effort_for_budget, unwrap_proof, wrap_proof
from dragoman.canonical.request import Effort, ReasoningConfig
from dragoman.dialects.base import JSONObject

ORIGIN: Final = "openai_responses"
ENCRYPTED_INCLUDE: Final = "reasoning.encrypted_content"
_EFFORTS: Final[dict[str, Effort]] = {
    "none": "none", "minimal": "minimal", "low": "low", "medium": "medium", "high": "high", "xhigh": "xhigh",
    "max": "max",
}
CHAT: Final = "openai_chat"
_FOREIGN_ORIGINS: Final = frozenset({"anthropic_messages", CHAT})
CHAT_MARKER: Final = wrap_proof(CHAT, "signature", "")
"""``encrypted_content`` of chat reasoning, which has no proof: it only tells where the text came from."""
_IGNORED_FIELDS: Final = frozenset({"context"})
_NEUTRAL_MODES: Final = frozenset({None, "standard"})


# --- config ---

def decode_reasoning_config(value: Any, path: str, untranslated: list[str]) -> ReasoningConfig | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidRequest(f"'{path}' must be an object", param=path)
    effort: Effort | None = None
    raw_effort = value.get("effort")
    if raw_effort is not None:
        effort = _EFFORTS.get(raw_effort) if isinstance(raw_effort, str) else None
        if effort is None:
            raise InvalidRequest(f"'{path}.effort' must be one of {', '.join(_EFFORTS)}, got {raw_effort!r}",
                                 param=f"{path}.effort")
    summary = value.get("summary", value.get("generate_summary"))
    if summary is not None and not isinstance(summary, str):
        raise InvalidRequest(f"'{path}.summary' must be a string", param=f"{path}.summary")
    for key, item in value.items():
        if key in ("effort", "summary", "generate_summary") or key in _IGNORED_FIELDS:
            continue
        if key == "mode" and item in _NEUTRAL_MODES:
            continue
        if item is not None:
            untranslated.append(f"{path}.{key}")
    if effort is None and summary is None:
        return None
    return ReasoningConfig(effort=effort, summary=summary)


def encode_reasoning_config(config: ReasoningConfig | None) -> JSONObject | None:
    if config is None:
        return None
    if config.effort == "none":
        return {"effort": "none"}
    if not config.enabled:
        return None
    encoded: JSONObject = {}
    effort: Effort | None = config.effort
    if effort is None and config.budget_tokens is not None and not config.adaptive:
        effort = effort_for_budget(config.budget_tokens)
    if effort is not None:
        encoded["effort"] = effort
    if config.summary is not None:
        encoded["summary"] = config.summary
    return encoded or None


def reasoning_on(config: ReasoningConfig | None) -> bool:
    return config is not None and config.enabled and config.effort != "none"


# --- items ---

def _texts(value: Any, path: str, kind: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidRequest(f"'{path}' must be an array", param=path)
    texts: list[str] = []
    for index, entry in enumerate(value):
        if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
            raise InvalidRequest(f"'{path}[{index}]' must be a {kind} part with a string 'text'",
                                 param=f"{path}[{index}]")
        texts.append(entry["text"])
    return texts


def decode_reasoning_item(item: JSONObject, path: str) -> ReasoningPart:
    summary = _texts(item.get("summary"), f"{path}.summary", "summary_text")
    content = _texts(item.get("content"), f"{path}.content", "reasoning_text")
    encrypted = item.get("encrypted_content")
    if encrypted is not None and not isinstance(encrypted, str):
        raise InvalidRequest(f"'{path}.encrypted_content' must be a string", param=f"{path}.encrypted_content")
    item_id = item.get("id")
    proof = unwrap_proof(encrypted) if encrypted else None
    if proof is None:
        return ReasoningPart(text="\n\n".join(content), summary=summary, encrypted=encrypted or None,
                             id=item_id if isinstance(item_id, str) and item_id else None, origin=ORIGIN)
    part = ReasoningPart(text="\n\n".join(summary + content), origin=proof.origin)
    if proof.kind == "signature":
        part.signature = proof.value or None
    elif proof.kind == "redacted":
        part.redacted_data = proof.value
    else:
        part.encrypted = proof.value
    return part


def encode_reasoning_item(part: ReasoningPart) -> JSONObject | None:
    """The item handed back to a Responses upstream, or ``None`` (rule ``foreign-reasoning-dropped``)."""
    if part.origin != ORIGIN or not part.encrypted:
        return None
    item: JSONObject = {"type": "reasoning"}
    if part.id:
        item["id"] = part.id
    item["summary"] = [{"type": "summary_text", "text": text} for text in part.summary]
    if part.text:
        item["content"] = [{"type": "reasoning_text", "text": part.text}]
    item["encrypted_content"] = part.encrypted
    return item


def client_proof(origin: str | None, *, signature: str | None = None, encrypted: str | None = None,
                 redacted: str | None = None) -> str | None:
    """What a Responses client gets as ``encrypted_content`` for a reasoning block's proof, if any."""
    if encrypted:
        return wrap_proof(origin, "encrypted", encrypted) if origin in _FOREIGN_ORIGINS else encrypted
    foreign = origin if origin in _FOREIGN_ORIGINS else "anthropic_messages"  # only Anthropic signs
    if signature:
        return wrap_proof(foreign, "signature", signature)
    if redacted:
        return wrap_proof(foreign, "redacted", redacted)
    return CHAT_MARKER if origin == CHAT else None


def is_own(origin: str | None, encrypted: str | None) -> bool:
    """Whether reasoning is OpenAI Responses' own (its text may be told apart into summary and content)."""
    return origin == ORIGIN or (origin is None and bool(encrypted))
