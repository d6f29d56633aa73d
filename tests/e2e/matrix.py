"""What the e2e modules share: the 9 client x upstream pairs, the scenarios each upstream varies, tools in
each dialect, and how to pick out (and predict) the one upstream call a gateway request caused."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.wire import PATHS
from tests.upstream import DIALECTS, Dialect, FakeUpstream, ReceivedRequest

PAIRS: list[tuple[Dialect, Dialect]] = [(client, upstream) for client in DIALECTS for upstream in DIALECTS]
PAIR_IDS = [f"{client}-via-{upstream}" for client, upstream in PAIRS]
# The upstream scenarios that vary stop reason and usage, per upstream dialect.
VARIANTS: dict[Dialect, tuple[str, ...]] = {
    "chat": ("text", "cache-hit", "length", "content-filter"),
    "responses": ("text", "cache-hit", "length", "content-filter"),
    "anthropic": ("text", "cache-hit", "length", "stop-sequence", "refusal"),
}
# client x upstream x scenario x mode, for the tests that check content, stop reason and usage.
VARIANT_CASES = [
    pytest.param(client, upstream, scenario, stream, id=f"{client}-via-{upstream}-{scenario}-{mode}")
    for client, upstream in PAIRS
    for scenario in VARIANTS[upstream]
    for stream, mode in ((False, "json"), (True, "stream"))
]
TOOLS: dict[Dialect, list[dict[str, Any]]] = {
    "chat": [{"type": "function", "function": {"name": "get_weather", "description": "Weather",
                                                "parameters": {"type": "object", "properties": {}}}}],
    "responses": [{"type": "function", "name": "get_weather", "description": "Weather",
                   "parameters": {"type": "object", "properties": {}}, "strict": False}],
    "anthropic": [{"name": "get_weather", "description": "Weather", "input_schema": {"type": "object"}}],
}


def only_call(upstream: FakeUpstream, mark: int, dialect: Dialect) -> ReceivedRequest:
    """The single request the upstream received since ``mark``, on the endpoint of ``dialect``."""
    received = upstream.since(mark)
    assert len(received) == 1, f"expected one upstream call, got {[(r.method, r.path) for r in received]}"
    call = received[0]
    assert call.path == PATHS[dialect], call.path
    return call


def expected_upstream_body(dialect: Dialect, body: dict[str, Any], scenario: str) -> dict[str, Any]:
    """A same-dialect request as the upstream must get it: the model renamed, and a chat stream asking for
    usage (dragoman always asks, to count it)."""
    sent = {**body, "model": scenario}
    if dialect == "chat" and body.get("stream"):
        sent["stream_options"] = {**body.get("stream_options", {}), "include_usage": True}
    return sent
