"""Collects canonical stream events into a complete :class:`Response`.

The one place where text, reasoning and tool-argument fragments are joined: used wherever a whole
answer is needed from a stream (tests, usage accounting, a non-streaming client behind a streamed call).
"""

from __future__ import annotations

from dragoman.canonical.content import Part, ReasoningPart, RefusalPart, TextPart, ToolCallPart
from dragoman.canonical.errors import UpstreamProtocolError
from dragoman.canonical.events import (
    BlockDelta,
    BlockStart,
    BlockStop,
    ReasoningSignature,
    StreamError,
    StreamEvent,
    StreamFinish,
    StreamStart,
)
from dragoman.canonical.response import Response, StopKind, StopReason, Usage


class ResponseAssembler:
    def __init__(self) -> None:
        self.response = Response(id="", model="", content=[], stop_reason=StopReason(StopKind.OTHER))
        self.finished = False
        self._fragments: list[str] = []
        self._open: BlockStart | None = None
        self._signature: str | None = None
        self._encrypted: str | None = None

    def add(self, event: StreamEvent) -> None:
        match event:
            case StreamStart():
                self.response.id, self.response.model, self.response.created = event.id, event.model, event.created
                if event.usage is not None:
                    self.response.usage = event.usage
            case BlockStart():
                if self._open is not None:
                    raise UpstreamProtocolError(f"block {event.index} started while {self._open.index} is open")
                self._open, self._fragments, self._signature, self._encrypted = event, [], None, None
            case BlockDelta():
                self._require_open(event.index)
                self._fragments.append(event.text)
            case ReasoningSignature():
                self._require_open(event.index)
                if event.encrypted:
                    self._encrypted = event.signature
                else:
                    self._signature = event.signature
            case BlockStop():
                self._require_open(event.index)
                self.response.content.append(self._close())
            case StreamFinish():
                self.response.stop_reason, self.response.usage = event.stop_reason, event.usage
                self.finished = True
            case StreamError():
                raise event.error

    def _require_open(self, index: int) -> None:
        if self._open is None or self._open.index != index:
            raise UpstreamProtocolError(f"event for block {index}, which is not open")

    def _close(self) -> Part:
        start, text = self._open, "".join(self._fragments)
        assert start is not None
        self._open = None
        if start.kind == "text":
            return TextPart(text)
        if start.kind == "refusal":
            return RefusalPart(text)
        if start.kind == "reasoning":
            return ReasoningPart(text=text, signature=self._signature, redacted_data=start.redacted_data,
                                 encrypted=self._encrypted, id=start.item_id, origin=start.origin)
        return ToolCallPart(id=start.tool_call_id or "", name=start.tool_name or "", arguments=text,
                            kind=start.tool_kind)


def assemble(events: list[StreamEvent]) -> Response:
    assembler = ResponseAssembler()
    for event in events:
        assembler.add(event)
    return assembler.response


__all__ = ["ResponseAssembler", "Usage", "assemble"]
