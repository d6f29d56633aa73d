"""Pool routing through the real gateway: priority tiers (a less preferred tier answers only when the
preferred one cannot), ``fallbacks`` answering when a pool is exhausted, aliases, and wildcard routes
(``fault/*``) that send the rest of the requested name upstream as the model. One pool set per client
dialect, so each case starts clean."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.faults import FaultUpstream
from tests.gateway import PROVIDERS, Gateway
from tests.resilience.clients import Clients
from tests.resilience.conftest import clients_for, started
from tests.resilience.pools import DOWN, TRANSLATED_UPSTREAM, gateway_config, healthy_text, member, member_id
from tests.upstream import DIALECTS, UPSTREAM_KEY, Dialect

MODES = ("json", "stream")


def wildcard(faults: FaultUpstream, name: str, **extra: Any) -> dict[str, Any]:
    """A wildcard route to the fault upstream's chat endpoint: the rest of the name is the spec."""
    return {"name": name, "provider": PROVIDERS["chat"], "base_url": faults.base_url("chat"),
            "api_key": UPSTREAM_KEY, **extra}


def pools_for(faults: FaultUpstream, client: Dialect) -> list[dict[str, Any]]:
    other = TRANSLATED_UPSTREAM[client]
    tiers, preferred, aliased = f"tiers/{client}", f"preferred/{client}", f"aliased/{client}"
    backup = f"backup/{client}"
    exhausted = [  # one pool per mode, each falling back to the same backup
        entry for mode in MODES for entry in (
            member(faults, f"primary/{client}/{mode}", "status-503", client, fallbacks=[backup]),
            member(faults, f"primary/{client}/{mode}", DOWN, other),
        )
    ]
    return [
        *exhausted,
        member(faults, tiers, "status-500", client, tag="a"),
        member(faults, tiers, "status-502", other, tag="b"),
        member(faults, tiers, "ok", client, priority=1),
        # Listed first but less preferred: with the ordered strategy only its priority keeps it idle.
        member(faults, preferred, "ok", client, tag="backup", priority=1),
        member(faults, preferred, "ok", client, tag="main"),
        member(faults, backup, "ok", other),
        member(faults, aliased, "status-500", client, aliases=[f"nick/{client}"]),
        member(faults, aliased, "ok", client),
        wildcard(faults, f"shaky-{client}/*", fallbacks=[backup]),
    ]


@pytest.fixture(scope="module")
def gateway(faults: FaultUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    workdir = tmp_path_factory.mktemp("pools")
    models = [entry for client in DIALECTS for entry in pools_for(faults, client)] + [wildcard(faults, "fault/*")]
    with started(Gateway(workdir, gateway_config(models, workdir / "usage.db"), name="pools-gateway")) as running:
        yield running


@pytest.fixture(scope="module")
def clients(gateway: Gateway) -> Iterator[Clients]:
    with clients_for(gateway) as made:
        yield made


@pytest.mark.parametrize("client", DIALECTS)
def test_the_next_tier_answers_when_the_preferred_one_fails(client: Dialect, faults: FaultUpstream,
                                                            clients: Clients) -> None:
    pool = f"tiers/{client}"
    reply = clients.ask(client, pool)
    assert reply.deployment == member_id(pool, "ok")
    assert reply.text == healthy_text(client, False)
    failed = (member_id(pool, "status-500", "a"), member_id(pool, "status-502", "b"))
    assert [faults.count(model=name) for name in failed] == [1, 1]  # both of tier 0 first, once each


@pytest.mark.parametrize("client", DIALECTS)
def test_a_less_preferred_tier_stays_idle_while_the_preferred_one_answers(client: Dialect, faults: FaultUpstream,
                                                                          clients: Clients) -> None:
    pool = f"preferred/{client}"
    answered = {clients.ask(client, pool, stream=stream).deployment for stream in (False, True, False)}
    assert answered == {member_id(pool, "ok", "main")}
    assert faults.count(model=member_id(pool, "ok", "backup")) == 0


@pytest.mark.parametrize("client", DIALECTS)
@pytest.mark.parametrize("mode", MODES)
def test_a_fallback_answers_when_the_pool_is_exhausted(client: Dialect, mode: str, faults: FaultUpstream,
                                                       clients: Clients) -> None:
    primary = f"primary/{client}/{mode}"
    reply = clients.ask(client, primary, stream=mode == "stream")
    assert reply.deployment == member_id(f"backup/{client}", "ok")
    assert reply.text == healthy_text(TRANSLATED_UPSTREAM[client], mode == "stream")
    # Its own pool was tried in full first: each member, then the answering one again (routing.retries: 1).
    assert faults.count(model=member_id(primary, "status-503")) == 2


@pytest.mark.parametrize("client", DIALECTS)
def test_an_alias_reaches_the_whole_pool(client: Dialect, faults: FaultUpstream, clients: Clients) -> None:
    pool = f"aliased/{client}"
    reply = clients.ask(client, f"nick/{client}")
    assert reply.deployment == member_id(pool, "ok")
    assert [faults.count(model=member_id(pool, spec)) for spec in ("status-500", "ok")] == [1, 1]


@pytest.mark.parametrize("client", DIALECTS)
@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_a_wildcard_route_sends_the_rest_of_the_name_upstream(client: Dialect, stream: bool, faults: FaultUpstream,
                                                              clients: Clients) -> None:
    upstream_model = f"ok@wild-{client}-{stream}"
    reply = clients.ask(client, f"fault/{upstream_model}", stream=stream)
    assert reply.deployment == "fault/*#0"
    assert reply.text == healthy_text("chat", stream)
    (seen,) = [seen for seen in faults.requests if seen.tag == f"wild-{client}-{stream}"]
    assert (seen.model, seen.dialect) == (upstream_model, "chat")


@pytest.mark.parametrize("client", DIALECTS)
def test_a_wildcard_route_falls_back(client: Dialect, faults: FaultUpstream, clients: Clients) -> None:
    reply = clients.ask(client, f"shaky-{client}/status-500@shaky-{client}")
    assert reply.deployment == member_id(f"backup/{client}", "ok")
    assert faults.count(model=f"status-500@shaky-{client}") == 2  # tried, and once more, before the fallback
