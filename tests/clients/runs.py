"""Run the real CLIs against a gateway, the way the captures in ../shared/fixtures/clients were taken
(see that folder's README.md): a throwaway ``HOME``, stdin from /dev/null, only the variables they need."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.gateway import CLIENT_KEY

RUN_TIMEOUT_SECONDS = 150
CODEX_KEY_VARIABLE = "DRAGOMAN_E2E_KEY"
# Kept from the caller's environment: what a process needs to start at all (no keys, no base URLs).
INHERITED = ("PATH", "LANG", "LC_ALL", "TZ", "SSL_CERT_FILE", "SSL_CERT_DIR")


@dataclass(frozen=True, slots=True)
class CliRun:
    command: list[str]
    returncode: int | None
    stdout: str
    stderr: str
    seconds: float

    def describe(self) -> str:
        code = "timed out" if self.returncode is None else f"exit {self.returncode}"
        return (f"$ {' '.join(self.command)}\n{code} after {self.seconds:.1f}s\n--- stdout ---\n{self.stdout[-4000:]}\n"
                f"--- stderr ---\n{self.stderr[-6000:]}")


def base_env(home: Path) -> dict[str, str]:
    env = {name: os.environ[name] for name in INHERITED if name in os.environ}
    home.mkdir(parents=True, exist_ok=True)
    return {**env, "HOME": str(home), "TERM": "dumb", "NO_COLOR": "1", "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"), "XDG_DATA_HOME": str(home / ".local" / "share")}


def run(command: list[str], *, cwd: Path, env: dict[str, str], timeout: float = RUN_TIMEOUT_SECONDS) -> CliRun:
    started = time.monotonic()
    try:
        done = subprocess.run(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired as expired:
        return CliRun(command, None, _decoded(expired.stdout), _decoded(expired.stderr), time.monotonic() - started)
    return CliRun(command, done.returncode, done.stdout, done.stderr, time.monotonic() - started)


def _decoded(output: bytes | str | None) -> str:
    if isinstance(output, bytes):
        return output.decode("utf-8", "replace")
    return output or ""


# --- Claude Code ----------------------------------------------------------------------------------------

def claude_env(home: Path, gateway_url: str, model: str) -> dict[str, str]:
    """As captured: key in ``ANTHROPIC_API_KEY``, no telemetry, no error reports, no nonessential traffic, no
    auto-update. Every model slot (main, small/fast, the haiku/sonnet/opus defaults) names the one model the
    gateway serves, so no side request asks for a model it does not know."""
    return {**base_env(home), "ANTHROPIC_BASE_URL": gateway_url, "ANTHROPIC_API_KEY": CLIENT_KEY,
            "DISABLE_TELEMETRY": "1", "DISABLE_ERROR_REPORTING": "1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_AUTOUPDATER": "1", "ANTHROPIC_MODEL": model, "ANTHROPIC_SMALL_FAST_MODEL": model,
            "ANTHROPIC_DEFAULT_HAIKU_MODEL": model, "ANTHROPIC_DEFAULT_SONNET_MODEL": model,
            "ANTHROPIC_DEFAULT_OPUS_MODEL": model}


def run_claude(binary: Path, prompt: str, *, home: Path, cwd: Path, gateway_url: str, model: str) -> CliRun:
    # --allowedTools lets Bash run without a prompt (--dangerously-skip-permissions is refused as root).
    command = [str(binary), "-p", prompt, "--allowedTools", "Bash"]
    return run(command, cwd=cwd, env=claude_env(home, gateway_url, model))


# --- Codex ----------------------------------------------------------------------------------------------

def codex_config(gateway_url: str, model: str) -> str:
    """The captures' custom provider (``wire_api = "responses"``, base URL with ``/v1``), without retries so
    a refused request fails the run at once instead of after Codex's backoff."""
    return (f'model = "{model}"\nmodel_provider = "dragoman"\n\n[model_providers.dragoman]\nname = "dragoman"\n'
            f'base_url = "{gateway_url}/v1"\nwire_api = "responses"\nenv_key = "{CODEX_KEY_VARIABLE}"\n'
            "request_max_retries = 0\nstream_max_retries = 0\n")


def run_codex(binary: Path, prompt: str, *, home: Path, cwd: Path, gateway_url: str, model: str) -> CliRun:
    config = home / ".codex" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(codex_config(gateway_url, model))
    env = {**base_env(home), CODEX_KEY_VARIABLE: CLIENT_KEY}
    # The container has no sandbox Codex can use (seccomp/landlock), and exec mode cannot ask for approval.
    command = [str(binary), "exec", "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox", prompt]
    return run(command, cwd=cwd, env=env)
