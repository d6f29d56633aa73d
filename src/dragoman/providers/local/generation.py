"""One job on a loaded model, run on the engine's worker thread: llama-cpp-python's chat completion,
its output written to the job's channel as OpenAI Chat Completions bytes.

A stream keeps one SSE record per token, but hands records to the event loop at most every
``HANDOVER_SECONDS`` (the first at once): each handover wakes the event loop, and on a machine whose cores
all compute the model every wake-up takes a core from llama.cpp's threads, which wait for each other. Per
token this cost about 10 % of the model's speed on 2 cores; batched, none measurable (bench.local_tokens).
A model slower than one token per interval hands over each record as it comes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from dragoman.canonical.errors import InternalError, InvalidRequest
from dragoman.providers.local.job import Failure, Job
from dragoman.providers.local.meter import GenerationCancelled
from dragoman.providers.local.wire import ChunkWriter, completion

if TYPE_CHECKING:
    from dragoman.providers.local.metered import MeteredLlama

log = logging.getLogger("dragoman.local")

_CONTEXT_EXCEEDED = "exceed context window"
HANDOVER_SECONDS = 0.03


def run(llama: MeteredLlama, job: Job, model_name: str) -> None:
    params = job.params
    llama.meter = job.meter
    try:
        if params.stream and not params.uses_tools:
            writer = ChunkWriter(params.model)
            chunks = cast(Iterator[dict[str, Any]], llama.create_chat_completion(**params.arguments, stream=True))
            pending: list[bytes] = []
            handed_over = 0.0
            for raw in chunks:
                pending.append(writer.chunk(raw))
                if (now := time.monotonic()) - handed_over >= HANDOVER_SECONDS:
                    job.channel.put(b"".join(pending))
                    pending.clear()
                    handed_over = now
            pending.append(writer.end(job.meter, include_usage=params.include_usage))
            job.channel.put(b"".join(pending))
            return
        answer = cast(dict[str, Any], llama.create_chat_completion(**params.arguments))
        if params.stream:
            writer = ChunkWriter(params.model)
            job.channel.put(writer.replay(answer) + writer.end(job.meter, include_usage=params.include_usage))
        else:
            job.channel.put(completion(answer, params.model, job.meter))
    except GenerationCancelled:
        pass
    except ValueError as error:
        # llama-cpp-python's way of refusing a request: a prompt over the context window, an unknown tool.
        code = "context_length_exceeded" if _CONTEXT_EXCEEDED in str(error) else None
        job.channel.put(Failure(InvalidRequest(f"the embedded model {model_name!r} refused the request: {error}",
                                               code=code)))
    except Exception as error:
        log.exception("the embedded model %r failed", model_name)
        job.channel.put(Failure(InternalError(f"the embedded model {model_name!r} failed: {error}")))
    finally:
        llama.meter = None
