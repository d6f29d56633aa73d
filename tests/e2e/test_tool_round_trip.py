"""A full tool round trip on every pair, whole and streamed, over raw HTTP: the upstream asks for tool calls,
the client gets them in its own grammar, sends the results back, and the upstream receives them paired with
its own calls by id. Includes the shapes chat servers really send (every call on one index, a whole call in
one chunk), ids Anthropic would reject, a call with no arguments and arguments cut off by max_tokens."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from tests.e2e.calls import Call, calls_of_events, calls_of_json, calls_served, check_call_stream
from tests.e2e.conformance import check_answer, check_body, check_stream, relayed_payloads
from tests.e2e.exchange import follow_up, results_for
from tests.e2e.matrix import PAIRS, only_call
from tests.e2e.outcome import of_answer, of_events, of_json
from tests.e2e.round_trip import assert_calls_translated, assert_results_paired
from tests.e2e.tooling import tools_wire
from tests.e2e.wire import post, request_body
from tests.upstream import DIALECTS, Body, Dialect, FakeUpstream

MODES = ((False, "json"), (True, "stream"))


def _cases() -> list[Any]:
    cases = [(client, upstream, scenario, stream) for client, upstream in PAIRS
             for scenario in ("tool-call", "parallel-tool-calls") for stream, _ in MODES]
    cases += [(client, upstream, "tool-call-odd-ids", stream) for client in DIALECTS
              for upstream in ("chat", "responses") for stream, _ in MODES]
    cases += [(client, "chat", scenario, True) for client in DIALECTS
              for scenario in ("tool-calls-one-index", "tool-calls-whole")]
    cases += [(client, "anthropic", "tool-call-no-args", True) for client in DIALECTS]
    return [pytest.param(*case, id=f"{case[0]}-via-{case[1]}-{case[2]}-{'stream' if case[3] else 'json'}")
            for case in cases]


def _check_json_turn(client: Dialect, body: dict[str, Any]) -> None:
    """The answer's stop reason says a tool was called, and no empty text came before the calls."""
    if client == "chat":
        choice = body["choices"][0]
        assert choice["finish_reason"] == "tool_calls", choice["finish_reason"]
    elif client == "responses":
        assert body["status"] == "completed", body["status"]
        for item in body["output"]:
            if item["type"] == "message":
                assert "".join(part.get("text", "") for part in item["content"]), f"an empty message: {item}"
    else:
        assert body["stop_reason"] == "tool_use", body["stop_reason"]
        assert all(block["text"] for block in body["content"] if block["type"] == "text"), body["content"]


def first_turn(http: httpx2.Client, upstream: FakeUpstream, client: Dialect, upstream_dialect: Dialect,
               scenario: str, stream: bool) -> tuple[list[Call], list[Call]]:
    """(the calls the upstream made, the calls the client got), with every check of the first turn."""
    mark = upstream.mark()
    answer = post(http, client, request_body(client, f"{upstream_dialect}/{scenario}", stream=stream,
                                             tools=tools_wire(client)))
    call = only_call(upstream, mark, upstream_dialect)
    served = calls_served(upstream_dialect, call.answer)
    same = client == upstream_dialect
    if stream:
        events = check_stream(client, answer, relayed_payloads(call.answer) if same else None)
        if not same:  # a same-dialect route relays the upstream's own records
            check_call_stream(client, events)
        got, outcome = calls_of_events(client, events), of_events(client, events)
    else:
        relayed = call.answer.json() if same and isinstance(call.answer, Body) else None
        body = check_body(client, answer, relayed)
        _check_json_turn(client, body)
        got, outcome = calls_of_json(client, body), of_json(client, body)
    assert outcome.text == of_answer(upstream_dialect, call.answer).text, "text before the calls is kept"
    assert_calls_translated(client, served, got)
    return served, got


@pytest.mark.parametrize(("client", "upstream_dialect", "scenario", "stream"), _cases())
def test_tool_round_trip(client: Dialect, upstream_dialect: Dialect, scenario: str, stream: bool,
                         http: httpx2.Client, upstream: FakeUpstream) -> None:
    served, got = first_turn(http, upstream, client, upstream_dialect, scenario, stream)
    results = results_for(got, error_at=len(got) - 1 if client == "anthropic" else None)
    mark = upstream.mark()
    body = follow_up(client, f"{upstream_dialect}/text", got, results, tools=tools_wire(client),
                     **({"stream": True} if stream else {}))
    answer = post(http, client, body)
    call = only_call(upstream, mark, upstream_dialect)
    check_answer(client, answer, call.answer if client == upstream_dialect else None)
    sent = call.json
    assert_results_paired(client, upstream_dialect, sent, served, results)


@pytest.mark.parametrize("client", ["chat", "responses"])
def test_arguments_cut_off_by_max_tokens(client: Dialect, http: httpx2.Client, upstream: FakeUpstream) -> None:
    """An Anthropic stream that stops at max_tokens in the middle of a tool call's JSON: the client gets the
    call with exactly the arguments that arrived, and the turn ends as cut off by length."""
    mark = upstream.mark()
    answer = post(http, client, request_body(client, "anthropic/partial-json", stream=True,
                                             tools=tools_wire(client)))
    call = only_call(upstream, mark, "anthropic")
    events = check_stream(client, answer)
    assert_calls_translated(client, calls_served("anthropic", call.answer), calls_of_events(client, events),
                            exact=True)
    outcome = of_events(client, events)
    assert outcome.text == of_answer("anthropic", call.answer).text
    assert outcome.stop == ("length" if client == "chat" else ("incomplete", "max_output_tokens")), outcome.stop


@pytest.mark.parametrize("upstream_dialect", DIALECTS)
@pytest.mark.parametrize("client", DIALECTS)
def test_tool_ids_from_clients_obey_the_upstream(client: Dialect, upstream_dialect: Dialect, http: httpx2.Client,
                                                 upstream: FakeUpstream) -> None:
    """History made elsewhere: ids an Anthropic upstream would reject (dots, colons) reach it mapped to its
    pattern, still pairing each result with its call; other upstreams get them unchanged."""
    if client == "anthropic":
        pytest.skip("an Anthropic client can only hold ids that match the pattern already")
    calls = [Call("functions.get_weather:0", "get_weather", '{"city": "Paris"}'),
             Call("call.stock/1", "get_stock_price", '{"ticker": "AAPL"}')]
    results = results_for(calls)
    mark = upstream.mark()
    answer = post(http, client, follow_up(client, f"{upstream_dialect}/text", calls, results,
                                          tools=tools_wire(client)))
    call = only_call(upstream, mark, upstream_dialect)
    check_answer(client, answer, call.answer if client == upstream_dialect else None)
    sent = call.json
    if upstream_dialect == "anthropic":
        from_upstream = assert_mapped_ids(sent, calls)
        assert_results_paired(client, upstream_dialect, sent, from_upstream, results)
    else:
        assert_results_paired(client, upstream_dialect, sent, calls, results)


def assert_mapped_ids(sent: dict[str, Any], calls: list[Call]) -> list[Call]:
    """The calls as the Anthropic upstream got them: new, valid, distinct ids, everything else the same."""
    uses = [block for message in sent["messages"] if isinstance(message["content"], list)
            for block in message["content"] if block["type"] == "tool_use"]
    assert len(uses) == len(calls), uses
    mapped = [Call(use["id"], call.name, call.arguments) for use, call in zip(uses, calls, strict=True)]
    assert len({call.id for call in mapped}) == len(mapped), mapped
    return mapped
