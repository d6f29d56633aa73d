"""Fixtures for the real-CLI tests: the pinned CLIs, installed once into the cache (see ``npm.py``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.clients.npm import CLAUDE_CODE, CODEX, InstallFailed, NpmCli, ToolMissing, ensure_installed


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def _installed(cli: NpmCli, request: pytest.FixtureRequest) -> Path:
    """The CLI's binary. Install progress goes straight to the terminal (pytest would hold it back). Without
    node/npm: a failure in CI, where the tests must run, and a skip with the reason elsewhere."""
    capture = request.config.pluginmanager.getplugin("capturemanager")
    try:
        if capture is None:
            return ensure_installed(cli)
        with capture.global_and_fixture_disabled():
            return ensure_installed(cli)
    except ToolMissing as missing:
        if _in_ci():
            pytest.fail(f"CI=true and {cli.spec} cannot be installed: {missing}")
        pytest.skip(f"{cli.spec} cannot be installed here: {missing}")
    except InstallFailed as failed:
        pytest.fail(f"installing {cli.spec} failed: {failed}")


@pytest.fixture(scope="session")
def claude_binary(request: pytest.FixtureRequest) -> Path:
    return _installed(CLAUDE_CODE, request)


@pytest.fixture(scope="session")
def codex_binary(request: pytest.FixtureRequest) -> Path:
    return _installed(CODEX, request)
