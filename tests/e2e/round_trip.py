"""Assertions shared by the tool round-trip tests (raw HTTP and SDKs): the calls a client got are the calls
the upstream made, and the calls and results an upstream got back are its own calls, paired by id."""

from __future__ import annotations

from typing import Any

from tests.e2e.calls import ANTHROPIC_TOOL_ID, Call
from tests.e2e.conformance import check_upstream_request
from tests.e2e.exchange import Result, received_exchange
from tests.upstream import Dialect


def assert_calls_translated(client: Dialect, served: list[Call], got: list[Call], *, exact: bool = False) -> None:
    """Same calls in the same order: names, arguments (as JSON values; as text when ``exact``, e.g. for
    arguments cut off by max_tokens), ids kept unless the client's dialect forbids them."""
    assert served, "the upstream answer has tool calls, so the test can check them"
    assert [call.name for call in got] == [call.name for call in served], (got, served)
    for mine, theirs in zip(got, served, strict=True):
        if exact:
            assert mine.arguments == theirs.arguments, (mine.arguments, theirs.arguments)
        else:
            assert mine.parsed == theirs.parsed, (mine.arguments, theirs.arguments)
        if client == "anthropic":
            assert ANTHROPIC_TOOL_ID.match(mine.id), f"not a valid Anthropic tool id: {mine.id!r}"
            if ANTHROPIC_TOOL_ID.match(theirs.id):
                assert mine.id == theirs.id, (mine.id, theirs.id)
        else:
            assert mine.id == theirs.id, (mine.id, theirs.id)
    assert len({call.id for call in got}) == len(got), f"parallel calls must keep distinct ids: {got}"


def assert_results_paired(client: Dialect, upstream_dialect: Dialect, sent: dict[str, Any], served: list[Call],
                          results: list[Result]) -> None:
    """The upstream got its own calls back (its ids, names, arguments) and each result after them, paired
    with the right call by id, with the result text and (where the dialect has it) the error flag."""
    if client != upstream_dialect:
        check_upstream_request(upstream_dialect, sent)
    exchange = received_exchange(upstream_dialect, sent)
    assert [call.id for call in exchange.calls] == [call.id for call in served], (
        "the upstream must get its own tool-call ids back", exchange.calls)
    assert [call.name for call in exchange.calls] == [call.name for call in served]
    assert [call.parsed for call in exchange.calls] == [call.parsed for call in served]
    assert [result.call_id for result in exchange.results] == [call.id for call in served], exchange.results
    for want, got in zip(results, exchange.results, strict=True):
        assert want.text in got.text, (want.text, got.text)
        if upstream_dialect == "anthropic" and client == "anthropic":
            assert got.is_error is want.is_error
