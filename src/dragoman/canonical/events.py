"""Canonical stream events.

Grammar every decoder produces and every encoder may rely on::

    StreamStart  (BlockStart  BlockDelta*  ReasoningSignature?  BlockStop)*  StreamFinish
    StreamError  may replace anything after StreamStart (and ends the stream)

``StreamError`` may also arrive before ``StreamStart`` (an upstream that failed at once).
Blocks are sequential: at most one block is open at a time and ``index`` counts blocks from 0 in the
order they start. ``BlockDelta.text`` is text for ``text``/``refusal``/``reasoning`` blocks and a fragment
of the JSON arguments for ``tool_call`` blocks. ``StreamFinish.usage`` is the final, complete usage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dragoman.canonical.errors import GatewayError
from dragoman.canonical.response import StopReason, Usage

BlockKind = Literal["text", "refusal", "reasoning", "tool_call"]


@dataclass(slots=True)
class StreamStart:
    id: str
    model: str
    created: int = 0
    usage: Usage | None = None


@dataclass(slots=True)
class BlockStart:
    """``origin`` is the dialect that produced a reasoning block (who can verify its proof); ``item_id`` the
    upstream's own id for it (Responses ``rs_…``); ``tool_kind`` tells custom tool calls (raw text input)
    from function calls (JSON arguments)."""

    index: int
    kind: BlockKind
    tool_call_id: str | None = None
    tool_name: str | None = None
    redacted_data: str | None = None
    origin: str | None = None
    item_id: str | None = None
    tool_kind: Literal["function", "custom"] = "function"


@dataclass(slots=True)
class BlockDelta:
    index: int
    text: str


@dataclass(slots=True)
class ReasoningSignature:
    """The opaque proof of a reasoning block: an Anthropic ``signature``, or (``encrypted=True``) OpenAI
    ``encrypted_content``. Comes after the block's deltas, before its ``BlockStop``."""

    index: int
    signature: str
    encrypted: bool = False


@dataclass(slots=True)
class BlockStop:
    index: int


@dataclass(slots=True)
class StreamFinish:
    stop_reason: StopReason
    usage: Usage


@dataclass(slots=True)
class StreamError:
    error: GatewayError


StreamEvent = StreamStart | BlockStart | BlockDelta | ReasoningSignature | BlockStop | StreamFinish | StreamError
