"""Responses ``Response`` objects <-> canonical :class:`Response`, and the output item shapes streams reuse.

Decoding (an upstream's answer): ``message`` items give their ``output_text`` parts as ``TextPart`` and
``refusal`` parts as ``RefusalPart``; ``reasoning`` items give a ``ReasoningPart`` (``summary`` texts →
``summary``, ``reasoning_text`` content → ``text`` joined by blank lines, ``encrypted_content`` →
``encrypted``, ``id`` → ``id``, ``origin`` ``openai_responses``); ``function_call`` items give a
``ToolCallPart`` (``call_id``, ``name``, ``arguments``). Rule ``builtin-tool-items-dropped``: items of
built-in tools (``web_search_call`` …) and unknown item or part types have no canonical form; they only
arise from untranslated request features, i.e. on same-dialect routes that forward bodies verbatim. A
``failed`` response raises its error; status and ``incomplete_details`` give the stop reason.

Encoding (an answer to a Responses client): every field the spec's ``Response`` requires is written, with
``null`` or the request's own values (``temperature``, ``top_p``, ``max_output_tokens``, ``metadata``,
``parallel_tool_calls``, ``tools``/``tool_choice``); ``instructions`` is ``null`` because the canonical
request no longer tells instructions from a leading system message (``instructions-echo-null``); ``user`` is
left out when unset (the spec does not allow ``null``). The id is the upstream's when it is a ``resp_`` id,
else a new one. Rules for parts:

- Consecutive text and refusal parts share one ``message`` item (``msg_…``); the last message is
  ``incomplete`` when the response is.
- ``opaque-proof-as-encrypted_content``: a reasoning item's ``encrypted_content`` carries the part's
  ``encrypted`` or, failing that, its ``signature`` or ``redacted_data`` (Anthropic's opaque proofs), so a
  client that sends the item back returns the proof to its origin. Reasoning ``text`` goes to ``content``
  as ``reasoning_text``, ``summary`` to ``summary``.
- ``input-only-parts-dropped``: image, document and tool-result parts never occur in an answer and are
  left out.
"""

from __future__ import annotations

from dragoman.canonical.content import Part, ReasoningPart, RefusalPart, TextPart, ToolCallPart
from dragoman.canonical.errors import UpstreamProtocolError
from dragoman.canonical.request import Request
from dragoman.canonical.response import Response, Usage
from dragoman.dialects.base import JSONObject
from dragoman.dialects.openai_responses.errors import decode_response_error
from dragoman.dialects.openai_responses.stop_reason import WireStop, decode_stop_reason, encode_stop_reason
from dragoman.dialects.openai_responses.usage import decode_usage, encode_usage
from dragoman.ids import new_id, now

ORIGIN = "openai_responses"


# --- output item shapes (shared with the stream encoder) ---

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


def response_id(upstream_id: str) -> str:
    return upstream_id if upstream_id.startswith("resp_") else new_id("resp_")


def response_object(
    request: Request,
    *,
    id: str,
    created_at: int,
    model: str,
    status: str,
    output: list[JSONObject],
    usage: Usage | None = None,
    stop: WireStop | None = None,
    error: JSONObject | None = None,
) -> JSONObject:
    incomplete = None
    if stop is not None and stop.status == "incomplete":
        incomplete = {"reason": stop.incomplete_reason} if stop.incomplete_reason else {}
    body: JSONObject = {
        "id": id,
        "object": "response",
        "created_at": created_at,
        "status": status,
        "error": error,
        "incomplete_details": incomplete,
        "instructions": None,
        "max_output_tokens": request.max_tokens,
        "model": model or request.model,
        "output": output,
        "parallel_tool_calls": True if request.parallel_tool_calls is None else request.parallel_tool_calls,
        "previous_response_id": None,
        "temperature": request.temperature,
        "top_p": request.top_p,
        "text": {"format": {"type": "text"}},
        "tool_choice": _tool_choice(request),
        "tools": [_tool(tool.name, tool.description, tool.parameters, tool.strict) for tool in request.tools],
        "truncation": "disabled",
        "metadata": request.metadata or {},
    }
    if usage is not None:
        body["usage"] = encode_usage(usage)
    if request.user is not None:
        body["user"] = request.user
    return body


def _tool_choice(request: Request) -> str | JSONObject:
    choice = request.tool_choice
    if choice is None:
        return "auto"
    if choice.mode == "tool":
        return {"type": "function", "name": choice.name or ""}
    return choice.mode


def _tool(name: str, description: str | None, parameters: JSONObject | None, strict: bool | None) -> JSONObject:
    tool: JSONObject = {"type": "function", "name": name, "parameters": parameters, "strict": strict}
    if description is not None:
        tool["description"] = description
    return tool


# --- client side ---

def encode_response(response: Response, request: Request) -> JSONObject:
    stop = encode_stop_reason(response.stop_reason)
    output = encode_output(response.content)
    if stop.status == "incomplete" and output and output[-1]["type"] == "message":
        output[-1]["status"] = "incomplete"
    return response_object(
        request,
        id=response_id(response.id),
        created_at=response.created or now(),
        model=response.model,
        status=stop.status,
        output=output,
        usage=response.usage,
        stop=stop,
    )


def encode_output(parts: list[Part]) -> list[JSONObject]:
    output: list[JSONObject] = []
    message: list[JSONObject] | None = None
    for part in parts:
        if isinstance(part, TextPart | RefusalPart):
            if message is None:
                message = []
                output.append(message_item(new_id("msg_"), message, "completed"))
            message.append(text_content(part.text) if isinstance(part, TextPart) else refusal_content(part.text))
            continue
        message = None
        if isinstance(part, ReasoningPart):
            encrypted = part.encrypted or part.signature or part.redacted_data
            output.append(reasoning_item(part.id or new_id("rs_"), part.summary, part.text, encrypted))
        elif isinstance(part, ToolCallPart):
            output.append(function_call_item(new_id("fc_"), part.id or new_id("call_"), part.name,
                                             part.arguments, "completed"))
    return output


# --- upstream side ---

def decode_response(body: JSONObject) -> Response:
    output = body.get("output")
    if not isinstance(output, list):
        raise UpstreamProtocolError("Responses upstream answered without an 'output' array")
    status = body.get("status")
    if status == "failed":
        raise decode_response_error(body.get("error"))
    content: list[Part] = []
    for item in output:
        if isinstance(item, dict):
            content.extend(decode_output_item(item))
    details = body.get("incomplete_details")
    reason = details.get("reason") if isinstance(details, dict) else None
    has_tool_call = any(isinstance(part, ToolCallPart) for part in content)
    created = body.get("created_at")
    return Response(
        id=_str(body.get("id")),
        model=_str(body.get("model")),
        content=content,
        stop_reason=decode_stop_reason(_str(status) or None, _str(reason) or None, has_tool_call),
        usage=decode_usage(body.get("usage")),
        created=int(created) if isinstance(created, int | float) and not isinstance(created, bool) else 0,
    )


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
        return [decode_reasoning_item(item)]
    if kind == "function_call":
        return [ToolCallPart(id=_str(item.get("call_id")), name=_str(item.get("name")),
                             arguments=_str(item.get("arguments")))]
    return []


def decode_reasoning_item(item: JSONObject) -> ReasoningPart:
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
