"""What round 1 refused across dialects (tools, images, structured output, reasoning) is translated now; the
modules test_tool_*, test_media, test_structured_output and test_reasoning check how. Still refused across
dialects, with a 400 naming the field and nothing sent upstream, is only what has no canonical form: chat
``n`` > 1, ``logprobs``, ``seed``, penalties, ``logit_bias``, ``allowed_tools`` choices; Responses
``previous_response_id``, ``conversation``, ``background``, ``max_tool_calls``; Anthropic ``top_k``,
``mcp_servers``, ``container``, ``context_management`` edits other than clearing thinking, and server-tool
blocks in history. All of it passes through untouched on the same-dialect path."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from tests.e2e.conformance import check_answer, check_error_body
from tests.e2e.formats import format_fields, received_format
from tests.e2e.matrix import only_call
from tests.e2e.media import IMAGE_URL, Media, part, received_media, text_part
from tests.e2e.thoughts import received_setting
from tests.e2e.tooling import TOOLSET, received_tools, tools_wire
from tests.e2e.wire import USER_TEXT, post, request_body
from tests.upstream import DIALECTS, Dialect, FakeUpstream

MESSAGES = {"chat": "messages", "responses": "input", "anthropic": "messages"}
REASONING: dict[Dialect, dict[str, Any]] = {
    "chat": {"reasoning_effort": "low"},
    "responses": {"reasoning": {"effort": "low"}},
    "anthropic": {"thinking": {"type": "enabled", "budget_tokens": 1024}, "max_tokens": 2048},
}


def _image(client: Dialect) -> dict[str, Any]:
    content = [text_part(client, USER_TEXT), part(client, Media("image", url=IMAGE_URL))]
    return {MESSAGES[client]: [{"role": "user", "content": content}]}


def _translated_cases() -> list[Any]:
    return [pytest.param(client, upstream, feature, id=f"{client}-via-{upstream}-{feature}")
            for client in DIALECTS for upstream in DIALECTS if upstream != client
            for feature in ("tools", "image", "structured-output", "reasoning")]


@pytest.mark.parametrize(("client", "upstream_dialect", "feature"), _translated_cases())
def test_round_one_refusals_are_translated_now(client: Dialect, upstream_dialect: Dialect, feature: str,
                                               http: httpx2.Client, upstream: FakeUpstream) -> None:
    fields = {"tools": {"tools": tools_wire(client)}, "image": _image(client),
              "structured-output": format_fields(client), "reasoning": REASONING[client]}[feature]
    mark = upstream.mark()
    answer = post(http, client, request_body(client, f"{upstream_dialect}/text", **fields))
    check_answer(client, answer)
    sent = only_call(upstream, mark, upstream_dialect).json
    if feature == "tools":
        assert [tool.name for tool in received_tools(upstream_dialect, sent)] == [tool.name for tool in TOOLSET]
    elif feature == "image":
        assert [media.url for media in received_media(upstream_dialect, sent)] == [IMAGE_URL]
    elif feature == "structured-output":
        assert received_format(upstream_dialect, sent) is not None
    else:
        assert not received_setting(upstream_dialect, sent).off


SERVER_TOOL_TURN = [
    {"role": "user", "content": "Search the news."},
    {"role": "assistant", "content": [
        {"type": "server_tool_use", "id": "srvtoolu_01", "name": "web_search", "input": {"query": "news"}},
        {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_01", "content": []}]},
    {"role": "user", "content": "Summarise."},
]
# (client, name, fields, what the 400 must name)
STILL_REFUSED: list[tuple[Dialect, str, dict[str, Any], str]] = [
    ("chat", "n", {"n": 2}, "n"),
    ("chat", "logprobs", {"logprobs": True, "top_logprobs": 2}, "logprobs"),
    ("chat", "seed", {"seed": 7}, "seed"),
    ("chat", "penalties", {"frequency_penalty": 0.5}, "frequency_penalty"),
    ("chat", "logit-bias", {"logit_bias": {"50256": -100}}, "logit_bias"),
    ("chat", "allowed-tools", {"tools": tools_wire("chat"), "tool_choice": {"type": "allowed_tools", "allowed_tools": {
        "mode": "auto", "tools": [{"type": "function", "function": {"name": TOOLSET[0].name}}]}}}, "tool_choice"),
    ("responses", "previous-response", {"previous_response_id": "resp_0123456789"}, "previous_response_id"),
    ("responses", "conversation", {"conversation": "conv_0123456789"}, "conversation"),
    ("responses", "background", {"background": True}, "background"),
    ("responses", "max-tool-calls", {"max_tool_calls": 3}, "max_tool_calls"),
    ("anthropic", "top-k", {"top_k": 5}, "top_k"),
    ("anthropic", "mcp-servers", {"mcp_servers": [{"type": "url", "url": "https://mcp.example.com/sse",
                                                   "name": "example"}]}, "mcp_servers"),
    ("anthropic", "container", {"container": "container_0123"}, "container"),
    ("anthropic", "context-management", {"context_management": {"edits": [{"type": "clear_tool_uses_20250919"}]}},
     "context_management"),
    ("anthropic", "server-tool-history", {"messages": SERVER_TOOL_TURN}, "messages[1].content[0]"),
]
REFUSED_CASES = [pytest.param(client, fields, named, id=f"{client}-{name}") for client, name, fields, named in
                 STILL_REFUSED]


@pytest.mark.parametrize(("client", "fields", "named"), REFUSED_CASES)
def test_no_canonical_form_refused_across_dialects(client: Dialect, fields: dict[str, Any], named: str,
                                                   http: httpx2.Client, upstream: FakeUpstream) -> None:
    for upstream_dialect in DIALECTS:
        if upstream_dialect == client:
            continue
        mark = upstream.mark()
        answer = post(http, client, request_body(client, f"{upstream_dialect}/text", **fields))
        assert answer.status == 400, (upstream_dialect, answer.content[:500])
        body = answer.json()
        check_error_body(client, body)
        error = body["error"]
        assert named in f"{error.get('param')} {error['message']}", (upstream_dialect, error)
        assert upstream.since(mark) == [], "a refused request must not reach the upstream"


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
@pytest.mark.parametrize(("client", "fields", "named"), REFUSED_CASES)
def test_passed_through_on_the_same_dialect(client: Dialect, fields: dict[str, Any], named: str, stream: bool,
                                            http: httpx2.Client, upstream: FakeUpstream) -> None:
    body = request_body(client, f"{client}/text", stream=stream, **fields)
    mark = upstream.mark()
    answer = post(http, client, body)
    assert answer.status == 200, answer.content[:500]
    sent = only_call(upstream, mark, client).json
    for key, value in fields.items():
        assert sent[key] == value, f"{key} changed on the way: {sent[key]!r}"
