"""Which answer the fake upstream gives: chosen by the request's ``model`` (the scenario) and its dialect.

A request without ``"stream": true`` gets the JSON answer, a streaming one the SSE answer. Recordings are
under ../shared/fixtures (``openai/…``, ``anthropic/…``); *variant* means the recording with only the named
field changed (see ``variants.py``); *documented shape* means no recording of that case exists and the body
follows the provider's documented error format. As the real API does, a chat stream carries its usage chunk
only when the request asked for ``stream_options.include_usage``. ``tests/gateway.py`` configures every row
as a model named ``<dialect>/<scenario>``.

========================  ==========================================  ==========================================
scenario                  JSON answer (non-stream)                    SSE answer (stream: true)
========================  ==========================================  ==========================================
**chat** (``POST /v1/chat/completions``)
text                      chat-nonstream-text.json                    chat-stream-text-usage-obfuscation.chunks
refusal                   —                                           chat-stream-refusal.sse
tool-call                 chat-nonstream-tool-call.json               chat-stream-parallel-tool-calls.sse with
                                                                      only the first call's fragments
parallel-tool-calls       chat-nonstream-parallel-tool-calls.json     chat-stream-parallel-tool-calls.sse
tool-calls-one-index      —                                           the parallel stream with both calls on
                                                                      index 0 (a new call shows by its new id)
tool-calls-whole          —                                           the parallel stream with both calls
                                                                      complete (id, name, arguments) in one chunk
tool-call-odd-ids         parallel JSON, ids ``functions.<name>:<i>``   parallel stream, same ids
reasoning                 text + ``message.reasoning_content``        text stream + ``delta.reasoning_content``
                                                                      chunks (the thinking text of
                                                                      messages-stream-thinking-signature.chunks)
reasoning-field           the same with the field named ``reasoning`` (OpenRouter, newer vLLM)
forced-tool               tool-call, the call renamed to the tool the request forces (see adapt.py)
custom-tool-call          tool-call, renamed the same way and calling it with a patch: a ``custom`` call if the
                          request declared the tool custom, else ``{"input": <patch>}`` (custom_variants.py)
length / content-filter   text, finish_reason length/content_filter   text stream, same change
cache-hit                 text, usage: 2048 prompt of which 1536 cached   text stream, same change
**responses** (``POST /v1/responses``)
text                      response.completed object of the stream     responses-stream-text-shell-multiturn
reasoning                 responses-nonstream-reasoning.json          responses-stream-reasoning-text-function-call
reasoning-summary         responses-nonstream-reasoning-encrypted-    the first of the streams in
                          content.json                                responses-stream-multistep-reasoning-
                                                                      summary-function-calls.chunks (summary
                                                                      deltas, encrypted_content, function call)
reasoning-tool-call       —                                           responses-stream-reasoning-function-call
tool-call                 responses-nonstream-function-call.json      responses-stream-function-call.sse
parallel-tool-calls       responses-nonstream-parallel-function-calls  the function-call stream with a second
                                                                      call (new ids, arguments) after the first
tool-call-odd-ids         parallel JSON, ``call_id`` ``<name>:<id>``    parallel stream, same ids
forced-tool               tool-call, the call renamed to the tool the request forces (see adapt.py)
custom-tool-call          as for chat; a custom call is streamed as ``response.custom_tool_call_input.*``
length / content-filter   text, status incomplete + incomplete_details  text stream ending in response.incomplete
cache-hit                 text, usage: 2048 input of which 1536 cached   text stream, same change
midstream-error           —                                           text stream to its first delta, then the
                                                                      error + response.failed events of
                                                                      responses-stream-error-midstream.chunks
early-stream-error        —                                           responses-stream-error-midstream.chunks
                                                                      (error right after response.in_progress)
**anthropic** (``POST /v1/messages``)
text                      messages-nonstream-text.json                messages-stream-text.chunks.txt
thinking                  messages-nonstream-thinking.json            messages-stream-thinking-signature.sse
                                                                      (verbatim, with its trailing-space padding)
thinking-tool-call        messages-nonstream-thinking-tool-use.json   —
redacted-thinking         the message the stream describes            messages-stream-redacted-thinking.sse
clear-thinking            messages-nonstream-thinking-2.json          messages-stream-thinking-signature.chunks
                                                                      (empty thinking_delta, context_management)
tool-call                 messages-nonstream-tool-use.json            messages-stream-text-tool-use.sse
parallel-tool-calls       messages-nonstream-parallel-tool-use.json   the text + tool_use stream with a second
                                                                      tool_use block (new id, arguments)
tool-call-no-args         —                                           messages-stream-tool-use-no-args.chunks
partial-json              —                                           messages-stream-incomplete-partial-json
                                                                      (input JSON cut off by max_tokens)
forced-tool               messages-nonstream-tool-use.json renamed    the tool-call stream without its text
                          to the forced tool (see adapt.py)           block, renamed the same way
custom-tool-call          forced-tool, called with ``{"input": <patch>}`` (the stand-in for a custom tool)
length / stop-sequence /  text, stop_reason max_tokens /              text stream, same change in message_delta
refusal                   stop_sequence ("STOP") / refusal
cache-hit                 text, cache_read 1536 + cache_creation 500   text stream, same change
**every dialect**
error-400                 chat-error-400 / responses-error-400 / messages-error-400-invalid-request (streams too)
error-404                 documented shape (model_not_found) / messages-error-404-not-found
error-429                 responses-error-429-insufficient-quota (chat, responses) / documented shape
                          (anthropic rate_limit_error); all with ``retry-after: 7``
error-401/500/503         documented shape; anthropic also error-529 (overloaded_error)
garbage                   200 with the text JSON cut at a third       200 stream whose first record is cut in half
hang                      never answers                               never answers
slow-first-byte           text JSON after SLOW_FIRST_BYTE_SECONDS     headers at once, text stream after the delay
paused                    —                                           text stream with MID_STREAM_PAUSE_SECONDS
                                                                      of silence after its first half
midstream-error           —                                           (every dialect: a 0.1 s pause before the failure)
                                                                      chat: 4 real chunks + ``data: {"error":…}``;
                                                                      anthropic: real message_start … first delta +
                                                                      ``event: error`` overloaded_error (documented)
truncated / truncated-eof —                                           first half of the text stream, 0.1 s, then
                                                                      the connection closes mid-body / the body
                                                                      ends cleanly, before the terminal event
========================  ==========================================  ==========================================

``POST /v1/messages/count_tokens`` answers ``{"input_tokens": n}`` and ``POST /v1/responses/input_tokens``
``{"object": "response.input_tokens", "input_tokens": n}``, with n = characters of the request's JSON
``messages``/``input``, ``system``/``instructions`` and ``tools`` divided by 4 (no recording exists; the
number only has to be traceable).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from tests.upstream import reasoning_variants as rv
from tests.upstream import tool_variants as tv
from tests.upstream import variants as v
from tests.upstream.adapt import Adapter, forced_tool
from tests.upstream.answers import Answer, Body, Dialect, Hang, Stream
from tests.upstream.custom_variants import custom_tool
from tests.upstream.recorded import completed_response, recorded_json, recorded_stream, recorded_stream_part

SLOW_FIRST_BYTE_SECONDS = 2.0
MID_STREAM_PAUSE_SECONDS = 0.8

TEXT_JSON: dict[Dialect, Callable[[], Body]] = {
    "chat": lambda: recorded_json("openai/chat-nonstream-text.json"),
    "responses": lambda: completed_response("openai/responses-stream-text-shell-multiturn.chunks.txt"),
    "anthropic": lambda: recorded_json("anthropic/messages-nonstream-text.json"),
}
TEXT_STREAM: dict[Dialect, Callable[[], Stream]] = {
    "chat": lambda: recorded_stream("openai/chat-stream-text-usage-obfuscation.chunks.txt"),
    "responses": lambda: recorded_stream("openai/responses-stream-text-shell-multiturn.chunks.txt"),
    "anthropic": lambda: recorded_stream("anthropic/messages-stream-text.chunks.txt"),
}


CHAT_PARALLEL_JSON = functools.partial(recorded_json, "openai/chat-nonstream-parallel-tool-calls.json")
CHAT_PARALLEL_STREAM = functools.partial(recorded_stream, "openai/chat-stream-parallel-tool-calls.sse")
RESPONSES_CALL_JSON = functools.partial(recorded_json, "openai/responses-nonstream-function-call.json")
RESPONSES_CALL_STREAM = functools.partial(recorded_stream, "openai/responses-stream-function-call.sse")
RESPONSES_PARALLEL_JSON = functools.partial(recorded_json, "openai/responses-nonstream-parallel-function-calls.json")
RESPONSES_MULTISTEP = "openai/responses-stream-multistep-reasoning-summary-function-calls.chunks.txt"
RESPONSES_REASONING_CALL = "openai/responses-stream-reasoning-function-call.sse"
ANTHROPIC_NO_ARGS = "anthropic/messages-stream-tool-use-no-args.chunks.txt"
ANTHROPIC_CALL_JSON = functools.partial(recorded_json, "anthropic/messages-nonstream-tool-use.json")
ANTHROPIC_CALL_STREAM = functools.partial(recorded_stream, "anthropic/messages-stream-text-tool-use.sse")
ANTHROPIC_REDACTED_STREAM = functools.partial(recorded_stream, "anthropic/messages-stream-redacted-thinking.sse")


@dataclass(frozen=True, slots=True)
class Scenario:
    json: Callable[[], Answer] | None
    stream: Callable[[], Answer] | None
    adapt: Adapter | None = None
    """Reshapes the answer after the request it answers (``adapt.py``)."""


def _same(build: Callable[[], Answer]) -> Scenario:
    return Scenario(build, build)


def _variant(dialect: Dialect, edit: v.Edit) -> Scenario:
    return Scenario(lambda: v.edit_body(TEXT_JSON[dialect](), edit),
                    lambda: v.edit_stream(TEXT_STREAM[dialect](), edit))


def _common(dialect: Dialect) -> dict[str, Scenario]:
    return {
        "text": Scenario(TEXT_JSON[dialect], TEXT_STREAM[dialect]),
        "cache-hit": _variant(dialect, v.cache_hit(dialect)),
        "garbage": Scenario(lambda: v.garbage_json(TEXT_JSON[dialect]()),
                            lambda: v.garbage_stream(TEXT_STREAM[dialect]())),
        "hang": _same(Hang),
        "slow-first-byte": Scenario(lambda: v.delayed(TEXT_JSON[dialect](), SLOW_FIRST_BYTE_SECONDS),
                                    lambda: v.delayed(TEXT_STREAM[dialect](), SLOW_FIRST_BYTE_SECONDS)),
        "paused": Scenario(None, lambda: v.paused(TEXT_STREAM[dialect](), MID_STREAM_PAUSE_SECONDS)),
        "truncated": Scenario(None, lambda: v.truncated(TEXT_STREAM[dialect](), "abort")),
        "truncated-eof": Scenario(None, lambda: v.truncated(TEXT_STREAM[dialect](), "eof")),
    }


def _openai_errors(bad_request: str) -> dict[str, Scenario]:
    return {
        "error-400": _same(lambda: recorded_json(bad_request, 400)),
        "error-401": _same(lambda: v.openai_error(401)),
        "error-404": _same(lambda: v.openai_error(404)),
        "error-429": _same(lambda: v.with_headers(
            recorded_json("openai/responses-error-429-insufficient-quota.json", 429), v.RETRY_AFTER)),
        "error-500": _same(lambda: v.openai_error(500)),
        "error-503": _same(lambda: v.openai_error(503)),
    }


CHAT: dict[str, Scenario] = {
    **_common("chat"),
    **_openai_errors("openai/chat-error-400.json"),
    "refusal": Scenario(None, lambda: recorded_stream("openai/chat-stream-refusal.sse")),
    "tool-call": Scenario(lambda: recorded_json("openai/chat-nonstream-tool-call.json"),
                          lambda: tv.chat_first_call_only(CHAT_PARALLEL_STREAM())),
    "parallel-tool-calls": Scenario(CHAT_PARALLEL_JSON, CHAT_PARALLEL_STREAM),
    "tool-calls-one-index": Scenario(None, lambda: tv.chat_one_index(CHAT_PARALLEL_STREAM())),
    "tool-calls-whole": Scenario(None, lambda: tv.chat_whole_calls(CHAT_PARALLEL_STREAM())),
    "tool-call-odd-ids": Scenario(lambda: tv.chat_odd_ids_body(CHAT_PARALLEL_JSON()),
                                  lambda: tv.chat_odd_ids_stream(CHAT_PARALLEL_STREAM())),
    "reasoning": Scenario(lambda: rv.chat_reasoning_body(TEXT_JSON["chat"](), "reasoning_content"),
                          lambda: rv.chat_reasoning_stream(TEXT_STREAM["chat"](), "reasoning_content")),
    "reasoning-field": Scenario(lambda: rv.chat_reasoning_body(TEXT_JSON["chat"](), "reasoning"),
                                lambda: rv.chat_reasoning_stream(TEXT_STREAM["chat"](), "reasoning")),
    "forced-tool": Scenario(lambda: recorded_json("openai/chat-nonstream-tool-call.json"),
                            lambda: tv.chat_first_call_only(CHAT_PARALLEL_STREAM()), forced_tool("chat")),
    "custom-tool-call": Scenario(lambda: recorded_json("openai/chat-nonstream-tool-call.json"),
                                 lambda: tv.chat_first_call_only(CHAT_PARALLEL_STREAM()), custom_tool("chat")),
    "length": _variant("chat", v.chat_finish("length")),
    "content-filter": _variant("chat", v.chat_finish("content_filter")),
    "midstream-error": Scenario(None, lambda: v.chat_midstream_error(TEXT_STREAM["chat"]())),
}

RESPONSES: dict[str, Scenario] = {
    **_common("responses"),
    **_openai_errors("openai/responses-error-400.json"),
    "reasoning": Scenario(lambda: recorded_json("openai/responses-nonstream-reasoning.json"),
                          lambda: recorded_stream("openai/responses-stream-reasoning-text-function-call.sse")),
    "reasoning-summary": Scenario(
        lambda: recorded_json("openai/responses-nonstream-reasoning-encrypted-content.json"),
        lambda: recorded_stream_part(RESPONSES_MULTISTEP, 0)),
    "reasoning-tool-call": Scenario(None, lambda: recorded_stream(RESPONSES_REASONING_CALL)),
    "tool-call": Scenario(RESPONSES_CALL_JSON, RESPONSES_CALL_STREAM),
    "parallel-tool-calls": Scenario(RESPONSES_PARALLEL_JSON,
                                    lambda: tv.responses_parallel_stream(RESPONSES_CALL_STREAM())),
    "tool-call-odd-ids": Scenario(lambda: tv.responses_odd_ids(RESPONSES_PARALLEL_JSON()),
                                  lambda: tv.responses_odd_ids(tv.responses_parallel_stream(RESPONSES_CALL_STREAM()))),
    "forced-tool": Scenario(RESPONSES_CALL_JSON, RESPONSES_CALL_STREAM, forced_tool("responses")),
    "custom-tool-call": Scenario(RESPONSES_CALL_JSON, RESPONSES_CALL_STREAM, custom_tool("responses")),
    "length": _variant("responses", v.responses_incomplete("max_output_tokens")),
    "content-filter": _variant("responses", v.responses_incomplete("content_filter")),
    "midstream-error": Scenario(None, lambda: v.responses_midstream_error(
        TEXT_STREAM["responses"](), recorded_stream("openai/responses-stream-error-midstream.chunks.txt"))),
    "early-stream-error": Scenario(None, lambda: recorded_stream("openai/responses-stream-error-midstream.chunks.txt")),
}

ANTHROPIC: dict[str, Scenario] = {
    **_common("anthropic"),
    "error-400": _same(lambda: recorded_json("anthropic/messages-error-400-invalid-request.json", 400)),
    "error-401": _same(lambda: v.anthropic_error(401)),
    "error-404": _same(lambda: recorded_json("anthropic/messages-error-404-not-found.json", 404)),
    "error-429": _same(lambda: v.anthropic_error(429, v.RETRY_AFTER)),
    "error-500": _same(lambda: v.anthropic_error(500)),
    "error-503": _same(lambda: v.anthropic_error(503)),
    "error-529": _same(lambda: v.anthropic_error(529)),
    "thinking": Scenario(lambda: recorded_json("anthropic/messages-nonstream-thinking.json"),
                         lambda: recorded_stream("anthropic/messages-stream-thinking-signature.sse")),
    "thinking-tool-call": Scenario(lambda: recorded_json("anthropic/messages-nonstream-thinking-tool-use.json"), None),
    "redacted-thinking": Scenario(lambda: rv.anthropic_message_from_stream(ANTHROPIC_REDACTED_STREAM()),
                                  ANTHROPIC_REDACTED_STREAM),
    "clear-thinking": Scenario(lambda: recorded_json("anthropic/messages-nonstream-thinking-2.json"),
                               lambda: recorded_stream("anthropic/messages-stream-thinking-signature.chunks.txt")),
    "tool-call": Scenario(ANTHROPIC_CALL_JSON, ANTHROPIC_CALL_STREAM),
    "parallel-tool-calls": Scenario(lambda: recorded_json("anthropic/messages-nonstream-parallel-tool-use.json"),
                                    lambda: tv.anthropic_parallel_stream(ANTHROPIC_CALL_STREAM())),
    "tool-call-no-args": Scenario(None, lambda: recorded_stream(ANTHROPIC_NO_ARGS)),
    "partial-json": Scenario(None, lambda: recorded_stream("anthropic/messages-stream-incomplete-partial-json.sse")),
    "forced-tool": Scenario(ANTHROPIC_CALL_JSON, lambda: tv.anthropic_without_text(ANTHROPIC_CALL_STREAM()),
                            forced_tool("anthropic")),
    "custom-tool-call": Scenario(ANTHROPIC_CALL_JSON, lambda: tv.anthropic_without_text(ANTHROPIC_CALL_STREAM()),
                                 custom_tool("anthropic")),
    "length": _variant("anthropic", v.anthropic_stop("max_tokens")),
    "stop-sequence": _variant("anthropic", v.anthropic_stop("stop_sequence", "STOP")),
    "refusal": _variant("anthropic", v.anthropic_stop("refusal")),
    "midstream-error": Scenario(None, lambda: v.anthropic_midstream_error(TEXT_STREAM["anthropic"]())),
}

SCENARIOS: dict[Dialect, dict[str, Scenario]] = {"chat": CHAT, "responses": RESPONSES, "anthropic": ANTHROPIC}


@functools.cache
def answer_for(dialect: Dialect, scenario: str, stream: bool) -> Answer | None:
    """The answer for one call, or None when the scenario is unknown or has no answer in that mode."""
    entry = SCENARIOS[dialect].get(scenario)
    build = None if entry is None else (entry.stream if stream else entry.json)
    return None if build is None else build()


def adapter_for(dialect: Dialect, scenario: str) -> Adapter | None:
    entry = SCENARIOS[dialect].get(scenario)
    return None if entry is None else entry.adapt
