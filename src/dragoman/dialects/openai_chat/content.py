"""Chat content parts <-> canonical parts: text, refusal, images (``image_url``) and documents (``file``).

Decoding (client side), part ``messages[i].content[j]``:

- ``text`` -> :class:`TextPart`. ``refusal`` (assistant messages only) -> :class:`RefusalPart`.
- ``image_url`` (user and tool messages) -> :class:`ImagePart`: an ``http(s)`` URL is kept as ``url``; a
  data URL ``data:<type>;base64,<data>`` is split into ``data`` + ``media_type``, which must be one of
  image/png, image/jpeg (``image/jpg`` is read as jpeg), image/gif, image/webp, else 400 naming the part.
  ``detail`` is kept. Any other URL scheme is a 400.
- ``file`` (user and tool messages) with ``file_data`` -> :class:`DocumentPart` (``data`` base64,
  ``media_type``, ``filename``). ``file_data`` is a data URL; plain base64 is also accepted, its type then
  taken from the filename's extension or, failing that, recognised as a PDF by its first bytes. Media types
  application/pdf, text/plain and text/csv; anything else is a 400 naming the part.
- not translated (the part's path goes to ``Request.untranslated``): ``file`` parts that reference an
  uploaded file by ``file_id`` (only OpenAI can resolve it), ``input_audio``, images and files in
  system/developer/assistant messages (chat has no such thing; a same-dialect upstream may), and part
  types newer than this codec.
- ``cache_control`` (OpenRouter's Anthropic-style marker) is kept on every part; OpenAI's
  ``prompt_cache_breakpoint`` (an explicit end of a cacheable prefix) is read as the same meaning,
  ``cache_control: {"type": "ephemeral"}`` (rule *prompt_cache_breakpoint-as-cache_control*).

Encoding (to a chat upstream), named rules:

- *cache_control-dropped*: cache markers are not written; chat upstreams cache prefixes by themselves, and
  ``prompt_cache_breakpoint`` is understood only by OpenAI's newest models.
- images: a URL as is, inline data re-joined into a data URL; ``detail`` kept. An image needs a URL or data
  with a media type, else 400.
- *pdf-as-file*: a PDF with inline data becomes a ``file`` part with a data URL; OpenAI requires a filename,
  so a missing one is made from the title (``<title>.pdf``) or is ``document.pdf``; the title itself has no
  field (rule *pdf-title-as-filename*).
- *text-document-as-text*: a text/plain or text/csv document (given as ``text`` or base64 ``data``)
  becomes a text part wrapped in ``<document name="…" type="…">…</document>`` naming the file, because
  chat's ``file`` input takes PDFs only.
- a document by URL (chat cannot fetch one), a document of another media type, or base64 text that is not
  UTF-8 is refused with ``InvalidRequest`` naming the part.
"""

from __future__ import annotations

import base64
import binascii
from typing import Final

from dragoman.canonical.content import CacheControl, DocumentPart, ImagePart, Part, RefusalPart, TextPart
from dragoman.canonical.errors import InvalidRequest
from dragoman.dialects.base import JSONObject
from dragoman.dialects.validate import optional_str, require_object

IMAGE_TYPES: Final = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
PDF: Final = "application/pdf"
TEXT_DOCUMENT_TYPES: Final = frozenset({"text/plain", "text/csv"})
DOCUMENT_TYPES: Final = TEXT_DOCUMENT_TYPES | {PDF}
_MEDIA_ALIASES: Final = {"image/jpg": "image/jpeg"}
_TYPES_BY_EXTENSION: Final = {"pdf": PDF, "txt": "text/plain", "text": "text/plain", "md": "text/plain",
                              "csv": "text/csv"}
_PDF_BASE64_MAGIC: Final = "JVBER"  # base64 of "%PDF"
_EPHEMERAL: Final = {"type": "ephemeral"}
_ATTACHMENT_ROLES: Final = frozenset({"user", "tool"})


def decode_part(raw: object, path: str, role: str) -> Part | None:
    """One wire part; ``None`` when it is not translated (the caller lists ``path``)."""
    part = require_object(raw, path)
    kind = part.get("type")
    if not isinstance(kind, str):
        raise InvalidRequest(f"'{path}.type' is required and must be a string", param=f"{path}.type")
    if kind == "text":
        text = part.get("text")
        if not isinstance(text, str):
            raise InvalidRequest(f"'{path}.text' must be a string", param=f"{path}.text")
        return TextPart(text, _cache_control(part))
    if kind == "refusal":
        if role != "assistant":
            raise InvalidRequest(f"'{path}': refusal parts are allowed only in assistant messages",
                                 param=f"{path}.type")
        refusal = part.get("refusal")
        if not isinstance(refusal, str):
            raise InvalidRequest(f"'{path}.refusal' must be a string", param=f"{path}.refusal")
        return RefusalPart(refusal)
    if role not in _ATTACHMENT_ROLES:
        return None
    if kind == "image_url":
        return _decode_image(part, path)
    if kind == "file":
        return _decode_file(part, path)
    return None


def _cache_control(part: JSONObject) -> CacheControl | None:
    marker = part.get("cache_control")
    if isinstance(marker, dict):
        return marker
    if isinstance(part.get("prompt_cache_breakpoint"), dict):
        return dict(_EPHEMERAL)
    return None


def _decode_image(part: JSONObject, path: str) -> ImagePart:
    image = part.get("image_url")
    detail: str | None = None
    if isinstance(image, str):  # the pre-release shape some clients still send
        url: object = image
    else:
        image = require_object(image, f"{path}.image_url")
        url = image.get("url")
        detail = optional_str(image, "detail", f"{path}.image_url.detail")
    if not isinstance(url, str) or not url:
        raise InvalidRequest(f"'{path}.image_url.url' is required and must be a string",
                             param=f"{path}.image_url.url")
    cache_control = _cache_control(part)
    if url.startswith("data:"):
        media_type, data = split_data_url(url, f"{path}.image_url.url")
        if media_type not in IMAGE_TYPES:
            raise InvalidRequest(
                f"'{path}': image type {media_type!r} is not supported; use image/png, image/jpeg, image/gif "
                "or image/webp", param=path)
        return ImagePart(data=data, media_type=media_type, detail=detail, cache_control=cache_control)
    if url.startswith(("https://", "http://")):
        return ImagePart(url=url, detail=detail, cache_control=cache_control)
    raise InvalidRequest(f"'{path}.image_url.url' must be an http(s) URL or a base64 data URL",
                         param=f"{path}.image_url.url")


def _decode_file(part: JSONObject, path: str) -> DocumentPart | None:
    file = require_object(part.get("file"), f"{path}.file")
    if file.get("file_id") is not None:
        return None
    file_data = optional_str(file, "file_data", f"{path}.file.file_data")
    filename = optional_str(file, "filename", f"{path}.file.filename")
    if not file_data:
        raise InvalidRequest(f"'{path}.file' needs 'file_data' (or 'file_id')", param=f"{path}.file")
    media_type: str | None
    if file_data.startswith("data:"):
        media_type, data = split_data_url(file_data, f"{path}.file.file_data")
    else:
        data, media_type = file_data, _guess_document_type(file_data, filename)
    if media_type not in DOCUMENT_TYPES:
        raise InvalidRequest(
            f"'{path}': file type {media_type or 'unknown'!r} is not supported; use application/pdf, "
            "text/plain or text/csv", param=path)
    return DocumentPart(data=data, media_type=media_type, filename=filename, cache_control=_cache_control(part))


def _guess_document_type(data: str, filename: str | None) -> str | None:
    if filename and "." in filename:
        by_extension = _TYPES_BY_EXTENSION.get(filename.rsplit(".", 1)[1].lower())
        if by_extension is not None:
            return by_extension
    return PDF if data.startswith(_PDF_BASE64_MAGIC) else None


def split_data_url(url: str, param: str) -> tuple[str, str]:
    """``data:<media type>[;params];base64,<data>`` -> (lower-cased media type, base64 data)."""
    header, comma, data = url.partition(",")
    meta = header[5:].split(";")
    if not comma or "base64" not in meta[1:]:
        raise InvalidRequest(f"'{param}' must be a base64 data URL (data:<type>;base64,<data>)", param=param)
    media_type = meta[0].strip().lower()
    return _MEDIA_ALIASES.get(media_type, media_type), data


def data_url(media_type: str, data: str) -> str:
    return f"data:{media_type};base64,{data}"


# --- encoding ---


def encode_text(part: TextPart) -> JSONObject:
    return {"type": "text", "text": part.text}


def encode_image(part: ImagePart, path: str) -> JSONObject:
    if part.url:
        url = part.url
    elif part.data and part.media_type:
        url = data_url(part.media_type, part.data)
    else:
        raise InvalidRequest(f"'{path}': an image needs a URL, or data with its media type", param=path)
    image: JSONObject = {"url": url}
    if part.detail is not None:
        image["detail"] = part.detail
    return {"type": "image_url", "image_url": image}


def encode_document(part: DocumentPart, path: str) -> JSONObject:
    """A PDF as a ``file`` part, a text document as a ``text`` part (*text-document-as-text*)."""
    media_type = part.media_type or (PDF if part.data and part.data.startswith(_PDF_BASE64_MAGIC) else None)
    if part.text is not None or media_type in TEXT_DOCUMENT_TYPES:
        return {"type": "text", "text": _document_text(part, media_type or "text/plain", path)}
    if part.url and not part.data:
        raise InvalidRequest(
            f"'{path}': an OpenAI Chat Completions upstream cannot take a document by URL; send its data",
            param=path)
    if media_type != PDF or not part.data:
        raise InvalidRequest(
            f"'{path}': an OpenAI Chat Completions upstream takes PDF and text documents only, "
            f"not {media_type or 'a document without a media type'}", param=path)
    filename = part.filename or (f"{part.title}.pdf" if part.title else "document.pdf")
    return {"type": "file", "file": {"file_data": data_url(PDF, part.data), "filename": filename}}


def _document_text(part: DocumentPart, media_type: str, path: str) -> str:
    if part.text is not None:
        text = part.text
    elif part.data is not None:
        try:
            text = base64.b64decode(part.data, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise InvalidRequest(f"'{path}': a {media_type} document must be base64 of UTF-8 text",
                                 param=path) from None
    else:
        raise InvalidRequest(
            f"'{path}': an OpenAI Chat Completions upstream cannot take a document by URL; send its text",
            param=path)
    name = (part.filename or part.title or "document").replace('"', "'")
    return f'<document name="{name}" type="{media_type}">\n{text}\n</document>'
