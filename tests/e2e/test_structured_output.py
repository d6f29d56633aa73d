"""Structured output: chat ``response_format`` <-> Responses ``text.format`` <-> Anthropic
``output_config.format`` (and the older ``output_format``), and its emulation with a forced tool call on a
deployment with ``structured_output: tool``, where the client gets the call's arguments as plain JSON text."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import openai
import pytest
from pydantic import BaseModel

from tests.e2e.calls import calls_of_events, calls_of_json, calls_served
from tests.e2e.conformance import check_answer, check_upstream_request
from tests.e2e.formats import NAME, SCHEMA, format_fields, received_format
from tests.e2e.matrix import PAIR_IDS, PAIRS, only_call
from tests.e2e.outcome import of_events, of_json
from tests.e2e.tooling import effective_choice, received_tools
from tests.e2e.wire import post, request_body
from tests.upstream import DIALECTS, Dialect, FakeUpstream


def _send(http: httpx2.Client, upstream: FakeUpstream, client: Dialect, model: str, upstream_dialect: Dialect,
          stream: bool = False, **fields: Any) -> tuple[Any, Any]:
    mark = upstream.mark()
    answer = post(http, client, request_body(client, model, stream=stream, **fields))
    call = only_call(upstream, mark, upstream_dialect)
    same = client == upstream_dialect and not model.startswith("structured-tool/")
    checked = check_answer(client, answer, call.answer if same else None)
    if not same:
        check_upstream_request(upstream_dialect, call.json)
    return checked, call


@pytest.mark.parametrize(("client", "upstream_dialect"), PAIRS, ids=PAIR_IDS)
def test_json_schema_carried(client: Dialect, upstream_dialect: Dialect, http: httpx2.Client,
                             upstream: FakeUpstream) -> None:
    _, call = _send(http, upstream, client, f"{upstream_dialect}/text", upstream_dialect, **format_fields(client))
    got = received_format(upstream_dialect, call.json)
    assert got is not None and got["type"] == "json_schema", call.json
    assert got["schema"] == SCHEMA
    if upstream_dialect != "anthropic":
        assert got["name"], "OpenAI requires a name for a JSON schema"
        if client != "anthropic":
            assert (got["name"], got["strict"]) == (NAME, True), got


@pytest.mark.parametrize("upstream_dialect", ["chat", "responses"])
def test_anthropic_output_format_beta_spelling(upstream_dialect: Dialect, http: httpx2.Client,
                                               upstream: FakeUpstream) -> None:
    _, call = _send(http, upstream, "anthropic", f"{upstream_dialect}/text", upstream_dialect,
                    **format_fields("anthropic", legacy=True))
    got = received_format(upstream_dialect, call.json)
    assert got is not None and got["schema"] == SCHEMA, call.json


@pytest.mark.parametrize("upstream_dialect", DIALECTS)
@pytest.mark.parametrize("client", ["chat", "responses"])
def test_json_object(client: Dialect, upstream_dialect: Dialect, http: httpx2.Client, upstream: FakeUpstream) -> None:
    """Any JSON object: the OpenAI dialects say so themselves; Anthropic gets an any-object schema, or the
    request is refused naming the field (never dropped silently)."""
    mark = upstream.mark()
    answer = post(http, client, request_body(client, f"{upstream_dialect}/text",
                                             **format_fields(client, "json_object")))
    if answer.status == 400:
        assert upstream_dialect == "anthropic", answer.content[:300]
        error = answer.json()["error"]
        field = "response_format" if client == "chat" else "text"
        assert field in f"{error.get('param')} {error['message']}", error
        return
    call = only_call(upstream, mark, upstream_dialect)
    check_answer(client, answer, call.answer if client == upstream_dialect else None)
    got = received_format(upstream_dialect, call.json)
    assert got is not None, call.json
    if upstream_dialect == "anthropic":
        assert got["schema"] is not None and got["schema"].get("type") == "object", got
    else:
        assert got["type"] == "json_object", got


STOPPED = {"chat": "stop", "responses": ("completed", None), "anthropic": "end_turn"}


@pytest.mark.parametrize("stream", [pytest.param(False, id="json"), pytest.param(True, id="stream")])
@pytest.mark.parametrize(("client", "upstream_dialect"), PAIRS, ids=PAIR_IDS)
def test_emulated_with_a_forced_tool(client: Dialect, upstream_dialect: Dialect, stream: bool, http: httpx2.Client,
                                     upstream: FakeUpstream) -> None:
    """``structured_output: tool``: the upstream gets the schema as the one tool it must call and no
    structured-output field; the client gets the call's arguments as its answer's text, no tool call, and a
    normal end of turn."""
    checked, call = _send(http, upstream, client, f"structured-tool/{upstream_dialect}", upstream_dialect, stream,
                          **format_fields(client))
    sent = call.json
    assert received_format(upstream_dialect, sent) is None, "the schema goes as a tool, not as a format"
    (tool,) = received_tools(upstream_dialect, sent)
    assert tool.schema == SCHEMA
    assert effective_choice(upstream_dialect, sent) == ("tool", tool.name), sent.get("tool_choice")
    (served,) = calls_served(upstream_dialect, call.answer)
    assert served.name == tool.name, "the fake upstream called the forced tool"
    outcome = of_events(client, checked) if stream else of_json(client, checked)
    assert json.loads(outcome.text) == served.parsed, outcome.text
    assert outcome.stop == STOPPED[client], outcome.stop
    calls = calls_of_events(client, checked) if stream else calls_of_json(client, checked)
    assert calls == [], "the client sees no tool call"


class Capital(BaseModel):
    country: str


@pytest.mark.parametrize("upstream_dialect", ["chat", "responses"])
def test_sdk_parse_through_emulation(upstream_dialect: Dialect, openai_client: openai.OpenAI,
                                     upstream: FakeUpstream) -> None:
    """``client.chat.completions.parse`` with a Pydantic model gets its object parsed from the emulated
    answer (the recorded calls carry ``{"country": …}``)."""
    mark = upstream.mark()
    completion = openai_client.chat.completions.parse(
        model=f"structured-tool/{upstream_dialect}", messages=[{"role": "user", "content": "Which country?"}],
        response_format=Capital)
    (served,) = calls_served(upstream_dialect, only_call(upstream, mark, upstream_dialect).answer)
    parsed = completion.choices[0].message.parsed
    assert parsed is not None and parsed.country == served.parsed["country"]
    response = openai_client.responses.parse(model=f"structured-tool/{upstream_dialect}", input="Which country?",
                                             text_format=Capital)
    assert response.output_parsed is not None and response.output_parsed.country
