"""Upstream output items -> sequential canonical blocks (used by the Responses stream decoder).

The Responses stream addresses text by (output item, content/summary part); the canonical grammar wants
blocks numbered 0, 1, 2 … with at most one open. :class:`BlockSequencer` keeps that mapping:

- ``lazy-blocks``: a block opens at its first non-empty text (tool calls open explicitly), so empty parts
  give no block; opening a block closes the open one.
- Characters sent are counted per upstream part, so ``fill`` (a ``*.done`` event's full text) emits only
  what the deltas missed (``done-fills-in``).
- ``reasoning-parts-joined``: the parts of one reasoning item share its block, a blank line between them.
- A part whose block was closed by another block starting (an interleaving upstream) continues in a new
  block; tool-call arguments cannot be split that way and raise ``UpstreamProtocolError``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

from dragoman.canonical.errors import UpstreamProtocolError
from dragoman.canonical.events import BlockDelta, BlockKind, BlockStart, BlockStop, StreamEvent

ORIGIN: Final = "openai_responses"

PartKey = tuple[str, int]
"""One upstream text part inside an item: (``content``/``summary``/``arguments``, its index)."""


@dataclass(slots=True)
class Block:
    index: int
    kind: BlockKind
    open: bool = True


@dataclass(slots=True)
class Item:
    """One upstream output item; ``blocks`` maps a key (content index, or 0 for whole-item blocks) to its block."""

    kind: str
    item_id: str
    call_id: str = ""
    name: str = ""
    tool_kind: Literal["function", "custom"] = "function"
    done: bool = False
    blocks: dict[int, Block] = field(default_factory=dict)
    # Kept on the item so a continuation block does not repeat what an earlier block of the part sent.
    sent: dict[tuple[int, PartKey], int] = field(default_factory=dict)
    last_part: dict[int, PartKey] = field(default_factory=dict)


class BlockSequencer:
    def __init__(self) -> None:
        self.out: list[StreamEvent] = []
        self._open: Block | None = None
        self._next_index = 0

    def emit(self, item: Item, key: int, part: PartKey, text: str, kind: BlockKind) -> None:
        if not text:
            return
        block = self.block(item, key, kind)
        last = item.last_part.get(key)
        if kind == "reasoning" and last is not None and last != part:
            self.out.append(BlockDelta(block.index, "\n\n"))
        self.out.append(BlockDelta(block.index, text))
        item.sent[key, part] = item.sent.get((key, part), 0) + len(text)
        item.last_part[key] = part

    def fill(self, item: Item, key: int, part: PartKey, full: str, kind: BlockKind) -> None:
        sent = item.sent.get((key, part), 0)
        if len(full) > sent:
            self.emit(item, key, part, full[sent:], kind)

    def block(self, item: Item, key: int, kind: BlockKind) -> Block:
        """The open block of ``item``'s ``key``, opening one when there is none."""
        block = item.blocks.get(key)
        if block is not None and block.open:
            return block
        if block is not None and kind == "tool_call":
            raise UpstreamProtocolError("Responses stream interleaved function-call arguments with other output")
        return self.open_block(item, key, kind)

    def open_block(self, item: Item, key: int, kind: BlockKind) -> Block:
        self.close_open()
        block = Block(self._next_index, kind)
        self._next_index += 1
        item.blocks[key] = block
        self._open = block
        if kind == "tool_call":
            start = BlockStart(block.index, kind, tool_call_id=item.call_id, tool_name=item.name,
                               tool_kind=item.tool_kind)
        elif kind == "reasoning":
            start = BlockStart(block.index, kind, origin=ORIGIN, item_id=item.item_id or None)
        else:
            start = BlockStart(block.index, kind)
        self.out.append(start)
        return block

    def close(self, block: Block) -> None:
        if block.open:
            block.open = False
            self.out.append(BlockStop(block.index))
        if self._open is block:
            self._open = None

    def close_open(self) -> None:
        if self._open is not None:
            self.close(self._open)
