"""Requests to an Anthropic upstream: the conversation rules, parameters and spec validity. Tools, media and
thinking have their own modules (test_encode_tools.py, test_encode_media.py, test_encode_thinking.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dragoman.canonical.content import ReasoningPart, RefusalPart, TextPart
from dragoman.canonical.request import Message, Request, Role
from dragoman.dialects.anthropic_messages import codec
from dragoman.dialects.anthropic_messages.codec import CODEC, DEFAULT_MAX_TOKENS
from tests.recordings import fixture_path
from tests.schemas import assert_valid

CREATE_MESSAGE = ("anthropic", "CreateMessageParams")


def encode(request: Request, model: str = "claude-up") -> dict[str, Any]:
    body = CODEC.encode_request(request, model)
    assert_valid(*CREATE_MESSAGE, json.loads(json.dumps(body)))
    return body


def text(role: Role, *texts: str) -> Message:
    return Message(role, [TextPart(value) for value in texts])


def test_upstream_surface() -> None:
    assert CODEC.name == "anthropic_messages" and CODEC.upstream_path == "/v1/messages"
    assert CODEC.upstream_headers("sk-ant") == {"x-api-key": "sk-ant", "anthropic-version": "2023-06-01",
                                                "content-type": "application/json"}
    assert CODEC.upstream_headers(None) == {"anthropic-version": "2023-06-01", "content-type": "application/json"}


def test_system_and_developer_messages_are_hoisted_in_order() -> None:
    request = Request(model="gpt", messages=[
        text("system", "one"), text("user", "hi"), text("developer", "two"), text("assistant", "hello"),
        Message("system", [TextPart("three", {"type": "ephemeral"}), ReasoningPart(text="x")]), text("user", "bye"),
    ])
    body = encode(request)
    assert body["system"] == [{"type": "text", "text": "one"}, {"type": "text", "text": "two"},
                              {"type": "text", "text": "three", "cache_control": {"type": "ephemeral"}}]
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "hi"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "hello"}]},
        {"role": "user", "content": [{"type": "text", "text": "bye"}]},
    ]


def test_same_role_messages_are_merged_and_blank_text_left_out() -> None:
    request = Request(model="gpt", messages=[
        text("user", "a"), text("user", "b", "", " \n"), text("assistant", ""), text("user", "c"),
        text("assistant", "x"), Message("assistant", [RefusalPart("no")]),
    ])
    assert encode(request)["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"},
                                     {"type": "text", "text": "c"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "x"}, {"type": "text", "text": "no"}]},
    ]


def test_assistant_first_is_left_as_it_is() -> None:
    body = encode(Request(model="gpt", messages=[text("assistant", "earlier"), text("user", "now")]))
    assert [message["role"] for message in body["messages"]] == ["assistant", "user"]


def test_parameters() -> None:
    request = Request(model="gpt", messages=[text("user", "hi")], stream=True, max_tokens=300, temperature=1.7,
                      top_p=0.5, stop=["###"], user="u-9", metadata={"team": "a"}, include_usage=True,
                      parallel_tool_calls=False, prompt_cache_key="conversation-1")
    body = encode(request, "claude-sonnet-4-5")
    assert body == {
        "model": "claude-sonnet-4-5", "max_tokens": 300,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        "temperature": 1.0, "top_p": 0.5, "stop_sequences": ["###"], "metadata": {"user_id": "u-9"}, "stream": True,
    }


def test_default_max_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    request = Request(model="gpt", messages=[text("user", "hi")])
    assert DEFAULT_MAX_TOKENS == 8192
    assert encode(request)["max_tokens"] == 8192
    monkeypatch.setattr(codec, "DEFAULT_MAX_TOKENS", 1024)
    assert encode(request)["max_tokens"] == 1024
    request.max_tokens = 77  # what the server does for a deployment with its own default
    assert encode(request)["max_tokens"] == 77


def test_reasoning_in_history_goes_back_only_to_its_origin() -> None:
    own = "anthropic_messages"
    request = Request(model="m", messages=[text("user", "q"), Message("assistant", [
        ReasoningPart(text="signed", signature="sig", origin=own),
        ReasoningPart(redacted_data="opaque", origin=own),
        ReasoningPart(text="", signature="signature-only", origin=own),
        ReasoningPart(text="no proof", origin=own),
        ReasoningPart(text="unsigned from chat", origin="openai_chat"),
        ReasoningPart(summary=["s"], encrypted="gAAA", origin="openai_responses"),
        ReasoningPart(text="foreign", signature="other", origin="gemini"),
        ReasoningPart(text="unknown origin", signature="sig"),
        TextPart("answer"),
    ]), text("user", "more")])
    assert encode(request)["messages"][1]["content"] == [
        {"type": "thinking", "thinking": "signed", "signature": "sig"},
        {"type": "redacted_thinking", "data": "opaque"},
        {"type": "thinking", "thinking": "", "signature": "signature-only"},
        {"type": "text", "text": "answer"},
    ]


def sdk_and_claude_code_bodies() -> list[dict[str, Any]]:
    bodies = []
    for name in ("anthropic-python.requests.jsonl", "claude-code.requests.jsonl"):
        for line in fixture_path(f"clients/{name}").read_text().splitlines():
            record = json.loads(line)
            if record["method"] == "POST" and record["path"] == "/v1/messages":
                bodies.append(json.loads(record["body"]))
    return bodies


def test_real_client_requests_survive_decode_then_encode() -> None:
    """Every SDK and Claude Code request, decoded and encoded for an Anthropic upstream, is a valid request that
    decodes back to the same canonical request (the mid-conversation system message hoisted)."""
    for original in sdk_and_claude_code_bodies():
        request = CODEC.decode_request(original)
        body = encode(request, original["model"])
        again = CODEC.decode_request(body)
        assert again.tools == request.tools and again.reasoning == request.reasoning
        budget = (original.get("thinking") or {}).get("budget_tokens", 0)
        max_tokens = original["max_tokens"] if original["max_tokens"] > budget else budget + 4096
        assert (body["max_tokens"], again.stream, again.user) == (max_tokens, request.stream, request.user)
        hoisted = [part for message in request.messages if message.role == "system" for part in message.content]
        leading = [Message("system", hoisted)] if hoisted else []
        assert again.messages == leading + [message for message in request.messages if message.role != "system"]
        if "context_management" not in original and isinstance(original["messages"][0]["content"], str):
            expected = {**original, "max_tokens": max_tokens,
                        "messages": [{"role": "user", "content": [{"type": "text", "text": "say hi"}]}]}
            if isinstance(original.get("system"), str):
                expected["system"] = [{"type": "text", "text": original["system"]}]
            assert body == expected
