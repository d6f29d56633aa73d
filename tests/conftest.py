"""Session fixtures: the fake upstream, real gateway processes in front of it, and the official SDKs."""

from __future__ import annotations

from collections.abc import Iterator

import anthropic
import httpx2
import openai
import pytest

from tests.gateway import (
    CLIENT_KEY,
    KEEPALIVE_SECONDS,
    SMALL_BODY_LIMIT,
    Gateway,
    clean_env,
    fidelity_entries,
    model_entry,
    scenario_config,
)
from tests.upstream import UPSTREAM_KEY, FakeUpstream

E2E_KEY_VARIABLE = "DRAGOMAN_E2E_UPSTREAM_KEY"


def _started(gateway: Gateway) -> Iterator[Gateway]:
    """Run the gateway for the session; at the end, fail if it logged an unhandled exception (a bug that a
    test may only have seen as a 500)."""
    gateway.start()
    try:
        yield gateway
    finally:
        gateway.stop()
    output = gateway.output()
    if "Traceback (most recent call last)" in output:
        start = output.index("Traceback (most recent call last)")
        pytest.fail(f"{gateway.name} logged an unhandled exception:\n{output[max(0, start - 500):start + 4000]}")


@pytest.fixture(scope="session")
def upstream() -> Iterator[FakeUpstream]:
    server = FakeUpstream()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def gateway(upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """Every scenario model, the full-fidelity option deployments (``drop-tools/…``, ``structured-tool/…``,
    ``no-reasoning/…``, ``beta-allow/anthropic``, ``beta-add/anthropic``), a two-member pool, ``${ENV}``
    interpolated keys and a default model."""
    config = scenario_config(upstream.url, default_model="chat/text")
    config["models"] += fidelity_entries(upstream.url)
    config["models"] += [
        model_entry("chat", "text", upstream.url, name="pool/text"),
        model_entry("anthropic", "text", upstream.url, name="pool/text"),
        model_entry("anthropic", "text", upstream.url, name="capped/text", max_tokens=1234),
        model_entry("chat", "text", upstream.url, name="env/text", api_key=f"${{{E2E_KEY_VARIABLE}}}"),
        model_entry("anthropic", "text", upstream.url, name="env-default/text",
                    api_key=f"${{DRAGOMAN_E2E_UNSET_VARIABLE:-{UPSTREAM_KEY}}}"),
    ]
    env = clean_env(**{E2E_KEY_VARIABLE: UPSTREAM_KEY})
    yield from _started(Gateway(tmp_path_factory.mktemp("gateway"), config, env=env))


@pytest.fixture(scope="session")
def tight_gateway(upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """The same models with a short keepalive interval and a small body limit."""
    config = scenario_config(upstream.url, server={"keepalive_interval": KEEPALIVE_SECONDS,
                                                   "max_body_bytes": SMALL_BODY_LIMIT})
    yield from _started(Gateway(tmp_path_factory.mktemp("tight"), config, name="tight-gateway"))


@pytest.fixture(scope="session")
def bare_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """Started with no config at all (no --config, no DRAGOMAN_CONFIG, an empty working directory)."""
    yield from _started(Gateway(tmp_path_factory.mktemp("bare"), None, name="bare-gateway"))


@pytest.fixture(scope="session")
def openai_client(gateway: Gateway) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=f"{gateway.url}/v1", api_key=CLIENT_KEY, max_retries=0, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def anthropic_client(gateway: Gateway) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=gateway.url, api_key=CLIENT_KEY, max_retries=0, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def http(gateway: Gateway) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=gateway.url, timeout=30) as client:
        yield client

