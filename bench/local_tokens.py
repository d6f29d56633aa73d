"""Tokens per second of the embedded model: through dragoman versus llama-cpp-python called directly.

The same GGUF file, thread count, chat format, prompt and greedy decoding on both sides; the model's
end-of-turn tokens are banned so every run writes exactly ``--tokens`` tokens. Direct runs happen in this
process; the dragoman runs stream through a real ``dragoman serve`` (same-dialect chat) after one warm-up
request has loaded the model. Runs alternate between the two so machine noise hits both alike, and the
best run of each is compared (the goal: dragoman at 95 % or more of direct).

    .venv/bin/python -m bench.local_tokens [--tokens 256] [--runs 5] [--threads 2] [--model PATH]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx2
import orjson
import yaml

from bench.overhead import free_port
from dragoman.providers.local.locate import bundled_model_path
from dragoman.providers.local.settings import BUNDLED_CHAT_FORMAT

MESSAGES = [{"role": "user", "content": "Write a long story about a dragon."}]
NO_END = {"0": -100, "1": -100, "2": -100}  # SmolLM2's <|endoftext|>, <|im_start|>, <|im_end|>


def direct_run(llama: Any, tokens: int) -> float:
    """Seconds for ``tokens`` streamed tokens straight from llama-cpp-python."""
    started = time.perf_counter()
    written = 0
    for chunk in llama.create_chat_completion(messages=MESSAGES, max_tokens=tokens, temperature=0, stream=True,
                                              logit_bias=NO_END):
        if chunk["choices"] and chunk["choices"][0]["delta"].get("content"):
            written += 1
    assert written > tokens // 2, f"only {written} chunks: the model stopped early"
    return time.perf_counter() - started


def dragoman_run(client: httpx2.Client, tokens: int) -> float:
    """Seconds for ``tokens`` streamed tokens through dragoman, checked against the answer's usage. The bytes
    are parsed only at the end: on a small machine the client's own work would take CPU from the model."""
    body = {"model": "local", "messages": MESSAGES, "max_tokens": tokens, "temperature": 0, "stream": True,
            "stream_options": {"include_usage": True}, "logit_bias": NO_END}
    started = time.perf_counter()
    with client.stream("POST", "/v1/chat/completions", json=body) as answer:
        assert answer.status_code == 200, answer.read()
        received = b"".join(answer.iter_raw())
    elapsed = time.perf_counter() - started
    records = [orjson.loads(line[6:]) for line in received.split(b"\n\n") if line.startswith(b"data: {")]
    content = sum(1 for record in records if record["choices"] and record["choices"][0]["delta"].get("content"))
    usage = records[-1].get("usage")
    assert usage is not None and usage["completion_tokens"] == tokens, usage
    assert content > tokens // 2, f"only {content} content chunks: the answer did not stream token by token"
    return elapsed


def start_gateway(workdir: Path, model: Path, threads: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    config = {"models": [{"name": "local", "provider": "local", "model_path": str(model), "n_threads": threads,
                          "chat_format": BUNDLED_CHAT_FORMAT}]}
    (workdir / "dragoman.yaml").write_text(yaml.safe_dump(config))
    script = Path(sys.executable).with_name("dragoman")
    log = workdir / "dragoman.log"
    with log.open("wb") as output:
        process = subprocess.Popen([str(script), "serve", "--config", "dragoman.yaml", "--port", str(port),
                                    "--log-level", "warning"], cwd=workdir, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx2.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx2.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"dragoman did not start:\n{log.read_text(errors='replace')}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=256)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model", type=Path, default=None, help="a GGUF file (default: the bundled SmolLM2)")
    args = parser.parse_args()
    model = args.model or bundled_model_path()

    import llama_cpp

    llama = llama_cpp.Llama(model_path=str(model), n_ctx=2048, n_threads=args.threads,
                            chat_format=BUNDLED_CHAT_FORMAT, verbose=False)
    direct_run(llama, 8)  # warm up: the first evaluation allocates
    with tempfile.TemporaryDirectory() as workdir:
        process, url = start_gateway(Path(workdir), model, args.threads)
        try:
            with httpx2.Client(base_url=url, timeout=600) as client:
                dragoman_run(client, 8)  # loads the model
                direct, through = [], []
                for _ in range(args.runs):
                    direct.append(direct_run(llama, args.tokens))
                    through.append(dragoman_run(client, args.tokens))
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(10)
    best_direct, best_through = args.tokens / min(direct), args.tokens / min(through)
    print(f"model {model.name}, {args.threads} threads, {args.tokens} tokens, best of {args.runs} runs, "
          f"{os.cpu_count()} CPUs")
    print(f"  llama-cpp-python directly: {best_direct:7.1f} tok/s")
    print(f"  through dragoman:          {best_through:7.1f} tok/s  ({100 * best_through / best_direct:.1f} %)")


if __name__ == "__main__":
    main()
