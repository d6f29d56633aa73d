"""The turn after a tool call, both ways: what a client of each dialect sends back (its calls as it received
them, then their results), and what an upstream of each dialect received of it, read back into calls and
results with the pairing rules of that dialect checked on the way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.e2e.calls import ANTHROPIC_TOOL_ID, Call
from tests.e2e.translation import text_of
from tests.upstream import Dialect

QUESTION = "What is the weather in Paris, and how is AAPL doing?"


@dataclass(slots=True)
class Result:
    call_id: str
    text: str
    is_error: bool = False
    images: list[dict[str, Any]] = field(default_factory=list)


def result_text(position: int) -> str:
    return f"result {position}: 17 degrees and sunny"


def results_for(calls: list[Call], *, error_at: int | None = None) -> list[Result]:
    return [Result(call.id, result_text(position), position == error_at) for position, call in enumerate(calls)]


def _assistant_chat(calls: list[Call]) -> dict[str, Any]:
    tool_calls = []
    for call in calls:
        if call.kind == "custom":
            tool_calls.append({"id": call.id, "type": "custom", "custom": {"name": call.name, "input": call.arguments}})
        else:
            tool_calls.append({"id": call.id, "type": "function",
                               "function": {"name": call.name, "arguments": call.arguments}})
    return {"role": "assistant", "content": None, "tool_calls": tool_calls}


def _responses_items(calls: list[Call], results: list[Result]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for call in calls:
        if call.kind == "custom":
            items.append({"type": "custom_tool_call", "call_id": call.id, "name": call.name, "input": call.arguments})
        else:
            items.append({"type": "function_call", "call_id": call.id, "name": call.name,
                          "arguments": call.arguments})
    kinds = {call.id: call.kind for call in calls}
    for result in results:
        kind = "custom_tool_call_output" if kinds.get(result.call_id) == "custom" else "function_call_output"
        items.append({"type": kind, "call_id": result.call_id, "output": result.text})
    return items


def _anthropic_tool_use(call: Call) -> dict[str, Any]:
    return {"type": "tool_use", "id": call.id, "name": call.name, "input": json.loads(call.arguments or "{}")}


def follow_up(client: Dialect, model: str, calls: list[Call], results: list[Result], **extra: Any) -> dict[str, Any]:
    """The client's next request: the question, its assistant turn with the calls, and the results."""
    if client == "chat":
        tool_messages = [{"role": "tool", "tool_call_id": result.call_id, "content": result.text} for result in results]
        messages = [{"role": "user", "content": QUESTION}, _assistant_chat(calls), *tool_messages]
        return {"model": model, "messages": messages, **extra}
    if client == "responses":
        user = {"role": "user", "content": [{"type": "input_text", "text": QUESTION}]}
        return {"model": model, "input": [user, *_responses_items(calls, results)], **extra}
    blocks = [{"type": "tool_result", "tool_use_id": result.call_id, "content": result.text,
               "is_error": result.is_error} for result in results]
    messages = [{"role": "user", "content": QUESTION},
                {"role": "assistant", "content": [_anthropic_tool_use(call) for call in calls]},
                {"role": "user", "content": blocks}]
    return {"model": model, "max_tokens": 256, "messages": messages, **extra}


# --- what the upstream received ---------------------------------------------------------------------------

@dataclass(slots=True)
class Exchange:
    calls: list[Call]
    results: list[Result]


def _chat_received(body: dict[str, Any]) -> Exchange:
    messages = body["messages"]
    calls: list[Call] = []
    results: list[Result] = []
    for position, message in enumerate(messages):
        if message["role"] == "assistant" and message.get("tool_calls"):
            for call in message["tool_calls"]:
                if call["type"] == "custom":
                    calls.append(Call(call["id"], call["custom"]["name"], call["custom"]["input"], "custom"))
                else:
                    calls.append(Call(call["id"], call["function"]["name"], call["function"]["arguments"]))
            following = messages[position + 1: position + 1 + len(message["tool_calls"])]
            assert [item["role"] for item in following] == ["tool"] * len(message["tool_calls"]), (
                f"every chat tool call is answered by a tool message right after it: {following}")
        elif message["role"] == "tool":
            results.append(Result(message["tool_call_id"], text_of(message["content"])))
        elif message["role"] == "user" and results and isinstance(message["content"], list):
            images = [part for part in message["content"] if part.get("type") == "image_url"]
            results[-1].images.extend(images)
    return Exchange(calls, results)


def _responses_received(body: dict[str, Any]) -> Exchange:
    calls: list[Call] = []
    results: list[Result] = []
    for item in body["input"]:
        kind = item.get("type")
        if kind == "function_call":
            calls.append(Call(item["call_id"], item["name"], item["arguments"]))
        elif kind == "custom_tool_call":
            calls.append(Call(item["call_id"], item["name"], item["input"], "custom"))
        elif kind in ("function_call_output", "custom_tool_call_output"):
            output = item["output"]
            images = [part for part in output if part.get("type") == "input_image"] if isinstance(output, list) else []
            results.append(Result(item["call_id"], text_of(output) if not isinstance(output, str) else output,
                                  images=images))
        elif item.get("role") == "user" and results and isinstance(item.get("content"), list):
            results[-1].images.extend(part for part in item["content"] if part.get("type") == "input_image")
    return Exchange(calls, results)


def _anthropic_received(body: dict[str, Any]) -> Exchange:
    calls: list[Call] = []
    results: list[Result] = []
    messages = body["messages"]
    for position, message in enumerate(messages):
        content = message["content"] if isinstance(message["content"], list) else []
        uses = [block for block in content if block["type"] == "tool_use"]
        for block in uses:
            assert ANTHROPIC_TOOL_ID.match(block["id"]), f"not a valid Anthropic tool_use id: {block['id']}"
            calls.append(Call(block["id"], block["name"], json.dumps(block["input"])))
        if uses:
            assert message["role"] == "assistant", message
            answer = messages[position + 1]
            assert answer["role"] == "user", "tool results come in the user message right after the calls"
            kinds = [block["type"] for block in answer["content"]]
            count = kinds.count("tool_result")
            assert kinds[:count] == ["tool_result"] * count, f"tool_result blocks come first: {kinds}"
        for block in content:
            if block["type"] == "tool_result":
                inner = block.get("content", "")
                images = [part for part in inner if part.get("type") == "image"] if isinstance(inner, list) else []
                results.append(Result(block["tool_use_id"], text_of(inner), bool(block.get("is_error")), images))
    return Exchange(calls, results)


def received_exchange(dialect: Dialect, body: dict[str, Any]) -> Exchange:
    reader = {"chat": _chat_received, "responses": _responses_received, "anthropic": _anthropic_received}
    return reader[dialect](body)
