"""What the real providers refuse in a request, so a scripted upstream refuses it too (and a replay test can
name it): the official request schema from ../shared/specs, plus the rules a schema cannot express, each
with the message the provider answers (messages copied from the providers' real 400 answers).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tests.schemas import schema_errors

REQUEST_SCHEMAS = {"chat": ("openai", "CreateChatCompletionRequest"), "responses": ("openai", "CreateResponse"),
                   "anthropic": ("anthropic", "CreateMessageParams")}
ANTHROPIC_ID = re.compile(r"^[a-zA-Z0-9_-]+$")
OPENAI_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
MIN_THINKING_BUDGET = 1024


def violations(dialect: str, body: dict[str, Any], betas: frozenset[str] = frozenset()) -> list[str]:
    """Every reason the provider of ``dialect`` would answer this request body with a 400. ``betas``: the
    request's ``anthropic-beta`` flags, which let Anthropic take fields its published schema lacks."""
    if dialect == "anthropic":
        body = _without_beta_fields(body, betas)
    spec, schema = REQUEST_SCHEMAS[dialect]
    items = body.get("input") if dialect == "responses" else None
    if isinstance(items, list):
        found = schema_errors(spec, schema, {**body, "input": "(items checked one by one)"})
        found += [problem for position, item in enumerate(items) for problem in _responses_item(position, item)]
    else:
        found = schema_errors(spec, schema, body)
    if dialect == "chat":
        found += list(_chat_rules(body))
    elif dialect == "anthropic":
        found += list(_anthropic_rules(body))
    else:
        found += list(_responses_rules(body))
    return found


# --- OpenAI Chat Completions ----------------------------------------------------------------------------

def _chat_rules(body: dict[str, Any]) -> Iterator[str]:
    for index, tool in enumerate(body.get("tools") or []):
        name = (tool.get("function") or tool.get("custom") or {}).get("name", "")
        if not OPENAI_TOOL_NAME.match(name):
            yield (f"Invalid 'tools[{index}].function.name': string does not match pattern. Expected a string that "
                   "matches the pattern '^[a-zA-Z0-9_-]+$'.")
    messages = body.get("messages") or []
    pending: list[str] = []
    answered_turn = False
    for index, message in enumerate(messages):
        role = message.get("role")
        if role == "tool":
            if message.get("tool_call_id") not in pending or not answered_turn:
                yield (f"messages.[{index}].role: Invalid parameter: messages with role 'tool' must be a response to "
                       "a preceeding message with 'tool_calls'.")
            else:
                pending.remove(message["tool_call_id"])
            continue
        if pending:
            yield (f"messages.[{index}].role: An assistant message with 'tool_calls' must be followed by tool "
                   "messages responding to each 'tool_call_id'. The following tool_call_ids did not have response "
                   f"messages: {', '.join(pending)}")
        calls = (message.get("tool_calls") or []) if role == "assistant" else []
        pending, answered_turn = [call.get("id") for call in calls], bool(calls)
        if role == "assistant" and not calls and message.get("content") in (None, "", []):
            yield f"messages.[{index}].content: Invalid value for 'content': expected a string, got null."
    if pending:
        yield (f"messages.[{len(messages)}].role: An assistant message with 'tool_calls' must be followed by tool "
               f"messages responding to each 'tool_call_id'. The following tool_call_ids did not have response "
               f"messages: {', '.join(pending)}")


# --- OpenAI Responses -----------------------------------------------------------------------------------

# The spec's input-item union overlaps (a message is both an EasyInputMessage and an InputMessage, so its
# oneOf refuses every message): each item is checked against the members its type selects.
RESPONSES_ITEMS: dict[str, tuple[str, ...]] = {
    "message": ("EasyInputMessage", "InputMessage"),
    "function_call": ("FunctionToolCall",),
    "function_call_output": ("FunctionCallOutputItemParam",),
    "custom_tool_call": ("CustomToolCall",),
    "custom_tool_call_output": ("CustomToolCallOutput",),
    "reasoning": ("ReasoningItem",),
}
ASSISTANT_PARTS = {"output_text", "refusal"}


def _responses_item(position: int, item: Any) -> list[str]:
    kind = item.get("type", "message") if isinstance(item, dict) else None
    if kind == "message" and item.get("role") == "assistant" and isinstance(item.get("content"), list):
        # Earlier answers go back as assistant messages of output_text parts without the id and status an
        # OutputMessage requires; the spec has no such input shape, so the parts are checked here.
        parts = {part.get("type") for part in item["content"]}
        if not parts <= ASSISTANT_PARTS:
            return [f"input[{position}].content: assistant messages take {sorted(ASSISTANT_PARTS)}, got {parts}"]
        item = {**item, "content": "(output_text parts)"}
    members = RESPONSES_ITEMS.get(str(kind), ("Item",))
    problems = [schema_errors("openai", member, item) for member in members]
    if any(not found for found in problems):
        return []
    return [f"input[{position}] ({kind}) is none of {members}: {problems}"]


def _responses_rules(body: dict[str, Any]) -> Iterator[str]:
    items = body.get("input")
    if not isinstance(items, list):
        return
    calls = {item.get("call_id") for item in items if isinstance(item, dict)
             and item.get("type") in ("function_call", "custom_tool_call")}
    for index, item in enumerate(items):
        if isinstance(item, dict) and item.get("type") in ("function_call_output", "custom_tool_call_output") \
                and item.get("call_id") not in calls:
            yield f"input[{index}]: No tool call found for function call output with call_id {item.get('call_id')}."


# --- Anthropic Messages ---------------------------------------------------------------------------------

CONTEXT_MANAGEMENT_BETA = "context-management-2025-06-27"
MID_CONVERSATION_SYSTEM_BETA = "mid-conversation-system-2026-04-07"


def _without_beta_fields(body: dict[str, Any], betas: frozenset[str]) -> dict[str, Any]:
    """The body as the published schema knows it: ``context_management`` and ``role: "system"`` messages are
    taken (and set aside here) only under their beta flags, as Claude Code sends them."""
    if CONTEXT_MANAGEMENT_BETA in betas and "context_management" in body:
        body = {key: value for key, value in body.items() if key != "context_management"}
    if MID_CONVERSATION_SYSTEM_BETA in betas and isinstance(body.get("messages"), list):
        body = {**body, "messages": [message for message in body["messages"] if message.get("role") != "system"]}
    return body


def _thinking_on(body: dict[str, Any]) -> bool:
    return (body.get("thinking") or {}).get("type") in ("enabled", "adaptive")


def _anthropic_rules(body: dict[str, Any]) -> Iterator[str]:
    thinking = body.get("thinking") or {}
    if thinking.get("type") == "enabled":
        budget = thinking.get("budget_tokens", 0)
        if budget < MIN_THINKING_BUDGET:
            yield "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024"
        if budget >= body.get("max_tokens", 0):
            yield ("`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at "
                   "https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size")
    if _thinking_on(body):
        if body.get("temperature") not in (None, 1, 1.0):
            yield "`temperature` may only be set to 1 when thinking is enabled or in adaptive mode."
        if (body.get("tool_choice") or {}).get("type") in ("any", "tool"):
            yield "Thinking may not be enabled when tool_choice forces tool use."
    messages = body.get("messages") or []
    for index, message in enumerate(messages):
        yield from _anthropic_blocks(index, message)
        yield from _anthropic_pairing(index, message, messages)
    yield from _anthropic_final_thinking(body, messages)


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content")
    return content if isinstance(content, list) else [{"type": "text", "text": content}]


def _anthropic_blocks(index: int, message: dict[str, Any]) -> Iterator[str]:
    blocks = _blocks(message)
    for position, block in enumerate(blocks):
        where = f"messages.{index}.content.{position}"
        kind = block.get("type")
        if kind == "text" and not str(block.get("text") or "").strip():
            yield f"{where}: text content blocks must contain non-whitespace text"
        elif kind == "tool_use" and not ANTHROPIC_ID.match(str(block.get("id"))):
            yield f"{where}.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'"
        elif kind == "thinking" and not block.get("signature"):
            yield f"{where}.thinking.signature: Field required"
    kinds = [block.get("type") for block in blocks]
    if any(kind in ("thinking", "redacted_thinking") for kind in kinds) and kinds[0] not in ("thinking",
                                                                                               "redacted_thinking"):
        yield (f"messages.{index}.content.0: If an assistant message contains any thinking blocks, the first block "
               f"must be thinking or redacted_thinking. Found {kinds[0]}.")


def _anthropic_pairing(index: int, message: dict[str, Any], messages: list[dict[str, Any]]) -> Iterator[str]:
    if message.get("role") == "assistant":
        uses = [block["id"] for block in _blocks(message) if block.get("type") == "tool_use"]
        following = _blocks(messages[index + 1]) if index + 1 < len(messages) else []
        answered = {block.get("tool_use_id") for block in following if block.get("type") == "tool_result"}
        missing = [use for use in uses if use not in answered]
        if missing and index + 1 < len(messages):
            yield (f"messages.{index}: `tool_use` ids were found without `tool_result` blocks immediately after: "
                   f"{', '.join(missing)}. Each `tool_use` block must have a corresponding `tool_result` block in the "
                   "next message.")
        return
    previous = _blocks(messages[index - 1]) if index > 0 and messages[index - 1].get("role") == "assistant" else []
    offered = {block.get("id") for block in previous if block.get("type") == "tool_use"}
    for position, block in enumerate(_blocks(message)):
        if block.get("type") == "tool_result" and block.get("tool_use_id") not in offered:
            yield (f"messages.{index}.content.{position}: unexpected `tool_use_id` found in `tool_result` blocks: "
                   f"{block.get('tool_use_id')}. Each `tool_result` block must have a corresponding `tool_use` block "
                   "in the previous message.")


def _anthropic_final_thinking(body: dict[str, Any], messages: list[dict[str, Any]]) -> Iterator[str]:
    """With thinking on, the assistant turn that opened the current tool loop must start with thinking."""
    if not _thinking_on(body) or len(messages) < 2:
        return
    last, previous = _blocks(messages[-1]), messages[-2]
    if not any(block.get("type") == "tool_result" for block in last) or previous.get("role") != "assistant":
        return
    first = _blocks(previous)[0].get("type")
    if first not in ("thinking", "redacted_thinking"):
        yield (f"messages.{len(messages) - 2}.content.0.type: Expected `thinking` or `redacted_thinking`, but found "
               f"`{first}`. When `thinking` is enabled, a final `assistant` message must start with a thinking block "
               "(preceeding the lastmost set of `tool_use` and `tool_result` blocks). We recommend you include "
               "thinking blocks from previous turns. To avoid this requirement, disable `thinking`. Please consult our "
               "documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking")
