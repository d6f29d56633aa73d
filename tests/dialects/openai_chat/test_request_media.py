"""Images and documents both ways: image_url (URL and data URL), file parts, text documents, refusals."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from dragoman.canonical.content import DocumentPart, ImagePart, Part, TextPart
from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import Message, Request
from dragoman.dialects.openai_chat.codec import CODEC
from tests.schemas import assert_valid

CHAT_REQUEST = ("openai", "CreateChatCompletionRequest")
PDF_DATA = base64.b64encode(b"%PDF-1.4 tiny").decode()
CSV_DATA = base64.b64encode("name,city\nÅse,Oslo\n".encode()).decode()


def decode_parts(*parts: dict[str, Any]) -> list[Part]:
    request = CODEC.decode_request({"messages": [{"role": "user", "content": list(parts)}]})
    assert request.untranslated == []
    return request.messages[0].content


def encode_parts(*parts: Part) -> Any:
    body = CODEC.encode_request(Request("m", [Message("user", list(parts))]), "m")
    assert_valid(*CHAT_REQUEST, body)
    return body["messages"][0]["content"]


@pytest.mark.parametrize(
    ("url", "image"),
    [
        ("https://example.com/cat.png", ImagePart(url="https://example.com/cat.png")),
        ("http://example.com/cat", ImagePart(url="http://example.com/cat")),
        ("data:image/png;base64,iVBORw0KGgo=", ImagePart(data="iVBORw0KGgo=", media_type="image/png")),
        ("data:image/JPEG;base64,/9j/4AAQ", ImagePart(data="/9j/4AAQ", media_type="image/jpeg")),
        ("data:image/jpg;base64,/9j/4AAQ", ImagePart(data="/9j/4AAQ", media_type="image/jpeg")),
        ("data:image/gif;base64,R0lGOD", ImagePart(data="R0lGOD", media_type="image/gif")),
        ("data:image/webp;charset=binary;base64,UklGR", ImagePart(data="UklGR", media_type="image/webp")),
    ],
)
def test_images_decode(url: str, image: ImagePart) -> None:
    assert decode_parts({"type": "image_url", "image_url": {"url": url}}) == [image]


def test_image_detail_cache_marker_and_the_bare_string_shape() -> None:
    assert decode_parts(
        {"type": "image_url", "image_url": {"url": "https://x/a.png", "detail": "high"},
         "cache_control": {"type": "ephemeral", "ttl": "1h"}},
        {"type": "image_url", "image_url": "https://x/b.png"},
    ) == [ImagePart(url="https://x/a.png", detail="high", cache_control={"type": "ephemeral", "ttl": "1h"}),
          ImagePart(url="https://x/b.png")]


def test_images_encode() -> None:
    assert encode_parts(
        TextPart("What is this?"),
        ImagePart(url="https://x/a.png", detail="low", cache_control={"type": "ephemeral"}),
        ImagePart(data="iVBORw0KGgo=", media_type="image/png"),
    ) == [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": "https://x/a.png", "detail": "low"}},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
    ]


@pytest.mark.parametrize(
    ("file", "document"),
    [
        ({"file_data": f"data:application/pdf;base64,{PDF_DATA}", "filename": "a.pdf"},
         DocumentPart(data=PDF_DATA, media_type="application/pdf", filename="a.pdf")),
        ({"file_data": PDF_DATA}, DocumentPart(data=PDF_DATA, media_type="application/pdf")),
        ({"file_data": CSV_DATA, "filename": "people.CSV"},
         DocumentPart(data=CSV_DATA, media_type="text/csv", filename="people.CSV")),
        ({"file_data": f"data:text/plain;base64,{CSV_DATA}", "filename": "notes"},
         DocumentPart(data=CSV_DATA, media_type="text/plain", filename="notes")),
    ],
)
def test_files_decode(file: dict[str, Any], document: DocumentPart) -> None:
    assert decode_parts({"type": "file", "file": file}) == [document]


def test_pdfs_encode_as_files_with_a_filename() -> None:
    assert encode_parts(
        DocumentPart(data=PDF_DATA, media_type="application/pdf", filename="a.pdf"),
        DocumentPart(data=PDF_DATA, media_type="application/pdf", title="Annual report"),
        DocumentPart(data=PDF_DATA),
    ) == [
        {"type": "file", "file": {"file_data": f"data:application/pdf;base64,{PDF_DATA}", "filename": "a.pdf"}},
        {"type": "file", "file": {"file_data": f"data:application/pdf;base64,{PDF_DATA}",
                                  "filename": "Annual report.pdf"}},
        {"type": "file", "file": {"file_data": f"data:application/pdf;base64,{PDF_DATA}", "filename": "document.pdf"}},
    ]


def test_text_documents_encode_as_text_naming_the_file() -> None:
    assert encode_parts(
        DocumentPart(data=CSV_DATA, media_type="text/csv", filename="people.csv"),
        DocumentPart(text="Chapter 1", media_type="text/plain", title='The "Book"'),
        DocumentPart(text="plain"),
    ) == [
        {"type": "text", "text": '<document name="people.csv" type="text/csv">\nname,city\nÅse,Oslo\n\n</document>'},
        {"type": "text", "text": "<document name=\"The 'Book'\" type=\"text/plain\">\nChapter 1\n</document>"},
        {"type": "text", "text": '<document name="document" type="text/plain">\nplain\n</document>'},
    ]


def test_a_text_document_in_a_system_message_is_text() -> None:
    body = CODEC.encode_request(Request("m", [Message("system", [DocumentPart(text="rules")]),
                                              Message("user", [TextPart("x")])]), "m")
    assert body["messages"][0] == {"role": "system",
                                   "content": '<document name="document" type="text/plain">\nrules\n</document>'}


@pytest.mark.parametrize(
    ("message", "param", "says"),
    [
        (Message("user", [DocumentPart(url="https://x/a.pdf", media_type="application/pdf")]),
         "messages[0].content[0]", "cannot take a document by URL"),
        (Message("user", [DocumentPart(url="https://x/a.txt", media_type="text/plain")]),
         "messages[0].content[0]", "cannot take a document by URL"),
        (Message("user", [TextPart("x"), DocumentPart(data="UEs=", media_type="application/zip")]),
         "messages[0].content[1]", "PDF and text documents only, not application/zip"),
        (Message("user", [DocumentPart(data="UEs=")]), "messages[0].content[0]", "without a media type"),
        (Message("user", [DocumentPart(data="//79", media_type="text/plain")]), "messages[0].content[0]",
         "base64 of UTF-8 text"),
        (Message("user", [ImagePart(data="iVBORw0KGgo=")]), "messages[0].content[0]", "needs a URL, or data"),
        (Message("system", [ImagePart(url="https://x/a.png")]), "messages[0].content[0]", "image parts in a system"),
        (Message("developer", [DocumentPart(data=PDF_DATA, media_type="application/pdf")]), "messages[0].content[0]",
         "PDF documents in a developer message"),
        (Message("assistant", [ImagePart(url="https://x/a.png")]), "messages[0].content[0]",
         "image parts in an assistant message"),
    ],
)
def test_what_chat_cannot_take_is_refused_naming_the_part(message: Message, param: str, says: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        CODEC.encode_request(Request("m", [message, Message("user", [TextPart("x")])]), "m")
    assert caught.value.param == param
    assert says in caught.value.message
