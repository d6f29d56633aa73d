"""Tool-call answers derived from the recordings where no recording shows the shape.

Each starts from a real tool-call recording and changes only what the case is about: which calls a stream
keeps, how a chat server numbers or chunks them, what the call ids look like, or a second call added after
the recorded one (built from the recorded call's own events, with a new id and arguments).
``scenarios.py`` says which scenario uses which.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from tests.upstream.answers import Body, Stream, sse_record
from tests.upstream.recorded import record_payload, rewrite_record
from tests.upstream.variants import edit_body, edit_stream

SECOND_CALL_ARGUMENTS = '{"location":"London"}'


def _payloads(stream: Stream) -> list[Any]:
    return [record_payload(record) for record in stream.records]


def _chat_tool_deltas(payload: Any) -> list[dict[str, Any]] | None:
    if not isinstance(payload, dict) or not payload.get("choices"):
        return None
    deltas = payload["choices"][0].get("delta", {}).get("tool_calls")
    return deltas if isinstance(deltas, list) else None


# --- chat --------------------------------------------------------------------------------------------------

def chat_first_call_only(stream: Stream) -> Stream:
    """The parallel-calls stream with every fragment of the calls after the first left out."""
    records = []
    for record, payload in zip(stream.records, _payloads(stream), strict=True):
        deltas = _chat_tool_deltas(payload)
        if deltas is None:
            records.append(record)
            continue
        kept = [delta for delta in deltas if delta.get("index") == 0]
        if kept:
            payload["choices"][0]["delta"]["tool_calls"] = kept
            records.append(rewrite_record(record, payload))
    return replace(stream, records=tuple(records))


def chat_one_index(stream: Stream) -> Stream:
    """Every call on ``index`` 0, as some OpenAI-compatible servers send parallel calls: a new call shows
    only by its new ``id``."""

    def edit(payload: dict[str, Any]) -> dict[str, Any] | None:
        deltas = _chat_tool_deltas(payload)
        if deltas is None:
            return None
        for delta in deltas:
            delta["index"] = 0
        return payload

    return edit_stream(stream, edit)


def chat_whole_calls(stream: Stream) -> Stream:
    """All calls complete (id, name and the whole arguments) in one chunk, as Ollama and llama.cpp send
    them, instead of argument fragments."""
    calls: dict[int, dict[str, Any]] = {}
    first_call_at: int | None = None
    template: dict[str, Any] | None = None
    records: list[bytes] = []
    for position, (record, payload) in enumerate(zip(stream.records, _payloads(stream), strict=True)):
        deltas = _chat_tool_deltas(payload)
        if deltas is None:
            records.append(record)
            continue
        if first_call_at is None:
            first_call_at, template = position, copy.deepcopy(payload)
        for delta in deltas:
            call = calls.setdefault(delta["index"], {"index": delta["index"], "type": "function",
                                                     "function": {"name": "", "arguments": ""}})
            if delta.get("id"):
                call["id"] = delta["id"]
            function = delta.get("function") or {}
            call["function"]["name"] += function.get("name") or ""
            call["function"]["arguments"] += function.get("arguments") or ""
    assert template is not None and first_call_at is not None, "the stream has no tool calls"
    template["choices"][0]["delta"] = {"tool_calls": [calls[index] for index in sorted(calls)]}
    records.insert(first_call_at, sse_record(template))
    return replace(stream, records=tuple(records))


def odd_id(name: str, position: int) -> str:
    """A tool-call id in the style of vLLM serving Kimi models: not valid as an Anthropic id."""
    return f"functions.{name}:{position}"


def chat_odd_ids_body(body: Body) -> Body:
    def edit(payload: dict[str, Any]) -> dict[str, Any]:
        for position, call in enumerate(payload["choices"][0]["message"]["tool_calls"]):
            call["id"] = odd_id(call["function"]["name"], position)
        return payload

    return edit_body(body, edit)


def chat_odd_ids_stream(stream: Stream) -> Stream:
    names: dict[int, str] = {}

    def edit(payload: dict[str, Any]) -> dict[str, Any] | None:
        deltas = _chat_tool_deltas(payload)
        if deltas is None:
            return None
        for delta in deltas:
            if delta.get("id"):
                names[delta["index"]] = delta["function"]["name"]
                delta["id"] = odd_id(names[delta["index"]], delta["index"])
        return payload

    return edit_stream(stream, edit)


# --- responses ---------------------------------------------------------------------------------------------

def _second_item(item: dict[str, Any]) -> dict[str, Any]:
    return {**item, "id": item["id"] + "2", "call_id": item["call_id"] + "2",
            "arguments": SECOND_CALL_ARGUMENTS if item.get("arguments") else item.get("arguments", "")}


def responses_parallel_stream(stream: Stream) -> Stream:
    """The recorded function-call stream with a second call (its own item id, call id, arguments and output
    index) after the first, and both in ``response.completed``."""
    payloads = _payloads(stream)
    start = next(i for i, p in enumerate(payloads) if p["type"] == "response.output_item.added")
    end = next(i for i, p in enumerate(payloads) if p["type"] == "response.output_item.done")
    first = payloads[end]["item"]
    second = _second_item(first)
    added = {**payloads[start], "output_index": 1, "item": {**_second_item(payloads[start]["item"]), "arguments": ""}}
    extra = [sse_record(added, added["type"])]
    extra += [sse_record({"type": "response.function_call_arguments.delta", "item_id": second["id"],
                          "output_index": 1, "delta": piece}, "response.function_call_arguments.delta")
              for piece in (SECOND_CALL_ARGUMENTS[:7], SECOND_CALL_ARGUMENTS[7:])]
    extra += [sse_record({"type": "response.function_call_arguments.done", "item_id": second["id"],
                          "output_index": 1, "arguments": SECOND_CALL_ARGUMENTS},
                         "response.function_call_arguments.done"),
              sse_record({"type": "response.output_item.done", "output_index": 1, "item": second},
                         "response.output_item.done")]
    records = list(stream.records[: end + 1]) + extra
    for record, payload in zip(stream.records[end + 1:], payloads[end + 1:], strict=True):
        if payload.get("type") == "response.completed":
            payload["response"]["output"] = [first, second]
            record = rewrite_record(record, payload)
        records.append(record)
    return replace(stream, records=tuple(records))


def _responses_odd_call_ids(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "function_call" and isinstance(node.get("call_id"), str):
            node["call_id"] = f"{node['name']}:{node['call_id']}"
        for value in node.values():
            _responses_odd_call_ids(value)
    elif isinstance(node, list):
        for value in node:
            _responses_odd_call_ids(value)


def responses_odd_ids(answer: Body | Stream) -> Body | Stream:
    """``call_id`` values with a colon, as some Responses-compatible servers make them."""

    def edit(payload: dict[str, Any]) -> dict[str, Any]:
        _responses_odd_call_ids(payload)
        return payload

    return edit_body(answer, edit) if isinstance(answer, Body) else edit_stream(answer, edit)


# --- anthropic ---------------------------------------------------------------------------------------------

def _split(text: str, pieces: int) -> list[str]:
    size = max(1, -(-len(text) // pieces))
    return [text[i:i + size] for i in range(0, len(text), size)]


def anthropic_parallel_stream(stream: Stream) -> Stream:
    """The recorded text + tool_use stream with a second tool_use block (new id, new arguments) after the
    recorded one, streamed the same way: an empty first fragment, then pieces."""
    payloads = _payloads(stream)
    starts = [i for i, p in enumerate(payloads) if p.get("type") == "content_block_start"
              and p["content_block"]["type"] == "tool_use"]
    assert starts, "the stream has no tool_use block"
    start = starts[-1]
    stop = next(i for i in range(start, len(payloads)) if payloads[i].get("type") == "content_block_stop")
    index = payloads[start]["index"] + 1
    block = {**payloads[start]["content_block"], "id": payloads[start]["content_block"]["id"] + "2"}
    extra = [sse_record({"type": "content_block_start", "index": index, "content_block": block},
                        "content_block_start")]
    extra += [sse_record({"type": "content_block_delta", "index": index,
                          "delta": {"type": "input_json_delta", "partial_json": piece}}, "content_block_delta")
              for piece in ["", *_split(SECOND_CALL_ARGUMENTS, 3)]]
    extra.append(sse_record({"type": "content_block_stop", "index": index}, "content_block_stop"))
    return replace(stream, records=stream.records[: stop + 1] + tuple(extra) + stream.records[stop + 1:])


def anthropic_without_text(stream: Stream) -> Stream:
    """The text + tool_use stream with its text block left out and the tool_use block renumbered to 0, as
    a model answers when ``tool_choice`` forces the tool."""
    records: list[bytes] = []
    text_index: int | None = None
    for record, payload in zip(stream.records, _payloads(stream), strict=True):
        kind = payload.get("type") if isinstance(payload, dict) else None
        if kind == "content_block_start" and payload["content_block"]["type"] == "text":
            text_index = payload["index"]
        if kind in ("content_block_start", "content_block_delta", "content_block_stop"):
            if payload["index"] == text_index:
                continue
            payload["index"] -= 1 if text_index is not None and payload["index"] > text_index else 0
            record = rewrite_record(record, payload)
        records.append(record)
    return replace(stream, records=tuple(records))


def rename_tool(answer: Body | Stream, old: str, new: str) -> Body | Stream:
    """Every ``"name": old`` in the answer (tool calls, and tool lists a Responses answer echoes) renamed."""

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("name") == old:
                node["name"] = new
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    def edit(payload: dict[str, Any]) -> dict[str, Any]:
        walk(payload)
        return payload

    return edit_body(answer, edit) if isinstance(answer, Body) else edit_stream(answer, edit)


def recorded_tool_name(answer: Body | Stream) -> str:
    """The name of the first tool call in an answer of any dialect."""
    payloads = [answer.json()] if isinstance(answer, Body) else _payloads(answer)
    for payload in payloads:
        found = _first_call_name(payload)
        if found is not None:
            return found
    raise LookupError("the answer has no tool call")


def _first_call_name(node: Any) -> str | None:
    if isinstance(node, dict):
        if node.get("type") in ("tool_use", "function_call") and isinstance(node.get("name"), str):
            return str(node["name"])
        if isinstance(node.get("function"), dict) and node["function"].get("name"):
            return str(node["function"]["name"])
        for key, value in node.items():
            if key != "tools" and (found := _first_call_name(value)) is not None:
                return found
    elif isinstance(node, list):
        for value in node:
            if (found := _first_call_name(value)) is not None:
                return found
    return None
