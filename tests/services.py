"""The real PostgreSQL and Redis the tests talk to, at their default local ports.

Outside CI a missing service skips the tests that need it, saying why; with ``CI=true`` it fails them, since
CI machines run both. Each user of PostgreSQL gets a database of its own, dropped afterwards; each user of
Redis gets a key prefix of its own.
"""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

POSTGRES_HOST = os.environ.get("DRAGOMAN_TEST_PGHOST", "127.0.0.1")
POSTGRES_PORT = int(os.environ.get("DRAGOMAN_TEST_PGPORT", "5432"))
POSTGRES_USER = os.environ.get("DRAGOMAN_TEST_PGUSER", "postgres")
REDIS_URL = os.environ.get("DRAGOMAN_TEST_REDIS", "redis://127.0.0.1:6379/0")


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def _unavailable(what: str) -> None:
    message = f"{what} is not reachable; start it (see README, Development) to run these tests"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}. CI must run them, never skip.")
    pytest.skip(message)


def _psql(sql: str, database: str = "postgres") -> None:
    subprocess.run(
        ["psql", "-h", POSTGRES_HOST, "-p", str(POSTGRES_PORT), "-U", POSTGRES_USER, "-d", database,
         "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
        check=True, capture_output=True, text=True, timeout=30,
    )


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one user; yields its ``postgresql://`` URL and drops it after."""
    if not _listening(POSTGRES_HOST, POSTGRES_PORT):
        _unavailable(f"PostgreSQL at {POSTGRES_HOST}:{POSTGRES_PORT}")
    name = f"dragoman_test_{uuid.uuid4().hex[:12]}"
    try:
        _psql(f'CREATE DATABASE "{name}"')
    except (OSError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", "") or str(error)
        _unavailable(f"PostgreSQL at {POSTGRES_HOST}:{POSTGRES_PORT} (CREATE DATABASE failed: {detail.strip()})")
    try:
        yield f"postgresql://{POSTGRES_USER}@{POSTGRES_HOST}:{POSTGRES_PORT}/{name}"
    finally:
        _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def redis_url() -> str:
    """The test Redis URL, after checking it answers."""
    host_port = REDIS_URL.split("//", 1)[1].split("/", 1)[0]
    host, _, port = host_port.rpartition(":")
    if not _listening(host or "127.0.0.1", int(port or 6379)):
        _unavailable(f"Redis at {host_port}")
    return REDIS_URL


def redis_prefix() -> str:
    """A key namespace of its own, so concurrent test runs sharing one Redis never see each other's counters."""
    return f"dragoman-test-{uuid.uuid4().hex[:12]}"
