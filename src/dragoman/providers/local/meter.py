"""One request's token counts and cancellation flag, shared between the event loop and the worker thread.

Kept apart from :mod:`metered` so that nothing but the worker imports llama-cpp-python.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


class GenerationCancelled(Exception):
    """The request was cancelled (client gone, timeout, shutdown) while the model was generating."""


@dataclass(slots=True)
class Meter:
    """The prompt as the model first read it, and every token it wrote (end-of-generation tokens
    excluded, as llama-cpp-python counts them)."""

    cancelled: threading.Event = field(default_factory=threading.Event)
    prompt_tokens: int | None = None
    completion_tokens: int = 0
