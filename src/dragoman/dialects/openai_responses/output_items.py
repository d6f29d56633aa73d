"""Output items of a Responses answer <-> canonical parts (shared by the response and stream codecs).

Decoding (an upstream's items): ``message`` items give their ``output_text`` parts as ``TextPart`` and
``refusal`` parts as ``RefusalPart``; ``reasoning`` items a ``ReasoningPart`` (``summary`` texts →
``summary``, ``reasoning_text`` content → ``text`` joined by blank lines, ``encrypted_content`` →
``encrypted``, ``id`` → ``id``, origin ``openai_responses``); ``function_call`` items a ``ToolCallPart``
(``call_id``, ``name``, ``arguments``); ``custom_tool_call`` items a ``ToolCallPart`` of kind ``custom``
(``input`` as its arguments). Rule ``builtin-tool-items-dropped``: items of built-in tools
(``web_search_call`` …) and unknown item or part types have no canonical form; they only arise from native
tools, which reach a Responses upstream only for a Responses client (whose answers are relayed verbatim).

Encoding (an answer to a Responses client):

- Consecutive text and refusal parts share one ``message`` item (``msg_…``); empty ones are left out
  (``no-empty-text``: an answer that is only a tool call has no empty message).
- Reasoning: our own reasoning keeps ``summary``, ``content`` (``reasoning_text``) and
  ``encrypted_content``; reasoning of another origin shows its text as one summary entry and its proof
  wrapped (reasoning.py: ``foreign-reasoning-as-summary``, *proofs-travel-wrapped*).
- Calls: ``function_call`` items (``fc_…``), or ``custom_tool_call`` items (``ctc_…``, raw ``input``) for
  calls of custom kind and for calls of a tool the client declared custom (``canonical.tools.as_client_call``
  unwraps the stand-in function's arguments: rule *custom-as-function*).
- ``input-only-parts-dropped``: image, document and tool-result parts never occur in an answer and are
  left out.
"""

from __future__ import annotations

from dragoman.canonical.content import Part, ReasoningPart, RefusalPart, TextPart, ToolCallPart
from dragoman.canonical.tools import as_client_call
from dragoman.dialects.base import JSONObject
from dragoman.dialects.openai_responses.reasoning import ORIGIN, client_proof, is_own
from dragoman.ids import new_id

CALL_ITEMS = frozenset({"function_call", "custom_tool_call"})


# --- shapes ---

def text_content(text: str) -> JSONObject:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def refusal_content(text: str) -> JSONObject:
    return {"type": "refusal", "refusal": text}


def message_item(item_id: str, content: list[JSONObject], status: str) -> JSONObject:
    return {"id": item_id, "type": "message", "status": status, "role": "assistant", "content": content}


def reasoning_item(item_id: str, summary: list[str], text: str, encrypted: str | None) -> JSONObject:
    item: JSONObject = {
        "id": item_id,
        "type": "reasoning",
        "summary": [{"type": "summary_text", "text": entry} for entry in summary],
    }
    if text:
        item["content"] = [{"type": "reasoning_text", "text": text}]
    if encrypted is not None:
        item["encrypted_content"] = encrypted
    return item


def function_call_item(item_id: str, call_id: str, name: str, arguments: str, status: str) -> JSONObject:
    return {"id": item_id, "type": "function_call", "status": status, "call_id": call_id, "name": name,
            "arguments": arguments}


def custom_tool_call_item(item_id: str, call_id: str, name: str, text: str) -> JSONObject:
    return {"id": item_id, "type": "custom_tool_call", "call_id": call_id, "name": name, "input": text}


def reasoning_id(upstream_id: str | None) -> str:
    return upstream_id if upstream_id and upstream_id.startswith("rs_") else new_id("rs_")


# --- encoding ---

def encode_output(parts: list[Part], custom_names: frozenset[str]) -> list[JSONObject]:
    output: list[JSONObject] = []
    message: list[JSONObject] | None = None
    for part in parts:
        if isinstance(part, TextPart | RefusalPart):
            if not part.text:
                continue  # rule no-empty-text, as in streams
            if message is None:
                message = []
                output.append(message_item(new_id("msg_"), message, "completed"))
            message.append(text_content(part.text) if isinstance(part, TextPart) else refusal_content(part.text))
            continue
        message = None
        if isinstance(part, ReasoningPart):
            output.append(encode_reasoning(part))
        elif isinstance(part, ToolCallPart):
            output.append(encode_call(as_client_call(part, custom_names)))
    return output


def encode_reasoning(part: ReasoningPart) -> JSONObject:
    proof = client_proof(part.origin, signature=part.signature, encrypted=part.encrypted,
                         redacted=part.redacted_data)
    if is_own(part.origin, part.encrypted):
        return reasoning_item(reasoning_id(part.id), part.summary, part.text, proof)
    summary = [*part.summary, part.text] if part.text else list(part.summary)
    return reasoning_item(reasoning_id(part.id), summary, "", proof)


def encode_call(call: ToolCallPart) -> JSONObject:
    call_id = call.id or new_id("call_")
    if call.kind == "custom":
        return custom_tool_call_item(new_id("ctc_"), call_id, call.name, call.arguments)
    return function_call_item(new_id("fc_"), call_id, call.name, call.arguments, "completed")


# --- decoding ---

def decode_output_item(item: JSONObject) -> list[Part]:
    kind = item.get("type")
    if kind == "message":
        parts: list[Part] = []
        for part in _list(item.get("content")):
            if part.get("type") == "output_text":
                parts.append(TextPart(_str(part.get("text"))))
            elif part.get("type") == "refusal":
                parts.append(RefusalPart(_str(part.get("refusal"))))
        return parts
    if kind == "reasoning":
        return [decode_reasoning_output(item)]
    if kind == "function_call":
        return [ToolCallPart(id=_str(item.get("call_id")), name=_str(item.get("name")),
                             arguments=_str(item.get("arguments")))]
    if kind == "custom_tool_call":
        return [ToolCallPart(id=_str(item.get("call_id")), name=_str(item.get("name")),
                             arguments=_str(item.get("input")), kind="custom")]
    return []


def decode_reasoning_output(item: JSONObject) -> ReasoningPart:
    encrypted = item.get("encrypted_content")
    return ReasoningPart(
        text="\n\n".join(_str(part.get("text")) for part in _list(item.get("content"))
                         if part.get("type") == "reasoning_text"),
        summary=[_str(part.get("text")) for part in _list(item.get("summary")) if part.get("type") == "summary_text"],
        encrypted=encrypted if isinstance(encrypted, str) and encrypted else None,
        id=_str(item.get("id")) or None,
        origin=ORIGIN,
    )


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _list(value: object) -> list[JSONObject]:
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []
