"""The ``dragoman keys`` group (create, list, update, revoke) and ``dragoman usage``: the admin API's work from
the terminal, straight against the configured storage (and Redis, so a revocation reaches every replica)."""

from __future__ import annotations

import asyncio
import math
import re
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import click
import orjson
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from dragoman.access.key_admin import changes_for_update, create_key, parse_moment, resolve_key, settings_for_create
from dragoman.access.keys import ApiKey
from dragoman.access.runtime import AccessRuntime, open_runtime
from dragoman.access.usage import UsageQuery
from dragoman.access.usage_report import usage_report
from dragoman.canonical.errors import GatewayError, InvalidRequest
from dragoman.config import Config, ConfigError, load_config
from dragoman.store.database import StorageUrlError, describe_storage

T = TypeVar("T")

# The admin API's field names as this command's options, so validation errors name what the user typed.
OPTION_BY_FIELD = {
    "name": "--name",
    "models": "--models",
    "rpm": "--rpm",
    "tpm": "--tpm",
    "max_parallel": "--max-parallel",
    "budget_usd": "--budget",
    "budget_period": "--budget-period",
    "expires_at": "--expires",
}
DEFAULT_USAGE_DAYS = 7
DEFAULT_RECORD_LIMIT = 100


class _Cleared:
    """What an update option says with ``none``: remove the limit."""

    def __repr__(self) -> str:
        return "none"


CLEARED = _Cleared()
_CLEAR_WORDS = ("none", "never", "unlimited")


def _moment(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_moment(value)
    except ValueError as error:
        raise click.BadParameter(str(error), ctx, param) from None


Callback = Callable[[click.Context, click.Parameter, str | None], Any]


def _clearable(inner: Callback) -> Callback:
    """``inner``'s value, or ``CLEARED`` for ``none`` (also ``never``, ``unlimited``)."""

    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
        if value is not None and value.strip().lower() in _CLEAR_WORDS:
            return CLEARED
        return inner(ctx, param, value)

    return callback


def _positive(kind: type[int] | type[float]) -> Callback:
    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
        if value is None:
            return None
        try:
            number = kind(value)
        except ValueError:
            raise click.BadParameter(f"{value!r} is not {'an integer' if kind is int else 'a number'}", ctx,
                                     param) from None
        if not 0 < number < math.inf:
            raise click.BadParameter(f"{value} is not greater than 0", ctx, param)
        return number

    return callback


POSITIVE = click.IntRange(min=1)
BUDGET = click.FloatRange(min=0, min_open=True)
PERIOD = click.Choice(["day", "month"])

config_option = click.option(
    "--config", "config_path", envvar="DRAGOMAN_CONFIG", type=click.Path(dir_okay=False),
    help="YAML config file naming storage and redis (or DRAGOMAN_CONFIG); default storage ./dragoman.db.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON, for scripts.")


def _models(value: str | None) -> list[str] | None:
    return None if value is None else [name.strip() for name in value.split(",") if name.strip()]


def _load(config_path: str | None) -> Config:
    try:
        return load_config(config_path)
    except ConfigError as error:
        click.echo(f"dragoman: {error}", err=True)
        sys.exit(2)


def _run(config_path: str | None, work: Callable[[AccessRuntime], Awaitable[T]]) -> T:
    """Open the runtime of the config, run ``work`` on it and close it; errors become messages, not tracebacks."""
    config = _load(config_path)

    async def session() -> T:
        runtime = await open_runtime(config, start_writer=False)
        try:
            return await work(runtime)
        finally:
            await runtime.close()

    try:
        return asyncio.run(session())
    except GatewayError as error:
        option = OPTION_BY_FIELD.get(error.param or "")
        if option is not None:
            raise click.UsageError(_in_option_names(error.message, option)) from None
        raise click.ClickException(error.message) from None
    except StorageUrlError as error:
        raise click.ClickException(str(error)) from None
    except (SQLAlchemyError, OSError) as error:
        raise click.ClickException(f"{describe_storage(config.storage)}: {_first_line(error)}") from None
    except RedisError as error:
        where = describe_storage(config.redis.url) if config.redis else "Redis"
        raise click.ClickException(f"{where}: {_first_line(error)}") from None


def _first_line(error: BaseException) -> str:
    """SQLAlchemy's messages go on with the statement and a documentation link; the first line says what failed."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


_FIELD_WORDS = re.compile(r"\b(" + "|".join(field for field in OPTION_BY_FIELD if "_" in field) + r")\b")


def _in_option_names(message: str, option: str) -> str:
    """A validation message of the admin API in the words of this command: ``--budget-period needs --budget``."""
    translated = _FIELD_WORDS.sub(lambda match: OPTION_BY_FIELD[match.group(1)], message)
    return translated if option in translated else f"{option}: {translated}"


def _echo_json(value: Any) -> None:
    click.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, right: Sequence[int] = ()) -> str:
    """Columns padded to their widest cell; the ``right`` columns (numbers) aligned right."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = []
    for row in (headers, *rows):
        cells = [cell.rjust(width) if index in right else cell.ljust(width)
                 for index, (cell, width) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _number(value: float | int | None) -> str:
    return "-" if value is None else f"{value:,}" if isinstance(value, int) else f"{value:g}"


def _usd(value: float | None) -> str:
    return "-" if value is None else f"${value:,.4f}" if value < 1 else f"${value:,.2f}"


def _day(moment: datetime | None) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%d %H:%M")


def _status(key: ApiKey, now: datetime) -> str:
    if key.revoked_at is not None:
        return "revoked"
    return "expired" if key.is_expired(now) else "active"


def _key_rows(keys: Sequence[ApiKey]) -> str:
    now = datetime.now(UTC)
    rows = [
        [
            key.id, key.name, key.prefix + "…", ",".join(key.models) if key.models is not None else "*",
            _number(key.limits.rpm), _number(key.limits.tpm), _number(key.limits.max_parallel),
            f"{_usd(key.limits.budget_usd)}/{key.limits.budget_period}" if key.limits.budget_usd else "-",
            _day(key.expires_at), _status(key, now), _day(key.created_at),
        ]
        for key in keys
    ]
    headers = ["ID", "NAME", "PREFIX", "MODELS", "RPM", "TPM", "PARALLEL", "BUDGET", "EXPIRES", "STATUS", "CREATED"]
    return table(headers, rows, right=(4, 5, 6, 7))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def keys() -> None:
    """Create, list, change and revoke API keys (dk-…)."""


@keys.command("create")
@click.option("--name", required=True, help="What the key is for (shown in lists and usage).")
@click.option("--models", help="Comma-separated model names the key may use (default: every model).")
@click.option("--rpm", type=POSITIVE, help="Requests per minute.")
@click.option("--tpm", type=POSITIVE, help="Tokens per minute.")
@click.option("--max-parallel", type=POSITIVE, help="Requests in flight at once.")
@click.option("--budget", type=BUDGET, help="USD the key may spend per budget period.")
@click.option("--budget-period", type=PERIOD, help="day or month (default month).")
@click.option("--expires", callback=_moment, metavar="DATE",
              help="ISO date (the key expires at 00:00 UTC that day) or date-time (UTC unless it has an offset).")
@config_option
@json_option
def create_command(name: str, models: str | None, rpm: int | None, tpm: int | None, max_parallel: int | None,
                   budget: float | None, budget_period: str | None, expires: datetime | None,
                   config_path: str | None, as_json: bool) -> None:
    """Create a key and print its secret (shown this once only)."""
    settings = {"name": name, "models": _models(models), "rpm": rpm, "tpm": tpm, "max_parallel": max_parallel,
                "budget_usd": budget, "budget_period": budget_period, "expires_at": expires}

    async def work(runtime: AccessRuntime) -> tuple[ApiKey, str]:
        return await create_key(runtime.store, settings_for_create(settings))

    key, secret = _run(config_path, work)
    if as_json:
        _echo_json({"key": key.public(), "secret": secret})
        return
    click.echo(_key_rows([key]))
    click.echo(f"\nSecret: {secret}")
    click.echo("Store it now: it will not be shown again (dragoman keeps only its hash).")


@keys.command("list")
@click.option("--all", "include_revoked", is_flag=True, help="Include revoked keys.")
@config_option
@json_option
def list_command(include_revoked: bool, config_path: str | None, as_json: bool) -> None:
    """List keys (never their secrets)."""

    async def work(runtime: AccessRuntime) -> list[ApiKey]:
        return await runtime.store.list_keys(include_revoked=include_revoked)

    found = _run(config_path, work)
    if as_json:
        _echo_json({"object": "list", "data": [key.public() for key in found]})
    elif not found:
        where = describe_storage(_load(config_path).storage)
        click.echo(f"No {'' if include_revoked else 'active '}keys in {where}.")
    else:
        click.echo(_key_rows(found))


@keys.command("update")
@click.argument("key")
@click.option("--name", help="A new name.")
@click.option("--models", help="Comma-separated model names the key may use.")
@click.option("--all-models", is_flag=True, help="Let the key use every model.")
@click.option("--rpm", callback=_clearable(_positive(int)), metavar="N|none", help="Requests per minute.")
@click.option("--tpm", callback=_clearable(_positive(int)), metavar="N|none", help="Tokens per minute.")
@click.option("--max-parallel", callback=_clearable(_positive(int)), metavar="N|none",
              help="Requests in flight at once.")
@click.option("--budget", callback=_clearable(_positive(float)), metavar="USD|none", help="USD per budget period.")
@click.option("--budget-period", type=PERIOD, help="day or month.")
@click.option("--expires", callback=_clearable(_moment), metavar="DATE|never", help="ISO date or date-time.")
@config_option
@json_option
def update_command(key: str, name: str | None, models: str | None, all_models: bool, rpm: Any, tpm: Any,
                   max_parallel: Any, budget: Any, budget_period: str | None, expires: Any,
                   config_path: str | None, as_json: bool) -> None:
    """Change a key's name, models or limits. KEY is its id or a unique prefix of its id or dk- prefix."""
    if models is not None and all_models:
        raise click.UsageError("--models and --all-models exclude each other")
    given = {"name": name, "rpm": rpm, "tpm": tpm, "max_parallel": max_parallel, "budget_usd": budget,
             "budget_period": budget_period, "expires_at": expires, "models": _models(models)}
    body: dict[str, Any] = {field: None if value is CLEARED else value
                            for field, value in given.items() if value is not None}
    if all_models:
        body["models"] = None
    if not body:
        raise click.UsageError("Nothing to change: give at least one option (see --help)")

    async def work(runtime: AccessRuntime) -> ApiKey:
        current = await resolve_key(runtime.store, key)
        if current.revoked_at is not None:
            raise InvalidRequest(f"The API key {current.id} is revoked and can no longer be changed",
                                 code="key_revoked")
        updated = await runtime.store.update_key(current.id, changes_for_update(body, current))
        runtime.access.forget(current.id)
        return updated or current

    updated = _run(config_path, work)
    if as_json:
        _echo_json(updated.public())
    else:
        click.echo(_key_rows([updated]))


@keys.command("revoke")
@click.argument("key")
@config_option
@json_option
def revoke_command(key: str, config_path: str | None, as_json: bool) -> None:
    """Revoke a key at once, on every replica sharing the storage and Redis. KEY is its id or a unique prefix of
    its id or dk- prefix."""

    async def work(runtime: AccessRuntime) -> ApiKey:
        target = await resolve_key(runtime.store, key)
        return await runtime.access.revoke(target.id) or target

    revoked = _run(config_path, work)
    if as_json:
        _echo_json(revoked.public())
    else:
        click.echo(f"Revoked {revoked.id} {revoked.name!r} ({revoked.prefix}…) at {_day(revoked.revoked_at)} UTC.")


@click.command("usage")
@click.option("--key", "key_reference", help="Only this key (id or unique prefix).")
@click.option("--model", help="Only this model name.")
@click.option("--since", callback=_moment, metavar="DATE",
              help="From this ISO date or date-time on (default: --days ago).")
@click.option("--until", callback=_moment, metavar="DATE", help="Before this ISO date or date-time.")
@click.option("--days", type=POSITIVE, default=DEFAULT_USAGE_DAYS, show_default=True,
              help="Without --since: today (UTC) and the days before it.")
@click.option("--records", is_flag=True, help="List the records themselves rather than per-day aggregates.")
@click.option("--limit", type=POSITIVE, default=DEFAULT_RECORD_LIMIT, show_default=True,
              help="With --records: the newest this many.")
@config_option
@json_option
def usage(key_reference: str | None, model: str | None, since: datetime | None, until: datetime | None, days: int,
          records: bool, limit: int, config_path: str | None, as_json: bool) -> None:
    """Usage per day, key and model (requests, errors, tokens, cost), as GET /admin/usage reports it."""
    if since is None:
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        since = today - timedelta(days=days - 1)
    if until is not None and since >= until:
        raise click.UsageError("--since must be before --until")

    async def work(runtime: AccessRuntime) -> tuple[dict[str, Any], dict[str, str]]:
        key_id = (await resolve_key(runtime.store, key_reference)).id if key_reference else None
        query = UsageQuery(key_id=key_id, model=model, since=since, until=until, limit=limit)
        names = {key.id: key.name for key in await runtime.store.list_keys(include_revoked=True)}
        return await usage_report(runtime.store, query), names

    report, names = _run(config_path, work)
    if as_json:
        _echo_json(report)
        return
    window = f"{_day(since)} to {_day(until) if until else 'now'} UTC"
    if records:
        click.echo(_record_table(report["data"], names))
        click.echo(f"\n{len(report['data'])} of {report['total']} record(s), {window}.")
    elif not report["daily"]:
        click.echo(f"No usage from {window}.")
    else:
        click.echo(_daily_table(report["daily"], names))
        click.echo(f"\n{report['total']} request(s), {window}.")


def _key_label(key_id: str | None, names: Mapping[str, str]) -> str:
    if key_id is None:
        return "(no key)"
    return f"{names[key_id]} ({key_id})" if key_id in names else key_id


def _daily_table(daily: Sequence[Mapping[str, Any]], names: Mapping[str, str]) -> str:
    counted = ("requests", "errors", "input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens")
    rows = [[day["day"], _key_label(day["key_id"], names), day["model"],
             *(_number(day[field]) for field in counted), _usd(day["cost_usd"])] for day in daily]
    totals = ["total", "", "", *(_number(sum(day[field] for day in daily)) for field in counted),
              _usd(sum(day["cost_usd"] for day in daily))]
    headers = ["DAY", "KEY", "MODEL", "REQUESTS", "ERRORS", "INPUT", "OUTPUT", "CACHED", "REASONING", "COST"]
    return table(headers, [*rows, totals], right=range(3, 10))


def _record_table(records: Sequence[Mapping[str, Any]], names: Mapping[str, str]) -> str:
    rows = [
        [
            record["created_at"][:19].replace("T", " "), _key_label(record["key_id"], names), record["model"],
            record["deployment"] or "-", str(record["status"]), "yes" if record["stream"] else "no",
            _number(record["input_tokens"]), _number(record["output_tokens"]), _usd(record["cost_usd"]),
            f"{record['latency_ms']:.0f} ms", record["error"] or "",
        ]
        for record in records
    ]
    headers = ["TIME (UTC)", "KEY", "MODEL", "DEPLOYMENT", "STATUS", "STREAM", "INPUT", "OUTPUT", "COST", "LATENCY",
               "ERROR"]
    return table(headers, rows, right=(4, 6, 7, 8, 9))
