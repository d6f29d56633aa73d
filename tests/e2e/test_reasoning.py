"""Reasoning across dialects. Settings: ``reasoning_effort`` <-> ``reasoning.effort`` <-> ``thinking``
budgets (by the table of canonical/reasoning.py) or adaptive thinking with ``output_config.effort``; off stays
off; ``reasoning: false`` deployments send none. Answers: Anthropic thinking (with its signature, redacted
thinking), Responses reasoning (summary, encrypted content) and chat ``reasoning_content``/``reasoning``
reach every client dialect, a proof wrapped as documented when it travels through another dialect."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from tests.e2e.conformance import check_answer, check_upstream_request
from tests.e2e.formats import format_fields
from tests.e2e.matrix import only_call
from tests.e2e.outcome import of_answer, of_events, of_json
from tests.e2e.thoughts import (
    BUDGETS,
    Thought,
    effort_for,
    proof_wraps,
    received_setting,
    thoughts_of_events,
    thoughts_of_json,
    thoughts_served,
)
from tests.e2e.wire import Event, post, request_body
from tests.upstream import DIALECTS, Dialect, FakeUpstream

EFFORTS = ["minimal", "low", "medium", "high", "xhigh"]


def effort_fields(client: Dialect, effort: str) -> dict[str, Any]:
    if client == "chat":
        return {"reasoning_effort": effort}
    return {"reasoning": {"effort": effort, "summary": "auto"}}


def _sent(http: httpx2.Client, upstream: FakeUpstream, client: Dialect, model: str, upstream_dialect: Dialect,
          **fields: Any) -> dict[str, Any]:
    mark = upstream.mark()
    answer = post(http, client, request_body(client, model, **fields))
    call = only_call(upstream, mark, upstream_dialect)
    check_answer(client, answer, call.answer if client == upstream_dialect else None)
    if client != upstream_dialect:
        check_upstream_request(upstream_dialect, call.json)
    sent: dict[str, Any] = call.json
    return sent


@pytest.mark.parametrize("effort", EFFORTS)
@pytest.mark.parametrize("upstream_dialect", DIALECTS)
@pytest.mark.parametrize("client", ["chat", "responses"])
def test_effort_reaches_every_upstream(client: Dialect, upstream_dialect: Dialect, effort: str, http: httpx2.Client,
                                       upstream: FakeUpstream) -> None:
    sent = _sent(http, upstream, client, f"{upstream_dialect}/text", upstream_dialect, **effort_fields(client, effort))
    setting = received_setting(upstream_dialect, sent)
    assert setting.effort == effort, (sent.get("thinking"), sent.get("output_config"), sent.get("reasoning"))
    if setting.budget is not None:
        assert setting.budget == BUDGETS[effort], f"effort {effort} is a budget of {BUDGETS[effort]} by the table"


@pytest.mark.parametrize("budget", [1024, 2048, 5000, 16384, 40000])
@pytest.mark.parametrize("upstream_dialect", ["chat", "responses"])
def test_thinking_budget_becomes_an_effort(upstream_dialect: Dialect, budget: int, http: httpx2.Client,
                                           upstream: FakeUpstream) -> None:
    sent = _sent(http, upstream, "anthropic", f"{upstream_dialect}/text", upstream_dialect, max_tokens=budget + 4096,
                 thinking={"type": "enabled", "budget_tokens": budget})
    assert received_setting(upstream_dialect, sent).effort == effort_for(budget)


@pytest.mark.parametrize("upstream_dialect", ["chat", "responses"])
def test_adaptive_thinking_with_effort(upstream_dialect: Dialect, http: httpx2.Client, upstream: FakeUpstream) -> None:
    """What Claude Code sends: adaptive thinking and ``output_config.effort``."""
    sent = _sent(http, upstream, "anthropic", f"{upstream_dialect}/text", upstream_dialect,
                 thinking={"type": "adaptive"}, output_config={"effort": "high"})
    assert received_setting(upstream_dialect, sent).effort == "high"


@pytest.mark.parametrize("upstream_dialect", ["chat", "responses"])
def test_disabled_thinking_stays_off(upstream_dialect: Dialect, http: httpx2.Client, upstream: FakeUpstream) -> None:
    sent = _sent(http, upstream, "anthropic", f"{upstream_dialect}/text", upstream_dialect,
                 thinking={"type": "disabled"})
    assert received_setting(upstream_dialect, sent).off


@pytest.mark.parametrize("upstream_dialect", ["chat", "anthropic"])
def test_effort_none_stays_off(upstream_dialect: Dialect, http: httpx2.Client, upstream: FakeUpstream) -> None:
    sent = _sent(http, upstream, "responses", f"{upstream_dialect}/text", upstream_dialect,
                 reasoning={"effort": "none"})
    assert received_setting(upstream_dialect, sent).off, (sent.get("thinking"), sent.get("reasoning_effort"))


@pytest.mark.parametrize("upstream_dialect", DIALECTS)
@pytest.mark.parametrize("client", DIALECTS)
def test_reasoning_off_deployment_sends_no_setting(client: Dialect, upstream_dialect: Dialect, http: httpx2.Client,
                                                   upstream: FakeUpstream) -> None:
    fields = ({"thinking": {"type": "enabled", "budget_tokens": 2048}, "max_tokens": 4096} if client == "anthropic"
              else effort_fields(client, "high"))
    sent = _sent(http, upstream, client, f"no-reasoning/{upstream_dialect}", upstream_dialect, **fields)
    assert not {"reasoning_effort", "reasoning", "thinking"} & set(sent), sent
    assert "effort" not in (sent.get("output_config") or {}), sent


# --- reasoning in answers ----------------------------------------------------------------------------------

ANSWERS: dict[Dialect, list[tuple[str, tuple[bool, ...]]]] = {
    "anthropic": [("thinking", (False, True)), ("redacted-thinking", (False, True)), ("clear-thinking", (False, True)),
                  ("thinking-tool-call", (False,))],
    "responses": [("reasoning", (False, True)), ("reasoning-summary", (False, True)), ("reasoning-tool-call", (True,))],
    "chat": [("reasoning", (False, True)), ("reasoning-field", (False, True))],
}
ANSWER_CASES = [pytest.param(client, upstream, scenario, stream,
                             id=f"{client}-via-{upstream}-{scenario}-{'stream' if stream else 'json'}")
                for upstream, scenarios in ANSWERS.items() for scenario, modes in scenarios
                for client in DIALECTS if client != upstream for stream in modes]


def assert_thoughts_carried(client: Dialect, upstream_dialect: Dialect, served: list[Thought],
                            got: list[Thought]) -> None:
    """Chat holds the text only (all thoughts in one field); the others one thought per thought, its text
    (pieces may be joined) and its proof wrapped with the proof's origin and kind."""
    if client == "chat":
        joined = Thought(got[0].text if got else "")
        assert all(joined.contains(thought) for thought in served if thought.text), (joined, served)
        return
    assert len(got) == len(served), f"got {got}\nserved {served}"
    for mine, theirs in zip(got, served, strict=True):
        assert mine.contains(theirs), (mine.text, theirs.pieces or theirs.text)
        if theirs.proof and theirs.kind and upstream_dialect != "chat":
            assert proof_wraps(mine.proof, upstream_dialect, theirs.kind, theirs.proof), (mine.proof, theirs)


def _check_grammar(client: Dialect, events: list[Event], thoughts: list[Thought]) -> None:
    kinds = [event.json.get("type") for event in events if event.data != "[DONE]"]
    deltas = [event.json["delta"]["type"] for event in events
              if event.data != "[DONE]" and event.json.get("type") == "content_block_delta"]
    if client == "anthropic":
        if any(thought.text for thought in thoughts):
            assert "thinking_delta" in deltas, deltas
        if any(thought.proof for thought in thoughts):
            assert "signature_delta" in deltas or "redacted_thinking" in str(kinds), deltas
    elif client == "responses" and any(thought.text for thought in thoughts):
        assert {"response.reasoning_summary_text.delta", "response.reasoning_text.delta"} & set(kinds), kinds


@pytest.mark.parametrize(("client", "upstream_dialect", "scenario", "stream"), ANSWER_CASES)
def test_reasoning_in_answers(client: Dialect, upstream_dialect: Dialect, scenario: str, stream: bool,
                              http: httpx2.Client, upstream: FakeUpstream) -> None:
    mark = upstream.mark()
    answer = post(http, client, request_body(client, f"{upstream_dialect}/{scenario}", stream=stream))
    call = only_call(upstream, mark, upstream_dialect)
    served = thoughts_served(upstream_dialect, call.answer)
    assert served, "the recording has reasoning"
    checked = check_answer(client, answer)
    if stream:
        got, outcome = thoughts_of_events(client, checked), of_events(client, checked)
    else:
        got, outcome = thoughts_of_json(client, checked), of_json(client, checked)
    assert_thoughts_carried(client, upstream_dialect, served, got)
    assert outcome.text == of_answer(upstream_dialect, call.answer).text
    if stream:
        _check_grammar(client, checked, served)


SIGNED = "EqQBCkgIARABGAIiQLsignature"


@pytest.mark.parametrize("client", ["anthropic", "chat"])
def test_own_reasoning_history_survives_a_translated_route(client: Dialect, http: httpx2.Client,
                                                           upstream: FakeUpstream) -> None:
    """A route that decodes and encodes again (structured output emulated on a deployment of the client's
    dialect) hands a dialect's own reasoning back verbatim: Anthropic thinking with its signature, a
    signature-only block and redacted thinking; chat ``reasoning_content``."""
    if client == "anthropic":
        assistant: dict[str, Any] = {"role": "assistant", "content": [
            {"type": "thinking", "thinking": "Let me think.", "signature": SIGNED},
            {"type": "thinking", "thinking": "", "signature": SIGNED + "2"},
            {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP"},
            {"type": "text", "text": "Paris."}]}
        fields: dict[str, Any] = {"messages": [{"role": "user", "content": "Capital of France?"}, assistant,
                                               {"role": "user", "content": "And of Italy?"}]}
    else:
        assistant = {"role": "assistant", "content": "Paris.", "reasoning_content": "Let me think."}
        fields = {"messages": [{"role": "user", "content": "Capital of France?"}, assistant,
                               {"role": "user", "content": "And of Italy?"}]}
    sent = _sent(http, upstream, client, f"structured-tool/{client}", client, **fields, **format_fields(client))
    history = sent["messages"][1]
    assert history["role"] == "assistant"
    if client == "anthropic":
        assert history["content"][:3] == assistant["content"][:3], history
    else:
        assert history.get("reasoning_content") == "Let me think.", history
