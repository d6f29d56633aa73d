"""Images and documents sent to an Anthropic upstream: every form it takes, the faithful rewrites, and a 400
naming the part for what it cannot take."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from dragoman.canonical.content import DocumentPart, ImagePart, Part, TextPart
from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import Message, Request
from dragoman.dialects.anthropic_messages.codec import CODEC
from tests.schemas import assert_valid

CREATE_MESSAGE = ("anthropic", "CreateMessageParams")
EPHEMERAL = {"type": "ephemeral"}


def encode_parts(*parts: Part) -> list[dict[str, Any]]:
    request = Request(model="m", messages=[Message("user", [TextPart("look"), *parts])])
    body = CODEC.encode_request(request, "claude-up")
    assert_valid(*CREATE_MESSAGE, json.loads(json.dumps(body)))
    content: list[dict[str, Any]] = body["messages"][0]["content"][1:]
    return content


def refused(part: Part, message: str) -> None:
    request = Request(model="m", messages=[Message("user", [TextPart("look"), part])])
    with pytest.raises(InvalidRequest) as raised:
        CODEC.encode_request(request, "claude-up")
    assert raised.value.param == "messages[0].content[1]"
    assert message in raised.value.message


def test_images() -> None:
    assert encode_parts(
        ImagePart(data="R0lGOD", media_type="image/gif", detail="high", cache_control=EPHEMERAL),
        ImagePart(url="data:image/jpeg;base64,/9j/4AAQ"),
        ImagePart(url="https://example.com/cat.png", detail="low"),
    ) == [
        {"type": "image", "source": {"type": "base64", "media_type": "image/gif", "data": "R0lGOD"},
         "cache_control": EPHEMERAL},
        {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/4AAQ"}},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.png"}},
    ]


@pytest.mark.parametrize(
    ("part", "message"),
    [
        (ImagePart(data="AA", media_type="image/tiff"), "got 'image/tiff'"),
        (ImagePart(url="data:image/bmp;base64,Qk0"), "got 'image/bmp'"),
        (ImagePart(url="data:image/png,raw"), "base64 data URL"),
        (ImagePart(), "needs a URL or inline data"),
    ],
)
def test_images_anthropic_cannot_take(part: ImagePart, message: str) -> None:
    refused(part, message)


def test_documents() -> None:
    csv = "name,age\nAda,36\n"
    assert encode_parts(
        DocumentPart(data="JVBER", media_type="application/pdf", title="Report", filename="r.pdf",
                     cache_control=EPHEMERAL),
        DocumentPart(url="https://example.com/a.pdf"),
        DocumentPart(data="JVBER", filename="scan.PDF"),
        DocumentPart(text="plain words", media_type="text/plain"),
        DocumentPart(text=csv, media_type="text/csv", filename="people.csv"),
        DocumentPart(data=base64.b64encode(csv.encode()).decode(), media_type="text/csv; charset=utf-8"),
        DocumentPart(data=base64.b64encode(b"notes").decode(), filename="notes.txt"),
    ) == [
        {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBER"},
         "title": "Report", "cache_control": EPHEMERAL},
        {"type": "document", "source": {"type": "url", "url": "https://example.com/a.pdf"}},
        {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBER"},
         "title": "scan.PDF"},
        {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "plain words"}},
        {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": csv},
         "title": "people.csv"},
        {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": csv}},
        {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "notes"},
         "title": "notes.txt"},
    ]


@pytest.mark.parametrize(
    ("part", "message"),
    [
        (DocumentPart(url="https://example.com/data.csv", media_type="text/csv"), "only inline, not by URL"),
        (DocumentPart(data="UEsDB", media_type="application/vnd.openxmlformats-officedocument.wordprocessingml"
                                               ".document"), "PDF and plain-text documents"),
        (DocumentPart(data="not base64!", media_type="text/plain"), "not base64 UTF-8 text"),
        (DocumentPart(data=base64.b64encode(b"\xff\xfe").decode(), media_type="text/plain"), "not base64 UTF-8"),
        (DocumentPart(media_type="application/pdf"), "needs inline data or a URL"),
    ],
)
def test_documents_anthropic_cannot_take(part: DocumentPart, message: str) -> None:
    refused(part, message)


def test_media_in_a_system_prompt_is_refused() -> None:
    request = Request(model="m", messages=[Message("system", [TextPart("a"), ImagePart(url="https://x/a.png")]),
                                           Message("user", [TextPart("q")])])
    with pytest.raises(InvalidRequest) as raised:
        CODEC.encode_request(request, "claude-up")
    assert raised.value.param == "messages[0].content[1]" and "only text" in raised.value.message
