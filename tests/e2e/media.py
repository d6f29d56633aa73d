"""Images and documents in each dialect, written from one neutral description and read back from what an
upstream received (data URLs and base64 sources decoded to the same terms)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Literal

from tests.upstream import Dialect

IMAGE_URL = "https://upload.wikimedia.org/wikipedia/commons/3/3f/Fronalpstock_big.jpg"
PDF_URL = "https://www.w3.org/WAI/ER/tests/xhtml/testfiles/resources/pdf/dummy.pdf"
# The smallest valid image of each type (1x1 pixel) and a minimal PDF.
IMAGES: dict[str, str] = {
    "image/png": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=",
    "image/jpeg": "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////"
                  "////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=",
    "image/gif": "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7",
    "image/webp": "UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==",
}
PDF = base64.b64encode(b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n").decode()
NOTES = "Meeting notes: ship the gateway on Friday."
CSV = "name,age\nAda,36\nAlan,41\n"

Kind = Literal["image", "document"]


@dataclass(frozen=True, slots=True)
class Media:
    kind: Kind
    url: str | None = None
    media_type: str | None = None
    data: str | None = None
    """base64, as sent."""
    filename: str | None = None
    detail: str | None = None

    @property
    def text(self) -> str | None:
        """A text document's content, decoded."""
        if self.data is None:
            return None
        try:
            return base64.b64decode(self.data).decode()
        except (ValueError, UnicodeDecodeError):
            return None


def data_url(media_type: str, data: str) -> str:
    return f"data:{media_type};base64,{data}"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _from_url(kind: Kind, url: str, **extra: Any) -> Media:
    if url.startswith("data:"):
        head, _, data = url.partition(",")
        return Media(kind, media_type=head[5:].split(";")[0], data=data, **extra)
    return Media(kind, url=url, **extra)


# --- writing -----------------------------------------------------------------------------------------------

def part(dialect: Dialect, media: Media) -> dict[str, Any]:
    """One content part that carries ``media`` in ``dialect`` (text documents as Anthropic ``text`` sources)."""
    if dialect == "chat":
        if media.kind == "image":
            image: dict[str, Any] = {"url": media.url or data_url(str(media.media_type), str(media.data))}
            return {"type": "image_url", "image_url": {**image, **({"detail": media.detail} if media.detail else {})}}
        assert media.data is not None, "chat file parts carry data only"
        return {"type": "file", "file": {"filename": media.filename, "file_data": data_url(str(media.media_type),
                                                                                         media.data)}}
    if dialect == "responses":
        if media.kind == "image":
            return {"type": "input_image", "image_url": media.url or data_url(str(media.media_type), str(media.data)),
                    "detail": media.detail or "auto"}
        if media.url:
            return {"type": "input_file", "file_url": media.url}
        return {"type": "input_file", "filename": media.filename,
                "file_data": data_url(str(media.media_type), str(media.data))}
    if media.kind == "image":
        source = ({"type": "url", "url": media.url} if media.url else
                  {"type": "base64", "media_type": media.media_type, "data": media.data})
        return {"type": "image", "source": source}
    if media.url:
        return {"type": "document", "source": {"type": "url", "url": media.url}}
    if media.media_type == "text/plain":
        return {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": media.text},
                "title": media.filename}
    return {"type": "document", "source": {"type": "base64", "media_type": media.media_type, "data": media.data},
            "title": media.filename}


def text_part(dialect: Dialect, text: str) -> dict[str, Any]:
    return {"type": "input_text" if dialect == "responses" else "text", "text": text}


# --- reading -----------------------------------------------------------------------------------------------

def media_of_part(dialect: Dialect, wire: dict[str, Any]) -> Media | None:
    kind = wire.get("type")
    if dialect == "chat":
        if kind == "image_url":
            return _from_url("image", wire["image_url"]["url"], detail=wire["image_url"].get("detail"))
        if kind == "file":
            file = wire["file"]
            return _from_url("document", file.get("file_data", ""), filename=file.get("filename"))
        return None
    if dialect == "responses":
        if kind == "input_image":
            return _from_url("image", wire["image_url"], detail=wire.get("detail"))
        if kind == "input_file":
            if wire.get("file_url"):
                return Media("document", url=wire["file_url"], filename=wire.get("filename"))
            return _from_url("document", wire.get("file_data", ""), filename=wire.get("filename"))
        return None
    if kind not in ("image", "document"):
        return None
    source = wire["source"]
    title = wire.get("title")
    if source["type"] == "url":
        return Media(kind, url=source["url"], filename=title)
    if source["type"] == "text":
        return Media(kind, media_type=source["media_type"], data=b64(source["data"]), filename=title)
    return Media(kind, media_type=source["media_type"], data=source["data"], filename=title)


def received_media(dialect: Dialect, body: dict[str, Any]) -> list[Media]:
    """Every image and document in the request's messages (and tool results), in order."""
    found: list[Media] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            media = media_of_part(dialect, node)
            if media is not None:
                found.append(media)
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(body.get("input" if dialect == "responses" else "messages"))
    return found
