"""Images and documents on every pair: by URL and inline (data URLs / base64 sources), png, jpeg, gif and
webp images, PDF, plain-text and CSV documents. What an upstream dialect cannot take is a 400 naming the part,
never a silent drop. Tool results carrying an image reach a chat upstream as the tool message plus a user
message with the image."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from tests.e2e.calls import Call
from tests.e2e.conformance import check_answer, check_error_body, check_upstream_request
from tests.e2e.exchange import received_exchange
from tests.e2e.matrix import PAIR_IDS, PAIRS, only_call
from tests.e2e.media import (
    CSV,
    IMAGE_URL,
    IMAGES,
    NOTES,
    PDF,
    PDF_URL,
    Media,
    b64,
    data_url,
    media_of_part,
    part,
    received_media,
    text_part,
)
from tests.e2e.translation import conversation, mentions
from tests.e2e.wire import RawAnswer, post
from tests.upstream import DIALECTS, Dialect, FakeUpstream

PROMPT = "Describe what I attached."
URL_IMAGE = Media("image", url=IMAGE_URL, detail="high")
DATA_IMAGES = [Media("image", media_type=media_type, data=data) for media_type, data in IMAGES.items()]
DOCUMENTS: dict[str, Media] = {
    "pdf-data": Media("document", media_type="application/pdf", data=PDF, filename="report.pdf"),
    "pdf-url": Media("document", url=PDF_URL),
    "text": Media("document", media_type="text/plain", data=b64(NOTES), filename="notes.txt"),
    "csv": Media("document", media_type="text/csv", data=b64(CSV), filename="people.csv"),
}
# What each client dialect can say at all (chat has no file URLs; Anthropic documents are PDF or text).
EXPRESSIBLE: dict[Dialect, set[str]] = {"chat": {"pdf-data", "text", "csv"},
                                        "responses": {"pdf-data", "pdf-url", "text", "csv"},
                                        "anthropic": {"pdf-data", "pdf-url", "text"}}
MESSAGES = {"chat": "messages", "responses": "input", "anthropic": "messages"}


def _ask(client: Dialect, upstream_dialect: Dialect, parts: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"model": f"{upstream_dialect}/text", MESSAGES[client]: [{"role": "user", "content": parts}]}
    if client == "anthropic":
        body["max_tokens"] = 256
    return {**body, **extra}


def _sent(http: httpx2.Client, upstream: FakeUpstream, client: Dialect, upstream_dialect: Dialect,
          body: dict[str, Any]) -> tuple[RawAnswer, dict[str, Any] | None]:
    mark = upstream.mark()
    answer = post(http, client, body)
    if answer.status != 200:
        assert upstream.since(mark) == [], "a refused request must not reach the upstream"
        return answer, None
    call = only_call(upstream, mark, upstream_dialect)
    check_answer(client, answer, call.answer if client == upstream_dialect else None)
    if client != upstream_dialect:
        check_upstream_request(upstream_dialect, call.json)
    return answer, call.json


def assert_refused_naming(client: Dialect, answer: RawAnswer, path: str) -> None:
    assert answer.status == 400, (answer.status, answer.content[:500])
    body = answer.json()
    check_error_body(client, body)
    error = body["error"]
    assert path in f"{error.get('param')} {error['message']}", error


@pytest.mark.parametrize(("client", "upstream_dialect"), PAIRS, ids=PAIR_IDS)
def test_images_by_url_and_inline(client: Dialect, upstream_dialect: Dialect, http: httpx2.Client,
                                  upstream: FakeUpstream) -> None:
    images = [URL_IMAGE, *DATA_IMAGES]
    parts = [text_part(client, PROMPT), *(part(client, image) for image in images)]
    answer, sent = _sent(http, upstream, client, upstream_dialect, _ask(client, upstream_dialect, parts))
    assert sent is not None, answer.content[:500]
    got = received_media(upstream_dialect, sent)
    assert [media.kind for media in got] == ["image"] * len(images), got
    assert got[0].url == IMAGE_URL, got[0]
    if client != "anthropic" and upstream_dialect != "anthropic":
        assert got[0].detail == "high", "detail is carried between the OpenAI dialects"
    for want, have in zip(DATA_IMAGES, got[1:], strict=True):
        assert (have.media_type, have.data) == (want.media_type, want.data), have
    assert conversation(upstream_dialect, sent)[1] == [("user", PROMPT)]


def _document_cases() -> list[Any]:
    return [pytest.param(client, upstream, name, id=f"{client}-via-{upstream}-{name}")
            for client, upstream in PAIRS for name in sorted(EXPRESSIBLE[client])]


@pytest.mark.parametrize(("client", "upstream_dialect", "name"), _document_cases())
def test_documents(client: Dialect, upstream_dialect: Dialect, name: str, http: httpx2.Client,
                   upstream: FakeUpstream) -> None:
    """PDFs are carried everywhere (by URL where the target takes URLs); text and CSV documents are carried
    as documents or as their text, or refused naming the part."""
    document = DOCUMENTS[name]
    parts = [text_part(client, PROMPT), part(client, document)]
    answer, sent = _sent(http, upstream, client, upstream_dialect, _ask(client, upstream_dialect, parts))
    part_path = f"{MESSAGES[client]}[0].content[1]"
    if name == "pdf-url" and upstream_dialect == "chat":
        assert_refused_naming(client, answer, part_path)
        return
    if sent is None:
        assert name in ("text", "csv"), f"a {name} document must be carried: {answer.content[:500]!r}"
        assert_refused_naming(client, answer, part_path)
        return
    got = [media for media in received_media(upstream_dialect, sent) if media.kind == "document"]
    if name.startswith("pdf"):
        assert len(got) == 1, got
        assert (got[0].url, got[0].data) == (document.url, document.data), got[0]
        if document.data is not None:
            assert got[0].media_type == "application/pdf", got[0]
        return
    content = NOTES if name == "text" else CSV
    carried_as_document = any(media.text == content for media in got)
    assert carried_as_document or mentions(sent, content), f"the {name} document was lost: {sent}"


@pytest.mark.parametrize("upstream_dialect", DIALECTS)
@pytest.mark.parametrize("client", ["responses", "anthropic"])
def test_tool_result_with_an_image(client: Dialect, upstream_dialect: Dialect, http: httpx2.Client,
                                   upstream: FakeUpstream) -> None:
    """A tool result with text and an image: chat gets the tool message (the text) and a user message with
    the image right after it; the others carry the image inside the result."""
    call = Call("call_chart_1", "render_chart", '{"series": "sales"}')
    image = Media("image", media_type="image/png", data=IMAGES["image/png"])
    if client == "responses":
        output = [text_part("responses", "chart rendered:"), part("responses", image)]
        items = [{"role": "user", "content": [text_part("responses", PROMPT)]},
                 {"type": "function_call", "call_id": call.id, "name": call.name, "arguments": call.arguments},
                 {"type": "function_call_output", "call_id": call.id, "output": output}]
        body: dict[str, Any] = {"model": f"{upstream_dialect}/text", "input": items}
    else:
        result = {"type": "tool_result", "tool_use_id": call.id,
                  "content": [text_part("anthropic", "chart rendered:"), part("anthropic", image)]}
        body = {"model": f"{upstream_dialect}/text", "max_tokens": 256, "messages": [
            {"role": "user", "content": PROMPT},
            {"role": "assistant", "content": [{"type": "tool_use", "id": call.id, "name": call.name,
                                               "input": {"series": "sales"}}]},
            {"role": "user", "content": [result]}]}
    answer, sent = _sent(http, upstream, client, upstream_dialect, body)
    assert sent is not None, answer.content[:500]
    (result_got,) = received_exchange(upstream_dialect, sent).results
    assert result_got.call_id == call.id and "chart rendered:" in result_got.text
    assert result_got.images, f"the image of the tool result was lost: {sent}"
    media = media_of_part(upstream_dialect, result_got.images[0])
    assert media is not None and (media.media_type, media.data) == ("image/png", IMAGES["image/png"]), media
    if upstream_dialect == "chat":
        roles = [message["role"] for message in sent["messages"]]
        tool_at = roles.index("tool")
        assert roles[tool_at + 1] == "user", f"the image follows the tool message as a user message: {roles}"


AUDIO = {"type": "input_audio", "input_audio": {"data": b64("RIFF....WAVEfmt "), "format": "wav"}}


@pytest.mark.parametrize("upstream_dialect", ["responses", "anthropic"])
def test_audio_has_no_counterpart(upstream_dialect: Dialect, http: httpx2.Client, upstream: FakeUpstream) -> None:
    """Chat ``input_audio`` has no canonical form: refused naming the part, on every other upstream."""
    answer, sent = _sent(http, upstream, "chat", upstream_dialect,
                         _ask("chat", upstream_dialect, [text_part("chat", PROMPT), AUDIO]))
    assert sent is None
    assert_refused_naming("chat", answer, "messages[0].content[1]")


def test_responses_file_data_url_reads_as_inline_pdf() -> None:
    """The readers used above agree with each other (a check of this module's own helpers)."""
    wire = part("responses", DOCUMENTS["pdf-data"])
    assert wire["file_data"] == data_url("application/pdf", PDF)
    assert media_of_part("responses", wire) == DOCUMENTS["pdf-data"]


@pytest.mark.parametrize("client", ["responses", "anthropic"])
def test_refused_part_named_as_the_client_wrote_it(client: Dialect, http: httpx2.Client,
                                                   upstream: FakeUpstream) -> None:
    """The 400 names the part by the client's own path, also when a system prompt (Anthropic ``system``,
    Responses ``instructions``) comes before the messages in the canonical conversation."""
    parts = [text_part(client, PROMPT), part(client, DOCUMENTS["pdf-url"])]
    system = {"system": "Be brief."} if client == "anthropic" else {"instructions": "Be brief."}
    turns = [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi!"},
             {"role": "user", "content": parts}]
    body = {**_ask(client, "chat", parts), **system, MESSAGES[client]: turns}
    answer, sent = _sent(http, upstream, client, "chat", body)
    assert sent is None
    assert_refused_naming(client, answer, f"{MESSAGES[client]}[2].content[1]")
