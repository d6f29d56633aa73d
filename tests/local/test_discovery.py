"""Discovery against a real OpenAI-compatible local server: llama-cpp-python's own (``python -m
llama_cpp.server``) running the bundled SmolLM2 on a free port listed in ``discover_urls``."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import anthropic
import httpx2
import openai
import orjson
import pytest

from dragoman.config import Config, DeploymentConfig
from dragoman.discovery import WELL_KNOWN, Discovery, Source, source_for_url, sources_of
from dragoman.providers.http import UpstreamClient
from dragoman.routing.health import MemoryHealth
from dragoman.routing.router import Router
from tests.gateway import Gateway, free_port

ALIAS = "smollm2"
STARTUP_SECONDS = 60.0


@contextmanager
def llama_cpp_server(model_path: Path, log: Path) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path), "--model_alias", ALIAS,
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "512", "--n_threads", "2"],
            stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert process.poll() is None, f"llama_cpp.server exited:\n{log.read_text(errors='replace')[-3000:]}"
            try:
                if httpx2.get(f"{url}/v1/models", timeout=1.0).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            assert time.monotonic() < deadline, f"llama_cpp.server did not start:\n{log.read_text()[-3000:]}"
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def router(config: Config) -> Router:
    return Router(config, MemoryHealth())


async def wait_for(target: Router, name: str, *, present: bool, within: float) -> None:
    deadline = time.monotonic() + within
    while (name in target.names) != present:
        assert time.monotonic() < deadline, f"{name} {'never appeared' if present else 'never went'}"
        await asyncio.sleep(0.05)


async def test_a_listed_server_appears_answers_and_goes(model_path: Path, tmp_path: Path) -> None:
    with llama_cpp_server(model_path, tmp_path / "llama-server.log") as url:
        config = Config(discover_urls=[f"{url}/v1"])
        routes = router(config)
        discovery = Discovery.from_config(config, routes, interval=0.2)  # at a pace a test can watch
        assert discovery is not None
        name = f"{url.removeprefix('http://')}/{ALIAS}"
        discovery.start()
        upstreams = UpstreamClient()
        await upstreams.start()
        try:
            await wait_for(routes, name, present=True, within=5.0)
            deployment = (await routes.resolve(name).next()).deployment
            assert (deployment.provider, deployment.base_url, deployment.upstream_model) == ("openai", f"{url}/v1",
                                                                                            ALIAS)
            body = orjson.dumps({"model": ALIAS, "max_tokens": 4, "messages": [{"role": "user", "content": "Hi"}]})
            answer = await upstreams.post(deployment, "/chat/completions", body,
                                          {"content-type": "application/json"}, stream=False)
            assert answer.status == 200
            assert orjson.loads(await answer.read())["usage"]["completion_tokens"] <= 4
        finally:
            await upstreams.close()
    try:
        await wait_for(routes, name, present=False, within=5.0)
    finally:
        await discovery.stop()


async def test_probe_once_reports_what_it_found(model_path: Path, tmp_path: Path) -> None:
    with llama_cpp_server(model_path, tmp_path / "llama-server.log") as url:
        routes = router(Config())
        discovery = Discovery(routes, [source_for_url(url), Source("nobody", f"http://127.0.0.1:{free_port()}")])
        found = await discovery.probe_once()
        assert [deployment.name for deployment in found] == [f"{url.removeprefix('http://')}/{ALIAS}"]
        assert routes.names == [found[0].name]
        # A configured model of the same name wins over the discovered one.
        configured = DeploymentConfig(name=found[0].name, provider="openai", base_url="http://10.0.0.1:9/v1")
        configured_routes = router(Config(models=[configured]))
        await Discovery(configured_routes, [source_for_url(url)]).probe_once()
        assert configured_routes.names == [configured.name]
        assert (await configured_routes.resolve(configured.name).next()).deployment.base_url == configured.base_url


async def test_a_dragoman_is_never_discovered(local_gateway: Gateway) -> None:
    """Its /v1/models lists models owned by dragoman: following them would loop through the gateway."""
    routes = router(Config())
    assert await Discovery(routes, [source_for_url(local_gateway.url)]).probe_once() == []
    assert routes.names == []


@pytest.mark.parametrize(("discover", "urls", "expected"), [
    (None, [], []),
    (None, ["http://10.0.0.5:9000/v1/"], [Source("10.0.0.5:9000", "http://10.0.0.5:9000")]),
    (True, [], list(WELL_KNOWN)),
    (True, ["http://127.0.0.1:8080", "http://box:1"], [*WELL_KNOWN, Source("box:1", "http://box:1")]),
    (False, ["http://box:1"], []),
])
def test_what_is_probed(discover: bool | None, urls: list[str], expected: list[Source]) -> None:
    assert sources_of(Config(discover=discover, discover_urls=urls)) == expected
    assert (Discovery.from_config(Config(discover=discover, discover_urls=urls), router(Config())) is None) \
        == (not expected)


def test_a_running_gateway_lists_and_serves_a_discovered_server(model_path: Path, tmp_path: Path) -> None:
    """What a user sees: start dragoman next to a local server and its model is there, in every dialect."""
    with llama_cpp_server(model_path, tmp_path / "llama-server.log") as url:
        gateway = Gateway(tmp_path / "gateway", {"discover_urls": [f"{url}/v1"], "routing": {"retries": 0}},
                          name="discovering")
        gateway.start()
        try:
            name = f"{url.removeprefix('http://')}/{ALIAS}"
            oai = openai.OpenAI(base_url=f"{gateway.url}/v1", api_key="any", max_retries=0, timeout=60)
            deadline = time.monotonic() + 10
            while name not in {model.id for model in oai.models.list()}:
                assert time.monotonic() < deadline, "the discovered model never appeared in /v1/models"
                time.sleep(0.1)
            answer = oai.chat.completions.create(model=name, max_tokens=4,
                                                 messages=[{"role": "user", "content": "Hi"}])
            assert answer.usage is not None and 0 < answer.usage.completion_tokens <= 4
            claude = anthropic.Anthropic(base_url=gateway.url, api_key="any", max_retries=0, timeout=60)
            message = claude.messages.create(model=name, max_tokens=4, messages=[{"role": "user", "content": "Hi"}])
            assert message.usage.output_tokens <= 4 and message.model == name
        finally:
            gateway.stop()
