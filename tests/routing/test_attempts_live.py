"""The router's plans carried out against real failing upstreams (tests/faults) through the real HTTP
client and codecs, the way the request handler uses them (``routed_call`` is that recipe): a client gets an
answer from a healthy member whenever one exists, the right error otherwise, nothing is retried once bytes
were streamed, and a cooled-down member is probed back in."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import orjson
import pytest

from dragoman.canonical.errors import (
    GatewayError,
    UpstreamError,
    UpstreamProtocolError,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from dragoman.canonical.events import StreamEvent, StreamFinish
from dragoman.canonical.response import Response
from dragoman.config import Config, parse_config
from dragoman.dialects.base import Codec
from dragoman.dialects.registry import CODECS
from dragoman.providers.http import UpstreamClient, UpstreamResponse
from dragoman.routing.health import MemoryHealth
from dragoman.routing.router import Router
from dragoman.sse import SSEDecoder
from tests.faults import FaultUpstream, closed_port_url

CHAT = CODECS["openai_chat"]


@dataclass
class Outcome:
    member_id: str
    attempts: int
    response: Response | None = None
    events: list[StreamEvent] | None = None


async def stream_events(answer: UpstreamResponse, codec: Codec) -> AsyncIterator[StreamEvent]:
    sse, decoder = SSEDecoder(), codec.stream_decoder()
    async for chunk in answer.chunks():
        for message in sse.feed(chunk):
            for event in decoder.feed(message):
                yield event
    for message in sse.flush():
        for event in decoder.feed(message):
            yield event
    for event in decoder.finish():
        yield event


def json_of(answer: UpstreamResponse, body: bytes) -> dict[str, object]:
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise UpstreamProtocolError(f"the upstream {answer.where} sent invalid JSON") from error
    if not isinstance(parsed, dict):
        raise UpstreamProtocolError(f"the upstream {answer.where} sent JSON that is not an object")
    return parsed


async def routed_call(router: Router, upstreams: UpstreamClient, model: str, *, stream: bool = False) -> Outcome:
    """One chat request routed the way the handler does it: attempts until one answers, every failure
    before the first byte reported to the plan (which says whether to go on), none after it."""
    request = CHAT.decode_request({"model": model, "stream": stream, "messages": [{"role": "user", "content": "hi"}]})
    plan = router.resolve(model)
    while True:
        attempt = await plan.next()
        deployment = attempt.deployment
        codec = CODECS[deployment.dialect]
        payload = orjson.dumps(codec.encode_request(request, deployment.upstream_model))
        answer: UpstreamResponse | None = None
        try:
            try:
                async with asyncio.timeout(deployment.first_token_seconds):
                    answer = await upstreams.post(deployment, codec.upstream_path, payload,
                                                  codec.upstream_headers(deployment.api_key), stream=stream)
                    if answer.status >= 300:
                        error = codec.decode_error(answer.status, await answer.read())
                        error.retry_after = error.retry_after or answer.retry_after()
                        raise error
                    if stream:
                        events = stream_events(answer, codec)
                        first = await anext(events)
                    else:
                        response = codec.decode_response(json_of(answer, await answer.read()))
            except TimeoutError:
                raise UpstreamTimeout(f"the upstream did not answer within {deployment.first_token_seconds:g} s"
                                      ) from None
        except GatewayError as error:
            if answer is not None:
                answer.close()
            if await plan.failed(attempt, error):
                continue
            raise
        attempt.first_byte()
        if not stream:
            await attempt.succeeded()
            return Outcome(attempt.member_id, len(plan.attempts), response=response)
        received = [first]
        try:
            received += [event async for event in events]  # after the first byte: never retried
        except GatewayError as error:
            await attempt.failed(error)
            raise
        await attempt.succeeded()
        return Outcome(attempt.member_id, len(plan.attempts), events=received)


def pool(faults: FaultUpstream, *models: str, routing: str = "", extra: str = "") -> Config:
    def base_url(model: str) -> str:
        return closed_port_url() + "/v1" if model == "down" else faults.base_url("chat")

    entries = "".join(f"  - {{name: pool, provider: openai, base_url: '{base_url(model)}', model: '{model}',"
                      f" id: '{model}'{extra}}}\n" for model in models)
    return parse_config(f"models:\n{entries}routing: {{strategy: ordered, backoff_base: 0.01, backoff_max: 0.02"
                        f"{', ' + routing if routing else ''}}}\n")


@pytest.fixture
async def upstreams() -> AsyncIterator[UpstreamClient]:
    client = UpstreamClient()
    await client.start()
    yield client
    await client.close()


def make_router(config: Config) -> Router:
    return Router(config, MemoryHealth(failures_to_cool=config.routing.cooldown_after_failures,
                                       cooldown_seconds=config.routing.cooldown_seconds))


BEFORE_THE_FIRST_BYTE = ["status-500", "status-502", "status-503", "status-429-retry-5", "status-401", "garbage",
                         "reset", "down"]


@pytest.mark.parametrize(("broken", "stream"), [
    *[(broken, stream) for broken in BEFORE_THE_FIRST_BYTE for stream in (False, True)],
    ("truncated", False),  # as streams, these two fail after their first event: see the test after the next
    ("reset-after-1", False),
])
async def test_a_healthy_member_answers_when_another_fails(faults: FaultUpstream, upstreams: UpstreamClient,
                                                            broken: str, stream: bool) -> None:
    good = f"ok@{broken}-{stream}"
    router = make_router(pool(faults, broken, good))
    outcome = await routed_call(router, upstreams, "pool", stream=stream)
    assert (outcome.member_id, outcome.attempts) == (good, 2)
    assert faults.count(model=good) == 1


async def test_a_hanging_member_is_given_up_at_its_first_token_timeout(faults: FaultUpstream,
                                                                       upstreams: UpstreamClient) -> None:
    router = make_router(pool(faults, "hang@first", "ok@after-hang", extra=", first_token_timeout: 0.3"))
    started = time.monotonic()
    outcome = await routed_call(router, upstreams, "pool", stream=True)
    assert outcome.member_id == "ok@after-hang" and time.monotonic() - started < 2
    (hung,) = [seen for seen in faults.requests if seen.model == "hang@first"]
    await asyncio.sleep(0.1)
    assert hung.disconnected_at is not None  # the given-up request was dropped at the upstream too


async def test_every_member_failing_is_a_502_after_the_retries(faults: FaultUpstream,
                                                               upstreams: UpstreamClient) -> None:
    router = make_router(pool(faults, "status-500@x", "status-502@y", routing="retries: 2, cooldown_after_failures: 9"))
    with pytest.raises(UpstreamUnavailable) as raised:
        await routed_call(router, upstreams, "pool")
    assert raised.value.status == 502
    assert faults.count(model="status-500@x") + faults.count(model="status-502@y") == 4  # each once, 2 repeats


async def test_every_member_hanging_is_a_504(faults: FaultUpstream, upstreams: UpstreamClient) -> None:
    router = make_router(pool(faults, "hang@x", "hang@y", routing="retries: 0", extra=", first_token_timeout: 0.2"))
    with pytest.raises(UpstreamTimeout) as raised:
        await routed_call(router, upstreams, "pool")
    assert raised.value.status == 504


async def test_the_clients_own_fault_is_not_retried(faults: FaultUpstream, upstreams: UpstreamClient) -> None:
    router = make_router(pool(faults, "status-400@first", "ok@never"))
    with pytest.raises(UpstreamError) as raised:
        await routed_call(router, upstreams, "pool")
    assert raised.value.status == 400 and faults.count(model="ok@never") == 0


@pytest.mark.parametrize("broken", ["reset-after-2", "truncated"])
async def test_no_retry_once_the_stream_has_started(faults: FaultUpstream, upstreams: UpstreamClient,
                                                    broken: str) -> None:
    router = make_router(pool(faults, f"{broken}@mid", f"ok@unused-{broken}"))
    with pytest.raises(UpstreamUnavailable):
        await routed_call(router, upstreams, "pool", stream=True)
    assert faults.count(model=f"ok@unused-{broken}") == 0
    snapshot = {member["id"]: member for member in await router.snapshot()}
    assert snapshot[f"{broken}@mid"]["consecutive_failures"] == 1  # it still counts against the member


async def test_a_429_cools_the_member_down_for_its_retry_after(faults: FaultUpstream,
                                                               upstreams: UpstreamClient) -> None:
    faults.script("limited", "status-429-retry-1", "ok")
    router = make_router(pool(faults, "script-limited@a", "ok@b", routing="retries: 0"))
    assert (await routed_call(router, upstreams, "pool")).member_id == "ok@b"
    assert (await routed_call(router, upstreams, "pool")).member_id == "ok@b"  # a is resting
    assert faults.count(model="script-limited@a") == 1
    await asyncio.sleep(1.0)
    assert (await routed_call(router, upstreams, "pool")).member_id == "script-limited@a"


async def test_a_failing_member_cools_down_and_is_probed_back_in(faults: FaultUpstream,
                                                                 upstreams: UpstreamClient) -> None:
    faults.script("flaky", "status-500", "status-500", "ok")
    config = pool(faults, "script-flaky@a", "ok@b2", routing="retries: 0, cooldown_after_failures: 2, "
                                                           "cooldown_seconds: 1")
    router = make_router(config)
    for _ in range(2):
        assert (await routed_call(router, upstreams, "pool")).member_id == "ok@b2"
    states = {member["id"]: member["state"] for member in await router.snapshot()}
    assert states["script-flaky@a"] == "cooling"
    assert (await routed_call(router, upstreams, "pool")).member_id == "ok@b2"
    assert faults.count(model="script-flaky@a") == 2  # skipped while cooling
    await asyncio.sleep(1.0)
    assert (await routed_call(router, upstreams, "pool")).member_id == "script-flaky@a"  # the probe succeeds
    states = {member["id"]: member["state"] for member in await router.snapshot()}
    assert states["script-flaky@a"] == "healthy"


async def test_a_complete_stream_ends_with_its_finish(faults: FaultUpstream, upstreams: UpstreamClient) -> None:
    router = make_router(pool(faults, "ok@whole"))
    outcome = await routed_call(router, upstreams, "pool", stream=True)
    assert outcome.events is not None and isinstance(outcome.events[-1], StreamFinish)


async def test_closing_an_answer_reaches_the_upstream_at_once(faults: FaultUpstream,
                                                              upstreams: UpstreamClient) -> None:
    router = make_router(pool(faults, "slow-5@cancel"))
    attempt = await router.resolve("pool").next()
    codec = CODECS[attempt.deployment.dialect]
    request = CHAT.decode_request({"model": "pool", "stream": True, "messages": [{"role": "user", "content": "x"}]})
    answer = await upstreams.post(attempt.deployment, codec.upstream_path,
                                  orjson.dumps(codec.encode_request(request, attempt.deployment.upstream_model)),
                                  codec.upstream_headers(None), stream=True)
    await anext(aiter(answer.chunks()))
    answer.close()  # what the handler does when its client goes away
    await attempt.cancelled(tokens=3)
    closed = time.monotonic()
    (seen,) = [seen for seen in faults.requests if seen.model == "slow-5@cancel"]
    for _ in range(100):
        if seen.disconnected_at is not None:
            break
        await asyncio.sleep(0.01)
    assert seen.disconnected_at is not None and seen.disconnected_at - closed < 1.0
    assert attempt.member.stats.in_flight == 0 and attempt.member.stats.tokens_in_window(time.monotonic()) == 3
