"""Answers derived from the recordings where no recording shows the case.

Every one starts from a real recording and changes only what the case is about (a stop reason, the usage
numbers, where the stream ends), or builds an error body in the provider's documented shape when no
recording of that status exists. ``scenarios.py`` says which scenario uses which.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from tests.upstream.answers import Body, Dialect, Stream, json_body, sse_record
from tests.upstream.recorded import record_payload, rewrite_record

OPENAI_ERRORS: dict[int, dict[str, Any]] = {
    401: {"message": "Incorrect API key provided: upstream-***cret. You can find your API key at "
          "https://platform.openai.com/account/api-keys.", "type": "invalid_request_error", "param": None,
          "code": "invalid_api_key"},
    404: {"message": "The model `error-404` does not exist or you do not have access to it.",
          "type": "invalid_request_error", "param": None, "code": "model_not_found"},
    500: {"message": "The server had an error while processing your request. Sorry about that!",
          "type": "server_error", "param": None, "code": None},
    503: {"message": "The engine is currently overloaded, please try again later.", "type": "server_error",
          "param": None, "code": None},
}
ANTHROPIC_ERRORS: dict[int, tuple[str, str]] = {
    401: ("authentication_error", "invalid x-api-key"),
    429: ("rate_limit_error", "This request would exceed the rate limit for your organization of 50 requests "
          "per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits."),
    500: ("api_error", "Internal server error"),
    503: ("overloaded_error", "Overloaded"),
    529: ("overloaded_error", "Overloaded"),
}
CHAT_MIDSTREAM_ERROR = {"message": "The server had an error while processing your request. Sorry about that!",
                        "type": "server_error", "param": None, "code": None}
ANTHROPIC_MIDSTREAM_ERROR = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
RETRY_AFTER = (("retry-after", "7"),)
FAILURE_PAUSE_SECONDS = 0.1

CACHE_READ = 1536
CACHE_WRITE = 500
OPENAI_PROMPT_WITH_CACHE = 2048


def openai_error(status: int, headers: tuple[tuple[str, str], ...] = ()) -> Body:
    return json_body(status, {"error": OPENAI_ERRORS[status]}, headers)


def anthropic_error(status: int, headers: tuple[tuple[str, str], ...] = ()) -> Body:
    kind, message = ANTHROPIC_ERRORS[status]
    payload = {"type": "error", "error": {"type": kind, "message": message}, "request_id": f"req_fake{status}"}
    return json_body(status, payload, headers)


def with_headers(body: Body, headers: tuple[tuple[str, str], ...]) -> Body:
    return replace(body, headers=body.headers + headers)


def garbage_json(body: Body) -> Body:
    """A 200 whose JSON body stops in the middle."""
    return replace(body, content=body.content[: len(body.content) // 3])


def garbage_stream(stream: Stream) -> Stream:
    """A 200 stream whose first record's JSON stops in the middle."""
    first = stream.records[0]
    return Stream((first[: len(first) // 2] + b"\n\n",))


def truncated(stream: Stream, ending: str) -> Stream:
    """The first half of a stream (well before its terminal event), a short silence so the gateway has read
    it all, then the body ends or the connection closes mid-body."""
    records = stream.records[: len(stream.records) // 2]
    return Stream(records, ending="abort" if ending == "abort" else "eof", pause_after=len(records) - 1,
                  pause=FAILURE_PAUSE_SECONDS)


def _fail_after(records: tuple[bytes, ...], failure: tuple[bytes, ...]) -> Stream:
    """Real records, a short silence (so they reach the client as a started stream), then the failure."""
    return Stream((*records, *failure), pause_after=len(records) - 1, pause=FAILURE_PAUSE_SECONDS)


def chat_midstream_error(stream: Stream) -> Stream:
    return _fail_after(stream.records[:4], (sse_record({"error": CHAT_MIDSTREAM_ERROR}),))


def anthropic_midstream_error(stream: Stream) -> Stream:
    """A real start (message_start … the first text delta), then Anthropic's documented ``event: error``."""
    for index, record in enumerate(stream.records):
        if (record_payload(record) or {}).get("type") == "content_block_delta":
            return _fail_after(stream.records[: index + 1], (sse_record(ANTHROPIC_MIDSTREAM_ERROR, "error"),))
    raise LookupError("the stream has no content_block_delta")


def responses_midstream_error(text: Stream, failure: Stream) -> Stream:
    """The text stream up to its first output_text delta, then the recorded ``error`` and ``response.failed``
    events, renumbered to continue the sequence and carrying the text stream's response id."""
    payloads = [record_payload(record) for record in text.records]
    cut = next(index for index, payload in enumerate(payloads) if payload["type"] == "response.output_text.delta")
    response_id = payloads[0]["response"]["id"]
    tail = []
    for offset, record in enumerate(failure.records[-2:]):
        payload = copy.deepcopy(record_payload(record))
        payload["sequence_number"] = cut + 1 + offset
        if "response" in payload:
            payload["response"]["id"] = response_id
        tail.append(rewrite_record(record, payload))
    return _fail_after(text.records[: cut + 1], tuple(tail))


def paused(stream: Stream, seconds: float) -> Stream:
    """The stream with a pause in the middle of its content (after the first half of its records)."""
    return replace(stream, pause_after=len(stream.records) // 2, pause=seconds)


def delayed(answer: Body | Stream, seconds: float) -> Body | Stream:
    return replace(answer, delay=seconds)


# --- rewriting one field of a recording -----------------------------------------------------------------

Edit = Callable[[dict[str, Any]], dict[str, Any] | None]
"""Returns the changed payload, or None to keep the record as recorded."""


def edit_body(body: Body, edit: Edit) -> Body:
    payload = copy.deepcopy(body.json())
    return replace(body, content=json.dumps(edit(payload) or payload).encode())


def edit_stream(stream: Stream, edit: Edit) -> Stream:
    records = []
    for record in stream.records:
        payload = record_payload(record)
        changed = edit(copy.deepcopy(payload)) if isinstance(payload, dict) else None
        records.append(record if changed is None else rewrite_record(record, changed))
    return replace(stream, records=tuple(records))


def _openai_cache(usage: dict[str, Any], prompt_key: str, details_key: str, output_key: str) -> None:
    usage[prompt_key] = OPENAI_PROMPT_WITH_CACHE
    usage.setdefault(details_key, {})["cached_tokens"] = CACHE_READ
    usage["total_tokens"] = OPENAI_PROMPT_WITH_CACHE + usage[output_key]


def _anthropic_cache(usage: dict[str, Any]) -> None:
    usage["cache_read_input_tokens"] = CACHE_READ
    usage["cache_creation_input_tokens"] = CACHE_WRITE
    if isinstance(usage.get("cache_creation"), dict):
        usage["cache_creation"]["ephemeral_5m_input_tokens"] = CACHE_WRITE


def cache_hit(dialect: Dialect) -> Edit:
    """Usage rewritten to a prompt-cache hit (no recording has non-zero cache numbers)."""

    def edit(payload: dict[str, Any]) -> dict[str, Any] | None:
        if dialect == "chat" and isinstance(payload.get("usage"), dict):
            _openai_cache(payload["usage"], "prompt_tokens", "prompt_tokens_details", "completion_tokens")
        elif dialect == "responses":
            response = payload.get("response", payload)
            if not isinstance(response.get("usage"), dict):
                return None
            _openai_cache(response["usage"], "input_tokens", "input_tokens_details", "output_tokens")
        elif dialect == "anthropic":
            usage = payload.get("message", payload).get("usage")
            if not isinstance(usage, dict):
                return None
            _anthropic_cache(usage)
        else:
            return None
        return payload

    return edit


def chat_finish(reason: str) -> Edit:
    def edit(payload: dict[str, Any]) -> dict[str, Any] | None:
        choices = payload.get("choices") or []
        if not choices or choices[0].get("finish_reason") is None:
            return None
        choices[0]["finish_reason"] = reason
        return payload

    return edit


def anthropic_stop(reason: str, sequence: str | None = None) -> Edit:
    def edit(payload: dict[str, Any]) -> dict[str, Any] | None:
        target = payload.get("delta") if payload.get("type") == "message_delta" else payload
        if not isinstance(target, dict) or "stop_reason" not in target or target["stop_reason"] is None:
            return None
        target["stop_reason"], target["stop_sequence"] = reason, sequence
        return payload

    return edit


def responses_incomplete(reason: str) -> Edit:
    """``status: incomplete`` with ``incomplete_details.reason``; a stream then ends in response.incomplete."""

    def edit(payload: dict[str, Any]) -> dict[str, Any] | None:
        if payload.get("type") == "response.completed":
            payload["type"] = "response.incomplete"
            response = payload["response"]
        elif payload.get("object") == "response":
            response = payload
        else:
            return None
        response["status"], response["incomplete_details"] = "incomplete", {"reason": reason}
        return payload

    return edit

