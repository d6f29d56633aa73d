"""Through a real gateway: a busy model refuses in the client's dialect with Retry-After, and a client that
hangs up mid-stream frees the model for the next request at once."""

from __future__ import annotations

import time
from typing import Any

import httpx2

from tests.local.conftest import ENDLESS, SOLO

SHORT: dict[str, Any] = {"model": SOLO, "max_tokens": 4, "messages": [{"role": "user", "content": "Hi"}]}
# Tens of seconds of tokens. Greedy: sampling could spell out "<|im_end|>" in plain tokens, a stop sequence.
LONG: dict[str, Any] = {**SHORT, "max_tokens": 1500, "temperature": 0, "stream": True, **ENDLESS}
ANTHROPIC_HEADERS = {"anthropic-version": "2023-06-01"}


def test_busy_model_refuses_then_serves_once_the_client_hangs_up(raw: httpx2.Client) -> None:
    with raw.stream("POST", "/v1/chat/completions", json=LONG) as long:
        assert long.status_code == 200
        lines = long.iter_lines()  # held: closing this iterator would close the stream (the client hanging up)
        content: list[str] = []
        for line in lines:
            if line.startswith("data: {") and '"content"' in line:
                content.append(line)
                if len(content) == 3:
                    break
        busy = raw.post("/v1/chat/completions", json=SHORT)
        assert busy.status_code == 429, busy.text
        assert busy.json()["error"]["type"] == "rate_limit_error"
        assert int(busy.headers["retry-after"]) >= 1
        busy_anthropic = raw.post("/v1/messages", json=SHORT, headers=ANTHROPIC_HEADERS)
        assert busy_anthropic.status_code == 429, busy_anthropic.text
        assert busy_anthropic.json()["error"]["type"] == "rate_limit_error"
        assert int(busy_anthropic.headers["retry-after"]) >= 1
    # The client hung up with ~1,500 tokens to go: the model must be free again within about a second.
    hung_up = time.monotonic()
    answer = raw.post("/v1/chat/completions", json=SHORT)
    # Until then: 429 from the model, or 503 from the router resting it for the Retry-After the 429s gave.
    while answer.status_code in (429, 503) and time.monotonic() - hung_up < 2.5:
        time.sleep(0.05)
        answer = raw.post("/v1/chat/completions", json=SHORT)
    assert answer.status_code == 200, answer.text
    assert time.monotonic() - hung_up < 3.5  # against the tens of seconds the abandoned answer would take
