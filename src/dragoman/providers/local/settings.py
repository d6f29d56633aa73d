"""What one loaded model is: its GGUF file and the llama.cpp settings it is loaded with.

Deployments that agree on all of these share one loaded model (and so one queue); any difference loads
another copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dragoman.config import DeploymentConfig
from dragoman.providers.local.locate import model_file, require_engine

# llama-cpp-python chat formats that can call tools; every other format renders a plain chat template.
TOOL_CHAT_FORMATS = frozenset({"chatml-function-calling", "functionary", "functionary-v1", "functionary-v2"})
# llama.cpp raises a smaller context to this size, and llama-cpp-python then fails on every prompt longer than
# the size it was asked for; so smaller sizes are raised here first.
MIN_CONTEXT = 256
# SmolLM2 speaks ChatML, so its tool-calling variant serves plain chats just as well and also takes tools.
BUNDLED_CHAT_FORMAT = "chatml-function-calling"


@dataclass(frozen=True, slots=True)
class EngineSettings:
    model_path: Path
    n_ctx: int
    n_threads: int | None
    chat_format: str | None  # None: the chat template stored in the GGUF file
    max_queue: int

    @classmethod
    def of(cls, deployment: DeploymentConfig) -> EngineSettings:
        """Raises ``LocalModelUnavailable`` naming what to install or fix."""
        require_engine()
        chat_format = deployment.chat_format
        if chat_format is None and deployment.model_path is None:
            chat_format = BUNDLED_CHAT_FORMAT
        return cls(model_file(deployment.model_path), max(deployment.n_ctx, MIN_CONTEXT), deployment.n_threads,
                   chat_format, deployment.max_queue)

    @property
    def calls_tools(self) -> bool:
        return self.chat_format in TOOL_CHAT_FORMATS

    @property
    def describe_format(self) -> str:
        return self.chat_format or "the GGUF file's own chat template"


def settings_key(deployment: DeploymentConfig) -> tuple[str | None, int, int | None, str | None, int]:
    """The deployment fields that decide its :class:`EngineSettings`."""
    return (deployment.model_path, deployment.n_ctx, deployment.n_threads, deployment.chat_format,
            deployment.max_queue)
