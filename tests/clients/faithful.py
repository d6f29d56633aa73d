"""Is what an upstream received a faithful translation of what the client sent?

Compared through the neutral view of ``upstream_view.py``, by the rules of docs/compatibility.md and
src/dragoman/canonical/: tools keep name, description and schema (*custom-as-function* where the upstream has
no custom tools; built-in tools dropped under ``drop_unsupported_tools``); system and developer prompts keep
their text and order; turns keep their roles and text; every tool call keeps its name and arguments and stays
paired by id with its result; reasoning effort follows the effort/budget table (no thinking for an Anthropic
upstream when the turn being answered carries no signed thinking, which the API refuses); a reasoning proof goes only
back to the dialect that produced it; max tokens and streaming are carried.
"""

from __future__ import annotations

import json
from typing import Any

from dragoman.canonical.reasoning import EFFORT_BUDGETS, effort_for_budget
from tests.clients.upstream_view import ToolDef, View, read
from tests.upstream import Dialect

TRANSLATABLE = ("function", "custom")
BUDGETS: dict[str, int] = {str(effort): budget for effort, budget in EFFORT_BUDGETS.items()}
MAX_TOKENS_FIELDS: dict[Dialect, tuple[str, ...]] = {"chat": ("max_completion_tokens", "max_tokens"),
                                                    "responses": ("max_output_tokens",),
                                                    "anthropic": ("max_tokens",)}


def check_translation(client: Dialect, sent: dict[str, Any], upstream: Dialect, received: dict[str, Any]) -> None:
    before, after = read(client, sent), read(upstream, received)
    check_tools(before, after, upstream)
    check_instructions(before, after)
    check_turns(before, after)
    check_calls_and_results(before, after)
    check_reasoning(client, sent, upstream, received, after)
    if client != upstream:
        check_proofs(before, received)
    assert bool(received.get("stream")) == bool(sent.get("stream")), "stream changed"
    given = _max_tokens(client, sent)
    if given is not None:
        assert _max_tokens(upstream, received) == given, f"max tokens {given} became {_max_tokens(upstream, received)}"


def _max_tokens(dialect: Dialect, body: dict[str, Any]) -> int | None:
    return next((body[name] for name in MAX_TOKENS_FIELDS[dialect] if name in body), None)


def _namespace_members(tool: ToolDef, sent: dict[str, Any]) -> set[str]:
    for wire in sent.get("tools") or []:
        if wire.get("type") == "namespace" and wire.get("name") == tool.name:
            return {member.get("name", "") for member in wire.get("tools") or []}
    return set()


def check_tools(before: View, after: View, upstream: Dialect) -> None:
    built_in = [tool for tool in after.tools if tool.kind not in TRANSLATABLE]
    assert not built_in, f"built-in tools reached the {upstream} upstream: {built_in}"
    got = {tool.name: tool for tool in after.tools}
    assert len(got) == len(after.tools), f"a tool name was sent twice: {[tool.name for tool in after.tools]}"
    offered = {tool.name for tool in before.tools if tool.kind in TRANSLATABLE}
    for tool in before.tools:
        if tool.kind == "function":
            assert tool.name in got, f"function tool {tool.name!r} was not sent upstream"
            carried = got[tool.name]
            assert carried.kind == "function", carried
            assert carried.schema == tool.schema, f"{tool.name}: schema changed\n{carried.schema}\n!= {tool.schema}"
            assert carried.description == tool.description, f"{tool.name}: description changed"
        elif tool.kind == "custom":
            assert tool.name in got, f"custom tool {tool.name!r} was not sent upstream"
            check_custom(tool, got[tool.name])
        elif tool.name in got:
            raise AssertionError(f"built-in tool {tool.name!r} ({tool.kind}) reached the upstream as {got[tool.name]}")
    extra = set(got) - offered
    assert not extra, f"the upstream was offered tools the client never sent: {sorted(extra)}"


def check_custom(tool: ToolDef, carried: ToolDef) -> None:
    """Carried as a custom tool where the upstream has them, else as a function with one string ``input``."""
    if carried.kind == "custom":
        assert carried.schema == tool.schema, f"{tool.name}: grammar changed"
        return
    schema = carried.schema or {}
    assert schema.get("type") == "object" and list(schema.get("properties", {})) == ["input"], schema
    assert schema["properties"]["input"].get("type") == "string" and schema.get("required") == ["input"], schema
    assert carried.description and (tool.description or "") in carried.description, carried.description


def in_order(pieces: list[str], text: str) -> str | None:
    """The first piece missing from ``text`` (searching after the previous one), or None."""
    position = 0
    for piece in pieces:
        found = text.find(piece.strip(), position)
        if found < 0:
            return piece
        position = found + len(piece.strip())
    return None


def check_instructions(before: View, after: View) -> None:
    joined = "\n".join(after.instructions)
    missing = in_order([piece for piece in before.instructions if piece.strip()], joined)
    assert missing is None, (f"system/developer text lost or reordered: {missing[:300]!r}\n"
                             f"upstream got: {joined[:2000]!r}")


def check_turns(before: View, after: View) -> None:
    expected, received = before.merged_turns(), after.merged_turns()
    assert [role for role, _ in expected] == [role for role, _ in received], (
        f"turn roles changed: {[role for role, _ in expected]} -> {[role for role, _ in received]}")
    for (role, pieces), (_, texts) in zip(expected, received, strict=True):
        text = "\n".join(texts)
        missing = in_order(pieces, text)
        assert missing is None, f"{role} text lost: {missing[:300]!r} not in {text[:1000]!r}"


def check_calls_and_results(before: View, after: View) -> None:
    assert [(call.name, call.arguments) for call in after.calls] == [(call.name, call.arguments) for call in
                                                                      before.calls], "tool calls changed"
    ids = {old.id: new.id for old, new in zip(before.calls, after.calls, strict=True)}
    assert len(set(ids.values())) == len(ids), f"two calls share an id upstream: {ids}"
    assert len(after.results) == len(before.results), f"results {before.results} became {after.results}"
    for old, new in zip(before.results, after.results, strict=True):
        assert new.call_id == ids.get(old.call_id), f"result for {old.call_id} paired with {new.call_id}, not {ids}"
        assert new.text.strip() == old.text.strip(), f"tool result text changed: {old.text!r} -> {new.text!r}"
        assert new.is_error == old.is_error


def requested_effort(client: Dialect, body: dict[str, Any]) -> str | None:
    if client == "anthropic":
        thinking = body.get("thinking") or {}
        if (body.get("output_config") or {}).get("effort"):
            return str(body["output_config"]["effort"])
        return effort_for_budget(thinking["budget_tokens"]) if thinking.get("type") == "enabled" else None
    if client == "responses":
        return (body.get("reasoning") or {}).get("effort")
    return body.get("reasoning_effort")


def unsigned_tool_turn(body: dict[str, Any]) -> bool:
    """An Anthropic request answering tool calls of an assistant turn that does not start with thinking: the API
    refuses thinking then, so the effort is dropped (rule *thinking-needs-signed-turn*)."""
    messages = body.get("messages") or []
    if len(messages) < 2 or messages[-2].get("role") != "assistant" or not isinstance(messages[-1]["content"], list):
        return False
    answers = any(block.get("type") == "tool_result" for block in messages[-1]["content"])
    first = messages[-2]["content"][0] if isinstance(messages[-2]["content"], list) else {"type": "text"}
    return answers and first.get("type") not in ("thinking", "redacted_thinking")


def check_reasoning(client: Dialect, sent: dict[str, Any], upstream: Dialect, received: dict[str, Any],
                    after: View) -> None:
    effort = requested_effort(client, sent)
    if effort is None:
        return
    if upstream == "anthropic" and unsigned_tool_turn(received):
        assert (received.get("thinking") or {}).get("type") in (None, "disabled"), received.get("thinking")
        return
    if upstream == "anthropic":
        by_budget = after.budget == BUDGETS.get(effort)
        by_effort = after.adaptive and after.effort == effort
        assert by_budget or by_effort, (f"effort {effort!r} should become thinking.budget_tokens {BUDGETS.get(effort)} "
                                        "(or adaptive + output_config.effort), got budget "
                                        f"{after.budget}, adaptive {after.adaptive}, effort {after.effort}")
    else:
        assert after.effort == effort, f"effort {effort!r} reached the {upstream} upstream as {after.effort!r}"


def check_proofs(before: View, received: dict[str, Any]) -> None:
    """A signature or encrypted content the client sent back belongs to the dialect that produced it; an
    upstream of another dialect cannot verify it and must never see it. (The captured proofs are plain ones
    of the client's own dialect; a proof dragoman wrapped for travel would go back to its origin.)"""
    serialized = json.dumps(received)
    leaked = [proof for proof in before.proofs if proof and proof in serialized]
    assert not leaked, f"reasoning proofs of another dialect reached the upstream: {leaked}"
