"""Upstream failures reach each client in its own dialect with the right status, before or inside a stream."""

from __future__ import annotations

from typing import Any

import anthropic
import httpx2
import openai
import pytest

from tests.e2e import sdk
from tests.e2e.conformance import check_error_body, check_stream, relayed_payloads
from tests.e2e.matrix import PAIR_IDS, PAIRS
from tests.e2e.outcome import of_answer, of_events
from tests.e2e.wire import post, request_body
from tests.upstream import Body, Dialect, FakeUpstream

MODES = [pytest.param(False, id="json"), pytest.param(True, id="stream")]
ANTHROPIC_TYPES = {400: "invalid_request_error", 401: "authentication_error", 404: "not_found_error",
                   429: "rate_limit_error"}


def error_message(body: dict[str, Any]) -> str:
    return str(body["error"]["message"])


def upstream_message(answer: Any) -> str:
    assert isinstance(answer, Body), answer
    body = answer.json()
    return str(body["error"]["message"])


@pytest.mark.parametrize("stream", MODES)
@pytest.mark.parametrize("status", [400, 401, 404, 429])
@pytest.mark.parametrize(("client", "upstream_dialect"), PAIRS, ids=PAIR_IDS)
def test_upstream_4xx_passed_on(client: Dialect, upstream_dialect: Dialect, status: int, stream: bool,
                                http: httpx2.Client, upstream: FakeUpstream) -> None:
    mark = upstream.mark()
    answer = post(http, client, request_body(client, f"{upstream_dialect}/error-{status}", stream=stream))
    (call,) = upstream.since(mark)
    assert answer.status == status, answer.content[:500]
    body = answer.json()
    check_error_body(client, body)
    assert upstream_message(call.answer) in error_message(body)
    if client == "anthropic":
        assert body["error"]["type"] == ANTHROPIC_TYPES[status], body


@pytest.mark.parametrize("stream", MODES)
@pytest.mark.parametrize(("client", "upstream_dialect", "scenario", "status"), [
    pytest.param(client, upstream_dialect, scenario, status, id=f"{client}-via-{upstream_dialect}-{scenario}")
    for client, upstream_dialect in PAIRS
    for scenario, status in (("error-500", 502), ("error-503", 502), ("garbage", 502), ("refused", 502),
                             ("hang", 504), *((("error-529", 502),) if upstream_dialect == "anthropic" else ()))
])
def test_upstream_failure_status(client: Dialect, upstream_dialect: Dialect, scenario: str, status: int,
                                 stream: bool, http: httpx2.Client) -> None:
    answer = post(http, client, request_body(client, f"{upstream_dialect}/{scenario}", stream=stream))
    assert answer.status == status, answer.content[:500]
    check_error_body(client, answer.json())


def test_unknown_model_lists_configured_names(http: httpx2.Client, upstream: FakeUpstream) -> None:
    for client in ("chat", "responses", "anthropic"):
        mark = upstream.mark()
        answer = post(http, client, request_body(client, "no-such-model"))
        assert answer.status == 404, answer.content[:300]
        body = answer.json()
        check_error_body(client, body)
        message = error_message(body)
        assert "no-such-model" in message
        for name in ("chat/text", "responses/text", "anthropic/text", "pool/text"):
            assert name in message, f"{name} missing from {message[:300]}"
        assert upstream.since(mark) == []


@pytest.mark.parametrize(("method", "path", "dialect"), [
    ("POST", "/v1/messages/batches", "anthropic"),
    ("GET", "/v1/messages/nothing-here", "anthropic"),
    ("POST", "/v1/chat/nothing", "chat"),
    ("GET", "/v1/responses/resp_123/input_items", "responses"),
    ("POST", "/v1/embeddings", "chat"),
    ("GET", "/nope", "chat"),
])
def test_unknown_route_in_the_dialect_the_path_implies(method: str, path: str, dialect: Dialect,
                                                       http: httpx2.Client) -> None:
    response = http.request(method, path, json={"model": "chat/text"} if method == "POST" else None)
    assert response.status_code == 404, response.text[:300]
    check_error_body(dialect, response.json())


def test_sdk_exception_types(openai_client: openai.OpenAI, anthropic_client: anthropic.Anthropic) -> None:
    expectations: list[tuple[Any, type[Exception], type[Exception], int]] = [
        ("error-400", openai.BadRequestError, anthropic.BadRequestError, 400),
        ("error-401", openai.AuthenticationError, anthropic.AuthenticationError, 401),
        ("error-404", openai.NotFoundError, anthropic.NotFoundError, 404),
        ("error-429", openai.RateLimitError, anthropic.RateLimitError, 429),
        ("error-500", openai.InternalServerError, anthropic.InternalServerError, 502),
        ("hang", openai.InternalServerError, anthropic.GatewayTimeoutError, 504),
    ]
    for scenario, openai_type, anthropic_type, status in expectations:
        for upstream_dialect in ("chat", "anthropic"):
            model = f"{upstream_dialect}/{scenario}"
            with pytest.raises(openai_type) as chat_error:
                sdk.chat(openai_client, model, stream=False)
            with pytest.raises(openai_type) as responses_error:
                sdk.responses(openai_client, model, stream=True)
            with pytest.raises(anthropic_type) as messages_error:
                sdk.messages(anthropic_client, model, stream=True)
            for error in (chat_error.value, responses_error.value, messages_error.value):
                assert getattr(error, "status_code", None) == status, (scenario, upstream_dialect, error)
    with pytest.raises(openai.NotFoundError):
        openai_client.chat.completions.create(model="no-such-model", messages=[{"role": "user", "content": "x"}])
    with pytest.raises(anthropic.NotFoundError):
        anthropic_client.messages.create(model="no-such-model", max_tokens=5,
                                         messages=[{"role": "user", "content": "x"}])


# --- after the stream has started -------------------------------------------------------------------


def _assert_error_inside_stream(client: Dialect, events: list[Any]) -> dict[str, Any]:
    """The failure is the stream's last word, in the client's grammar; returns the error object."""
    payloads = [event.json for event in events if event.data != "[DONE]"]
    if client == "chat":
        assert events[-1].data == "[DONE]"
        assert "error" in payloads[-1], f"the chunk before [DONE] carries the error: {payloads[-1]}"
        assert all("error" not in payload for payload in payloads[:-1])
        return dict(payloads[-1]["error"])
    if client == "anthropic":
        assert payloads[-1]["type"] == "error", [payload["type"] for payload in payloads]
        assert "message_stop" not in [payload["type"] for payload in payloads]
        return dict(payloads[-1]["error"])
    kinds = [payload["type"] for payload in payloads]
    assert kinds[-2:] == ["error", "response.failed"], kinds
    assert "response.completed" not in kinds
    assert payloads[-1]["response"]["status"] == "failed"
    assert payloads[-1]["response"]["error"]["message"], payloads[-1]
    error = payloads[-2]
    # A relayed upstream event may carry the error nested, as the real API's recording does.
    return {"message": error.get("message") or (error.get("error") or {}).get("message")}


MIDSTREAM_MESSAGES: dict[Dialect, str] = {
    "chat": "The server had an error while processing your request",
    "responses": "You exceeded your current quota",
    "anthropic": "Overloaded",
}


@pytest.mark.parametrize(("client", "upstream_dialect"), PAIRS, ids=PAIR_IDS)
def test_midstream_error_rendered_inside_the_stream(client: Dialect, upstream_dialect: Dialect,
                                                    http: httpx2.Client, upstream: FakeUpstream) -> None:
    mark = upstream.mark()
    answer = post(http, client, request_body(client, f"{upstream_dialect}/midstream-error", stream=True))
    (call,) = upstream.since(mark)
    relayed = relayed_payloads(call.answer) if client == upstream_dialect else None
    events = check_stream(client, answer, relayed)
    error = _assert_error_inside_stream(client, events)
    assert MIDSTREAM_MESSAGES[upstream_dialect] in str(error.get("message")), error
    assert of_events(client, events).text == of_answer(upstream_dialect, call.answer).text


@pytest.mark.parametrize("scenario", ["truncated", "truncated-eof"])
@pytest.mark.parametrize(("client", "upstream_dialect"), PAIRS, ids=PAIR_IDS)
def test_truncated_upstream_stream_is_never_silent(client: Dialect, upstream_dialect: Dialect, scenario: str,
                                                   http: httpx2.Client, upstream: FakeUpstream) -> None:
    mark = upstream.mark()
    answer = post(http, client, request_body(client, f"{upstream_dialect}/{scenario}", stream=True))
    (call,) = upstream.since(mark)
    relayed = relayed_payloads(call.answer) if client == upstream_dialect else None
    events = check_stream(client, answer, relayed)
    _assert_error_inside_stream(client, events)
    assert of_events(client, events).text == of_answer(upstream_dialect, call.answer).text


def test_midstream_error_through_sdks(openai_client: openai.OpenAI, anthropic_client: anthropic.Anthropic) -> None:
    with pytest.raises(openai.APIError, match="Overloaded"):
        sdk.chat(openai_client, "anthropic/midstream-error", stream=True)
    with pytest.raises(anthropic.APIStatusError, match="Sorry about that"):
        sdk.messages(anthropic_client, "chat/midstream-error", stream=True)
    with pytest.raises(openai.APIError, match="Sorry about that"):
        sdk.responses(openai_client, "chat/midstream-error", stream=True)


@pytest.mark.parametrize("client", ["chat", "responses", "anthropic"])
def test_stream_error_before_any_content(client: Dialect, http: httpx2.Client, upstream: FakeUpstream) -> None:
    """The recorded Responses stream fails right after response.in_progress. Before any content the gateway
    may still answer with a real HTTP error, or render the failure inside the stream; either way in the
    client's dialect, with the upstream's message, never as a silently empty answer."""
    answer = post(http, client, request_body(client, "responses/early-stream-error", stream=True))
    if answer.status >= 400:
        body = answer.json()
        check_error_body(client, body)
        message = error_message(body)
    else:
        relayed = relayed_payloads(upstream.requests[-1].answer) if client == "responses" else None
        message = str(_assert_error_inside_stream(client, check_stream(client, answer, relayed))["message"])
    assert MIDSTREAM_MESSAGES["responses"] in message

