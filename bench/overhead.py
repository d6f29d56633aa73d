"""Per-request CPU overhead of dragoman, same-dialect and translated, streamed and not.

Starts a minimal local upstream (one process per dialect answer shape), a real ``dragoman serve``, and a
load client; reports the CPU time the dragoman process used per request (user + system, read from
/proc), which is what our 0.5 ms (same dialect) / 0.8 ms (translated) goals are about.

    .venv/bin/python -m bench.overhead [--requests 2000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import orjson
from aiohttp import web

CHAT_ANSWER = {
    "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "up",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello there, how can I help?"},
                 "finish_reason": "stop", "logprobs": None}],
    "usage": {"prompt_tokens": 12, "completion_tokens": 8, "total_tokens": 20},
}


def chat_stream() -> bytes:
    chunks = [{"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "up",
               "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}]
    for word in ["Hello", " there,", " how", " can", " I", " help?"]:
        chunks.append({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "up",
                       "choices": [{"index": 0, "delta": {"content": word}, "finish_reason": None}]})
    chunks.append({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "up",
                   "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    chunks.append({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "up", "choices": [],
                   "usage": {"prompt_tokens": 12, "completion_tokens": 8, "total_tokens": 20}})
    return b"".join(b"data: " + orjson.dumps(chunk) + b"\n\n" for chunk in chunks) + b"data: [DONE]\n\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_upstream(port: int) -> None:
    stream_body = chat_stream()
    answer = orjson.dumps(CHAT_ANSWER)

    async def chat(request: web.Request) -> web.StreamResponse:
        body = await request.json(loads=orjson.loads)
        if body.get("stream"):
            return web.Response(body=stream_body, content_type="text/event-stream")
        return web.Response(body=answer, content_type="application/json")

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def load(url: str, body: bytes, headers: dict[str, str], requests: int, concurrency: int) -> None:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        remaining = iter(range(requests))

        async def worker() -> None:
            for _ in remaining:
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    assert response.status == 200, await response.text()

        await asyncio.gather(*(worker() for _ in range(concurrency)))


CASES = {
    "chat -> chat (same dialect)": ("/v1/chat/completions", {"model": "m", "messages": [
        {"role": "user", "content": "hi"}]}),
    "anthropic -> chat (translated)": ("/v1/messages", {"model": "m", "max_tokens": 100, "messages": [
        {"role": "user", "content": "hi"}]}),
    "responses -> chat (translated)": ("/v1/responses", {"model": "m", "input": "hi"}),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    upstream_port, gateway_port = free_port(), free_port()
    starter = f"from bench.overhead import run_upstream; run_upstream({upstream_port})"
    upstream = subprocess.Popen([sys.executable, "-c", starter])
    workdir = Path(tempfile.mkdtemp(prefix="dragoman-bench-"))
    config = workdir / "bench.yaml"
    # Usage records go to a SQLite file in the work directory: recording them is part of the overhead.
    config.write_text(f"models:\n  - name: m\n    provider: openai\n    base_url: http://127.0.0.1:{upstream_port}/v1\n"
                      f"storage: {workdir / 'dragoman.db'}\n")
    dragoman = Path(sys.executable).with_name("dragoman")
    gateway = subprocess.Popen([*os.environ.get("DRAGOMAN_BENCH_PREFIX", "").split(), str(dragoman), "serve",
                                "--config", str(config), "--port", str(gateway_port), "--log-level", "warning"],
                               cwd=workdir)
    base = f"http://127.0.0.1:{gateway_port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", gateway_port), timeout=0.2), \
                        socket.create_connection(("127.0.0.1", upstream_port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        headers = {"content-type": "application/json", "anthropic-version": "2023-06-01"}
        print(f"{args.requests} requests per case, concurrency {args.concurrency}; dragoman CPU per request:")
        for name, (path, payload) in CASES.items():
            for stream in (False, True):
                body = orjson.dumps({**payload, "stream": stream})
                asyncio.run(load(base + path, body, headers, 200, args.concurrency))  # warm-up
                before, started = cpu_seconds(gateway.pid), time.perf_counter()
                asyncio.run(load(base + path, body, headers, args.requests, args.concurrency))
                cpu, wall = cpu_seconds(gateway.pid) - before, time.perf_counter() - started
                mode = "stream" if stream else "json"
                print(f"  {name:34} {mode:6}  {cpu / args.requests * 1000:6.3f} ms CPU  "
                      f"{args.requests / wall:7.0f} req/s")
    finally:
        gateway.terminate()
        upstream.terminate()
        gateway.wait(10)
        upstream.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
