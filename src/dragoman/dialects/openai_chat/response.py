"""Chat completion body (``object: "chat.completion"``) <-> canonical :class:`Response`.

Decoding reads ``choices[0]`` (``n`` > 1 is untranslated on the request side, so only the first choice
is an answer to carry). Its message becomes, in order: a :class:`ReasoningPart` (``origin="openai_chat"``)
from ``reasoning_content`` (vLLM, DeepSeek) or ``reasoning`` (OpenRouter, newer vLLM, Ollama), a
:class:`TextPart` from ``content`` (a string; an array's ``text`` parts are also read), a
:class:`RefusalPart` from ``refusal``, then one :class:`ToolCallPart` per ``tool_calls`` entry (``function``
calls; ``custom`` tool calls with ``kind="custom"`` and their free text ``input`` as the arguments) and
the legacy ``function_call``. Empty strings make no part. A 200 body holding an ``error`` instead of
``choices`` raises that error; a body with no choice at all raises ``UpstreamProtocolError``.

Encoding writes every field the spec requires (``content``/``refusal`` as null when absent,
``logprobs: null``). Named rules for what chat cannot say:

- ``parts-concatenated``: chat has one ``content`` string, one ``refusal`` and one ``reasoning_content``,
  so several parts of a kind are joined in order with nothing in between (the same text a chat stream
  of them would show).
- ``reasoning-as-reasoning_content``: reasoning text (or, when there is none, its summary paragraphs
  joined by a blank line) goes to the de-facto ``reasoning_content`` field that vLLM and DeepSeek clients
  read; clients that do not know it ignore it. ``reasoning-signature-dropped``: signatures, redacted data
  and encrypted content are dropped, because chat has no field a client would send them back in.
- ``custom-calls-as-declared`` (``canonical.tools.as_client_call``): a call of a tool the client declared
  ``custom`` is returned as a custom tool call with its raw input, also when the upstream (Anthropic) only
  had it as a function with one ``input`` argument.
- ``tool_calls-when-called`` (stop_reason.py): an answer with a tool call finishes with ``tool_calls``.
- ``input-parts-dropped``: image, document and tool-result parts are never part of an answer and are
  not written.
"""

from __future__ import annotations

from typing import assert_never

from dragoman.canonical.content import (
    DocumentPart,
    ImagePart,
    Part,
    ReasoningPart,
    RefusalPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from dragoman.canonical.errors import UpstreamProtocolError
from dragoman.canonical.request import Request
from dragoman.canonical.response import Response
from dragoman.canonical.tools import as_client_call, custom_tool_names
from dragoman.dialects.base import JSONObject
from dragoman.dialects.openai_chat.errors import decode_in_band_error
from dragoman.dialects.openai_chat.reasoning import ORIGIN
from dragoman.dialects.openai_chat.stop_reason import decode_stop_reason, encode_finish_reason
from dragoman.dialects.openai_chat.tools import encode_tool_call
from dragoman.dialects.openai_chat.usage import decode_usage, encode_usage
from dragoman.ids import new_id, now


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def decode_response(body: JSONObject) -> Response:
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices:
        error = decode_in_band_error(body)
        if error is not None:
            raise error
        raise UpstreamProtocolError("chat completion from upstream has no choices")
    choice = choices[0]
    message = choice.get("message") if isinstance(choice, dict) else None
    if not isinstance(message, dict):
        raise UpstreamProtocolError("chat completion from upstream has no choices[0].message")
    finish_reason = choice.get("finish_reason")
    matched_stop = choice.get("stop_reason")
    created = body.get("created")
    return Response(
        id=_str(body.get("id")),
        model=_str(body.get("model")),
        content=decode_message(message),
        stop_reason=decode_stop_reason(
            finish_reason if isinstance(finish_reason, str) else None,
            matched_stop if isinstance(matched_stop, str) else None,
        ),
        usage=decode_usage(body.get("usage")),
        created=created if isinstance(created, int) else 0,
    )


def decode_message(message: JSONObject) -> list[Part]:
    parts: list[Part] = []
    reasoning = message.get("reasoning_content") or message.get("reasoning")
    if isinstance(reasoning, str) and reasoning:
        parts.append(ReasoningPart(text=reasoning, origin=ORIGIN))
    content = message.get("content")
    if isinstance(content, list):
        content = "".join(_str(item.get("text")) for item in content
                          if isinstance(item, dict) and item.get("type") == "text")
    if isinstance(content, str) and content:
        parts.append(TextPart(content))
    refusal = message.get("refusal")
    if isinstance(refusal, str) and refusal:
        parts.append(RefusalPart(refusal))
    tool_calls = message.get("tool_calls")
    if isinstance(tool_calls, list):
        parts.extend(_decode_tool_call(call) for call in tool_calls)
    function_call = message.get("function_call")
    if isinstance(function_call, dict):
        parts.append(ToolCallPart(id=new_id("call_"), name=_str(function_call.get("name")),
                                  arguments=_str(function_call.get("arguments"))))
    return parts


def _decode_tool_call(call: object) -> ToolCallPart:
    if not isinstance(call, dict):
        raise UpstreamProtocolError("chat completion from upstream has a tool call that is not an object")
    call_id = _str(call.get("id")) or new_id("call_")
    function = call.get("function")
    if isinstance(function, dict):
        return ToolCallPart(id=call_id, name=_str(function.get("name")), arguments=_str(function.get("arguments")))
    custom = call.get("custom")
    if isinstance(custom, dict):
        return ToolCallPart(id=call_id, name=_str(custom.get("name")), arguments=_str(custom.get("input")),
                            kind="custom")
    raise UpstreamProtocolError(f"chat completion from upstream has a tool call of type {call.get('type')!r}")


def encode_response(response: Response, request: Request) -> JSONObject:
    custom_names = custom_tool_names(request)
    texts: list[str] = []
    refusals: list[str] = []
    reasoning: list[str] = []
    tool_calls: list[JSONObject] = []
    for part in response.content:
        match part:
            case TextPart():
                texts.append(part.text)
            case RefusalPart():
                refusals.append(part.text)
            case ReasoningPart():
                reasoning.append(part.text or "\n\n".join(part.summary))
            case ToolCallPart():
                tool_calls.append(encode_tool_call(as_client_call(part, custom_names)))
            case ImagePart() | DocumentPart() | ToolResultPart():
                pass
            case _:
                assert_never(part)
    message: JSONObject = {
        "role": "assistant",
        "content": "".join(texts) if texts else None,
        "refusal": "".join(refusals) if refusals else None,
    }
    if tool_calls:
        message["tool_calls"] = tool_calls
    reasoning_text = "".join(reasoning)
    if reasoning_text:
        message["reasoning_content"] = reasoning_text
    return {
        "id": response.id or new_id("chatcmpl-"),
        "object": "chat.completion",
        "created": response.created or now(),
        "model": response.model or request.model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": encode_finish_reason(response.stop_reason, bool(tool_calls)),
            }
        ],
        "usage": encode_usage(response.usage),
    }

