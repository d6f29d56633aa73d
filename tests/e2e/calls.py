"""Tool calls in answers of every dialect, whole or streamed: read them (from what the upstream served or
what the gateway sent), check each dialect's streaming grammar for them, and write the next turn a client
sends with the results.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from tests.e2e.wire import Event, parse_sse
from tests.upstream import Answer, Body, Dialect, Stream

ANTHROPIC_TOOL_ID = re.compile(r"^[a-zA-Z0-9_-]+$")


@dataclass(frozen=True, slots=True)
class Call:
    id: str
    name: str
    arguments: str
    """JSON arguments as text; for a custom tool call, the raw input."""
    kind: Literal["function", "custom"] = "function"

    @property
    def parsed(self) -> Any:
        try:
            return json.loads(self.arguments) if self.arguments else {}
        except ValueError:
            return self.arguments


def _payloads(events: list[Event]) -> list[Any]:
    return [event.json for event in events if event.data != "[DONE]"]


# --- whole answers ---------------------------------------------------------------------------------------

def calls_of_json(dialect: Dialect, body: dict[str, Any]) -> list[Call]:
    if dialect == "chat":
        calls = []
        for call in body["choices"][0]["message"].get("tool_calls") or []:
            if call.get("type") == "custom":
                calls.append(Call(call["id"], call["custom"]["name"], call["custom"]["input"], "custom"))
            else:
                calls.append(Call(call["id"], call["function"]["name"], call["function"]["arguments"]))
        return calls
    if dialect == "responses":
        return calls_of_output(body.get("output", []))
    return [Call(block["id"], block["name"], json.dumps(block["input"])) for block in body["content"]
            if block["type"] == "tool_use"]


def calls_of_output(output: list[Any]) -> list[Call]:
    calls = []
    for item in output:
        if item.get("type") == "function_call":
            calls.append(Call(item["call_id"], item["name"], item["arguments"]))
        elif item.get("type") == "custom_tool_call":
            calls.append(Call(item["call_id"], item["name"], item["input"], "custom"))
    return calls


# --- streams ---------------------------------------------------------------------------------------------

def _chat_stream_calls(payloads: list[Any]) -> list[Call]:
    """Fragments joined per call: a delta with a new ``id`` starts a new call even on a reused index."""
    calls: list[dict[str, str]] = []
    current: dict[int, dict[str, str]] = {}
    for payload in payloads:
        for choice in payload.get("choices") or []:
            for delta in (choice.get("delta") or {}).get("tool_calls") or []:
                index = delta["index"]
                call = current.get(index)
                if call is None or (delta.get("id") and delta["id"] != call["id"]):
                    call = {"id": delta.get("id", ""), "name": "", "arguments": "", "kind": "function"}
                    current[index] = call
                    calls.append(call)
                if "custom" in delta:  # a custom tool call: its raw input in custom.input pieces
                    call["kind"] = "custom"
                    call["name"] += delta["custom"].get("name") or ""
                    call["arguments"] += delta["custom"].get("input") or ""
                    continue
                function = delta.get("function") or {}
                call["name"] += function.get("name") or ""
                call["arguments"] += function.get("arguments") or ""
    return [Call(call["id"], call["name"], call["arguments"], "custom" if call["kind"] == "custom" else "function")
            for call in calls]


def _responses_stream_calls(payloads: list[Any]) -> list[Call]:
    for payload in payloads:
        if payload.get("type") in ("response.completed", "response.incomplete"):
            return calls_of_output(payload["response"].get("output", []))
    return calls_of_output([payload["item"] for payload in payloads
                            if payload.get("type") == "response.output_item.done"])


def _anthropic_stream_calls(payloads: list[Any]) -> list[Call]:
    calls: list[dict[str, str]] = []
    open_calls: dict[int, dict[str, str]] = {}
    for payload in payloads:
        kind = payload.get("type")
        if kind == "content_block_start" and payload["content_block"]["type"] == "tool_use":
            block = payload["content_block"]
            open_calls[payload["index"]] = {"id": block["id"], "name": block["name"], "arguments": ""}
            calls.append(open_calls[payload["index"]])
        elif kind == "content_block_delta" and payload["delta"]["type"] == "input_json_delta":
            open_calls[payload["index"]]["arguments"] += payload["delta"]["partial_json"]
    return [Call(call["id"], call["name"], call["arguments"] or "{}") for call in calls]


def calls_of_events(dialect: Dialect, events: list[Event]) -> list[Call]:
    payloads = _payloads(events)
    reader = {"chat": _chat_stream_calls, "responses": _responses_stream_calls, "anthropic": _anthropic_stream_calls}
    return reader[dialect](payloads)


def calls_served(dialect: Dialect, answer: Answer | None) -> list[Call]:
    """The calls an upstream answer of the fake upstream carries."""
    if isinstance(answer, Body):
        return calls_of_json(dialect, answer.json())
    assert isinstance(answer, Stream), f"no content answer: {answer!r}"
    return calls_of_events(dialect, [item for item in parse_sse(answer.content) if isinstance(item, Event)])


# --- what each client dialect's stream grammar requires of calls ------------------------------------------

def check_chat_call_deltas(events: list[Event]) -> None:
    """Each call on its own ``index`` (0, 1, … in order); its first fragment carries id, type and name,
    later fragments only arguments; the turn ends with ``finish_reason: tool_calls``."""
    seen: dict[int, str] = {}
    finish = None
    for payload in _payloads(events):
        for choice in payload.get("choices") or []:
            finish = choice.get("finish_reason") or finish
            for delta in (choice.get("delta") or {}).get("tool_calls") or []:
                index = delta["index"]
                if index not in seen:
                    assert index == len(seen), f"call indexes must count up from 0: {index} after {list(seen)}"
                    assert delta.get("id") and (delta.get("function") or {}).get("name"), (
                        f"the first fragment of call {index} names it: {delta}")
                    assert delta.get("type") == "function", delta
                    seen[index] = delta["id"]
                else:
                    assert delta.get("id") in (None, seen[index]), f"call {index} changed id: {delta}"
                    assert not (delta.get("function") or {}).get("name"), f"call {index} renamed: {delta}"
    assert finish == "tool_calls", f"finish_reason {finish!r} after tool calls"


def check_responses_call_events(events: list[Event]) -> None:
    """Every function call item: added (empty arguments), argument deltas for its item id and output index,
    ``function_call_arguments.done`` with the whole text, the item done with the same; no empty message."""
    payloads = _payloads(events)
    items: dict[str, dict[str, Any]] = {}
    for payload in payloads:
        kind = payload["type"]
        if kind == "response.output_item.added" and payload["item"]["type"] == "function_call":
            item = payload["item"]
            assert item["call_id"] and item["name"] and item.get("arguments", "") == "", item
            items[item["id"]] = {"index": payload["output_index"], "text": "", "done": None}
        elif kind == "response.function_call_arguments.delta":
            entry = items[payload["item_id"]]
            assert payload["output_index"] == entry["index"], payload
            entry["text"] += payload["delta"]
        elif kind == "response.function_call_arguments.done":
            entry = items[payload["item_id"]]
            assert payload["arguments"] == entry["text"], (payload["arguments"], entry["text"])
            entry["done"] = payload["arguments"]
        elif kind == "response.output_item.done" and payload["item"]["type"] == "function_call":
            assert payload["item"]["arguments"] == items[payload["item"]["id"]]["done"], payload
        elif kind == "response.output_item.done" and payload["item"]["type"] == "message":
            text = "".join(part.get("text", "") for part in payload["item"]["content"])
            assert text, f"an empty message item: {payload['item']}"
    assert items, "no function_call item was streamed"
    assert all(entry["done"] is not None for entry in items.values()), items


def check_anthropic_call_blocks(events: list[Event], *, stop: str = "tool_use") -> None:
    """tool_use blocks start with a valid id, the name and ``input: {}``, grow by ``input_json_delta``; no
    text block stays empty; the turn stops with ``tool_use``."""
    texts: dict[int, str] = {}
    stop_reason = None
    for payload in _payloads(events):
        kind = payload.get("type")
        if kind == "content_block_start":
            block = payload["content_block"]
            if block["type"] == "tool_use":
                assert ANTHROPIC_TOOL_ID.match(block["id"]), block["id"]
                assert block["name"] and block["input"] == {}, block
            elif block["type"] == "text":
                texts[payload["index"]] = block.get("text", "")
        elif kind == "content_block_delta" and payload["delta"]["type"] == "text_delta":
            texts[payload["index"]] += payload["delta"]["text"]
        elif kind == "message_delta":
            stop_reason = payload["delta"].get("stop_reason")
    assert all(texts.values()), f"an empty text block was opened: {texts}"
    assert stop_reason == stop, stop_reason


def check_call_stream(dialect: Dialect, events: list[Event]) -> None:
    {"chat": check_chat_call_deltas, "responses": check_responses_call_events,
     "anthropic": check_anthropic_call_blocks}[dialect](events)
