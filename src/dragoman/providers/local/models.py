"""The embedded models of every ``provider: local`` deployment, behind the upstream interface:
``post(deployment, path, body, headers, stream=…)`` answers like an OpenAI Chat Completions server would.

Engines are created at a deployment's first request and kept until :meth:`LocalModels.close`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from dragoman.canonical.errors import InternalError, InvalidRequest, NotFound, RateLimited, UpstreamTimeout
from dragoman.config import DeploymentConfig
from dragoman.providers.local.answer import LocalAnswer
from dragoman.providers.local.engine import Engine, QueueFull
from dragoman.providers.local.job import Channel, Failure, Job
from dragoman.providers.local.locate import LocalModelUnavailable
from dragoman.providers.local.params import chat_params
from dragoman.providers.local.settings import EngineSettings, settings_key

CHAT_PATH = "/chat/completions"


class LocalModels:
    def __init__(self) -> None:
        self._settings: dict[tuple[str | None, int, int | None, str | None, int], EngineSettings] = {}
        self._engines: dict[EngineSettings, Engine] = {}

    async def post(self, deployment: DeploymentConfig, path: str, body: bytes, headers: Mapping[str, str], *,
                   stream: bool) -> LocalAnswer:
        """Returns at once for streams (or with an error status); waits for the whole answer otherwise.

        As for HTTP upstreams, ``timeout`` bounds a whole non-streamed answer (waiting in the queue
        included) and ``idle_timeout`` each silence of a stream (its first chunk included)."""
        where = deployment.id or deployment.name
        timeout = deployment.timeout
        if path != CHAT_PATH:
            return LocalAnswer.failed(NotFound(f"the embedded model {deployment.name!r} serves only {CHAT_PATH}"),
                                      where, timeout)
        try:
            settings = self._settings_of(deployment)
            params = chat_params(body, model_name=deployment.name, settings=settings, stream=stream)
        except LocalModelUnavailable as error:
            unavailable = InternalError(f"the embedded model {deployment.name!r} cannot run: {error}",
                                        code="local_model_unavailable")
            return LocalAnswer.failed(unavailable, where, timeout)
        except InvalidRequest as error:
            return LocalAnswer.failed(error, where, timeout)
        job = Job(params, Channel(asyncio.get_running_loop()))
        try:
            self._engine(settings, deployment.name).submit(job)
        except QueueFull as full:
            refusal = RateLimited(f"the embedded model {deployment.name!r} is busy: {full}; retry later",
                                  code="local_model_busy", retry_after=full.retry_after)
            return LocalAnswer.failed(refusal, where, timeout)
        if stream:
            return LocalAnswer.streaming(job, where, deployment.idle_seconds)
        return await self._whole(job, where, timeout)

    async def _whole(self, job: Job, where: str, timeout: float) -> LocalAnswer:
        try:
            item = await job.channel.get(timeout)
        except TimeoutError:
            job.cancel()
            raise UpstreamTimeout(f"the embedded model {where} did not answer within {timeout:g} s") from None
        except BaseException:
            job.cancel()
            raise
        if isinstance(item, Failure):
            return LocalAnswer.failed(item.error, where, timeout)
        if not isinstance(item, bytes):
            return LocalAnswer.failed(InternalError(f"the embedded model {where} ended without an answer"),
                                      where, timeout)
        return LocalAnswer.complete(item, where, timeout)

    def _settings_of(self, deployment: DeploymentConfig) -> EngineSettings:
        key = settings_key(deployment)
        settings = self._settings.get(key)
        if settings is None:
            settings = self._settings[key] = EngineSettings.of(deployment)
        return settings

    def _engine(self, settings: EngineSettings, name: str) -> Engine:
        engine = self._engines.get(settings)
        if engine is None:
            engine = self._engines[settings] = Engine(settings, name)
        return engine

    def queue_depth(self, deployment: DeploymentConfig) -> int:
        """Requests admitted to the deployment's model: the one being generated and those waiting."""
        settings = self._settings.get(settings_key(deployment))
        engine = self._engines.get(settings) if settings is not None else None
        return engine.admitted if engine is not None else 0

    async def close(self) -> None:
        engines, self._engines = list(self._engines.values()), {}
        for engine in engines:
            engine.close()
