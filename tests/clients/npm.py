"""Install a pinned npm CLI once into a cache directory outside the repo, and reuse it afterwards.

Layout: ``<cache>/npm/<package>-<version>/`` holds ``node_modules`` and a ``.dragoman-installed`` marker
written only after the installed binary answered ``--version`` with the pinned version. A second run finds the
marker and costs nothing. Installs go to a temporary sibling directory that is renamed into place, under a
file lock, so an interrupted or concurrent install never leaves a half-installed CLI behind.

``<cache>`` is ``$DRAGOMAN_E2E_CACHE``, else ``$XDG_CACHE_HOME/dragoman-e2e``, else ``~/.cache/dragoman-e2e``.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

MARKER = ".dragoman-installed"
INSTALL_TIMEOUT_SECONDS = 900
VERSION_TIMEOUT_SECONDS = 60


class ToolMissing(RuntimeError):
    """``node`` or ``npm`` is not on PATH: the CLI cannot be installed on this machine."""


class InstallFailed(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class NpmCli:
    package: str
    version: str
    bin: str

    @property
    def spec(self) -> str:
        return f"{self.package}@{self.version}"

    @property
    def slug(self) -> str:
        return f"{self.package.lstrip('@').replace('/', '-')}-{self.version}"


CLAUDE_CODE = NpmCli("@anthropic-ai/claude-code", "2.1.197", "claude")
CODEX = NpmCli("@openai/codex", "0.169.0", "codex")


def cache_root() -> Path:
    if explicit := os.environ.get("DRAGOMAN_E2E_CACHE"):
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "dragoman-e2e"


def install_dir(cli: NpmCli, root: Path | None = None) -> Path:
    return (root or cache_root()) / "npm" / cli.slug


def binary(directory: Path, cli: NpmCli) -> Path:
    return directory / "node_modules" / ".bin" / cli.bin


def require_node() -> None:
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        raise ToolMissing(f"{' and '.join(missing)} not found on PATH; the real-CLI tests need node >= 18 and npm "
                          "(Debian: apt-get install nodejs npm)")


def installed_version(path: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=False,
                          timeout=VERSION_TIMEOUT_SECONDS, stdin=subprocess.DEVNULL, env=env)
    if done.returncode != 0:
        raise InstallFailed(f"{path} --version exited {done.returncode}: {(done.stderr or done.stdout)[-2000:]}")
    return done.stdout.strip()


def ensure_installed(cli: NpmCli, root: Path | None = None, progress: TextIO | None = None) -> Path:
    """The path of the CLI's executable, installing it first if the cache does not hold it yet."""
    out = progress or sys.stderr
    directory = install_dir(cli, root)
    if (directory / MARKER).exists():
        return binary(directory, cli)
    require_node()
    directory.parent.mkdir(parents=True, exist_ok=True)
    with _locked(directory.with_name(directory.name + ".lock")):
        if (directory / MARKER).exists():  # another process installed it while we waited
            return binary(directory, cli)
        _install(cli, directory, out)
    return binary(directory, cli)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _say(out: TextIO, text: str) -> None:
    out.write(f"[dragoman-e2e] {text}\n")
    out.flush()


def _install(cli: NpmCli, directory: Path, out: TextIO) -> None:
    staging = directory.with_name(f"{directory.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    _say(out, f"installing {cli.spec} from the npm registry into {directory} (first run only)")
    started = time.monotonic()
    command = ["npm", "install", "--prefix", str(staging), "--no-audit", "--no-fund", "--no-save",
               "--loglevel=http", cli.spec]
    try:
        _run_showing_progress(command, out)
        version = installed_version(binary(staging, cli))
        if cli.version not in version:
            raise InstallFailed(f"{cli.spec} installed, but --version says {version!r}")
        (staging / MARKER).write_text(f"{cli.spec}\n{version}\n")
        shutil.rmtree(directory, ignore_errors=True)
        staging.rename(directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _say(out, f"installed {cli.spec} ({version}) in {time.monotonic() - started:.1f}s")


def _run_showing_progress(command: list[str], out: TextIO) -> None:
    """Run npm, relaying a line of progress for each package fetched (npm's ``http fetch`` log lines)."""
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               stdin=subprocess.DEVNULL)
    assert process.stdout is not None
    tail: list[str] = []
    try:
        for line in process.stdout:
            line = line.rstrip()
            tail = [*tail[-40:], line]
            if " fetch GET 200 " in line or line.startswith(("added ", "npm error", "npm ERR")):
                _say(out, f"  npm: {line.removeprefix('npm http ')}")
            if time.monotonic() - started > INSTALL_TIMEOUT_SECONDS:
                process.kill()
                raise InstallFailed(f"{' '.join(command)} took more than {INSTALL_TIMEOUT_SECONDS}s")
        code = process.wait(INSTALL_TIMEOUT_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if code != 0:
        raise InstallFailed(f"{' '.join(command)} exited {code}:\n" + "\n".join(tail))
