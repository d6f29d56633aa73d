"""A model calling a free-form (custom) tool such as Codex's ``apply_patch``, built from the function-call
recordings: answered in the kind the request declared the tool as. A tool declared ``custom`` (chat and
Responses have them) is called as a custom tool with the raw patch as input; a function standing in for one
(what a dialect without custom tools gets) is called with ``{"input": <the patch>}`` as its arguments.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from tests.upstream.adapt import Adapter, forced_tool_name
from tests.upstream.answers import Answer, Body, Dialect, Stream, sse_record
from tests.upstream.recorded import record_payload, rewrite_record
from tests.upstream.tool_variants import recorded_tool_name, rename_tool
from tests.upstream.variants import edit_body

PATCH = "*** Begin Patch\n*** Add File: hello.txt\n+hello from the patch\n*** End Patch\n"
PATCH_ARGUMENTS = json.dumps({"input": PATCH})


def _pieces(text: str, count: int = 3) -> list[str]:
    size = max(1, -(-len(text) // count))
    return [text[i:i + size] for i in range(0, len(text), size)]


def declared_custom(dialect: Dialect, body: Any, name: str) -> bool:
    for tool in body.get("tools") or []:
        named = (tool.get("custom") or {}).get("name") if dialect == "chat" else tool.get("name")
        if named == name:
            return bool(tool.get("type") == "custom")
    return False


# --- a function call with other arguments ------------------------------------------------------------------

def with_arguments(dialect: Dialect, answer: Answer, arguments: str) -> Answer:
    if isinstance(answer, Body):
        def edit(payload: dict[str, Any]) -> dict[str, Any]:
            if dialect == "chat":
                payload["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] = arguments
            elif dialect == "responses":
                next(item for item in payload["output"] if item["type"] == "function_call")["arguments"] = arguments
            else:
                block = next(block for block in payload["content"] if block["type"] == "tool_use")
                block["input"] = json.loads(arguments)
            return payload

        return edit_body(answer, edit)
    assert isinstance(answer, Stream)
    return _stream_with_arguments(dialect, answer, arguments)


def _stream_with_arguments(dialect: Dialect, stream: Stream, arguments: str) -> Stream:
    """The argument fragments replaced by fragments of ``arguments`` (same places, new text)."""
    records: list[bytes] = []
    inserted = False
    for record in stream.records:
        payload = record_payload(record)
        fragment, template = _argument_fragment(dialect, payload)
        if fragment is None:
            if dialect == "responses" and isinstance(payload, dict):
                payload = _responses_whole_arguments(payload, arguments)
                record = rewrite_record(record, payload) if payload is not None else record
            records.append(record)
            continue
        if not inserted:
            records += [_fragment_record(dialect, template, piece, record) for piece in _pieces(arguments)]
            inserted = True
    return replace(stream, records=tuple(records))


def _argument_fragment(dialect: Dialect, payload: Any) -> tuple[str | None, Any]:
    if not isinstance(payload, dict):
        return None, None
    if dialect == "chat":
        for delta in ((payload.get("choices") or [{}])[0].get("delta") or {}).get("tool_calls") or []:
            if not delta.get("id") and (delta.get("function") or {}).get("arguments") is not None:
                return delta["function"]["arguments"], payload
        return None, None
    if dialect == "responses":
        return (payload["delta"], payload) if payload.get("type") == "response.function_call_arguments.delta" else (
            None, None)
    delta = payload.get("delta") if payload.get("type") == "content_block_delta" else None
    if isinstance(delta, dict) and delta.get("type") == "input_json_delta" and delta["partial_json"]:
        return delta["partial_json"], payload
    return None, None


def _fragment_record(dialect: Dialect, template: dict[str, Any], piece: str, record: bytes) -> bytes:
    payload = json.loads(json.dumps(template))
    if dialect == "chat":
        payload["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"] = piece
    elif dialect == "responses":
        payload["delta"] = piece
    else:
        payload["delta"]["partial_json"] = piece
    return rewrite_record(record, payload)


def _responses_whole_arguments(payload: dict[str, Any], arguments: str) -> dict[str, Any] | None:
    kind = payload.get("type")
    if kind == "response.function_call_arguments.done":
        return {**payload, "arguments": arguments}
    if kind == "response.output_item.done" and payload["item"]["type"] == "function_call":
        return {**payload, "item": {**payload["item"], "arguments": arguments}}
    if kind == "response.completed":
        for item in payload["response"]["output"]:
            if item["type"] == "function_call":
                item["arguments"] = arguments
        return payload
    return None


# --- a custom tool call ------------------------------------------------------------------------------------

def _custom_item(item: dict[str, Any], text: str) -> dict[str, Any]:
    return {"type": "custom_tool_call", "id": "ctc_" + item["id"].removeprefix("fc_"), "call_id": item["call_id"],
            "name": item["name"], "input": text, **({"status": item["status"]} if "status" in item else {})}


def as_custom_call(dialect: Dialect, answer: Answer, text: str) -> Answer:
    if isinstance(answer, Body):
        def edit(payload: dict[str, Any]) -> dict[str, Any]:
            if dialect == "chat":
                calls = payload["choices"][0]["message"]["tool_calls"]
                calls[0] = {"id": calls[0]["id"], "type": "custom",
                            "custom": {"name": calls[0]["function"]["name"], "input": text}}
            else:
                payload["output"] = [_custom_item(item, text) if item["type"] == "function_call" else item
                                     for item in payload["output"]]
            return payload

        return edit_body(answer, edit)
    assert isinstance(answer, Stream) and dialect != "anthropic", "Anthropic has no custom tool calls"
    return _responses_custom_stream(answer, text) if dialect == "responses" else _chat_custom_stream(answer, text)


def _chat_custom_stream(stream: Stream, text: str) -> Stream:
    """The call's first fragment as ``{type: "custom", custom: {name, input: ""}}``, its argument fragments
    replaced by ``custom.input`` pieces (how OpenAI streams a custom tool call in chat chunks)."""
    records: list[bytes] = []
    inserted = False
    for record in stream.records:
        payload = record_payload(record)
        deltas = ((payload.get("choices") or [{}])[0].get("delta") or {}).get("tool_calls") if isinstance(
            payload, dict) else None
        if not deltas:
            records.append(record)
            continue
        delta = deltas[0]
        if delta.get("id"):
            custom = {"name": delta["function"]["name"], "input": ""}
            first = {"index": delta["index"], "id": delta["id"], "type": "custom", "custom": custom}
            payload["choices"][0]["delta"]["tool_calls"] = [first]
            records.append(rewrite_record(record, payload))
        elif not inserted:
            for piece in _pieces(text):
                payload["choices"][0]["delta"]["tool_calls"] = [{"index": delta["index"], "custom": {"input": piece}}]
                records.append(rewrite_record(record, payload))
            inserted = True
    return replace(stream, records=tuple(records))


def _responses_custom_stream(stream: Stream, text: str) -> Stream:
    records: list[bytes] = []
    item_id = ""
    for record in stream.records:
        payload = record_payload(record)
        kind = payload.get("type") if isinstance(payload, dict) else None
        if kind == "response.output_item.added":
            payload["item"] = _custom_item(payload["item"], "")
            item_id = payload["item"]["id"]
        elif kind == "response.function_call_arguments.delta":
            continue
        elif kind == "response.function_call_arguments.done":
            base = {"item_id": item_id, "output_index": payload["output_index"]}
            records += [sse_record({"type": "response.custom_tool_call_input.delta", **base, "delta": piece},
                                   "response.custom_tool_call_input.delta") for piece in _pieces(text)]
            payload = {"type": "response.custom_tool_call_input.done", **base, "input": text}
        elif kind == "response.output_item.done":
            payload["item"] = _custom_item(payload["item"], text)
        elif kind == "response.completed":
            payload["response"]["output"] = [_custom_item(item, text) if item["type"] == "function_call" else item
                                              for item in payload["response"]["output"]]
        else:
            records.append(record)
            continue
        records.append(rewrite_record(record, payload))
    return replace(stream, records=tuple(records))


def custom_tool(dialect: Dialect) -> Adapter:
    """*custom-tool*: the recorded call renamed to the forced (or last) tool and answered with the patch,
    as a custom call when the request declared the tool custom, else as ``{"input": patch}`` arguments."""

    def adapt(answer: Answer, body: Any) -> Answer:
        wanted = forced_tool_name(dialect, body)
        if wanted is None or not isinstance(answer, Body | Stream):
            return answer
        renamed = rename_tool(answer, recorded_tool_name(answer), wanted)
        if declared_custom(dialect, body, wanted):
            return as_custom_call(dialect, renamed, PATCH)
        return with_arguments(dialect, renamed, PATCH_ARGUMENTS)

    return adapt
