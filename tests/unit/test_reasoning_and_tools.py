"""The shared reasoning table, wrapped proofs and custom-tool wrapping."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dragoman.canonical.content import ToolCallPart
from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.reasoning import EFFORT_BUDGETS, budget_for_effort, effort_for_budget, unwrap_proof, wrap_proof
from dragoman.canonical.request import Message, Request, Tool, ToolChoice
from dragoman.canonical.tools import apply_native_tool_policy, as_client_call, unwrap_custom_input, wrap_custom_input


def test_effort_budget_round_trip_is_exact() -> None:
    for effort, budget in EFFORT_BUDGETS.items():
        assert budget_for_effort(effort) == budget
        assert effort_for_budget(budget) == effort
    assert budget_for_effort("none") is None
    assert effort_for_budget(5000) == "low"
    assert effort_for_budget(10) == "minimal"


@given(st.sampled_from(["anthropic_messages", "openai_responses", "openai_chat"]),
       st.sampled_from(["signature", "encrypted", "redacted"]), st.text(min_size=1))
def test_wrapped_proofs_unwrap_to_origin_kind_and_value(origin: str, kind: str, value: str) -> None:
    proof = unwrap_proof(wrap_proof(origin, kind, value))  # type: ignore[arg-type]
    assert proof is not None
    assert (proof.origin, proof.kind, proof.value) == (origin, kind, value)


def test_plain_proofs_are_not_wrapped() -> None:
    assert unwrap_proof("EqQBCkgIARABGAIiQL") is None
    assert unwrap_proof("dragoman.v1.gemini.signature.x") is None


@given(st.text())
def test_custom_input_wraps_and_unwraps(raw: str) -> None:
    assert unwrap_custom_input(wrap_custom_input(raw)) == raw


def test_calls_to_custom_tools_get_their_raw_input_back() -> None:
    call = ToolCallPart(id="t1", name="apply_patch", arguments=wrap_custom_input("*** Begin Patch"))
    assert as_client_call(call, frozenset({"apply_patch"})).arguments == "*** Begin Patch"
    assert as_client_call(call, frozenset({"apply_patch"})).kind == "custom"
    assert as_client_call(call, frozenset()) is call


def _request(*tools: Tool) -> Request:
    return Request(model="m", messages=[Message("user", [])], tools=list(tools),
                   tool_choice=ToolChoice("tool", "web_search"))


def test_native_tools_reach_only_their_origin() -> None:
    search = Tool(name="web_search", kind="native", native={"type": "web_search"}, origin="openai_responses")
    shell = Tool(name="shell", parameters={"type": "object"})
    same = _request(search, shell)
    apply_native_tool_policy(same, "openai_responses", drop_unsupported=False)
    assert same.tools == [search, shell]
    with pytest.raises(InvalidRequest) as caught:
        apply_native_tool_policy(_request(search, shell), "anthropic_messages", drop_unsupported=False)
    assert caught.value.param == "tools[0]"
    dropped = _request(search, shell)
    apply_native_tool_policy(dropped, "anthropic_messages", drop_unsupported=True)
    assert dropped.tools == [shell]
    assert dropped.tool_choice is None
