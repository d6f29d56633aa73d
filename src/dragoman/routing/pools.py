"""Model names → pools of members: configured names, their aliases, wildcard routes and discovered models.

Every config entry is a member of the pool its ``name`` names. A member's id (the ``x-dragoman-deployment``
header, the admin view, the key of its shared health) is its configured ``id``, else ``<name>#<position in
the pool>``. Lookup order: a configured name, an alias, a discovered name (configured names and aliases win
over discovered ones), then the wildcard route with the longest prefix (``anthropic/*`` takes
``anthropic/claude-x`` and sends ``claude-x`` upstream).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field

from dragoman.config import DeploymentConfig, RoutingConfig
from dragoman.routing.stats import MemberStats
from dragoman.routing.strategies import Strategy, make_strategy


@dataclass(eq=False, slots=True)
class Member:
    id: str
    deployment: DeploymentConfig  # with ``id`` filled in
    stats: MemberStats = field(default_factory=MemberStats)
    discovered: bool = False

    @property
    def pool(self) -> str:
        return self.deployment.name

    @property
    def weight(self) -> float:
        return self.deployment.weight

    @property
    def priority(self) -> int:
        return self.deployment.priority


@dataclass(eq=False, slots=True)
class Pool:
    name: str
    members: list[Member]
    strategy: Strategy
    fallbacks: tuple[str, ...] = ()
    tiers: list[list[Member]] = field(init=False)
    """Members grouped by priority, most preferred first; config order within a tier."""

    def __post_init__(self) -> None:
        levels = sorted({member.priority for member in self.members})
        self.tiers = [[member for member in self.members if member.priority == level] for level in levels]

    @property
    def wildcard(self) -> bool:
        return self.members[0].deployment.is_wildcard

    @property
    def prefix(self) -> str:
        return self.name[:-1] if self.wildcard else self.name


def _group(deployments: Iterable[DeploymentConfig]) -> dict[str, list[DeploymentConfig]]:
    grouped: dict[str, list[DeploymentConfig]] = {}
    for deployment in deployments:
        grouped.setdefault(deployment.name, []).append(deployment)
    return grouped


class PoolTable:
    def __init__(self, deployments: Iterable[DeploymentConfig], routing: RoutingConfig, rng: random.Random) -> None:
        self._routing = routing
        self._rng = rng
        self.configured = self._build(_group(deployments), taken=set(), previous={}, discovered=False)
        self.discovered: dict[str, Pool] = {}
        self._index()

    def set_discovered(self, deployments: Iterable[DeploymentConfig]) -> None:
        """Replace the discovered pools. Names (and aliases) that are configured stay configured."""
        shadowed = set(self.configured) | {alias for pool in self.configured.values()
                                           for member in pool.members for alias in member.deployment.aliases}
        grouped = {name: entries for name, entries in _group(deployments).items() if name not in shadowed}
        previous = {member.id: member for pool in self.discovered.values() for member in pool.members}
        taken = {member.id for pool in self.configured.values() for member in pool.members}
        self.discovered = self._build(grouped, taken=taken, previous=previous, discovered=True)
        self._index()

    def _build(self, grouped: dict[str, list[DeploymentConfig]], *, taken: set[str],
               previous: dict[str, Member], discovered: bool) -> dict[str, Pool]:
        pools: dict[str, Pool] = {}
        for name, entries in grouped.items():
            members: list[Member] = []
            for position, deployment in enumerate(entries):
                member_id = deployment.id or f"{name}#{position}"
                while member_id in taken:
                    member_id += "'"
                taken.add(member_id)
                configured = deployment.model_copy(update={"id": member_id})
                kept = previous.get(member_id)
                stats = kept.stats if kept is not None else MemberStats()
                members.append(Member(member_id, configured, stats, discovered))
            strategy = next((entry.strategy for entry in entries if entry.strategy), self._routing.strategy)
            fallbacks = next((entry.fallbacks for entry in entries if entry.fallbacks is not None), [])
            pools[name] = Pool(name, members, make_strategy(strategy, self._rng), tuple(fallbacks))
        return pools

    def _index(self) -> None:
        self._aliases: dict[str, Pool] = {}
        for pools in (self.discovered, self.configured):  # configured last: its aliases win
            for pool in pools.values():
                for member in pool.members:
                    for alias in member.deployment.aliases:
                        self._aliases[alias] = pool
        every = [*self.configured.values(), *self.discovered.values()]
        self._wildcards = sorted((pool for pool in every if pool.wildcard), key=lambda pool: -len(pool.prefix))
        self._members = {member.id: member for pool in every for member in pool.members}

    @property
    def names(self) -> list[str]:
        return [*self.configured, *self.discovered]

    @property
    def aliases(self) -> dict[str, str]:
        """Alias → the pool name it stands for."""
        return {alias: pool.name for alias, pool in self._aliases.items()}

    def members(self) -> list[Member]:
        return list(self._members.values())

    def member(self, member_id: str) -> Member | None:
        return self._members.get(member_id)

    def lookup(self, name: str) -> tuple[Pool, str | None] | None:
        """The pool for ``name`` and, for a wildcard route, the upstream model (the rest of the name)."""
        pool = self.configured.get(name) or self._aliases.get(name) or self.discovered.get(name)
        if pool is not None and not pool.wildcard:
            return pool, None
        for wildcard in self._wildcards:
            if name.startswith(wildcard.prefix) and len(name) > len(wildcard.prefix):
                return wildcard, name[len(wildcard.prefix):]
        return None
