"""Local model servers found without writing a config.

Probed at start-up and every 30 s: Ollama (127.0.0.1:11434), llama.cpp's server (:8080), vLLM (:8000) and
LM Studio (:1234) when ``discover`` is true, and every ``discover_urls`` entry unless ``discover`` is false.
Each model a server lists (``GET /v1/models``; Ollama's ``GET /api/tags`` too) becomes a deployment named
``<source>/<model>`` — ``ollama/llama3.2``, ``llamacpp/…``, ``vllm/…``, ``lmstudio/…``, or ``<host:port>/…``
for a listed URL — reached through the server's OpenAI Chat Completions API, which all of them speak. A
server that stops answering drops out at the next probe. What is found goes to the router's
``set_discovered`` (configured model names always win over discovered ones), and servers whose models are
owned by ``dragoman`` (this gateway or another one) are skipped, so a gateway never discovers itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import aiohttp
from pydantic import ValidationError

from dragoman.config import Config, DeploymentConfig

log = logging.getLogger("dragoman.discovery")

INTERVAL_SECONDS = 30.0
# Short: a closed port answers at once, and a server that takes longer than this is not one to route to.
PROBE_TIMEOUT = aiohttp.ClientTimeout(total=2.0, connect=0.5)
OWN_OWNER = "dragoman"


class DiscoveredModels(Protocol):
    """Where discovered deployments go (``dragoman.routing.router.Router``): the previous set is replaced."""

    def set_discovered(self, deployments: Iterable[DeploymentConfig]) -> None: ...


@dataclass(frozen=True, slots=True)
class Source:
    label: str  # the name prefix of its models
    root: str  # http://host:port, without /v1
    ollama: bool = False


WELL_KNOWN = (
    Source("ollama", "http://127.0.0.1:11434", ollama=True),
    Source("llamacpp", "http://127.0.0.1:8080"),
    Source("vllm", "http://127.0.0.1:8000"),
    Source("lmstudio", "http://127.0.0.1:1234"),
)


def source_for_url(url: str) -> Source:
    """A ``discover_urls`` entry (with or without ``/v1``) as a source labelled ``host:port``."""
    root = url.rstrip("/").removesuffix("/v1")
    return Source(urlsplit(root).netloc, root)


def sources_of(config: Config) -> list[Source]:
    """What ``config`` asks to probe, each server once (a well-known one keeps its label)."""
    found = list(WELL_KNOWN) if config.discover is True else []
    if config.discover is not False:
        roots = {source.root for source in found}
        for url in config.discover_urls:
            source = source_for_url(url)
            if source.root not in roots:
                roots.add(source.root)
                found.append(source)
    return found


def deployment_for(source: Source, model: str) -> DeploymentConfig:
    return DeploymentConfig(name=f"{source.label}/{model}", provider="openai", base_url=f"{source.root}/v1",
                            model=model)


async def _get_json(session: aiohttp.ClientSession, url: str) -> Any:
    async with session.get(url) as response:
        if response.status != 200:
            return None
        return await response.json(content_type=None)


async def probe(session: aiohttp.ClientSession, source: Source) -> list[str]:
    """The model ids ``source`` serves; empty when it does not answer, or is a dragoman."""
    models: list[str] = []
    with contextlib.suppress(aiohttp.ClientError, TimeoutError, ValueError):
        listing = await _get_json(session, f"{source.root}/v1/models")
        entries = listing.get("data") if isinstance(listing, dict) else None
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and entry.get("owned_by") == OWN_OWNER:
                return []
            if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"] not in models:
                models.append(entry["id"])
    if source.ollama:
        with contextlib.suppress(aiohttp.ClientError, TimeoutError, ValueError):
            tags = await _get_json(session, f"{source.root}/api/tags")
            entries = tags.get("models") if isinstance(tags, dict) else None
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict) and isinstance(entry.get("name"), str) and entry["name"] not in models:
                    models.append(entry["name"])
    return models


class Discovery:
    """Keeps the router's discovered models in step with what the sources serve."""

    def __init__(self, target: DiscoveredModels, sources: Sequence[Source], *,
                 interval: float = INTERVAL_SECONDS) -> None:
        self._target = target
        self._sources = list(sources)
        self._interval = interval
        self._known: dict[str, DeploymentConfig] = {}
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def from_config(cls, config: Config, target: DiscoveredModels, *,
                    interval: float = INTERVAL_SECONDS) -> Discovery | None:
        """``None`` when the config asks for no discovery."""
        found = sources_of(config)
        return cls(target, found, interval=interval) if found else None

    async def probe_once(self) -> list[DeploymentConfig]:
        """Probe every source now and make what they serve the discovered models."""
        async with aiohttp.ClientSession(timeout=PROBE_TIMEOUT) as session:
            listings = await asyncio.gather(*(probe(session, source) for source in self._sources))
        deployments: list[DeploymentConfig] = []
        for source, models in zip(self._sources, listings, strict=True):
            for model in models:
                try:
                    deployments.append(deployment_for(source, model))
                except ValidationError:
                    log.warning("%s serves a model id dragoman cannot route to: %r", source.root, model)
        current = {deployment.name: deployment for deployment in deployments}
        for name in current.keys() - self._known.keys():
            log.info("discovered %s at %s", name, current[name].base_url)
        for name in self._known.keys() - current.keys():
            log.info("%s is gone from %s", name, self._known[name].base_url)
        self._known = current
        self._target.set_discovered(deployments)
        return deployments

    def start(self) -> None:
        """Probe now and then every ``interval`` seconds, in the background, until :meth:`stop`."""
        if self._task is None:
            log.info("discovering local model servers at %s", ", ".join(source.root for source in self._sources))
            self._task = asyncio.create_task(self._run(), name="dragoman-discovery")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            try:
                await self.probe_once()
            except Exception:
                log.exception("probing local model servers failed")
            await asyncio.sleep(self._interval)
