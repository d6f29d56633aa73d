"""Features this issue does not translate yet: refused across dialects with a 400 naming the field, passed
through untouched on the same-dialect path. Never dropped silently."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from tests.e2e.conformance import check_error_body
from tests.e2e.matrix import TOOLS, only_call
from tests.e2e.wire import USER_TEXT, post, request_body
from tests.upstream import DIALECTS, Dialect, FakeUpstream

IMAGE_URL = "https://upload.wikimedia.org/wikipedia/commons/3/3f/Fronalpstock_big.jpg"
PNG_1X1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
SCHEMA = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"],
          "additionalProperties": False}


def _image_message(client: Dialect) -> list[dict[str, Any]]:
    if client == "chat":
        return [{"role": "user", "content": [{"type": "text", "text": USER_TEXT},
                                             {"type": "image_url", "image_url": {"url": IMAGE_URL}}]}]
    if client == "responses":
        return [{"role": "user", "content": [{"type": "input_text", "text": USER_TEXT},
                                             {"type": "input_image", "image_url": IMAGE_URL}]}]
    return [{"role": "user", "content": [{"type": "text", "text": USER_TEXT},
                                         {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                                                      "data": PNG_1X1}}]}]


def _feature_cases() -> list[Any]:
    """(client, feature name, the fields to add, what the 400 must name)."""
    cases: list[Any] = []
    for client in DIALECTS:
        messages = "input" if client == "responses" else "messages"
        features: list[tuple[str, dict[str, Any], str]] = [
            ("tools", {"tools": TOOLS[client]}, "tools"),
            ("image", {messages: _image_message(client)}, f"{messages}[0].content[1]"),
        ]
        if client == "chat":
            features += [
                ("structured-output", {"response_format": {"type": "json_schema", "json_schema": {
                    "name": "answer", "schema": SCHEMA, "strict": True}}}, "response_format"),
                ("reasoning", {"reasoning_effort": "low"}, "reasoning_effort"),
            ]
        elif client == "responses":
            features += [
                ("structured-output", {"text": {"format": {"type": "json_schema", "name": "answer",
                                                           "schema": SCHEMA, "strict": True}}}, "text"),
                ("reasoning", {"reasoning": {"effort": "low"}}, "reasoning"),
            ]
        else:
            features += [("thinking", {"thinking": {"type": "enabled", "budget_tokens": 1024}, "max_tokens": 2048},
                          "thinking")]
        cases += [pytest.param(client, fields, named, id=f"{client}-{name}") for name, fields, named in features]
    return cases


FEATURES = _feature_cases()


@pytest.mark.parametrize(("client", "fields", "named"), FEATURES)
def test_refused_across_dialects(client: Dialect, fields: dict[str, Any], named: str, http: httpx2.Client,
                                 upstream: FakeUpstream) -> None:
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
@pytest.mark.parametrize(("client", "fields", "named"), FEATURES)
def test_passed_through_on_the_same_dialect(client: Dialect, fields: dict[str, Any], named: str, stream: bool,
                                            http: httpx2.Client, upstream: FakeUpstream) -> None:
    body = request_body(client, f"{client}/text", stream=stream, **fields)
    mark = upstream.mark()
    answer = post(http, client, body)
    assert answer.status == 200, answer.content[:500]
    sent = only_call(upstream, mark, client).json
    for key, value in fields.items():
        assert sent[key] == value, f"{key} changed on the way: {sent[key]!r}"
