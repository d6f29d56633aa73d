"""``dragoman keys`` and ``dragoman usage`` through click's runner against a SQLite config (and Redis, for a
revocation reaching a running replica)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from dragoman.access.keys import ApiKey
from dragoman.access.usage import UsageRecord
from dragoman.canonical.errors import AuthenticationFailed
from dragoman.cli_admin import keys, usage
from dragoman.config import load_config
from dragoman.store.database import open_store
from tests.admin.conftest import MASTER_KEY, bearer, make_config, opened
from tests.services import redis_prefix, redis_url


@pytest.fixture
def config_path(tmp_path: Path) -> str:
    path = tmp_path / "dragoman.yaml"
    path.write_text(yaml.safe_dump({"storage": str(tmp_path / "keys.db")}))
    return str(path)


def run(command: Any, *arguments: str, config: str) -> Result:
    return CliRunner().invoke(command, [*arguments, "--config", config])


def ok(command: Any, *arguments: str, config: str) -> str:
    result = run(command, *arguments, config=config)
    assert result.exit_code == 0, result.output
    return result.stdout


def create_json(config: str, *options: str) -> dict[str, Any]:
    created: dict[str, Any] = json.loads(ok(keys, "create", *options, "--json", config=config))
    return created


def stored_keys(config: str) -> list[ApiKey]:
    async def read() -> list[ApiKey]:
        store = await open_store(load_config(config).storage)
        try:
            return await store.list_keys(include_revoked=True)
        finally:
            await store.close()

    return asyncio.run(read())


def assert_aligned(table: str) -> None:
    """Every cell starts where its column's header starts (text) or ends where it ends (numbers)."""
    cells = re.compile(r"\S+(?: \S+)*")  # a cell may hold single spaces; columns are two apart
    lines = table.splitlines()
    headers = [match.span() for match in cells.finditer(lines[0])]
    for line in lines[1:]:
        for match in cells.finditer(line):
            start, end = match.span()
            assert any(start == left or end == right for left, right in headers), f"{match.group()!r}:\n{table}"


def test_create_list_revoke(config_path: str) -> None:
    result = run(keys, "create", "--name", "ci", "--models", "fast, smart", "--rpm", "60", "--tpm", "9000",
                 "--max-parallel", "3", "--budget", "5", "--budget-period", "day", "--expires", "2099-01-01",
                 config=config_path)
    assert result.exit_code == 0, result.output
    secret = next(word for word in result.stdout.split() if word.startswith("dk-") and len(word) > 40)
    assert "will not be shown again" in result.stdout
    [ci] = stored_keys(config_path)
    assert (ci.name, ci.models, ci.limits.rpm, ci.limits.tpm, ci.limits.max_parallel) == (
        "ci", ("fast", "smart"), 60, 9000, 3)
    assert (ci.limits.budget_usd, ci.limits.budget_period) == (5.0, "day")
    assert ci.expires_at == datetime(2099, 1, 1, tzinfo=UTC)
    assert secret.startswith(ci.prefix) and ci.secret_hash != secret

    other = create_json(config_path, "--name", "other-team")
    assert other["secret"].startswith("dk-") and other["key"]["name"] == "other-team"

    listing = ok(keys, "list", config=config_path)
    assert_aligned(listing)
    assert listing.splitlines()[0].split()[:4] == ["ID", "NAME", "PREFIX", "MODELS"]
    assert ci.id in listing and other["key"]["id"] in listing
    assert secret not in listing and other["secret"] not in listing

    revoked = ok(keys, "revoke", other["key"]["prefix"], config=config_path)  # the dk- prefix
    assert "Revoked" in revoked and other["key"]["id"] in revoked
    assert other["key"]["id"] not in ok(keys, "list", config=config_path)
    everything = ok(keys, "list", "--all", config=config_path)
    revoked_line = next(line for line in everything.splitlines() if other["key"]["id"] in line)
    assert "revoked" in revoked_line.split()
    listed = json.loads(ok(keys, "list", "--all", "--json", config=config_path))
    assert [key["id"] for key in listed["data"]] == [ci.id, other["key"]["id"]]
    assert listed["data"][1]["revoked_at"] is not None


def test_a_created_secret_authenticates_and_a_revoked_one_does_not(tmp_path: Path) -> None:
    config_path = str(tmp_path / "with-master-key.yaml")
    Path(config_path).write_text(yaml.safe_dump({"storage": str(tmp_path / "keys.db"),
                                                 "auth": {"master_key": MASTER_KEY}}))
    live = create_json(config_path, "--name", "live")
    gone = create_json(config_path, "--name", "gone")
    ok(keys, "revoke", gone["key"]["id"], config=config_path)

    async def check() -> None:
        async with opened(load_config(config_path)) as runtime:
            principal = await runtime.access.authenticate(bearer(live["secret"]))
            assert principal.key_id == live["key"]["id"]
            with pytest.raises(AuthenticationFailed, match="revoked"):
                await runtime.access.authenticate(bearer(gone["secret"]))

    asyncio.run(check())


def test_update_by_unique_id_prefix(config_path: str) -> None:
    created = create_json(config_path, "--name", "ci", "--rpm", "10", "--budget", "2")
    key_id = created["key"]["id"]
    assert created["key"]["budget_period"] == "month"
    changed = json.loads(ok(keys, "update", key_id[:9], "--rpm", "20", "--tpm", "500", "--models", "fast",
                            "--name", "ci-2", "--json", config=config_path))
    assert (changed["name"], changed["rpm"], changed["tpm"], changed["models"]) == ("ci-2", 20, 500, ["fast"])
    cleared = json.loads(ok(keys, "update", key_id, "--rpm", "none", "--budget", "none", "--all-models",
                            "--expires", "2099-05-01T08:00:00+02:00", "--json", config=config_path))
    assert (cleared["rpm"], cleared["tpm"], cleared["budget_usd"], cleared["budget_period"]) == (None, 500, None, None)
    assert cleared["models"] is None
    assert cleared["expires_at"] == "2099-05-01T06:00:00+00:00"
    human = ok(keys, "update", key_id, "--expires", "never", config=config_path)
    assert_aligned(human)
    [stored] = stored_keys(config_path)
    assert stored.expires_at is None and stored.name == "ci-2"


def test_references_must_name_one_key(config_path: str) -> None:
    create_json(config_path, "--name", "a")
    create_json(config_path, "--name", "b")
    ambiguous = run(keys, "revoke", "key_", config=config_path)
    assert ambiguous.exit_code == 1 and "matches several keys" in ambiguous.output
    unknown = run(keys, "revoke", "key_zzzz", config=config_path)
    assert unknown.exit_code == 1 and "No API key" in unknown.output
    assert all(key.revoked_at is None for key in stored_keys(config_path))


@pytest.mark.parametrize(("arguments", "message"), [
    (["create", "--name", "x", "--budget-period", "day"], "--budget-period needs --budget"),
    (["create", "--name", "x", "--rpm", "0"], "--rpm"),
    (["create", "--name", "x", "--tpm", "many"], "--tpm"),
    (["create", "--name", "x", "--budget", "-1"], "--budget"),
    (["create", "--name", "x", "--expires", "soon"], "--expires"),
    (["create", "--name", "x", "--expires", "2001-01-01"], "--expires 2001-01-01T00:00:00+00:00 is in the past"),
    (["create", "--name", " "], "--name"),
    (["create", "--name", "x", "--models", ","], "--models"),
    (["create"], "--name"),
])
def test_bad_options_are_usage_errors(config_path: str, arguments: list[str], message: str) -> None:
    result = run(keys, *arguments, config=config_path)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert stored_keys(config_path) == []


def test_update_needs_something_to_change(config_path: str) -> None:
    created = create_json(config_path, "--name", "x")
    result = run(keys, "update", created["key"]["id"], config=config_path)
    assert result.exit_code == 2 and "Nothing to change" in result.output
    both = run(keys, "update", created["key"]["id"], "--models", "a", "--all-models", config=config_path)
    assert both.exit_code == 2


def test_a_bad_config_is_named(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("storage: [1, 2]\n")
    result = run(keys, "list", config=str(path))
    assert result.exit_code == 2 and "storage" in result.output


@pytest.mark.parametrize(("storage", "message", "exit_code"), [
    ("postgresql://postgres@127.0.0.1:1/nowhere", "PostgreSQL database nowhere on 127.0.0.1:1", 1),
    ("mysql://db/dragoman", "unsupported database 'mysql'", 2),  # refused as the config loads
])
def test_unusable_storage_is_named(tmp_path: Path, storage: str, message: str, exit_code: int) -> None:
    path = tmp_path / "dragoman.yaml"
    path.write_text(yaml.safe_dump({"storage": storage}))
    result = run(keys, "list", config=str(path))
    assert result.exit_code == exit_code, result.output
    assert message in result.output and "Traceback" not in result.output


def test_usage_table(config_path: str) -> None:
    alice = create_json(config_path, "--name", "alice")["key"]
    bob = create_json(config_path, "--name", "bob")["key"]
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)

    def rec(number: int, key_id: str | None, model: str, at: datetime, status: int = 200) -> UsageRecord:
        return UsageRecord(id=f"req_{number}", created_at=at, key_id=key_id, model=model, deployment="d1",
                           client_dialect="openai_chat", upstream_dialect="anthropic_messages", stream=False,
                           status=status, input_tokens=1000 * number, output_tokens=10, cost_usd=0.5,
                           latency_ms=20.0, error="upstream" if status >= 400 else None)

    async def insert() -> None:
        store = await open_store(load_config(config_path).storage)
        try:
            await store.insert_usage([
                rec(1, alice["id"], "fast", today + timedelta(minutes=1)),
                rec(2, alice["id"], "fast", today + timedelta(minutes=2), status=502),
                rec(3, bob["id"], "smart", today - timedelta(days=1)),
                rec(4, None, "fast", today - timedelta(days=2)),
                rec(5, alice["id"], "fast", today - timedelta(days=30)),  # outside the default 7 days
            ])
        finally:
            await store.close()

    asyncio.run(insert())

    output = ok(usage, config=config_path)
    table, summary = output.split("\n\n")
    assert_aligned(table)
    lines = table.splitlines()
    assert lines[0].split() == ["DAY", "KEY", "MODEL", "REQUESTS", "ERRORS", "INPUT", "OUTPUT", "CACHED",
                                "REASONING", "COST"]
    alice_today = next(line for line in lines if line.startswith(today.date().isoformat()))
    assert f"alice ({alice['id']})" in alice_today
    assert alice_today.split()[-7:] == ["2", "1", "3,000", "20", "0", "0", "$1.00"]
    assert any("(no key)" in line for line in lines)
    assert lines[-1].split()[:3] == ["total", "4", "1"]
    assert "4 request(s)" in summary

    wider = ok(usage, "--days", "40", config=config_path)
    assert "5 request(s)" in wider

    only_bob = json.loads(ok(usage, "--key", bob["prefix"][:8], "--json", config=config_path))
    assert [row["id"] for row in only_bob["data"]] == ["req_3"]
    assert only_bob["total"] == 1 and [row["key_id"] for row in only_bob["daily"]] == [bob["id"]]

    records = ok(usage, "--records", "--model", "fast", "--limit", "2", config=config_path)
    record_table, record_summary = records.split("\n\n")
    record_lines = record_table.splitlines()
    assert record_lines[0].split()[:3] == ["TIME", "(UTC)", "KEY"]
    assert len(record_lines) == 3 and "502" in record_lines[1] and "upstream" in record_lines[1]
    assert "2 of 3 record(s)" in record_summary

    window = json.loads(ok(usage, "--since", (today - timedelta(days=2)).date().isoformat(),
                           "--until", today.date().isoformat(), "--json", config=config_path))
    assert sorted(row["id"] for row in window["data"]) == ["req_3", "req_4"]


def test_usage_with_no_records_says_so(config_path: str) -> None:
    assert "No usage" in ok(usage, config=config_path)
    bad = run(usage, "--since", "2030-01-02", "--until", "2030-01-01", config=config_path)
    assert bad.exit_code == 2 and "--since must be before --until" in bad.output


async def test_cli_revocation_reaches_a_running_replica(tmp_path: Path) -> None:
    """A replica trusting looked-up keys for a minute refuses a key right after ``dragoman keys revoke``
    ran elsewhere against the same storage and Redis."""
    sections: dict[str, Any] = {"redis": {"url": redis_url(), "prefix": redis_prefix()},
                                "auth": {"key_cache_seconds": 60}}
    config = make_config(str(tmp_path / "shared.db"), **sections)
    path = tmp_path / "dragoman.yaml"
    path.write_text(yaml.safe_dump(config.model_dump(mode="json", exclude_defaults=True)))
    async with opened(config) as replica:
        created = await asyncio.to_thread(create_json, str(path), "--name", "svc", "--rpm", "100")
        principal = await replica.access.authenticate(bearer(created["secret"]))
        await replica.access.settle(await replica.access.admit(principal, 5), actual_tokens=5, cost_usd=0.0)

        await asyncio.to_thread(ok, keys, "revoke", created["key"]["id"], config=str(path))

        with pytest.raises(AuthenticationFailed, match="revoked"):
            await replica.access.admit(principal, 5)


def test_the_installed_console_script(config_path: str) -> None:
    """``dragoman keys`` and ``dragoman usage`` as a user runs them, with the config from DRAGOMAN_CONFIG."""
    script = Path(sys.executable).with_name("dragoman")
    env = {**os.environ, "DRAGOMAN_CONFIG": config_path}

    def dragoman(*arguments: str) -> str:
        done = subprocess.run([str(script), *arguments], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    created = json.loads(dragoman("keys", "create", "--name", "console", "--rpm", "5", "--json"))
    assert created["secret"].startswith("dk-")
    assert created["key"]["id"] in dragoman("keys", "list")
    assert "Revoked" in dragoman("keys", "revoke", created["key"]["prefix"])
    assert created["key"]["id"] not in dragoman("keys", "list")
    assert "No usage" in dragoman("usage")
