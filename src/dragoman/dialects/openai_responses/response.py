"""Responses ``Response`` objects <-> canonical :class:`Response`.

Decoding (an upstream's answer): the output items as output_items.py decodes them; a ``failed`` response
raises its error; status and ``incomplete_details`` give the stop reason, and a function or custom tool
call in the output makes a completed response ``TOOL_USE``.

Encoding (an answer to a Responses client): every field the spec's ``Response`` requires is written, with
``null`` or the request's own values (``temperature``, ``top_p``, ``max_output_tokens``, ``metadata``,
``parallel_tool_calls``, ``prompt_cache_key``, ``reasoning``, ``text.format``, ``tools``/``tool_choice`` in
the Response's own shapes); ``instructions`` is ``null`` because the canonical request no longer tells
instructions from a leading system message (``instructions-echo-null``); ``user`` is left out when unset
(the spec does not allow ``null``). The id is the upstream's when it is a ``resp_`` id, else a new one.
Output items follow output_items.py; the last message item is ``incomplete`` when the response is.
"""

from __future__ import annotations

from dragoman.canonical.content import Part, ToolCallPart
from dragoman.canonical.errors import UpstreamProtocolError
from dragoman.canonical.request import Request
from dragoman.canonical.response import Response, Usage
from dragoman.canonical.tools import custom_tool_names
from dragoman.dialects.base import JSONObject
from dragoman.dialects.openai_responses.errors import decode_response_error
from dragoman.dialects.openai_responses.output_format import encode_format
from dragoman.dialects.openai_responses.output_items import decode_output_item, encode_output
from dragoman.dialects.openai_responses.reasoning import encode_reasoning_config
from dragoman.dialects.openai_responses.stop_reason import WireStop, decode_stop_reason, encode_stop_reason
from dragoman.dialects.openai_responses.tools import echo_tools, encode_tool_choice
from dragoman.dialects.openai_responses.usage import decode_usage, encode_usage
from dragoman.ids import new_id, now


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
    choice = request.tool_choice
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
        "reasoning": encode_reasoning_config(request.reasoning),
        "temperature": request.temperature,
        "top_p": request.top_p,
        "text": {"format": encode_format(request.output_format)},
        "tool_choice": "auto" if choice is None else encode_tool_choice(choice, request.tools),
        "tools": echo_tools(request.tools),
        "truncation": "disabled",
        "metadata": request.metadata or {},
    }
    if request.prompt_cache_key is not None:
        body["prompt_cache_key"] = request.prompt_cache_key
    if usage is not None:
        body["usage"] = encode_usage(usage)
    if request.user is not None:
        body["user"] = request.user
    return body


# --- client side ---

def encode_response(response: Response, request: Request) -> JSONObject:
    stop = encode_stop_reason(response.stop_reason)
    output = encode_output(response.content, custom_tool_names(request))
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


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""
