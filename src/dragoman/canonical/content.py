"""Content parts: the pieces a message (or an assistant answer) is made of.

Every part keeps the dialect-neutral meaning. ``cache_control`` is carried as the raw Anthropic-shaped
dict because it has no counterpart elsewhere; other dialects drop it by a documented rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

CacheControl = dict[str, Any]


@dataclass(slots=True)
class TextPart:
    text: str
    cache_control: CacheControl | None = None
    type: Literal["text"] = "text"


@dataclass(slots=True)
class RefusalPart:
    """A model's refusal (OpenAI ``refusal`` content); Anthropic has only ``stop_reason: refusal``."""

    text: str
    type: Literal["refusal"] = "refusal"


@dataclass(slots=True)
class ImagePart:
    """An image given by URL or inline bytes (``data`` is base64, with ``media_type``)."""

    url: str | None = None
    data: str | None = None
    media_type: str | None = None
    detail: str | None = None
    cache_control: CacheControl | None = None
    type: Literal["image"] = "image"


@dataclass(slots=True)
class DocumentPart:
    """A PDF or text document: by URL, inline base64 ``data``, or plain ``text``."""

    url: str | None = None
    data: str | None = None
    text: str | None = None
    media_type: str | None = None
    filename: str | None = None
    title: str | None = None
    cache_control: CacheControl | None = None
    type: Literal["document"] = "document"


@dataclass(slots=True)
class ToolCallPart:
    """A call the assistant made. ``arguments`` is the JSON text exactly as produced; for a ``custom``
    tool (free-form input) it is the raw input text."""

    id: str
    name: str
    arguments: str
    kind: Literal["function", "custom"] = "function"
    cache_control: CacheControl | None = None
    type: Literal["tool_call"] = "tool_call"


@dataclass(slots=True)
class ToolResultPart:
    call_id: str
    content: list[TextPart | ImagePart | DocumentPart] = field(default_factory=list)
    is_error: bool = False
    cache_control: CacheControl | None = None
    type: Literal["tool_result"] = "tool_result"


@dataclass(slots=True)
class ReasoningPart:
    """Reasoning/thinking. ``signature`` (Anthropic) and ``encrypted`` (OpenAI ``encrypted_content``) are
    opaque proofs only their ``origin`` dialect can verify; encoders carry them only back to that dialect."""

    text: str = ""
    summary: list[str] = field(default_factory=list)
    signature: str | None = None
    redacted_data: str | None = None
    encrypted: str | None = None
    id: str | None = None
    origin: str | None = None
    type: Literal["reasoning"] = "reasoning"


Part = TextPart | RefusalPart | ImagePart | DocumentPart | ToolCallPart | ToolResultPart | ReasoningPart
