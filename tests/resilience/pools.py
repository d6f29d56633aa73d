"""Config entries for pools of fault-injecting members, and the gateway config around them.

A member's upstream ``model`` is ``<spec>@<pool>`` (``status-500@failover/...``): the spec tells the fault
upstream what to do (``tests/faults/behaviours.py``), the pool name after ``@`` makes every member's requests
countable on their own. The member's ``id`` (what ``x-dragoman-deployment`` names) is the same string.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.outcome import of_answer
from tests.faults import FaultUpstream, closed_port_url
from tests.faults.server import normal_answer
from tests.gateway import PROVIDERS
from tests.upstream import UPSTREAM_KEY, Dialect

DOWN = "down"  # not a fault spec: the member's base_url is a closed port
HANG_SECONDS = 0.1  # first_token_timeout of a hanging member
# Relayed: the upstream speaks the client's dialect. Translated: another one (each upstream dialect once).
ROUTES = ("relayed", "translated")
TRANSLATED_UPSTREAM: dict[Dialect, Dialect] = {"chat": "anthropic", "responses": "chat", "anthropic": "responses"}
ROUTING = {
    "strategy": "ordered",  # members in config order: the faulty one is tried first
    "retries": 1,
    "retry_deadline": 10,
    "backoff_base": 0.01,
    "backoff_max": 0.05,
    "cooldown_after_failures": 2,
    "cooldown_seconds": 1.0,
    "shutdown_grace_seconds": 10,
}


def upstream_dialect(client: Dialect, route: str) -> Dialect:
    return client if route == "relayed" else TRANSLATED_UPSTREAM[client]


def member_id(pool: str, spec: str, tag: str = "") -> str:
    """``tag`` tells apart members of one pool that behave alike."""
    return f"{spec}@{pool}{'~' + tag if tag else ''}"


def member(faults: FaultUpstream, pool: str, spec: str, dialect: Dialect, *, tag: str = "",
           **extra: Any) -> dict[str, Any]:
    """One member of ``pool`` speaking ``dialect`` that behaves as ``spec`` says (or is ``down``)."""
    if spec == DOWN:
        base_url = closed_port_url() + ("" if dialect == "anthropic" else "/v1")
    else:
        base_url = faults.base_url(dialect)
    name = member_id(pool, spec, tag)
    entry: dict[str, Any] = {"name": pool, "provider": PROVIDERS[dialect], "base_url": base_url,
                             "api_key": UPSTREAM_KEY, "model": name, "id": name}
    if spec == "hang":
        entry["first_token_timeout"] = HANG_SECONDS
    return {**entry, **extra}


def gateway_config(models: list[dict[str, Any]], storage: Path, **routing: Any) -> dict[str, Any]:
    """Open mode (the admin API answers loopback), usage flushed every 0.2 s to ``storage`` (SQLite)."""
    return {"models": models, "storage": str(storage), "usage": {"flush_interval": 0.2},
            "routing": {**ROUTING, **routing}}


def healthy_text(dialect: Dialect, stream: bool) -> str:
    """The text of the answer a healthy (``ok``) member of ``dialect`` gives."""
    return of_answer(dialect, normal_answer(dialect, stream)).text
