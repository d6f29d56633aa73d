"""Reasoning proofs: what a thinking block carries for an Anthropic client, what a thinking block sent back
by a client means, and which reasoning an Anthropic upstream gets in its history.

Thinking blocks for a client (``client_signature``, ``client_redacted_data``; used by ``response.py`` and
``stream_encode.py``), rule *proofs-travel-wrapped*: an Anthropic signature or redacted data (origin
``anthropic_messages``, or none given) is sent as is. A proof of another dialect is wrapped with
``canonical.reasoning.wrap_proof`` so that it comes back to its origin and never reaches Anthropic: OpenAI
Responses ``encrypted_content`` travels as the ``signature``, together with the reasoning item's id (packed as
``<id>@<encrypted>``, because a Responses upstream wants the item id back with ``store: false``). Rule
*chat-reasoning-marked*: reasoning text from a chat upstream (vLLM, DeepSeek, OpenRouter ``reasoning_content``)
has no proof; its signature is ``wrap_proof("openai_chat", "signature", "")``, a marker that tells the decoder
to hand the text back to a chat upstream (DeepSeek wants it back in tool-calling turns). Reasoning of
unknown origin without a proof gets the signature ``""``: the SDK and Claude Code accept any string, and the
request encoder below never sends such a block to Anthropic.

Thinking blocks from a client (``decode_thinking``, ``decode_redacted``): a plain signature is Anthropic's
(origin ``anthropic_messages``; a signature-only block with empty ``thinking`` is kept as it is); a wrapped
one is unwrapped to its true origin and field. Rule *responses-thinking-as-summary*: the text of a block
that carries Responses encrypted content comes back as one summary, because OpenAI reasoning models return
summaries, not raw reasoning (this module wrote the summaries joined into the block's text).

History for an Anthropic upstream (``encode_history_reasoning``), rule *foreign-reasoning-dropped*: only
reasoning of origin ``anthropic_messages`` goes back, as ``redacted_thinking`` when it has redacted data,
else as ``thinking`` when it has a signature (also with empty text). Anything else is left out: the API
rejects thinking without a valid signature, and no other vendor's reasoning can be verified by Anthropic.
"""

from __future__ import annotations

from typing import Final

from dragoman.canonical.content import ReasoningPart
from dragoman.canonical.reasoning import unwrap_proof, wrap_proof
from dragoman.dialects.base import JSONObject

DIALECT: Final = "anthropic_messages"
RESPONSES: Final = "openai_responses"
CHAT: Final = "openai_chat"
_WRAPPABLE: Final = frozenset({RESPONSES, CHAT})
_ID_SEPARATOR: Final = "@"


def _own(origin: str | None) -> bool:
    return origin is None or origin == DIALECT


def pack_encrypted(item_id: str | None, encrypted: str) -> str:
    usable_id = item_id if item_id and _ID_SEPARATOR not in item_id else ""
    return f"{usable_id}{_ID_SEPARATOR}{encrypted}"


def unpack_encrypted(value: str) -> tuple[str | None, str]:
    item_id, separator, encrypted = value.partition(_ID_SEPARATOR)
    if not separator:
        return None, value
    return item_id or None, encrypted


# --- for a client ---


def client_signature(origin: str | None, *, signature: str | None = None, encrypted: str | None = None,
                     item_id: str | None = None) -> str:
    """The ``signature`` of a thinking block sent to a client (see the module docstring)."""
    if signature:
        if _own(origin):
            return signature
        return wrap_proof(origin, "signature", signature) if origin in _WRAPPABLE else ""
    if encrypted:
        owner = RESPONSES if _own(origin) else origin  # only OpenAI Responses encrypts its reasoning
        if owner == RESPONSES:
            return wrap_proof(RESPONSES, "encrypted", pack_encrypted(item_id, encrypted))
        return wrap_proof(owner, "encrypted", encrypted) if owner in _WRAPPABLE else ""
    return wrap_proof(CHAT, "signature", "") if origin == CHAT else ""


def client_redacted_data(origin: str | None, data: str) -> str:
    """The ``data`` of a ``redacted_thinking`` block sent to a client."""
    return wrap_proof(origin, "redacted", data) if origin in _WRAPPABLE and origin is not None else data


# --- from a client ---


def decode_thinking(thinking: str, signature: str) -> ReasoningPart:
    proof = unwrap_proof(signature) if signature else None
    if proof is None:
        return ReasoningPart(text=thinking, signature=signature or None, origin=DIALECT)
    match proof.kind:
        case "signature":
            return ReasoningPart(text=thinking, signature=proof.value or None, origin=proof.origin)
        case "redacted":
            return ReasoningPart(text=thinking, redacted_data=proof.value, origin=proof.origin)
        case "encrypted":
            if proof.origin != RESPONSES:
                return ReasoningPart(text=thinking, encrypted=proof.value, origin=proof.origin)
            item_id, encrypted = unpack_encrypted(proof.value)
            return ReasoningPart(summary=[thinking] if thinking else [], encrypted=encrypted, id=item_id,
                                 origin=RESPONSES)


def decode_redacted(data: str) -> ReasoningPart:
    proof = unwrap_proof(data)
    if proof is None or proof.kind != "redacted":
        return ReasoningPart(redacted_data=data, origin=DIALECT)
    return ReasoningPart(redacted_data=proof.value, origin=proof.origin)


# --- for an Anthropic upstream ---


def encode_history_reasoning(part: ReasoningPart) -> JSONObject | None:
    if part.origin != DIALECT:
        return None
    if part.redacted_data:
        return {"type": "redacted_thinking", "data": part.redacted_data}
    if part.signature:
        return {"type": "thinking", "thinking": part.text, "signature": part.signature}
    return None
