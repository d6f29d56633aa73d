"""Content blocks of client requests: images, documents, tool calls and results (and how a user message
with results splits), thinking blocks with their proofs (plain, signature-only, wrapped foreign ones)."""

from __future__ import annotations

from typing import Any

from dragoman.canonical.content import (
    DocumentPart,
    ImagePart,
    ReasoningPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from dragoman.canonical.reasoning import wrap_proof
from dragoman.canonical.request import Message
from dragoman.dialects.anthropic_messages.codec import CODEC
from dragoman.dialects.anthropic_messages.tool_ids import encode_tool_id

EPHEMERAL = {"type": "ephemeral"}


def decode(*messages: dict[str, Any]) -> list[Message]:
    request = CODEC.decode_request({"model": "m", "max_tokens": 10, "messages": list(messages)})
    assert request.untranslated == []
    return request.messages


def user(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"role": "user", "content": list(blocks)}


def assistant(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"role": "assistant", "content": list(blocks)}


def test_images() -> None:
    (message,) = decode(user(
        {"type": "image", "source": {"type": "base64", "media_type": "image/webp", "data": "UklGR"},
         "cache_control": EPHEMERAL},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
    ))
    assert message.content == [ImagePart(data="UklGR", media_type="image/webp", cache_control=EPHEMERAL),
                               ImagePart(url="https://example.com/cat.jpg")]


def test_documents() -> None:
    (message,) = decode(user(
        {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBER"},
         "title": "Report", "context": "from 2024", "citations": {"enabled": True}, "cache_control": EPHEMERAL},
        {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "plain words"}},
        {"type": "document", "source": {"type": "url", "url": "https://example.com/a.pdf"}},
    ))
    assert message.content == [
        DocumentPart(data="JVBER", media_type="application/pdf", title="Report", cache_control=EPHEMERAL),
        DocumentPart(text="plain words", media_type="text/plain"),
        DocumentPart(url="https://example.com/a.pdf", media_type="application/pdf"),
    ]


def test_tool_calls_and_results() -> None:
    messages = decode(
        user({"type": "text", "text": "go"}),
        assistant({"type": "text", "text": "calling"},
                  {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"a": [1, {"b": None}]},
                   "cache_control": EPHEMERAL, "caller": {"type": "direct"}},
                  {"type": "tool_use", "id": encode_tool_id("call.2"), "name": "g", "input": {}}),
        user({"type": "tool_result", "tool_use_id": "toolu_1", "is_error": True, "content": "boom"},
             {"type": "tool_result", "tool_use_id": encode_tool_id("call.2"), "content": [
                 {"type": "text", "text": "see"},
                 {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBOR"}},
                 {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "doc"}}],
              "cache_control": EPHEMERAL},
             {"type": "text", "text": "and now?"}),
        assistant({"type": "tool_use", "id": "toolu_3", "name": "h", "input": {}}),
        user({"type": "tool_result", "tool_use_id": "toolu_3", "content": ""}),
    )
    assert messages == [
        Message("user", [TextPart("go")]),
        Message("assistant", [TextPart("calling"),
                              ToolCallPart("toolu_1", "f", '{"a":[1,{"b":null}]}', cache_control=EPHEMERAL),
                              ToolCallPart("call.2", "g", "{}")]),
        Message("tool", [
            ToolResultPart("toolu_1", [TextPart("boom")], is_error=True),
            ToolResultPart("call.2", [TextPart("see"), ImagePart(data="iVBOR", media_type="image/png"),
                                      DocumentPart(text="doc", media_type="text/plain")],
                           cache_control=EPHEMERAL),
        ]),
        Message("user", [TextPart("and now?")]),
        Message("assistant", [ToolCallPart("toolu_3", "h", "{}")]),
        Message("tool", [ToolResultPart("toolu_3", [])]),
    ]


def test_thinking_blocks() -> None:
    _, message = decode(user({"type": "text", "text": "q"}), assistant(
        {"type": "thinking", "thinking": "hmm", "signature": "EqQBCkgI"},
        {"type": "thinking", "thinking": "", "signature": "EqSigOnly"},
        {"type": "redacted_thinking", "data": "EmwKAhgB"},
        {"type": "text", "text": "answer"},
    ))
    own = "anthropic_messages"
    assert message.content == [
        ReasoningPart(text="hmm", signature="EqQBCkgI", origin=own),
        ReasoningPart(text="", signature="EqSigOnly", origin=own),
        ReasoningPart(redacted_data="EmwKAhgB", origin=own),
        TextPart("answer"),
    ]


def test_wrapped_foreign_proofs_come_back_to_their_origin() -> None:
    _, message = decode(user({"type": "text", "text": "q"}), assistant(
        {"type": "thinking", "thinking": "sum one\n\nsum two",
         "signature": wrap_proof("openai_responses", "encrypted", "rs_abc@gAAAAB==")},
        {"type": "thinking", "thinking": "", "signature": wrap_proof("openai_responses", "encrypted", "@gAA@B")},
        {"type": "thinking", "thinking": "", "signature": wrap_proof("openai_responses", "encrypted", "legacy")},
        {"type": "thinking", "thinking": "chat thoughts", "signature": wrap_proof("openai_chat", "signature", "")},
        {"type": "redacted_thinking", "data": wrap_proof("openai_chat", "redacted", "opaque")},
        {"type": "thinking", "thinking": "t", "signature": wrap_proof("openai_chat", "redacted", "r")},
        {"type": "thinking", "thinking": "t", "signature": wrap_proof("openai_chat", "encrypted", "e")},
        {"type": "thinking", "thinking": "t", "signature": "dragoman.v1.gemini.signature.x"},
    ))
    assert message.content == [
        ReasoningPart(summary=["sum one\n\nsum two"], encrypted="gAAAAB==", id="rs_abc", origin="openai_responses"),
        ReasoningPart(encrypted="gAA@B", origin="openai_responses"),
        ReasoningPart(encrypted="legacy", origin="openai_responses"),
        ReasoningPart(text="chat thoughts", origin="openai_chat"),
        ReasoningPart(redacted_data="opaque", origin="openai_chat"),
        ReasoningPart(text="t", redacted_data="r", origin="openai_chat"),
        ReasoningPart(text="t", encrypted="e", origin="openai_chat"),
        ReasoningPart(text="t", signature="dragoman.v1.gemini.signature.x", origin="anthropic_messages"),
    ]


def test_system_message_blocks_and_string_content() -> None:
    messages = decode(user({"type": "text", "text": "a"}),
                      {"role": "system", "content": [{"type": "text", "text": "be brief", "cache_control": EPHEMERAL}]},
                      {"role": "assistant", "content": "ok"})
    assert messages == [Message("user", [TextPart("a")]), Message("system", [TextPart("be brief", EPHEMERAL)]),
                        Message("assistant", [TextPart("ok")])]


def test_a_user_turn_of_tool_results_alone_is_a_user_turn() -> None:
    messages = decode(assistant({"type": "tool_use", "id": "t1", "name": "f", "input": {}}),
                      user({"type": "tool_result", "tool_use_id": "t1", "content": "ok"}))
    assert [message.role for message in messages] == ["assistant", "tool"]
