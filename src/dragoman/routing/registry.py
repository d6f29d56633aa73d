"""Model names → deployments. Several config entries with one name form a pool.

Balancing, failover and cooldowns come with the routing issue; for now members of a pool take turns.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from dragoman.canonical.errors import InvalidRequest, NotFound
from dragoman.config import Config, DeploymentConfig


@dataclass(slots=True)
class Pool:
    name: str
    members: list[DeploymentConfig]
    _turns: Iterator[DeploymentConfig]

    def pick(self) -> DeploymentConfig:
        return next(self._turns)


class ModelRegistry:
    def __init__(self, config: Config) -> None:
        grouped: dict[str, list[DeploymentConfig]] = {}
        for deployment in config.models:
            grouped.setdefault(deployment.name, []).append(deployment)
        self.pools = {name: Pool(name, members, itertools.cycle(members)) for name, members in grouped.items()}
        self.default_model = config.default_model

    @property
    def names(self) -> list[str]:
        return list(self.pools)

    def resolve(self, requested: str) -> DeploymentConfig:
        name = requested or self.default_model
        if not name:
            raise InvalidRequest("'model' is required (no default_model is configured)", param="model")
        pool = self.pools.get(name)
        if pool is None:
            raise NotFound(self._unknown_model_message(name), param="model", code="model_not_found")
        return pool.pick()

    def _unknown_model_message(self, name: str) -> str:
        if not self.pools:
            return (
                f"The model {name!r} does not exist: no model is configured. Start dragoman with a config "
                "file (dragoman serve --config dragoman.yaml) that lists models; see README."
            )
        return f"The model {name!r} does not exist. Configured models: {', '.join(self.pools)}"
