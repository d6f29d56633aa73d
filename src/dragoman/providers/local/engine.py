"""One loaded model: a single worker thread generating for one request at a time, and a bounded queue.

The model is loaded lazily, by the worker thread at the first request (SmolLM2-135M loads in well under a
second; the time is logged), so ``dragoman serve`` starts at once and a model nobody asks for costs
nothing. llama.cpp releases the GIL while it computes, so the event loop keeps serving other requests.

Admission counts the request being generated and those waiting; beyond ``1 + max_queue`` a request is
refused at once with :class:`QueueFull`, whose ``retry_after`` is the recent time per request.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from dragoman.canonical.errors import InternalError, UpstreamUnavailable
from dragoman.providers.local import generation
from dragoman.providers.local.job import END, Failure, Job
from dragoman.providers.local.settings import EngineSettings

if TYPE_CHECKING:
    from dragoman.providers.local.metered import MeteredLlama

log = logging.getLogger("dragoman.local")

# Weight of the latest request in the running average of seconds per request (for Retry-After).
_RECENT_WEIGHT = 0.3


class QueueFull(Exception):
    def __init__(self, waiting: int, retry_after: float) -> None:
        super().__init__(f"{waiting} request(s) are already waiting for this model")
        self.retry_after = retry_after


class Engine:
    def __init__(self, settings: EngineSettings, name: str) -> None:
        self.settings = settings
        self.name = name  # the first deployment that used it, for messages and logs
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dragoman-local")
        self._lock = threading.Lock()
        self._admitted: set[Job] = set()  # generating or waiting
        self._llama: MeteredLlama | None = None
        self._seconds_per_request = 1.0
        self._closed = False

    @property
    def admitted(self) -> int:
        with self._lock:
            return len(self._admitted)

    def submit(self, job: Job) -> None:
        """Queue ``job``; raises :class:`QueueFull` when ``1 + max_queue`` requests are already admitted."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the engine is closed")
            if len(self._admitted) > self.settings.max_queue:
                raise QueueFull(len(self._admitted) - 1, max(1.0, math.ceil(self._seconds_per_request)))
            self._admitted.add(job)
        self._executor.submit(self._run, job)

    def close(self) -> None:
        """Cancel every admitted job, then free the model once the worker is done with it."""
        with self._lock:
            self._closed = True
            for job in self._admitted:
                job.cancel()
        self._executor.submit(self._unload)
        self._executor.shutdown(wait=False)

    def _run(self, job: Job) -> None:
        started = time.monotonic()
        try:
            if job.cancelled:
                job.channel.put(Failure(UpstreamUnavailable(f"the request to {self.name!r} was cancelled")))
                return
            llama = self._load()
            generation.run(llama, job, self.name)
        except Exception as error:
            log.exception("the embedded model %r could not be loaded from %s", self.name, self.settings.model_path)
            job.channel.put(Failure(InternalError(
                f"the embedded model {self.name!r} could not be loaded from {self.settings.model_path}: {error}")))
        finally:
            elapsed = time.monotonic() - started
            with self._lock:
                self._admitted.discard(job)
                self._seconds_per_request += _RECENT_WEIGHT * (elapsed - self._seconds_per_request)
            job.channel.put(END)

    def _load(self) -> MeteredLlama:
        if self._llama is None:
            from dragoman.providers.local.metered import MeteredLlama  # imports llama-cpp-python

            started = time.monotonic()
            settings = self.settings
            self._llama = MeteredLlama(model_path=str(settings.model_path), n_ctx=settings.n_ctx,
                                       n_threads=settings.n_threads, chat_format=settings.chat_format,
                                       verbose=False)
            log.info("loaded the embedded model %r from %s in %.2f s (n_ctx=%d, threads=%s, chat format: %s)",
                     self.name, settings.model_path, time.monotonic() - started, settings.n_ctx,
                     settings.n_threads or "llama.cpp's default", settings.describe_format)
        return self._llama

    def _unload(self) -> None:
        if self._llama is not None:
            self._llama.close()
            self._llama = None
