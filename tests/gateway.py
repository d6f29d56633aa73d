"""The real gateway as a user runs it: ``dragoman serve --config <yaml> --port <port>`` in a subprocess.

``scenario_config`` writes one model entry per (upstream dialect x scenario) of the fake upstream, named
``<dialect>/<scenario>`` (``chat/text``, ``responses/error-429``, ``anthropic/midstream-error`` …), plus
``<dialect>/refused`` pointing at a port nobody listens on.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx2
import yaml

from tests.upstream import DIALECTS, SCENARIOS, UPSTREAM_KEY, Dialect

PROVIDERS: dict[Dialect, str] = {"chat": "openai", "responses": "openai-responses", "anthropic": "anthropic"}
HANG_TIMEOUT_SECONDS = 0.5
CLIENT_KEY = "client-key-never-forwarded"
KEEPALIVE_SECONDS = 0.5
SMALL_BODY_LIMIT = 64 * 1024
# Variables a developer's shell may hold that must not leak into the gateway under test.
SCRUBBED_ENV = ("DRAGOMAN_CONFIG", "DRAGOMAN_MASTER_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL",
                "ANTHROPIC_BASE_URL")


def console_script() -> Path:
    script = Path(sys.executable).with_name("dragoman")
    assert script.exists(), f"the dragoman console script is not installed next to {sys.executable}"
    return script


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def base_url(dialect: Dialect, root: str) -> str:
    """As the SDKs do: OpenAI base URLs include ``/v1``, Anthropic's do not."""
    return root if dialect == "anthropic" else f"{root}/v1"


def model_entry(dialect: Dialect, scenario: str, root: str, **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": f"{dialect}/{scenario}", "provider": PROVIDERS[dialect],
                             "base_url": base_url(dialect, root), "api_key": UPSTREAM_KEY, "model": scenario}
    if scenario == "hang":
        entry["timeout"] = HANG_TIMEOUT_SECONDS
    return {**entry, **extra}


def scenario_config(upstream_url: str, **top_level: Any) -> dict[str, Any]:
    refused_root = f"http://127.0.0.1:{free_port()}"
    models = [model_entry(dialect, scenario, upstream_url) for dialect in DIALECTS for scenario in SCENARIOS[dialect]]
    models += [model_entry(dialect, "text", refused_root, name=f"{dialect}/refused") for dialect in DIALECTS]
    # One attempt per request: these gateways test what each upstream answer becomes for the client, so an
    # upstream's 429 or 500 must reach it rather than be retried (tests/routing covers the retrying).
    return {"models": models, "routing": {"retries": 0}, **top_level}


# Deployments with the options of the full-fidelity rules, for every upstream dialect.
BETA_ALLOWED = ["interleaved-thinking-2025-05-14", "context-management-2025-06-27"]
BETA_DENIED = ["context-management-2025-06-27"]
BETA_ADDED = "output-128k-2025-02-19"


def fidelity_entries(root: str) -> list[dict[str, Any]]:
    """``drop-tools/<d>`` (built-in tools the upstream lacks are dropped), ``structured-tool/<d>`` (structured
    output emulated with a forced tool, answered by the ``forced-tool`` scenario), ``no-reasoning/<d>``, and
    Anthropic deployments filtering ``anthropic-beta`` (``beta-allow``, ``beta-add``)."""
    entries: list[dict[str, Any]] = []
    for dialect in DIALECTS:
        entries += [
            model_entry(dialect, "text", root, name=f"drop-tools/{dialect}", drop_unsupported_tools=True),
            model_entry(dialect, "forced-tool", root, name=f"structured-tool/{dialect}", structured_output="tool"),
            model_entry(dialect, "text", root, name=f"no-reasoning/{dialect}", reasoning=False),
        ]
    entries += [
        model_entry("anthropic", "text", root, name="beta-allow/anthropic",
                    anthropic_beta={"allow": BETA_ALLOWED, "deny": BETA_DENIED}),
        model_entry("anthropic", "text", root, name="beta-add/anthropic", anthropic_beta={"add": [BETA_ADDED]}),
    ]
    return entries


def clean_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in SCRUBBED_ENV}
    return {**env, **extra}


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None,
            timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(console_script()), *args], cwd=cwd, env=env or clean_env(),
                          capture_output=True, text=True, timeout=timeout, check=False)


class Gateway:
    """One ``dragoman serve`` process. ``config`` None starts it with no config at all."""

    def __init__(self, workdir: Path, config: dict[str, Any] | None, *, name: str = "gateway",
                 env: dict[str, str] | None = None) -> None:
        self.workdir = workdir
        self.config = config
        self.name = name
        self.env = env or clean_env()
        self.port = 0
        self.config_path: Path | None = None
        self._log_path = workdir / f"{name}.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self._log_path.read_text(errors="replace") if self._log_path.exists() else ""

    def start(self, timeout: float = 30.0) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        args = [str(console_script()), "serve", "--port", str(self.port)]
        if self.config is not None:
            self.config_path = self.workdir / f"{self.name}.yaml"
            self.config_path.write_text(yaml.safe_dump(self.config, sort_keys=False))
            args += ["--config", str(self.config_path)]
        with self._log_path.open("wb") as log:
            self._process = subprocess.Popen(args, cwd=self.workdir, env=self.env, stdout=log,
                                             stderr=subprocess.STDOUT)
        self._wait_healthy(timeout)

    def _wait_healthy(self, timeout: float) -> None:
        assert self._process is not None
        deadline = time.monotonic() + timeout
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self._process.returncode} before answering "
                                   f"/healthz; its output:\n{self.output()}")
            try:
                response = httpx2.get(f"{self.url}/healthz", timeout=1.0)
                if response.status_code == 200:
                    return
                last_error = f"HTTP {response.status_code}: {response.text[:300]}"
            except httpx2.TransportError as error:
                last_error = repr(error)
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer GET /healthz with 200 within {timeout}s "
                           f"({last_error}); its output:\n{self.output()}")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
