"""The ``dragoman`` command: ``serve``, ``check-config`` and ``--version``."""

from __future__ import annotations

import logging
import math
import signal
import sys
from types import FrameType

import click
import uvicorn

from dragoman import __version__
from dragoman.cli_admin import keys, usage
from dragoman.config import Config, ConfigError, load_config
from dragoman.defaults import default_config
from dragoman.loopback import is_loopback
from dragoman.providers.local import embedded_model_problem
from dragoman.server.app import build_app
from dragoman.store.database import describe_storage

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787


def _load_or_exit(path: str | None) -> Config:
    try:
        return load_config(path)
    except ConfigError as error:
        click.echo(f"dragoman: {error}", err=True)
        sys.exit(2)


class _ExpectedUpgradeWarnings(logging.Filter):
    """Codex CLI tries a WebSocket on every session; we answer 426 on purpose, so uvicorn's warnings about
    the unsupported upgrade are noise."""

    _NOISE = ("Unsupported upgrade request", "No supported WebSocket library detected")

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self._NOISE)


def describe(config: Config) -> str:
    """What dragoman understood from a config, in a few human-readable lines."""
    if not config.models:
        return "No models configured: every chat request will be answered with a 'no model is configured' error."
    lines = [f"{len(config.models)} deployment(s):"]
    for deployment in config.models:
        key = "with api_key" if deployment.api_key else "no api_key"
        lines.append(
            f"  {deployment.name} -> {deployment.provider} {deployment.base_url} "
            f"model={deployment.upstream_model} timeout={deployment.timeout:g}s ({key})"
        )
    if config.default_model:
        lines.append(f"default_model: {config.default_model}")
    lines.append(
        f"server: keepalive_interval={config.server.keepalive_interval:g}s "
        f"max_body_bytes={config.server.max_body_bytes}"
    )
    lines.append(f"auth: {'master key set' if config.master_key else 'open (no master key)'}; "
                 f"storage: {describe_storage(config.storage)}; "
                 f"redis: {describe_storage(config.redis.url) if config.redis else 'none (limits in memory)'}")
    return "\n".join(lines)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dragoman")
def main() -> None:
    """dragoman: one server, one port, every LLM API dialect."""


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    sys.exit(0)


@main.command()
@click.option("--config", "config_path", envvar="DRAGOMAN_CONFIG", type=click.Path(dir_okay=False),
              help="YAML config file (or DRAGOMAN_CONFIG).")
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to bind.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int, help="Port to bind.")
@click.option("--allow-open", is_flag=True,
              help="Serve without a master key on a non-loopback address (anyone who can reach it may use it).")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
def serve(config_path: str | None, host: str, port: int, allow_open: bool, log_level: str) -> None:
    """Start the gateway (with no config: the embedded model as 'local', and local servers discovered)."""
    if config_path is None:
        config = default_config()
        if (problem := embedded_model_problem()) is not None:
            click.echo(f"dragoman: no config given and the embedded model is not available: {problem}", err=True)
    else:
        config = _load_or_exit(config_path)
    if config.master_key is None and not is_loopback(host) and not allow_open:
        click.echo(
            f"dragoman: refusing to serve {host} without authentication. Set auth.master_key in the config "
            "(or DRAGOMAN_MASTER_KEY) and hand out keys with `dragoman keys create`, or pass --allow-open "
            "to serve it open to anyone who can reach it.",
            err=True,
        )
        sys.exit(2)
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    click.echo(describe(config), err=True)
    logging.getLogger("uvicorn.error").addFilter(_ExpectedUpgradeWarnings())
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then re-raises the signal to the handler it found;
    # with these, that ends the process with status 0 (a clean shutdown) instead of death by signal.
    for received in (signal.SIGTERM, signal.SIGINT):
        signal.signal(received, _exit_cleanly)
    uvicorn.run(
        build_app(config),
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        ws="none",  # WebSocket upgrades reach our routes as plain HTTP, so /v1/responses can answer 426
        lifespan="on",
        access_log=False,
        log_level=log_level,
        server_header=False,
        # SIGTERM: stop accepting, let requests and streams in flight finish for up to this long, then the
        # lifespan's shutdown flushes usage records.
        timeout_graceful_shutdown=math.ceil(config.routing.shutdown_grace_seconds),
    )


@main.command("check-config")
@click.argument("path", type=click.Path(dir_okay=False))
def check_config(path: str) -> None:
    """Validate a config file and print what dragoman understood from it."""
    config = _load_or_exit(path)
    click.echo(f"{path}: OK")
    click.echo(describe(config))



main.add_command(keys)
main.add_command(usage)
