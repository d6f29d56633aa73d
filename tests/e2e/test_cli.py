"""The ``dragoman`` command as a user runs it: --version, check-config, serve with a bad config, the
DRAGOMAN_CONFIG variable, and a server started with no config at all."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx2
import pytest
import yaml

from tests.e2e.conformance import check_error_body
from tests.e2e.wire import post, request_body
from tests.gateway import Gateway, clean_env, free_port, model_entry, run_cli
from tests.upstream import DIALECTS, Dialect, FakeUpstream

GOOD: dict[str, Any] = {
    "models": [{"name": "fast", "provider": "openai", "base_url": "http://127.0.0.1:9/v1", "api_key": "k",
                "model": "gpt-4o-mini", "timeout": 30},
               {"name": "claude", "provider": "anthropic", "base_url": "http://127.0.0.1:9"}],
    "default_model": "fast",
    "server": {"keepalive_interval": 5, "max_body_bytes": 1000000},
}


def _write(directory: Path, config: Any, name: str = "config.yaml") -> Path:
    path = directory / name
    path.write_text(config if isinstance(config, str) else yaml.safe_dump(config))
    return path


def test_version(tmp_path: Path) -> None:
    result = run_cli("--version", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert version("dragoman") in result.stdout


def test_serve_help_names_the_defaults(tmp_path: Path) -> None:
    result = run_cli("serve", "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for text in ("--config", "--host", "--port", "127.0.0.1", "8787", "DRAGOMAN_CONFIG"):
        assert text in result.stdout, text


def test_check_config_prints_what_it_understood(tmp_path: Path) -> None:
    result = run_cli("check-config", str(_write(tmp_path, GOOD)), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    for text in ("fast", "claude", "gpt-4o-mini", "anthropic", "openai"):
        assert text in output, f"{text!r} missing from:\n{output}"


def _bad(change: dict[str, Any], model_change: dict[str, Any] | None = None) -> dict[str, Any]:
    config = {**GOOD, **change, "models": [dict(GOOD["models"][0]), dict(GOOD["models"][1])]}
    for key, value in (model_change or {}).items():
        if value is None:
            config["models"][0].pop(key)
        else:
            config["models"][0][key] = value
    return config


BAD_CONFIGS = [
    pytest.param(_bad({}, {"provider": "gemini"}), "models[0].provider", id="unknown-provider"),
    pytest.param(_bad({}, {"base_url": None}), "models[0].base_url", id="missing-base-url"),
    pytest.param(_bad({}, {"base_url": "127.0.0.1:9000"}), "models[0].base_url", id="base-url-without-scheme"),
    pytest.param(_bad({}, {"timeout": -1}), "models[0].timeout", id="negative-timeout"),
    pytest.param(_bad({}, {"name": ""}), "models[0].name", id="empty-name"),
    pytest.param(_bad({"default_model": "nope"}), "default_model", id="unknown-default-model"),
    pytest.param(_bad({"server": {"keepalive_interval": "soon"}}), "server.keepalive_interval",
                 id="bad-keepalive"),
    pytest.param(_bad({"server": {"max_body_bytes": 0}}), "server.max_body_bytes", id="zero-body-limit"),
    pytest.param(_bad({}, {"api_key": "${DRAGOMAN_E2E_NEVER_SET}"}), "DRAGOMAN_E2E_NEVER_SET", id="unset-env"),
    pytest.param("models: [name: x\n", "yaml", id="invalid-yaml"),
]


SERVE_TOO = {"unknown-provider", "unset-env", "invalid-yaml"}


@pytest.mark.parametrize(("config", "named"), BAD_CONFIGS)
def test_bad_config_exits_non_zero_naming_the_field(config: Any, named: str, tmp_path: Path,
                                                    request: pytest.FixtureRequest) -> None:
    path = _write(tmp_path, config)
    runs: list[tuple[str, ...]] = [("check-config", str(path))]
    if request.node.callspec.id in SERVE_TOO:
        runs.append(("serve", "--config", str(path), "--port", str(free_port())))
    for args in runs:
        result = run_cli(*args, cwd=tmp_path, timeout=20)
        assert result.returncode != 0, f"{args} accepted a bad config:\n{result.stdout}{result.stderr}"
        output = result.stdout + result.stderr
        assert named.lower() in output.lower(), f"{args}: {named!r} not named in:\n{output}"


def test_missing_config_file_exits_non_zero(tmp_path: Path) -> None:
    result = run_cli("serve", "--config", str(tmp_path / "absent.yaml"), "--port", str(free_port()),
                     cwd=tmp_path, timeout=20)
    assert result.returncode != 0
    assert "absent.yaml" in result.stdout + result.stderr


def test_config_from_the_environment(tmp_path: Path, upstream: FakeUpstream) -> None:
    """``DRAGOMAN_CONFIG`` instead of ``--config``; ``${VAR:-default}`` inside it."""
    entry = model_entry("anthropic", "text", upstream.url, name="from-env",
                        base_url="${DRAGOMAN_E2E_NEVER_SET:-" + upstream.url + "}")
    path = _write(tmp_path, {"models": [entry]}, "env.yaml")
    gateway = Gateway(tmp_path / "run", None, name="env-gateway", env=clean_env(DRAGOMAN_CONFIG=str(path)))
    gateway.start()
    try:
        with httpx2.Client(base_url=gateway.url, timeout=30) as http:
            answer = post(http, "chat", request_body("chat", "from-env"))
    finally:
        gateway.stop()
    assert answer.status == 200, answer.content[:300]


@pytest.mark.parametrize("client", DIALECTS)
def test_no_config_at_all_serves_the_embedded_model(client: Dialect, bare_gateway: Gateway) -> None:
    """The test install has the ``local`` extra, so a bare ``dragoman serve`` offers the embedded model (its
    answers are tested in tests/local) and names it when a client asks for another."""
    with httpx2.Client(base_url=bare_gateway.url, timeout=30) as http:
        assert http.get("/healthz").status_code == 200
        assert "local" in [model["id"] for model in http.get("/v1/models").json()["data"]]
        for stream in (False, True):
            answer = post(http, client, request_body(client, "anything", stream=stream))
            assert answer.status == 404, answer.content[:300]
            body = answer.json()
            check_error_body(client, body)
            assert "local" in body["error"]["message"], body
