"""llama-cpp-python's ``Llama``, watched token by token.

Every completion llama-cpp-python makes (a chat format may make several for one answer) draws its tokens
from ``Llama.generate``; overriding it is the one place to count exactly what the model read and wrote,
also when streaming (where llama-cpp-python reports no usage), and to stop between two tokens when the
client has gone.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

import llama_cpp

from dragoman.providers.local.meter import GenerationCancelled, Meter


class MeteredLlama(llama_cpp.Llama):
    meter: Meter | None = None

    def generate(self, tokens: Sequence[int], *args: Any, **kwargs: Any) -> Generator[int, Any, None]:
        meter = self.meter
        if meter is None:
            yield from super().generate(tokens, *args, **kwargs)
            return
        if meter.cancelled.is_set():
            raise GenerationCancelled
        if meter.prompt_tokens is None:
            meter.prompt_tokens = len(tokens)
        vocab = self._model.vocab
        for token in super().generate(tokens, *args, **kwargs):
            if meter.cancelled.is_set():
                raise GenerationCancelled
            if not llama_cpp.llama_vocab_is_eog(vocab, token):
                meter.completion_tokens += 1
            yield token
