"""Images and documents: Anthropic ``image`` / ``document`` blocks <-> :class:`ImagePart` / :class:`DocumentPart`.

Decoding (client side):
- ``image`` with a ``base64`` source (png, jpeg, gif, webp; any other media type is a 400 naming the field)
  → ``ImagePart(data, media_type)``; a ``url`` source → ``ImagePart(url)``; a ``file`` source (Files API
  id) has no canonical form and goes to ``untranslated``. ``cache_control`` is kept.
- ``document`` with a ``base64`` PDF source → ``DocumentPart(data, media_type="application/pdf")``, a ``text``
  source → ``DocumentPart(text, media_type="text/plain")``, a ``url`` source (Anthropic fetches PDFs) →
  ``DocumentPart(url, media_type="application/pdf")``; ``content`` and ``file`` sources go to
  ``untranslated``. ``title`` and ``cache_control`` are kept. Named rules: *document-context-dropped*
  (``context``, extra text about the document, has no canonical field) and *document-citations-dropped*
  (the ``citations`` switch only asks for citations in the answer, which are not carried either).

Encoding (to an Anthropic upstream):
- ``ImagePart``: inline data → a ``base64`` source, a ``data:`` URL is split into one, an http(s) URL → a
  ``url`` source; other media types are refused. Rule *image-detail-dropped*: Anthropic has no ``detail``.
- ``DocumentPart``: the API takes PDFs (``base64`` or ``url`` source) and plain text (``text`` source).
  Rule *text-document-as-plain-text*: a ``text/plain`` or ``text/csv`` document given as base64 data is
  decoded and sent as a plain-text document, and a CSV is sent as plain text (its rows are text the model
  reads the same way). The title is the document's title, else its filename. Any other combination (a
  text document by URL, a Word file …) is a 400 naming the part, never a silent drop.
"""

from __future__ import annotations

import base64
import binascii
from typing import Final

from dragoman.canonical.content import DocumentPart, ImagePart
from dragoman.canonical.errors import InvalidRequest
from dragoman.dialects.base import JSONObject

IMAGE_TYPES: Final = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
PDF: Final = "application/pdf"
PLAIN_TEXT: Final = "text/plain"
TEXT_TYPES: Final = frozenset({PLAIN_TEXT, "text/csv"})
_SUFFIX_TYPES: Final = {".pdf": PDF, ".txt": PLAIN_TEXT, ".csv": "text/csv"}


def _source(block: JSONObject, path: str) -> tuple[JSONObject, str]:
    source = block.get("source")
    if not isinstance(source, dict):
        raise InvalidRequest(f"'{path}.source' must be an object", param=f"{path}.source")
    kind = source.get("type")
    if not isinstance(kind, str):
        raise InvalidRequest(f"'{path}.source.type' must be a string", param=f"{path}.source.type")
    return source, kind


def _string(source: JSONObject, key: str, path: str) -> str:
    value = source.get(key)
    if not isinstance(value, str):
        raise InvalidRequest(f"'{path}.source.{key}' must be a string", param=f"{path}.source.{key}")
    return value


def cache_control_of(block: JSONObject, path: str) -> JSONObject | None:
    """``block``'s ``cache_control`` (``path`` is the block's wire path, ``""`` for the request itself)."""
    value = block.get("cache_control")
    if value is not None and not isinstance(value, dict):
        param = f"{path}.cache_control" if path else "cache_control"
        raise InvalidRequest(f"'{param}' must be an object", param=param)
    return value


# --- decoding (client side) ---


def decode_image(block: JSONObject, path: str, untranslated: list[str]) -> ImagePart | None:
    source, kind = _source(block, path)
    cache_control = cache_control_of(block, path)
    match kind:
        case "base64":
            media_type = source.get("media_type")
            if media_type not in IMAGE_TYPES:
                raise InvalidRequest(
                    f"'{path}.source.media_type' must be one of {', '.join(sorted(IMAGE_TYPES))}, got {media_type!r}",
                    param=f"{path}.source.media_type",
                )
            return ImagePart(data=_string(source, "data", path), media_type=media_type, cache_control=cache_control)
        case "url":
            return ImagePart(url=_string(source, "url", path), cache_control=cache_control)
        case "file":
            untranslated.append(path)
            return None
        case _:
            raise InvalidRequest(f"'{path}.source.type' {kind!r} is not an image source", param=f"{path}.source.type")


def decode_document(block: JSONObject, path: str, untranslated: list[str]) -> DocumentPart | None:
    source, kind = _source(block, path)
    title = block.get("title")
    if title is not None and not isinstance(title, str):
        raise InvalidRequest(f"'{path}.title' must be a string", param=f"{path}.title")
    part = DocumentPart(title=title, cache_control=cache_control_of(block, path))
    match kind:
        case "base64":
            if source.get("media_type") != PDF:
                raise InvalidRequest(f"'{path}.source.media_type' must be '{PDF}' for a base64 document",
                                     param=f"{path}.source.media_type")
            part.data, part.media_type = _string(source, "data", path), PDF
        case "text":
            if source.get("media_type", PLAIN_TEXT) != PLAIN_TEXT:
                raise InvalidRequest(f"'{path}.source.media_type' must be '{PLAIN_TEXT}' for a text document",
                                     param=f"{path}.source.media_type")
            part.text, part.media_type = _string(source, "data", path), PLAIN_TEXT
        case "url":
            part.url, part.media_type = _string(source, "url", path), PDF
        case "content" | "file":
            untranslated.append(path)
            return None
        case _:
            raise InvalidRequest(f"'{path}.source.type' {kind!r} is not a document source",
                                 param=f"{path}.source.type")
    return part


# --- encoding (to an Anthropic upstream) ---


def _with_cache_control(block: JSONObject, cache_control: JSONObject | None) -> JSONObject:
    if cache_control is not None:
        block["cache_control"] = cache_control
    return block


def _split_data_url(url: str, path: str) -> tuple[str, str]:
    header, comma, data = url.partition(",")
    media_type = header[len("data:") :].split(";", 1)[0]
    if not comma or ";base64" not in header:
        raise InvalidRequest(f"'{path}' must be a base64 data URL", param=path)
    return media_type, data


def encode_image(part: ImagePart, path: str) -> JSONObject:
    data, media_type = part.data, part.media_type
    if data is None and part.url is not None and part.url.startswith("data:"):
        media_type, data = _split_data_url(part.url, path)
    if data is not None:
        if media_type not in IMAGE_TYPES:
            raise InvalidRequest(
                f"'{path}': Anthropic takes images of type {', '.join(sorted(IMAGE_TYPES))}, got {media_type!r}",
                param=path,
            )
        source: JSONObject = {"type": "base64", "media_type": media_type, "data": data}
    elif part.url:
        source = {"type": "url", "url": part.url}
    else:
        raise InvalidRequest(f"'{path}': an image needs a URL or inline data", param=path)
    return _with_cache_control({"type": "image", "source": source}, part.cache_control)


def _media_type(part: DocumentPart) -> str:
    if part.media_type:
        return part.media_type.split(";", 1)[0].strip().lower()
    suffix = (part.filename or "").lower().rpartition(".")[2]
    guessed = _SUFFIX_TYPES.get("." + suffix) if suffix else None
    return guessed or (PLAIN_TEXT if part.text is not None else PDF)


def _as_text(part: DocumentPart, path: str) -> str:
    if part.text is not None:
        return part.text
    if part.data is None:
        raise InvalidRequest(f"'{path}': Anthropic takes text documents only inline, not by URL", param=path)
    try:
        return base64.b64decode(part.data, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidRequest(f"'{path}': the text document's data is not base64 UTF-8 text", param=path) from exc


def encode_document(part: DocumentPart, path: str) -> JSONObject:
    media_type = _media_type(part)
    if media_type == PDF:
        if part.data is not None:
            source: JSONObject = {"type": "base64", "media_type": PDF, "data": part.data}
        elif part.url:
            source = {"type": "url", "url": part.url}
        else:
            raise InvalidRequest(f"'{path}': a PDF document needs inline data or a URL", param=path)
    elif media_type in TEXT_TYPES:
        source = {"type": "text", "media_type": PLAIN_TEXT, "data": _as_text(part, path)}
    else:
        raise InvalidRequest(
            f"'{path}': Anthropic takes PDF and plain-text documents, not {media_type!r}", param=path
        )
    block: JSONObject = {"type": "document", "source": source}
    title = part.title or part.filename
    if title:
        block["title"] = title
    return _with_cache_control(block, part.cache_control)
