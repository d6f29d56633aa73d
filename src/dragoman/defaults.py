"""The config ``dragoman serve`` runs with when it is given none: works offline out of the box.

The embedded model is served as ``local`` (also the default model, for requests that name none) when
llama-cpp-python and the bundled SmolLM2 are installed; local model servers (Ollama, llama.cpp, vLLM,
LM Studio) are discovered either way. :func:`dragoman.providers.local.embedded_model_problem` says what to
install when the embedded model is missing.
"""

from __future__ import annotations

from dragoman.config import Config, DeploymentConfig
from dragoman.providers.local import embedded_model_problem

LOCAL_MODEL_NAME = "local"


def default_config() -> Config:
    if embedded_model_problem() is not None:
        return Config(discover=True)
    local = DeploymentConfig(name=LOCAL_MODEL_NAME, provider="local")
    return Config(models=[local], default_model=LOCAL_MODEL_NAME, discover=True)
