"""Everything around the chat endpoints: health, models, auth headers, query strings, the WebSocket probe,
default model, pools, ``${ENV}`` keys and token counting."""

from __future__ import annotations

import json

import anthropic
import httpx2
import openai
import pytest

from tests.e2e.conformance import check_error_body
from tests.e2e.matrix import only_call
from tests.e2e.outcome import of_answer, of_json
from tests.e2e.wire import ANTHROPIC_VERSION, PATHS, post, request_body
from tests.gateway import CLIENT_KEY
from tests.paths import FIXTURES
from tests.schemas import assert_valid
from tests.upstream import SCENARIOS, UPSTREAM_KEY, Dialect, FakeUpstream

CONFIGURED = ["chat/text", "responses/text", "anthropic/text", "pool/text", "env/text", "capped/text"]


def test_health_and_root(http: httpx2.Client) -> None:
    health = http.get("/healthz")
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    assert http.get("/").status_code == 200
    head = http.head("/")
    assert head.status_code == 200 and head.content == b""


@pytest.mark.parametrize("path", ["/v1/models", "/models", "/v1/models?limit=5&beta=true"])
def test_models_openai_shape(path: str, http: httpx2.Client) -> None:
    response = http.get(path, headers={"authorization": f"Bearer {CLIENT_KEY}"})
    assert response.status_code == 200
    body = response.json()
    assert_valid("openai", "ListModelsResponse", body)
    ids = [model["id"] for model in body["data"]]
    assert set(CONFIGURED) <= set(ids)
    assert len(ids) == len(set(ids)), "a pool is one model, listed once"


@pytest.mark.parametrize("path", ["/v1/models", "/models"])
def test_models_anthropic_shape_when_anthropic_version_is_sent(path: str, http: httpx2.Client) -> None:
    response = http.get(path, headers={"x-api-key": CLIENT_KEY, "anthropic-version": ANTHROPIC_VERSION})
    assert response.status_code == 200
    body = response.json()
    ids = [model["id"] for model in body["data"]]
    assert set(CONFIGURED) <= set(ids)
    assert all(model["type"] == "model" and model["display_name"] and model["created_at"] for model in body["data"])
    assert body["has_more"] is False and body["first_id"] == ids[0] and body["last_id"] == ids[-1]


def test_models_through_both_sdks(openai_client: openai.OpenAI, anthropic_client: anthropic.Anthropic) -> None:
    assert set(CONFIGURED) <= {model.id for model in openai_client.models.list()}
    assert set(CONFIGURED) <= {model.id for model in anthropic_client.models.list()}
    assert openai_client.models.retrieve("chat/text").id == "chat/text"
    info = anthropic_client.models.retrieve("anthropic/text")
    assert info.id == "anthropic/text" and info.type == "model"
    with pytest.raises(openai.NotFoundError):
        openai_client.models.retrieve("no-such-model")
    with pytest.raises(anthropic.NotFoundError):
        anthropic_client.models.retrieve("no-such-model")


def test_model_retrieve_raw(http: httpx2.Client) -> None:
    body = http.get("/v1/models/responses/text").json()
    assert_valid("openai", "Model", body)
    assert body["id"] == "responses/text"
    anthropic_body = http.get("/v1/models/responses/text", headers={"anthropic-version": ANTHROPIC_VERSION}).json()
    assert anthropic_body["id"] == "responses/text" and anthropic_body["type"] == "model"
    missing = http.get("/v1/models/missing", headers={"anthropic-version": ANTHROPIC_VERSION})
    assert missing.status_code == 404
    check_error_body("anthropic", missing.json())


def test_anthropic_model_shapes_validate_against_the_spec(http: httpx2.Client) -> None:
    headers = {"anthropic-version": ANTHROPIC_VERSION}
    assert_valid("anthropic", "ListResponse_ModelInfo_", http.get("/v1/models", headers=headers).json())
    assert_valid("anthropic", "ModelInfo", http.get("/v1/models/chat/text", headers=headers).json())


@pytest.mark.parametrize("auth", ["bearer", "x-api-key", "none"])
@pytest.mark.parametrize("client", ["chat", "responses", "anthropic"])
def test_either_auth_header_and_upstream_key_from_config(client: Dialect, auth: str, http: httpx2.Client,
                                                         upstream: FakeUpstream) -> None:
    headers = {"bearer": {"authorization": f"Bearer {CLIENT_KEY}"}, "x-api-key": {"x-api-key": CLIENT_KEY},
               "none": {}}[auth]
    if client == "anthropic":
        headers["anthropic-version"] = ANTHROPIC_VERSION
    upstream_dialects: tuple[Dialect, ...] = ("chat", "anthropic")
    for upstream_dialect in upstream_dialects:
        mark = upstream.mark()
        body = request_body(client, f"{upstream_dialect}/text")
        response = http.post(PATHS[client], json=body, headers=headers)
        assert response.status_code == 200, response.text[:300]
        call = only_call(upstream, mark, upstream_dialect)
        values = " ".join(value for _, value in call.headers)
        assert CLIENT_KEY not in values, "the client's key must never reach the upstream"
        if upstream_dialect == "anthropic":
            assert call.header("x-api-key") == UPSTREAM_KEY
        else:
            assert call.header("authorization") == f"Bearer {UPSTREAM_KEY}"


@pytest.mark.parametrize("version", ["2023-06-01", "2026-10-21", "whatever"])
def test_any_anthropic_version_is_accepted(version: str, http: httpx2.Client) -> None:
    for model in ("anthropic/text", "chat/text"):
        answer = post(http, "anthropic", request_body("anthropic", model),
                      extra_headers={"anthropic-version": version})
        assert answer.status == 200, (version, model, answer.content[:300])


def test_query_strings_are_ignored(http: httpx2.Client, upstream: FakeUpstream) -> None:
    for client, path in (("anthropic", "/v1/messages?beta=true"), ("chat", "/v1/chat/completions?x=1"),
                         ("responses", "/v1/responses?api-version=2025-01-01")):
        answer = post(http, client, request_body(client, "anthropic/text"), path=path)  # type: ignore[arg-type]
        assert answer.status == 200, (path, answer.content[:300])
    answer = post(http, "anthropic", {"model": "anthropic/text", "messages": [{"role": "user", "content": "hi"}]},
                  path="/v1/messages/count_tokens?beta=true")
    assert answer.status == 200, answer.content[:300]


def test_websocket_upgrade_on_responses_is_426(http: httpx2.Client) -> None:
    recorded = json.loads((FIXTURES / "clients" / "codex.example-websocket-upgrade.json").read_text())
    headers = {name: value.replace("<API_KEY>", CLIENT_KEY) for name, value in recorded["headers"]
               if name.lower() != "host"}
    response = http.get(recorded["path"], headers=headers)
    assert response.status_code == 426, response.text[:300]
    check_error_body("responses", response.json())


def test_default_model_when_model_is_omitted(http: httpx2.Client, upstream: FakeUpstream) -> None:
    mark = upstream.mark()
    answer = post(http, "chat", {"messages": [{"role": "user", "content": "hi"}]})
    assert answer.status == 200, answer.content[:300]
    call = only_call(upstream, mark, "chat")
    assert call.json["model"] == "text"
    assert of_json("chat", answer.json()).text == of_answer("chat", call.answer).text


def test_pool_members_serve_the_name(http: httpx2.Client, upstream: FakeUpstream) -> None:
    """``pool/text`` is a chat and an Anthropic deployment under one name: every call is served by one."""
    served = set()
    for _ in range(4):
        mark = upstream.mark()
        answer = post(http, "chat", request_body("chat", "pool/text"))
        assert answer.status == 200, answer.content[:300]
        (call,) = upstream.since(mark)
        served.add(call.path)
        dialect: Dialect = "anthropic" if call.path == "/v1/messages" else "chat"
        assert of_json("chat", answer.json()).text == of_answer(dialect, call.answer).text
    assert served <= {"/v1/chat/completions", "/v1/messages"}


@pytest.mark.parametrize("model", ["env/text", "env-default/text"])
def test_env_interpolated_upstream_keys(model: str, http: httpx2.Client, upstream: FakeUpstream) -> None:
    """``${VAR}`` and ``${UNSET:-default}`` in the config: the upstream accepts the key only if they worked."""
    answer = post(http, "anthropic", request_body("anthropic", model))
    assert answer.status == 200, answer.content[:300]


def test_count_tokens_same_dialect(anthropic_client: anthropic.Anthropic, upstream: FakeUpstream) -> None:
    mark = upstream.mark()
    counted = anthropic_client.messages.count_tokens(model="anthropic/text", system="Be brief.",
                                                     messages=[{"role": "user", "content": "hi"}])
    (call,) = upstream.since(mark)
    assert call.path == "/v1/messages/count_tokens" and call.json["model"] == "text"
    assert call.json["system"] == "Be brief."
    assert counted.input_tokens == json.loads(call.answer.content)["input_tokens"]  # type: ignore[union-attr]


def test_count_tokens_for_other_upstreams(anthropic_client: anthropic.Anthropic, upstream: FakeUpstream) -> None:
    for model in ("chat/text", "responses/text"):
        mark = upstream.mark()
        counted = anthropic_client.messages.count_tokens(model=model, messages=[{"role": "user", "content": "hi"}])
        assert isinstance(counted.input_tokens, int) and counted.input_tokens > 0
        assert upstream.since(mark) == []


def test_every_configured_scenario_is_listed(http: httpx2.Client) -> None:
    listed = {model["id"] for model in http.get("/v1/models").json()["data"]}
    for dialect, scenarios in SCENARIOS.items():
        assert {f"{dialect}/{scenario}" for scenario in scenarios} <= listed
