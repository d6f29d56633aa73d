"""The fault-injecting upstream itself does what each spec says, over real HTTP."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator

import aiohttp
import orjson
import pytest

from tests.faults import FaultUpstream, closed_port_url
from tests.faults.behaviours import Hang, Ok, Reset, Scripted, Slow, Stall, Status, parse
from tests.upstream.answers import Dialect

PATH: dict[Dialect, str] = {"chat": "/v1/chat/completions", "responses": "/v1/responses", "anthropic": "/v1/messages"}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def body(model: str, stream: bool = False) -> dict[str, object]:
    return {"model": model, "stream": stream, "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}


def test_specs_parse() -> None:
    assert parse("ok") == Ok()
    assert parse("status-429-retry-2.5") == Status(429, 2.5)
    assert parse("status-500") == Status(500)
    assert parse("reset") == Reset() and parse("reset-after-3") == Reset(3)
    assert parse("slow-0.2") == Slow(0.2) and parse("stall-1") == Stall(1.0) and parse("hang") == Hang()
    assert parse("script-x") == Scripted("x")
    assert parse("status-5") is None and parse("fine") is None


@pytest.mark.parametrize("dialect", ["chat", "responses", "anthropic"])
@pytest.mark.parametrize("stream", [False, True])
async def test_ok_answers_in_each_dialect(faults: FaultUpstream, http: aiohttp.ClientSession, dialect: Dialect,
                                          stream: bool) -> None:
    model = f"ok@{dialect}-{stream}"
    async with http.post(faults.url + PATH[dialect], json=body(model, stream)) as response:
        content = await response.read()
    assert response.status == 200
    if stream:
        assert response.headers["content-type"].startswith("text/event-stream") and content.count(b"data:") > 2
    else:
        assert isinstance(orjson.loads(content), dict)
    (seen,) = [seen for seen in faults.requests if seen.model == model]
    assert (seen.dialect, seen.spec, seen.stream, seen.tag) == (dialect, "ok", stream, f"{dialect}-{stream}")
    # The server notes the end just after writing the last byte, which the client may have read first.
    for _ in range(100):
        if seen.finished_at is not None:
            break
        await asyncio.sleep(0.01)
    assert seen.finished_at is not None and seen.disconnected_at is None


async def test_status_with_retry_after_in_the_dialects_error_shape(faults: FaultUpstream,
                                                                   http: aiohttp.ClientSession) -> None:
    async with http.post(faults.url + PATH["anthropic"], json=body("status-429-retry-2")) as response:
        payload = await response.json()
    assert (response.status, response.headers["retry-after"]) == (429, "2")
    assert payload["error"]["type"] == "rate_limit_error"
    async with http.post(faults.url + PATH["chat"], json=body("status-500")) as response:
        payload = await response.json()
    assert response.status == 500 and "retry-after" not in response.headers
    assert payload["error"]["message"] == "injected fault: HTTP 500"


async def test_spec_in_the_path(faults: FaultUpstream, http: aiohttp.ClientSession) -> None:
    async with http.post(faults.base_url("chat", "status-503") + "/chat/completions", json=body("gpt")) as response:
        assert response.status == 503
    async with http.post(faults.base_url("anthropic", "status-529") + "/v1/messages", json=body("c")) as response:
        assert response.status == 529
    assert faults.count(model="gpt", spec="status-503") == 1


async def test_a_hang_is_seen_ending_when_the_client_leaves(faults: FaultUpstream, http: aiohttp.ClientSession) -> None:
    timeout = aiohttp.ClientTimeout(total=0.2)
    with pytest.raises(asyncio.TimeoutError):
        async with http.post(faults.url + PATH["chat"], json=body("hang@t1"), timeout=timeout) as response:
            await response.read()
    left = time.monotonic()
    (seen,) = [seen for seen in faults.requests if seen.model == "hang@t1"]
    for _ in range(100):
        if seen.disconnected_at is not None:
            break
        await asyncio.sleep(0.01)
    assert seen.disconnected_at is not None and seen.disconnected_at - left < 1.0
    assert seen.finished_at is None


async def test_reset_before_answering(faults: FaultUpstream, http: aiohttp.ClientSession) -> None:
    with pytest.raises(aiohttp.ClientConnectionError):
        async with http.post(faults.url + PATH["chat"], json=body("reset")) as response:
            await response.read()


async def test_reset_in_the_middle_of_a_stream(faults: FaultUpstream, http: aiohttp.ClientSession) -> None:
    received = b""
    with pytest.raises(aiohttp.ClientError):
        async with http.post(faults.url + PATH["anthropic"], json=body("reset-after-2", True)) as response:
            assert response.status == 200
            async for chunk in response.content.iter_any():
                received += chunk
    assert received.count(b"data:") == 2


async def test_garbage_and_truncated_answers(faults: FaultUpstream, http: aiohttp.ClientSession) -> None:
    for model in ("garbage", "truncated"):
        async with http.post(faults.url + PATH["responses"], json=body(model)) as response:
            content = await response.read()
        assert response.status == 200
        with pytest.raises(orjson.JSONDecodeError):
            orjson.loads(content)
    async with http.post(faults.url + PATH["chat"], json=body("truncated", True)) as whole:
        cut = await whole.read()
    async with http.post(faults.url + PATH["chat"], json=body("ok", True)) as whole:
        full = await whole.read()
    assert full.startswith(cut) and len(cut) < len(full)


async def test_slow_streams_spread_their_records(faults: FaultUpstream, http: aiohttp.ClientSession) -> None:
    arrivals = []
    async with http.post(faults.url + PATH["anthropic"], json=body("slow-0.3", True)) as response:
        async for _ in response.content.iter_any():
            arrivals.append(time.monotonic())
    assert len(arrivals) > 3 and arrivals[-1] - arrivals[0] >= 0.25
    assert max(later - earlier for earlier, later in itertools.pairwise(arrivals)) < 0.25


async def test_a_stall_pauses_once_after_the_first_record(faults: FaultUpstream,
                                                          http: aiohttp.ClientSession) -> None:
    arrivals = []
    async with http.post(faults.url + PATH["anthropic"], json=body("stall-0.3", True)) as response:
        async for _ in response.content.iter_any():
            arrivals.append(time.monotonic())
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert gaps[0] >= 0.25 and arrivals[-1] - arrivals[0] < 0.5  # the first record, the pause, the rest


async def test_scripts_play_in_turn_and_repeat_their_last_step(faults: FaultUpstream,
                                                               http: aiohttp.ClientSession) -> None:
    faults.script("flaky", "status-500", "status-502", "ok")
    statuses = []
    for _ in range(4):
        async with http.post(faults.url + PATH["chat"], json=body("script-flaky@x")) as response:
            statuses.append(response.status)
    assert statuses == [500, 502, 200, 200]
    assert faults.count(tag="x") == 4 and faults.count(tag="x", spec="ok") == 2


async def test_unknown_specs_are_refused_clearly(faults: FaultUpstream, http: aiohttp.ClientSession) -> None:
    async with http.post(faults.url + PATH["chat"], json=body("sometimes")) as response:
        payload = await response.json()
    assert response.status == 400 and "does not know the spec 'sometimes'" in payload["error"]["message"]


async def test_a_closed_port_refuses(http: aiohttp.ClientSession) -> None:
    with pytest.raises(aiohttp.ClientConnectorError):
        async with http.post(closed_port_url() + PATH["chat"], json=body("ok")):
            pass
