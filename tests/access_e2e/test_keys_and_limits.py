"""Keys, permissions and limits as the official SDKs see them: their own exception types, the dialect's
rate-limit headers, ``Retry-After``."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import anthropic
import httpx2
import openai
import pytest

from tests.access_e2e.keys import MASTER_KEY, create_key, revoke_key
from tests.gateway import Gateway

PROMPT = [{"role": "user", "content": "Say hi"}]


def openai_client(gateway: Gateway, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{gateway.url}/v1", api_key=key, max_retries=0, timeout=20)


def anthropic_client(gateway: Gateway, key: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=gateway.url, api_key=key, max_retries=0, timeout=20)


def chat(gateway: Gateway, key: str, model: str = "chat/text") -> openai.types.chat.ChatCompletion:
    return openai_client(gateway, key).chat.completions.create(model=model, messages=PROMPT)  # type: ignore[arg-type]


def message(gateway: Gateway, key: str, model: str = "anthropic/text") -> anthropic.types.Message:
    return anthropic_client(gateway, key).messages.create(model=model, max_tokens=50, messages=PROMPT)  # type: ignore[arg-type]


def test_every_v1_route_needs_a_key(secured: Gateway) -> None:
    for method, path in [("POST", "/v1/chat/completions"), ("POST", "/v1/responses"), ("POST", "/v1/messages"),
                         ("GET", "/v1/models"), ("GET", "/models"), ("POST", "/v1/messages/count_tokens"),
                         ("POST", "/chat/completions")]:
        response = httpx2.request(method, f"{secured.url}{path}", json={}, timeout=10)
        assert response.status_code == 401, (path, response.text)
        if "messages" in path:
            assert response.json()["type"] == "error"
            assert response.json()["error"]["type"] == "authentication_error"
        else:
            assert response.json()["error"]["code"] in ("missing_api_key", "invalid_api_key")
    assert httpx2.get(f"{secured.url}/healthz", timeout=10).status_code == 200


def test_unknown_key_is_the_sdks_authentication_error(secured: Gateway) -> None:
    with pytest.raises(openai.AuthenticationError) as openai_error:
        chat(secured, "dk-not-a-real-key-at-all-000000000000000000")
    assert openai_error.value.status_code == 401
    assert openai_error.value.code == "invalid_api_key"
    with pytest.raises(anthropic.AuthenticationError) as anthropic_error:
        message(secured, "sk-ant-someone-elses-key")
    assert anthropic_error.value.body["error"]["type"] == "authentication_error"  # type: ignore[index]
    with pytest.raises(openai.AuthenticationError):
        openai_client(secured, "wrong").responses.create(model="responses/text", input="hi")


def test_master_key_and_issued_keys_are_served_in_every_dialect(secured: Gateway) -> None:
    secret, _ = create_key(secured.url, "everything")
    for key in (MASTER_KEY, secret):
        assert chat(secured, key).choices[0].message.content
        assert message(secured, key).content
        assert openai_client(secured, key).responses.create(model="responses/text", input="hi").output_text
    assert {model.id for model in openai_client(secured, secret).models.list()} >= {"chat/text", "anthropic/text"}


def test_a_key_limited_to_some_models_gets_permission_errors_and_sees_only_its_models(secured: Gateway) -> None:
    secret, key = create_key(secured.url, "chat-only", models=["chat/text"])
    assert key["models"] == ["chat/text"]
    assert chat(secured, secret).choices
    with pytest.raises(anthropic.PermissionDeniedError) as denied:
        message(secured, secret)
    assert denied.value.status_code == 403
    assert denied.value.body["error"]["type"] == "permission_error"  # type: ignore[index]
    with pytest.raises(openai.PermissionDeniedError):
        chat(secured, secret, model="chat/cache-hit")
    assert [model.id for model in openai_client(secured, secret).models.list()] == ["chat/text"]


def test_revocation_takes_effect_on_the_next_request(secured: Gateway) -> None:
    secret, key = create_key(secured.url, "soon-revoked")
    assert chat(secured, secret).choices
    revoke_key(secured.url, key["id"])
    with pytest.raises(openai.AuthenticationError) as revoked:
        chat(secured, secret)
    assert "revoked" in revoked.value.message
    with pytest.raises(anthropic.AuthenticationError):
        message(secured, secret)


def test_an_expired_key_is_refused(secured: Gateway) -> None:
    expires = datetime.now(UTC) + timedelta(seconds=1.5)
    secret, _ = create_key(secured.url, "short-lived", expires_at=expires.isoformat())
    assert chat(secured, secret).choices
    time.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 2.1)  # past expiry and the key cache
    with pytest.raises(openai.AuthenticationError) as expired:
        chat(secured, secret)
    assert "expired" in expired.value.message


def test_requests_per_minute_for_openai_clients(secured: Gateway) -> None:
    secret, _ = create_key(secured.url, "rpm-3", rpm=3)
    client = openai_client(secured, secret)
    remaining = []
    for _ in range(3):
        raw = client.chat.completions.with_raw_response.create(model="chat/text", messages=PROMPT)  # type: ignore[arg-type]
        assert raw.headers["x-ratelimit-limit-requests"] == "3"
        remaining.append(raw.headers["x-ratelimit-remaining-requests"])
        assert raw.headers["x-ratelimit-reset-requests"]
    assert remaining == ["2", "1", "0"]
    with pytest.raises(openai.RateLimitError) as limited:
        client.chat.completions.create(model="chat/text", messages=PROMPT)  # type: ignore[arg-type]
    response = limited.value.response
    assert response.status_code == 429
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert response.headers["x-ratelimit-remaining-requests"] == "0"
    assert limited.value.code == "rate_limit_exceeded"


def test_requests_per_minute_for_anthropic_clients(secured: Gateway) -> None:
    secret, _ = create_key(secured.url, "rpm-2", rpm=2)
    client = anthropic_client(secured, secret)
    raw = client.messages.with_raw_response.create(model="anthropic/text", max_tokens=20, messages=PROMPT)  # type: ignore[arg-type]
    assert raw.headers["anthropic-ratelimit-requests-limit"] == "2"
    assert raw.headers["anthropic-ratelimit-requests-remaining"] == "1"
    reset = datetime.fromisoformat(raw.headers["anthropic-ratelimit-requests-reset"].replace("Z", "+00:00"))
    assert reset.tzinfo is not None
    message(secured, secret)
    with pytest.raises(anthropic.RateLimitError) as limited:
        message(secured, secret)
    assert limited.value.body["error"]["type"] == "rate_limit_error"  # type: ignore[index]
    assert int(limited.value.response.headers["retry-after"]) >= 1


def test_tokens_per_minute_count_the_real_usage(secured: Gateway) -> None:
    secret, _ = create_key(secured.url, "tpm-small", tpm=20)
    first = openai_client(secured, secret).chat.completions.with_raw_response.create(
        model="chat/text", messages=PROMPT)  # type: ignore[arg-type]
    assert first.headers["x-ratelimit-limit-tokens"] == "20"
    used = first.parse().usage
    assert used is not None and used.total_tokens > 20  # the recording's usage is more than the limit
    with pytest.raises(openai.RateLimitError) as limited:
        chat(secured, secret)
    assert limited.value.response.headers["x-ratelimit-remaining-tokens"] == "0"


def test_concurrent_requests_are_capped(secured: Gateway) -> None:
    secret, _ = create_key(secured.url, "one-at-a-time", max_parallel=1)
    client = openai_client(secured, secret)
    started, release = threading.Event(), threading.Event()
    chunks: list[object] = []

    def hold_a_stream() -> None:
        with client.chat.completions.create(model="chat/paused", messages=PROMPT, stream=True) as stream:  # type: ignore[arg-type]
            for chunk in stream:
                chunks.append(chunk)
                started.set()
                release.wait(5)

    holder = threading.Thread(target=hold_a_stream)
    holder.start()
    try:
        assert started.wait(10)
        with pytest.raises(openai.RateLimitError) as limited:
            chat(secured, secret)
        assert "concurrent" in limited.value.message
    finally:
        release.set()
        holder.join(10)
    deadline = time.monotonic() + 5
    while True:  # the slot is freed when the stream's accounting settles, just after its last byte
        try:
            assert chat(secured, secret).choices
            break
        except openai.RateLimitError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_a_spent_budget_refuses_further_requests(secured: Gateway) -> None:
    secret, _ = create_key(secured.url, "tiny-budget", budget_usd=0.01, budget_period="day")
    assert chat(secured, secret).choices  # this one costs tens of dollars at the test prices
    deadline = time.monotonic() + 5
    while True:  # spend is added when the request settles, in the background
        try:
            chat(secured, secret)
        except openai.RateLimitError as limited:
            assert limited.code == "budget_exceeded"
            assert "Budget" in limited.message
            break
        assert time.monotonic() < deadline, "the budget was never enforced"
        time.sleep(0.05)
    with pytest.raises(anthropic.RateLimitError):
        message(secured, secret)
