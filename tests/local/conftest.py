"""A real gateway serving the bundled SmolLM2 under three deployments, the official SDKs pointed at it, and
llama.cpp's own tokenizer for the expected token counts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import openai
import pytest

from dragoman.providers.local import embedded_model_problem
from dragoman.providers.local.locate import bundled_model_path
from tests.conftest import _started
from tests.gateway import CLIENT_KEY, Gateway, clean_env

THREADS = 2
# Deployments of the test gateway: the bundled model as the no-config default serves it (its chat format
# calls tools); the same file through its own GGUF chat template (no tools); and one that queues nobody.
DEFAULT = "local"
TEMPLATE = "local-template"
SOLO = "local-solo"
# SmolLM2's special tokens (<|endoftext|>, <|im_start|>, <|im_end|>) banned: the model writes until max_tokens
# (with greedy decoding; sampling may spell out "<|im_end|>", which its chat format also stops at).
ENDLESS = {"logit_bias": {"0": -100, "1": -100, "2": -100}}


def require_embedded_model() -> Path:
    problem = embedded_model_problem()
    if problem is not None:
        message = f"the embedded model cannot run here: {problem}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}. CI must run these tests, never skip.")
        pytest.skip(message)
    return bundled_model_path()


@pytest.fixture(scope="session")
def model_path() -> Path:
    return require_embedded_model()


@pytest.fixture(scope="session")
def tokenizer(model_path: Path) -> Any:
    import llama_cpp

    return llama_cpp.Llama(model_path=str(model_path), vocab_only=True, verbose=False)


def chatml_tokens(tokenizer: Any, messages: list[tuple[str, str]]) -> int:
    """Prompt tokens of a conversation as the ChatML template renders it, with the assistant turn opened."""
    rendered = "".join(f"<|im_start|>{role}\n{text}<|im_end|>\n" for role, text in messages)
    return len(tokenizer.tokenize((rendered + "<|im_start|>assistant\n").encode(), add_bos=False, special=True))


def text_tokens(tokenizer: Any, text: str) -> int:
    return len(tokenizer.tokenize(text.encode(), add_bos=False, special=False))


@pytest.fixture(scope="session")
def local_gateway(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    config = {
        "models": [
            {"name": DEFAULT, "provider": "local", "n_threads": THREADS},
            {"name": TEMPLATE, "provider": "local", "model_path": str(model_path), "n_threads": THREADS},
            {"name": SOLO, "provider": "local", "n_threads": THREADS, "max_queue": 0},
        ],
        "default_model": DEFAULT,
        "routing": {"retries": 0},  # a busy model's 429 goes straight back to the client (test_busy_and_gone)
    }
    yield from _started(Gateway(tmp_path_factory.mktemp("local"), config, name="local-gateway", env=clean_env()))


@pytest.fixture(scope="session")
def oai(local_gateway: Gateway) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=f"{local_gateway.url}/v1", api_key=CLIENT_KEY, max_retries=0, timeout=60) as client:
        yield client


@pytest.fixture(scope="session")
def claude(local_gateway: Gateway) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=local_gateway.url, api_key=CLIENT_KEY, max_retries=0, timeout=60) as client:
        yield client


@pytest.fixture(scope="session")
def raw(local_gateway: Gateway) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=local_gateway.url, timeout=60) as client:
        yield client
