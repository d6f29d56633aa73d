"""Tool definitions, ``tool_choice`` and parallel-call settings reach every upstream with their meaning kept:
name, description, JSON schema and ``strict`` of each tool; auto / none / required (Anthropic ``any``) / a
named tool; ``parallel_tool_calls`` <-> ``disable_parallel_tool_use``."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from tests.e2e.conformance import check_answer, check_upstream_request
from tests.e2e.matrix import PAIR_IDS, PAIRS, only_call
from tests.e2e.tooling import (
    CHOICES,
    TOOLSET,
    Choice,
    ToolSpec,
    choice_fields,
    effective_choice,
    parallel_allowed,
    received_tools,
    tools_wire,
)
from tests.e2e.wire import post, request_body
from tests.upstream import DIALECTS, Dialect, FakeUpstream

# The parallel setting sent with each choice: off, on, or left to the default.
PARALLEL: dict[str, bool | None] = {"auto": False, "none": None, "required": True, "tool": False}
CHOICE_IDS = {"auto": "auto", "none": "none", "required": "required", "tool": "named"}


def _key(choice: Choice) -> str:
    return choice[0] if isinstance(choice, tuple) else choice


def _send(http: httpx2.Client, upstream: FakeUpstream, client: Dialect, upstream_dialect: Dialect,
          **fields: Any) -> dict[str, Any]:
    mark = upstream.mark()
    answer = post(http, client, request_body(client, f"{upstream_dialect}/text", **fields))
    call = only_call(upstream, mark, upstream_dialect)
    check_answer(client, answer, call.answer if client == upstream_dialect else None)
    sent: dict[str, Any] = call.json
    if client != upstream_dialect:
        check_upstream_request(upstream_dialect, sent)
    return sent


def assert_same_tools(client: Dialect, upstream_dialect: Dialect, sent: dict[str, Any],
                      specs: tuple[ToolSpec, ...] = TOOLSET) -> None:
    got = received_tools(upstream_dialect, sent)
    assert [tool.name for tool in got] == [spec.name for spec in specs], sent.get("tools")
    for spec, tool in zip(specs, got, strict=True):
        assert tool.description == spec.description, (spec.name, tool.description)
        assert tool.schema == spec.schema, f"{spec.name}: the JSON schema changed on the way: {tool.schema}"
        assert tool.strict == spec.effective_strict(client), (
            f"{spec.name}: strict {spec.effective_strict(client)} in the {client} request, {tool.strict} upstream")


@pytest.mark.parametrize("choice", CHOICES, ids=[CHOICE_IDS[_key(choice)] for choice in CHOICES])
@pytest.mark.parametrize(("client", "upstream_dialect"), PAIRS, ids=PAIR_IDS)
def test_tools_choice_and_parallel(client: Dialect, upstream_dialect: Dialect, choice: Choice, http: httpx2.Client,
                                   upstream: FakeUpstream) -> None:
    parallel = PARALLEL[_key(choice)]
    sent = _send(http, upstream, client, upstream_dialect, tools=tools_wire(client),
                 **choice_fields(client, choice, parallel))
    assert_same_tools(client, upstream_dialect, sent)
    assert effective_choice(upstream_dialect, sent) == choice, sent.get("tool_choice")
    if choice != "none" and not (upstream_dialect == "anthropic" and parallel is None):
        assert parallel_allowed(upstream_dialect, sent) is (parallel is not False), (
            sent.get("parallel_tool_calls"), sent.get("tool_choice"))


@pytest.mark.parametrize(("client", "upstream_dialect"), PAIRS, ids=PAIR_IDS)
def test_parallel_off_without_a_choice(client: Dialect, upstream_dialect: Dialect, http: httpx2.Client,
                                       upstream: FakeUpstream) -> None:
    """Parallel calls turned off with no tool choice: Anthropic carries it as ``auto`` with
    ``disable_parallel_tool_use``."""
    sent = _send(http, upstream, client, upstream_dialect, tools=tools_wire(client),
                 **choice_fields(client, None, False))
    assert parallel_allowed(upstream_dialect, sent) is False, (sent.get("parallel_tool_calls"),
                                                              sent.get("tool_choice"))
    assert effective_choice(upstream_dialect, sent) == "auto"


BARE: dict[Dialect, dict[str, Any]] = {
    "chat": {"type": "function", "function": {"name": "get_time"}},
    "responses": {"type": "function", "name": "get_time", "parameters": None, "strict": False},
    "anthropic": {"name": "get_time", "input_schema": {"type": "object"}},
}


@pytest.mark.parametrize("upstream_dialect", DIALECTS)
@pytest.mark.parametrize("client", DIALECTS)
def test_tool_without_description_or_parameters(client: Dialect, upstream_dialect: Dialect, http: httpx2.Client,
                                                upstream: FakeUpstream) -> None:
    """A tool that takes nothing: every upstream gets it under its name, with an object schema (or none
    where the dialect allows none), and no invented description."""
    sent = _send(http, upstream, client, upstream_dialect, tools=[BARE[client]])
    (tool,) = received_tools(upstream_dialect, sent)
    assert tool.name == "get_time"
    assert tool.description in (None, ""), tool.description
    assert tool.schema in ({}, {"type": "object"}) or (
        tool.schema.get("type") == "object" and not tool.schema.get("properties")), tool.schema
