"""Content parts of Responses input messages and tool outputs <-> canonical parts.

Decoding (a client's parts):

- ``input_text``/``output_text`` → ``TextPart``; ``refusal`` (assistant history only) → ``RefusalPart``.
- ``input_image`` → ``ImagePart``: an http(s) ``image_url`` as ``url``; a data URL split into base64 ``data``
  and ``media_type``, which must be png, jpeg, gif or webp (else 400 naming ``….image_url``); ``detail``
  kept, except ``auto`` which is the default everywhere and decodes to none (``detail-auto-is-default``).
- ``input_file`` → ``DocumentPart``: ``file_data`` (a data URL, or bare base64 whose type comes from the
  filename's extension) as ``data`` + ``media_type``; ``file_url`` as ``url`` (media type from the URL's
  extension when it has a known one); ``filename`` kept. Documents are PDF, plain text or CSV; a file of
  another type (OpenAI accepts many more) and any ``file_id`` reference are untranslated (they can only
  travel to a Responses upstream, verbatim). ``detail`` of a file is a rendering hint with no counterpart
  elsewhere and is ignored (``file-detail-ignored``).
- ``prompt_cache_breakpoint`` on a part → ``cache_control: {"type": "ephemeral"}``
  (``cache-breakpoint-as-cache_control``: both mark the end of a prefix to cache).
- ``input_audio`` and unknown part types are untranslated (wire path of the part).

Encoding (parts to a Responses upstream): text as ``input_text`` (``output_text`` with empty
``annotations`` in assistant history), refusals as ``refusal``; images as ``input_image`` with the URL or a
re-joined data URL and ``detail`` (``auto`` when none); documents as ``input_file`` with ``file_data`` (a
data URL) or ``file_url``. Rules: ``text-document-as-file``: a plain-text document (``text``) is sent as a
base64 ``file_data`` of its UTF-8 bytes; ``document-filename-default``: OpenAI wants a filename with
``file_data``, so a document without one is named after its title, else ``document.pdf``/``.txt``/``.csv``;
``cache_control-dropped``: OpenAI caches prefixes by itself, and explicit breakpoints are only accepted by
its newest models.
"""

from __future__ import annotations

import base64
from typing import Any, Final

from dragoman.canonical.content import DocumentPart, ImagePart, Part, RefusalPart, TextPart
from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import Role
from dragoman.dialects.base import JSONObject

IMAGE_MEDIA_TYPES: Final = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
DOCUMENT_MEDIA_TYPES: Final = frozenset({"application/pdf", "text/plain", "text/csv"})
_EXTENSIONS: Final = {".pdf": "application/pdf", ".txt": "text/plain", ".csv": "text/csv"}
_DEFAULT_NAMES: Final = {"application/pdf": "document.pdf", "text/plain": "document.txt", "text/csv": "document.csv"}
_BREAKPOINT: Final = {"type": "ephemeral"}
_TEXT_PARTS: Final = frozenset({"input_text", "output_text"})

ToolOutputPart = TextPart | ImagePart | DocumentPart


def split_data_url(url: str) -> tuple[str, str] | None:
    """``data:<media type>;base64,<data>`` → (media type, data); ``None`` when ``url`` is not a base64 data URL."""
    if not url.startswith("data:"):
        return None
    header, comma, data = url[5:].partition(",")
    if not comma or not header.endswith(";base64"):
        return None
    return header.split(";", 1)[0].lower(), data


def data_url(media_type: str, data: str) -> str:
    return f"data:{media_type};base64,{data}"


def _media_type_by_name(name: str | None) -> str | None:
    if not name:
        return None
    stem = name.split("?", 1)[0].split("#", 1)[0]
    dot = stem.rfind(".")
    return _EXTENSIONS.get(stem[dot:].lower()) if dot != -1 else None


def _string(part: JSONObject, key: str, path: str, *, required: bool = True) -> str | None:
    value = part.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise InvalidRequest(f"'{path}.{key}' must be a string", param=f"{path}.{key}")
    return value


def _cache_control(part: JSONObject) -> dict[str, Any] | None:
    return dict(_BREAKPOINT) if part.get("prompt_cache_breakpoint") else None


# --- decoding ---

def decode_part(part: Any, role: Role, path: str, untranslated: list[str]) -> Part | None:
    """One content part; ``None`` (with ``path`` recorded) when it is untranslated."""
    if not isinstance(part, dict):
        raise InvalidRequest(f"'{path}' must be an object", param=path)
    kind = part.get("type")
    if kind in _TEXT_PARTS:
        return TextPart(_string(part, "text", path) or "", cache_control=_cache_control(part))
    if kind == "refusal":
        if role != "assistant":
            raise InvalidRequest(f"'{path}': refusal parts are only allowed in assistant messages",
                                 param=f"{path}.type")
        return RefusalPart(_string(part, "refusal", path) or "")
    if kind in ("input_image", "input_file") and role == "assistant":
        raise InvalidRequest(f"'{path}': {kind} parts are not allowed in assistant messages", param=f"{path}.type")
    if kind == "input_image":
        return _decode_image(part, path, untranslated)
    if kind == "input_file":
        return _decode_file(part, path, untranslated)
    if not isinstance(kind, str):
        raise InvalidRequest(f"'{path}.type' must be a string", param=f"{path}.type")
    untranslated.append(path)
    return None


def decode_tool_output_part(part: Any, path: str, untranslated: list[str]) -> ToolOutputPart | None:
    decoded = decode_part(part, "tool", path, untranslated)
    if decoded is None or isinstance(decoded, TextPart | ImagePart | DocumentPart):
        return decoded
    raise InvalidRequest(f"'{path}' must be an input_text, input_image or input_file part", param=f"{path}.type")


def _decode_image(part: JSONObject, path: str, untranslated: list[str]) -> ImagePart | None:
    url = _string(part, "image_url", path, required=False)
    if url is None:
        if part.get("file_id") is not None:
            untranslated.append(path)
            return None
        raise InvalidRequest(f"'{path}' needs an 'image_url'", param=f"{path}.image_url")
    detail = _string(part, "detail", path, required=False)
    image = ImagePart(detail=None if detail == "auto" else detail, cache_control=_cache_control(part))
    inline = split_data_url(url)
    if inline is not None:
        image.media_type, image.data = inline
        if image.media_type not in IMAGE_MEDIA_TYPES:
            raise InvalidRequest(
                f"'{path}.image_url' has media type {image.media_type!r}; images must be PNG, JPEG, GIF or WebP",
                param=f"{path}.image_url",
            )
    elif url.startswith(("http://", "https://")):
        image.url = url
    else:
        raise InvalidRequest(f"'{path}.image_url' must be an http(s) URL or a base64 data URL",
                             param=f"{path}.image_url")
    return image


def _decode_file(part: JSONObject, path: str, untranslated: list[str]) -> DocumentPart | None:
    filename = _string(part, "filename", path, required=False)
    file_data = _string(part, "file_data", path, required=False)
    file_url = _string(part, "file_url", path, required=False)
    document = DocumentPart(filename=filename, cache_control=_cache_control(part))
    if file_data is not None:
        inline = split_data_url(file_data)
        document.media_type, document.data = inline or (_media_type_by_name(filename), file_data)
    elif file_url is not None:
        if not file_url.startswith(("http://", "https://")):
            raise InvalidRequest(f"'{path}.file_url' must be an http(s) URL", param=f"{path}.file_url")
        document.url, document.media_type = file_url, _media_type_by_name(filename) or _media_type_by_name(file_url)
        if document.media_type is None and _has_extension(filename or file_url):
            untranslated.append(path)
            return None
        return document
    elif part.get("file_id") is not None:
        untranslated.append(path)
        return None
    else:
        raise InvalidRequest(f"'{path}' needs 'file_data', 'file_url' or 'file_id'", param=path)
    if document.media_type not in DOCUMENT_MEDIA_TYPES:
        untranslated.append(path)
        return None
    return document


def _has_extension(name: str) -> bool:
    last = name.split("?", 1)[0].rsplit("/", 1)[-1]
    return "." in last


# --- encoding ---

def encode_input_part(part: Part, path: str) -> JSONObject:
    """A part of a user, system or developer message (or of a tool output) for a Responses upstream."""
    if isinstance(part, TextPart):
        return {"type": "input_text", "text": part.text}
    if isinstance(part, ImagePart):
        return encode_image(part, path)
    if isinstance(part, DocumentPart):
        return encode_document(part, path)
    raise InvalidRequest(f"a {part.type} part cannot be sent in this message to a Responses upstream", param=path)


def encode_assistant_part(part: TextPart | RefusalPart) -> JSONObject:
    if isinstance(part, TextPart):
        return {"type": "output_text", "text": part.text, "annotations": []}
    return {"type": "refusal", "refusal": part.text}


def encode_image(image: ImagePart, path: str) -> JSONObject:
    if image.url is not None:
        url = image.url
    elif image.data is not None and image.media_type in IMAGE_MEDIA_TYPES:
        url = data_url(image.media_type or "", image.data)
    else:
        raise InvalidRequest(f"image at {path} has neither a URL nor base64 data of a PNG, JPEG, GIF or WebP type",
                             param=path)
    return {"type": "input_image", "image_url": url, "detail": image.detail or "auto"}


def encode_document(document: DocumentPart, path: str) -> JSONObject:
    media_type = document.media_type
    if document.url is not None:
        encoded: JSONObject = {"type": "input_file", "file_url": document.url}
        if document.filename:
            encoded["filename"] = document.filename
        return encoded
    if document.text is not None:
        media_type = media_type if media_type in ("text/plain", "text/csv") else "text/plain"
        data = base64.b64encode(document.text.encode()).decode()
    elif document.data is not None:
        data = document.data
    else:
        raise InvalidRequest(f"document at {path} has no data, text or URL", param=path)
    if media_type not in DOCUMENT_MEDIA_TYPES:
        raise InvalidRequest(
            f"document at {path} has media type {media_type!r}; a Responses upstream takes PDF, plain text and CSV",
            param=path,
        )
    assert media_type is not None
    filename = document.filename or document.title or _DEFAULT_NAMES[media_type]
    return {"type": "input_file", "file_data": data_url(media_type, data), "filename": filename}
