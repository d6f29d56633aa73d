"""One job on a loaded model, run on the engine's worker thread: llama-cpp-python's chat completion,
its output written to the job's channel as OpenAI Chat Completions bytes."""

from __future__ import annotations

import logging
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


def run(llama: MeteredLlama, job: Job, model_name: str) -> None:
    params = job.params
    llama.meter = job.meter
    try:
        if params.stream and not params.uses_tools:
            writer = ChunkWriter(params.model)
            chunks = cast(Iterator[dict[str, Any]], llama.create_chat_completion(**params.arguments, stream=True))
            for raw in chunks:
                job.channel.put(writer.chunk(raw))
            job.channel.put(writer.end(job.meter, include_usage=params.include_usage))
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
