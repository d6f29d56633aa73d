"""The requests real clients were captured sending (../shared/fixtures/clients, read in place)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from tests.gateway import CLIENT_KEY
from tests.paths import FIXTURES

CLIENTS = FIXTURES / "clients"
# Hop-by-hop and framing headers the HTTP client sets itself.
FRAMING_HEADERS = {"host", "content-length", "connection", "accept-encoding", "transfer-encoding"}


@dataclass(frozen=True, slots=True)
class Captured:
    index: int
    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    body: dict[str, Any] | None
    client: str

    def replay_headers(self) -> dict[str, str]:
        """The client's headers with our test key in place of ``<API_KEY>``, framing headers left out."""
        return {name: value.replace("<API_KEY>", CLIENT_KEY) for name, value in self.headers
                if name.lower() not in FRAMING_HEADERS}

    @property
    def label(self) -> str:
        return f"{self.index}-{self.client}-{self.path.rsplit('/', 1)[-1]}"


@functools.cache
def captured(name: str) -> tuple[Captured, ...]:
    requests = []
    for index, line in enumerate((CLIENTS / name).read_text().splitlines()):
        if not line.strip():
            continue
        raw = json.loads(line)
        body = json.loads(raw["body"]) if raw["body"] else None
        requests.append(Captured(index, raw["method"], raw["path"], raw["query"] or "",
                                 tuple((name, value) for name, value in raw["headers"]), body, raw["client"]))
    return tuple(requests)


def posts(name: str) -> list[Captured]:
    return [request for request in captured(name) if request.method == "POST"]


def body_of(name: str, client: str, position: int = 0) -> dict[str, Any]:
    """A deep copy of the body of the ``position``-th POST a captured client variant sent."""
    bodies = [request.body for request in posts(name) if request.client == client and request.body is not None]
    copied: dict[str, Any] = json.loads(json.dumps(bodies[position]))
    return copied
