"""Fixtures: the fault-injecting upstream for each module, and helpers that start a real gateway in front of
it (each test module builds its own config from the cases it runs, so every case has pools of its own)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx2
import pytest

from tests.conftest import _started
from tests.faults import FaultUpstream
from tests.gateway import Gateway
from tests.resilience.clients import Clients

started = contextmanager(_started)  # fails the module if the gateway logged an unhandled exception


@pytest.fixture(scope="module")
def faults() -> Iterator[FaultUpstream]:
    with FaultUpstream() as server:
        yield server


@contextmanager
def clients_for(gateway: Gateway) -> Iterator[Clients]:
    clients = Clients(gateway.url)
    try:
        yield clients
    finally:
        clients.close()


def deployments(gateway: Gateway) -> dict[str, dict[str, Any]]:
    """``GET /admin/deployments`` (open mode: loopback may read it), by member id."""
    response = httpx2.get(f"{gateway.url}/admin/deployments", timeout=10)
    assert response.status_code == 200, response.text
    return {member["id"]: member for member in response.json()["data"]}


def usage_records(gateway: Gateway, model: str, expected: int = 1, *, timeout: float = 10.0) -> list[dict[str, Any]]:
    """The usage records of ``model`` from ``GET /admin/usage`` once ``expected`` are there (written in
    batches)."""
    deadline = time.monotonic() + timeout
    while True:
        response = httpx2.get(f"{gateway.url}/admin/usage", params={"model": model}, timeout=10)
        assert response.status_code == 200, response.text
        records: list[dict[str, Any]] = response.json()["data"]
        if len(records) >= expected or time.monotonic() > deadline:
            assert len(records) == expected, f"expected {expected} usage records of {model}, found {records}"
            return records
        time.sleep(0.1)


def eventually(check: Callable[[], bool], *, timeout: float = 5.0) -> None:
    """Wait until ``check()`` holds (what is reported once an answer has ended is reported in the
    background)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{check} did not hold within {timeout} s"
        time.sleep(0.02)
