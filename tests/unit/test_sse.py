"""The SSE framer: every recorded stream, split at every byte, gives the same records."""

from __future__ import annotations

import pytest

from dragoman.sse import SSEDecoder, SSEMessage, encode_sse
from tests.recordings import load_sse_bytes

STREAMS = [
    "openai/chat-stream-text-usage.sse",
    "openai/responses-stream-function-call.sse",
    "anthropic/messages-stream-thinking-signature.sse",
    "anthropic/messages-stream-text.sse",
]


def decode_all(chunks: list[bytes]) -> list[SSEMessage]:
    decoder = SSEDecoder()
    messages: list[SSEMessage] = []
    for chunk in chunks:
        messages.extend(decoder.feed(chunk))
    return messages + decoder.flush()


@pytest.mark.parametrize("name", STREAMS)
def test_split_at_every_byte_gives_the_same_records(name: str) -> None:
    raw = load_sse_bytes(name)
    whole = decode_all([raw])
    assert whole and all(message.data for message in whole)
    assert decode_all([raw[i : i + 1] for i in range(len(raw))]) == whole


@pytest.mark.parametrize("cut", range(1, 40))
def test_split_in_two_anywhere_with_crlf(cut: int) -> None:
    raw = b"event: a\r\ndata: {\"x\": 1}\r\n\r\n: comment\r\ndata: line1\rdata: line2\r\rdata:no-space\n\n"
    expected = [SSEMessage("a", '{"x": 1}'), SSEMessage(None, "line1\nline2"), SSEMessage(None, "no-space")]
    assert decode_all([raw[:cut], raw[cut:]]) == expected


def test_anthropic_padding_and_event_names_are_kept() -> None:
    messages = decode_all([load_sse_bytes("anthropic/messages-stream-thinking-signature.sse")])
    assert messages[0].event == "message_start"
    assert messages[0].data.endswith("}    }")
    assert {message.event for message in messages} >= {"ping", "content_block_delta", "message_stop"}


def test_unterminated_last_event_is_dispatched_on_flush() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: [DONE]") == []
    assert decoder.flush() == [SSEMessage(None, "[DONE]")]


def test_encode_round_trips() -> None:
    frames = encode_sse(b'{"a":1}', "message_start") + encode_sse(b"[DONE]")
    assert decode_all([frames]) == [SSEMessage("message_start", '{"a":1}'), SSEMessage(None, "[DONE]")]
