"""Gateways with authentication on, over SQLite and over PostgreSQL (the same tests run against both)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.access_e2e.keys import MASTER_KEY
from tests.conftest import _started
from tests.gateway import Gateway, model_entry
from tests.services import postgres_database
from tests.upstream import FakeUpstream

# $1 per thousand input tokens, $0.10 per thousand cached, $2 per thousand output: big enough that one
# request's cost is visible and exhausts a small budget.
PRICING = {"input_per_mtok": 1000.0, "cached_input_per_mtok": 100.0, "output_per_mtok": 2000.0}


def access_config(upstream_url: str, storage: str, **top_level: Any) -> dict[str, Any]:
    models = [
        model_entry("chat", "text", upstream_url, pricing=PRICING),
        model_entry("chat", "cache-hit", upstream_url, pricing=PRICING),
        model_entry("chat", "paused", upstream_url),
        model_entry("responses", "text", upstream_url, pricing=PRICING),
        model_entry("anthropic", "text", upstream_url, pricing=PRICING),
        model_entry("anthropic", "error-400", upstream_url),
    ]
    return {"models": models, "auth": {"master_key": MASTER_KEY}, "storage": storage,
            "usage": {"flush_interval": 0.2}, **top_level}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def storage(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path_factory.mktemp("sqlite") / "dragoman.db")
    else:
        with postgres_database() as url:
            yield url


@pytest.fixture(scope="module")
def secured(upstream: FakeUpstream, storage: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """A gateway that needs a key, with priced models."""
    config = access_config(upstream.url, storage)
    yield from _started(Gateway(tmp_path_factory.mktemp("secured"), config, name="secured-gateway"))
