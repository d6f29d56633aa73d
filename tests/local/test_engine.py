"""The embedded model in-process (``LocalModels``, as ``UpstreamClient`` uses it): usage against llama.cpp's
tokenizer, max_tokens and stop, the bounded queue, cancellation, timeouts, and failures as OpenAI errors."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from dragoman.canonical.errors import UpstreamTimeout
from dragoman.config import DeploymentConfig
from dragoman.providers.local import LocalAnswer, LocalModels
from tests.local.conftest import ENDLESS, THREADS, chatml_tokens, text_tokens

SYSTEM, USER = "You are a poet.", "Write a poem about the sea."
CONVERSATION = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": USER}]
LONG = 1500  # tokens: tens of seconds of generation, far longer than any wait in these tests
QUICK = 5.0  # seconds: what a few tokens take, with room to spare, and far less than LONG takes


def deployment(name: str, **settings: Any) -> DeploymentConfig:
    return DeploymentConfig(name=name, provider="local", n_threads=THREADS, **settings)


DEFAULT = deployment("local")
SINGLE_WAITER = deployment("one-waiting", max_queue=1)
IMPATIENT = deployment("impatient", max_queue=1, timeout=0.5)


@pytest.fixture(scope="module")
async def models(model_path: Path) -> AsyncIterator[LocalModels]:
    local = LocalModels()
    try:
        yield local
    finally:
        await local.close()


async def post(models: LocalModels, target: DeploymentConfig, *, stream: bool = False, **body: Any) -> LocalAnswer:
    payload = {"model": target.name, "messages": CONVERSATION, "temperature": 0, **body}
    if stream:
        payload |= {"stream": True, "stream_options": {"include_usage": True}}
    return await models.post(target, "/chat/completions", orjson.dumps(payload), {}, stream=stream)


async def completion(models: LocalModels, target: DeploymentConfig = DEFAULT, **body: Any) -> dict[str, Any]:
    answer = await post(models, target, **body)
    assert answer.status == 200, await answer.read()
    parsed: dict[str, Any] = orjson.loads(await answer.read())
    return parsed


def records(raw: bytes) -> list[Any]:
    return [orjson.loads(line[6:]) for line in raw.split(b"\n\n") if line.startswith(b"data: {")]


async def generating(answer: LocalAnswer) -> AsyncIterator[bytes]:
    """The answer's chunks, two already read (generation is under way). Hold on to the iterator: dropping it
    cancels the job, as it should."""
    chunks = answer.chunks()
    for _ in range(2):
        await anext(chunks)
    return chunks


async def drain(chunks: AsyncIterator[bytes]) -> bytes:
    """The rest of a closed stream, which must end promptly."""
    async def rest() -> bytes:
        return b"".join([chunk async for chunk in chunks])

    return await asyncio.wait_for(rest(), QUICK)


async def wait_until_idle(models: LocalModels, target: DeploymentConfig, within: float) -> float:
    started = time.monotonic()
    while models.queue_depth(target) and time.monotonic() - started < within:
        await asyncio.sleep(0.01)
    assert models.queue_depth(target) == 0, f"the model was still busy {within} s after the cancel"
    return time.monotonic() - started


async def test_usage_is_the_tokenizers_count(models: LocalModels, tokenizer: Any) -> None:
    whole = await completion(models, max_tokens=12, **ENDLESS)
    streamed = await post(models, DEFAULT, stream=True, max_tokens=12, **ENDLESS)
    chunks = records(await streamed.read())
    text = whole["choices"][0]["message"]["content"]
    assert whole["choices"][0]["finish_reason"] == "length"
    assert whole["usage"] == {"prompt_tokens": chatml_tokens(tokenizer, [("system", SYSTEM), ("user", USER)]),
                              "completion_tokens": 12, "total_tokens": whole["usage"]["prompt_tokens"] + 12}
    assert text_tokens(tokenizer, text) == 12
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"] == whole["usage"]
    assert "".join(chunk["choices"][0]["delta"].get("content", "") for chunk in chunks[:-1]) == text


async def test_stop_sequence_ends_the_answer_before_it(models: LocalModels) -> None:
    reference = (await completion(models, max_tokens=24, **ENDLESS))["choices"][0]["message"]["content"]
    words = reference.split(" ")
    stop = " " + words[3]
    expected = reference[:reference.index(stop)]
    whole = await completion(models, max_tokens=24, stop=[stop], **ENDLESS)
    assert whole["choices"][0]["message"]["content"] == expected
    assert whole["choices"][0]["finish_reason"] == "stop"
    streamed = records(await (await post(models, DEFAULT, stream=True, max_tokens=24, stop=stop, **ENDLESS)).read())
    assert "".join(chunk["choices"][0]["delta"].get("content", "") for chunk in streamed[:-1]) == expected
    assert streamed[-2]["choices"][0]["finish_reason"] == "stop"


async def test_closing_a_stream_stops_generation(models: LocalModels) -> None:
    answer = await post(models, DEFAULT, stream=True, max_tokens=LONG, **ENDLESS)
    chunks = await generating(answer)
    assert models.queue_depth(DEFAULT) == 1
    answer.close()
    assert await wait_until_idle(models, DEFAULT, within=1.0) < 1.0
    rest = await drain(chunks)  # what was already on its way, then the end: no finish, no [DONE]
    assert b"[DONE]" not in rest and b"finish_reason\":\"length" not in rest
    after = await completion(models, max_tokens=4)
    assert after["usage"]["completion_tokens"] <= 4


async def test_queue_is_bounded(models: LocalModels) -> None:
    """One generating and ``max_queue`` (1) waiting; the next is refused at once with 429 and Retry-After."""
    running = await post(models, SINGLE_WAITER, stream=True, max_tokens=LONG, **ENDLESS)
    chunks = await generating(running)
    waiting = await post(models, SINGLE_WAITER, stream=True, max_tokens=4)
    refused = await post(models, SINGLE_WAITER, max_tokens=4)
    assert refused.status == 429
    error = orjson.loads(await refused.read())["error"]
    assert error["type"] == "rate_limit_error"
    assert "'one-waiting' is busy" in error["message"]
    assert (refused.retry_after() or 0) >= 1
    assert models.queue_depth(SINGLE_WAITER) == 2
    running.close()
    await drain(chunks)
    # The waiting request is served as soon as the first one stops.
    rest = records(await asyncio.wait_for(waiting.read(), QUICK))
    assert rest[-1]["usage"]["completion_tokens"] <= 4
    assert await wait_until_idle(models, SINGLE_WAITER, within=1.0) < 1.0


async def test_cancelled_while_waiting_is_never_generated(models: LocalModels) -> None:
    """Generating it would keep the model busy for tens of seconds: it must be idle at once instead."""
    running = await post(models, SINGLE_WAITER, stream=True, max_tokens=LONG, **ENDLESS)
    chunks = await generating(running)
    waiting = await post(models, SINGLE_WAITER, stream=True, max_tokens=LONG, **ENDLESS)
    waiting.close()
    running.close()
    await drain(chunks)
    assert await wait_until_idle(models, SINGLE_WAITER, within=1.0) < 1.0


async def test_waiting_longer_than_the_timeout(models: LocalModels) -> None:
    running = await post(models, IMPATIENT, stream=True, max_tokens=LONG, **ENDLESS)
    chunks = await generating(running)
    with pytest.raises(UpstreamTimeout):
        await post(models, IMPATIENT, max_tokens=4)
    running.close()
    await drain(chunks)
    assert await wait_until_idle(models, IMPATIENT, within=1.0) < 1.0


async def test_prompt_over_the_context_window(models: LocalModels) -> None:
    small = deployment("small", n_ctx=256)
    long_prompt = {"messages": [{"role": "user", "content": "sea " * 300}]}
    refused = await post(models, small, max_tokens=4, **long_prompt)
    assert refused.status == 400
    assert orjson.loads(await refused.read())["error"]["code"] == "context_length_exceeded"
    streamed = records(await (await post(models, small, stream=True, max_tokens=4, **long_prompt)).read())
    assert streamed[0]["error"]["code"] == "context_length_exceeded"


async def test_missing_model_file_names_it(models: LocalModels, tmp_path: Path) -> None:
    answer = await post(models, deployment("missing", model_path=str(tmp_path / "absent.gguf")), max_tokens=4)
    assert answer.status == 500
    error = orjson.loads(await answer.read())["error"]
    assert error["code"] == "local_model_unavailable"
    assert "absent.gguf" in error["message"] and "is not a file" in error["message"]


async def test_not_a_model_file(models: LocalModels, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"not a gguf file")
    answer = await post(models, deployment("bogus", model_path=str(bogus)), max_tokens=4)
    assert answer.status == 500
    assert "could not be loaded from" in orjson.loads(await answer.read())["error"]["message"]
