"""Every validation rule of the issue, in each client dialect, raw and through the SDKs' own exceptions.

Each bad request is sent for a same-dialect and a translated route: the rules hold on both paths, and the
upstream never sees the request.
"""

from __future__ import annotations

import json
from typing import Any

import anthropic
import httpx2
import openai
import pytest

from tests.e2e.conformance import check_error_body
from tests.e2e.wire import post, request_body
from tests.gateway import SMALL_BODY_LIMIT, Gateway
from tests.upstream import DIALECTS, Dialect, FakeUpstream

MISSING = object()
MESSAGES_FIELD: dict[Dialect, str] = {"chat": "messages", "responses": "input", "anthropic": "messages"}
MAX_FIELDS: dict[Dialect, tuple[str, ...]] = {"chat": ("max_tokens", "max_completion_tokens"),
                                              "responses": ("max_output_tokens",), "anthropic": ("max_tokens",)}
NO_USER: dict[Dialect, list[dict[str, Any]]] = {
    "chat": [{"role": "system", "content": "You are terse."}],
    "responses": [{"role": "developer", "content": "You are terse."}],
    "anthropic": [{"role": "assistant", "content": "Hello."}],
}
TEMPERATURE_MAX: dict[Dialect, float] = {"chat": 2.0, "responses": 2.0, "anthropic": 1.0}


def _with(client: Dialect, model: str, **changes: Any) -> dict[str, Any]:
    body = request_body(client, model)
    for key, value in changes.items():
        if value is MISSING:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def _cases() -> list[Any]:
    cases: list[Any] = []

    def add(client: Dialect, name: str, field: str | None, **changes: Any) -> None:
        cases.append(pytest.param(client, field, changes, id=f"{client}-{name}"))

    for client in DIALECTS:
        messages = MESSAGES_FIELD[client]
        add(client, f"{messages}-missing", messages, **{messages: MISSING})
        add(client, f"{messages}-not-array", messages, **{messages: 42 if client == "responses" else "hi"})
        add(client, f"{messages}-empty", messages, **{messages: []})
        add(client, "no-user-message", messages, **{messages: NO_USER[client]})
        high = TEMPERATURE_MAX[client] + 0.5
        add(client, f"temperature-{high}", "temperature", temperature=high)
        add(client, "temperature-negative", "temperature", temperature=-0.1)
        add(client, "temperature-string", "temperature", temperature="hot")
        add(client, "top_p-above-1", "top_p", top_p=1.5)
        add(client, "top_p-negative", "top_p", top_p=-0.1)
        for field in MAX_FIELDS[client]:
            for value in (0, -5, 2.5, "100", True):
                add(client, f"{field}-{value!r}", field, **{field: value})
        if client != "responses":
            stop = "stop" if client == "chat" else "stop_sequences"
            add(client, f"{stop}-five", stop, **{stop: ["a", "b", "c", "d", "e"]})
    return cases


@pytest.mark.parametrize("route", ["same", "translated"])
@pytest.mark.parametrize(("client", "field", "changes"), _cases())
def test_invalid_request_is_400(client: Dialect, field: str, changes: dict[str, Any], route: str,
                                http: httpx2.Client, upstream: FakeUpstream) -> None:
    model = f"{client if route == 'same' else ('anthropic' if client != 'anthropic' else 'chat')}/text"
    mark = upstream.mark()
    answer = post(http, client, _with(client, model, **changes))
    assert answer.status == 400, answer.content[:500]
    body = answer.json()
    check_error_body(client, body)
    error = body["error"]
    assert error["type"] == "invalid_request_error"
    if client == "anthropic":
        assert field in error["message"], error
    else:
        assert error["param"] == field, error
    assert upstream.since(mark) == [], "an invalid request must not reach the upstream"


@pytest.mark.parametrize("client", DIALECTS)
def test_malformed_json_is_400(client: Dialect, http: httpx2.Client, upstream: FakeUpstream) -> None:
    for content in (b'{"model": "chat/text", "messages": [', b"[1, 2]", b"", b"\xff\xfe"):
        mark = upstream.mark()
        answer = post(http, client, None, content=content)
        assert answer.status == 400, (content, answer.content[:300])
        check_error_body(client, answer.json())
        assert upstream.since(mark) == []


FORBIDDEN = ("__proto__", "constructor", "prototype")


def _poisoned(client: Dialect, key: str, where: str) -> dict[str, Any]:
    body = request_body(client, f"{client}/text")
    if where == "top":
        body[key] = {"polluted": True}
    elif client == "anthropic":
        body["messages"][0]["content"] = [{"type": "text", "text": "hi", key: {"x": 1}}]
    else:
        body["metadata"] = {"outer": json.dumps({"fine": 1}), "list": [{"deeper": {key: "x"}}]}
        if client == "chat":
            body["messages"][0][key] = "x"
    return body


@pytest.mark.parametrize("where", ["top", "nested"])
@pytest.mark.parametrize("key", FORBIDDEN)
@pytest.mark.parametrize("client", DIALECTS)
def test_forbidden_keys_anywhere(client: Dialect, key: str, where: str, http: httpx2.Client,
                                 upstream: FakeUpstream) -> None:
    mark = upstream.mark()
    answer = post(http, client, _poisoned(client, key, where))
    assert answer.status == 400, answer.content[:300]
    body = answer.json()
    check_error_body(client, body)
    assert key in body["error"]["message"], body
    assert upstream.since(mark) == []


@pytest.mark.parametrize("client", DIALECTS)
def test_boundaries_are_accepted(client: Dialect, http: httpx2.Client, upstream: FakeUpstream) -> None:
    field = MAX_FIELDS[client][-1]
    changes: dict[str, Any] = {"temperature": TEMPERATURE_MAX[client], "top_p": 1, field: 1}
    if client != "responses":
        changes["stop" if client == "chat" else "stop_sequences"] = ["a", "b", "c", "d"]
    for model in (f"{client}/text", "anthropic/text" if client != "anthropic" else "chat/text"):
        answer = post(http, client, _with(client, model, **changes))
        assert answer.status == 200, (model, answer.content[:500])
        answer = post(http, client, _with(client, model, temperature=0, top_p=0))
        assert answer.status == 200, (model, answer.content[:500])


@pytest.mark.parametrize("client", DIALECTS)
def test_body_over_the_configured_limit_is_413(client: Dialect, tight_gateway: Gateway,
                                               upstream: FakeUpstream) -> None:
    with httpx2.Client(base_url=tight_gateway.url, timeout=30) as http:
        under = request_body(client, f"{client}/text")
        under["metadata" if client != "anthropic" else "system"] = (
            {"pad": "x" * (SMALL_BODY_LIMIT - 1024)} if client != "anthropic" else "x" * (SMALL_BODY_LIMIT - 1024))
        assert post(http, client, under).status == 200
        over = request_body(client, f"{client}/text")
        over["padding"] = "x" * SMALL_BODY_LIMIT
        mark = upstream.mark()
        answer = post(http, client, over)
    assert answer.status == 413, answer.content[:300]
    check_error_body(client, answer.json())
    assert upstream.since(mark) == []


def test_body_limit_through_sdks(tight_gateway: Gateway) -> None:
    padding = "x" * SMALL_BODY_LIMIT
    with openai.OpenAI(base_url=f"{tight_gateway.url}/v1", api_key="k", max_retries=0) as client, \
            pytest.raises(openai.APIStatusError) as chat_error:
        client.chat.completions.create(model="chat/text", messages=[{"role": "user", "content": padding}])
    assert chat_error.value.status_code == 413
    with anthropic.Anthropic(base_url=tight_gateway.url, api_key="k", max_retries=0) as claude, \
            pytest.raises(anthropic.RequestTooLargeError):
        claude.messages.create(model="chat/text", max_tokens=5, messages=[{"role": "user", "content": padding}])


def test_default_body_limit_is_32_mib(http: httpx2.Client, upstream: FakeUpstream) -> None:
    body = request_body("chat", "chat/text")
    body["padding"] = "x" * (32 * 1024 * 1024)
    mark = upstream.mark()
    answer = post(http, "chat", body)
    assert answer.status == 413, answer.content[:300]
    check_error_body("chat", answer.json())
    assert upstream.since(mark) == []


def test_sdk_exception_types(openai_client: openai.OpenAI, anthropic_client: anthropic.Anthropic) -> None:
    with pytest.raises(openai.BadRequestError) as chat_error:
        openai_client.chat.completions.create(model="chat/text", messages=[], temperature=0.5)
    assert chat_error.value.status_code == 400 and chat_error.value.param == "messages"
    with pytest.raises(openai.BadRequestError) as responses_error:
        openai_client.responses.create(model="anthropic/text", input="hi", temperature=3)
    assert responses_error.value.param == "temperature"
    with pytest.raises(anthropic.BadRequestError) as messages_error:
        # anthropic 2.x has no temperature argument any more; clients still send the field.
        anthropic_client.messages.create(model="chat/text", max_tokens=10, extra_body={"temperature": 1.5},
                                         messages=[{"role": "user", "content": "hi"}])
    assert "temperature" in messages_error.value.message
    assert messages_error.value.body["error"]["type"] == "invalid_request_error"  # type: ignore[index]
