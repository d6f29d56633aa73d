"""Account affinity: send a request back to the member whose answer it builds on, when that member is healthy.

Some things in a conversation only the account (or provider) that produced them can use: a Responses id the
client continues from (``previous_response_id``), OpenAI encrypted reasoning (``encrypted_content``, bound to
the organisation), an Anthropic thinking ``signature`` or ``redacted_thinking`` data (which another provider,
e.g. a Bedrock or Vertex member of a mixed pool, rejects). After an answer, the caller remembers which member
produced each of them (``response_keys``, or ``StreamKeys`` over a stream's events); before routing a request,
``preferred_member`` finds the member that produced the newest one the request carries, and the router tries
that member first when it can take the request (``Router.resolve(..., preferred=...)``).

Keys are ``resp:<id>``, ``item:<id>`` (a Responses reasoning item's id: OpenAI re-encrypts the same item in
``output_item.added``, ``output_item.done`` and ``response.completed``, so a client may send back any of three
different ``encrypted_content`` values, but always the same id) and ``proof:<digest>`` (a 128-bit BLAKE2b
digest of a proof, which can be kilobytes).
``MemoryAffinity`` keeps the newest ``affinity_max_entries`` for ``affinity_ttl_seconds``;
``dragoman.routing.redis_affinity.RedisAffinity`` shares them between replicas with the same TTL.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from dragoman.canonical.content import Part, ReasoningPart
from dragoman.canonical.events import BlockStart, ReasoningSignature, StreamEvent, StreamStart
from dragoman.canonical.request import Request
from dragoman.canonical.response import Response
from dragoman.routing.retry import Clock

RESPONSES_DIALECT = "openai_responses"  # the only dialect whose answer ids a later request can name


def _proof_key(value: str) -> str:
    return "proof:" + hashlib.blake2b(value.encode(), digest_size=16).hexdigest()


def _unique(keys: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(keys))


def _part_keys(parts: Iterable[Part]) -> Iterable[str]:
    for part in parts:
        if isinstance(part, ReasoningPart):
            if part.id:
                yield "item:" + part.id
            for proof in (part.signature, part.encrypted, part.redacted_data):
                if proof:
                    yield _proof_key(proof)


def request_keys(request: Request, body: Mapping[str, Any] | None = None) -> list[str]:
    """What in this request only its producer can use, newest first. ``body``: the client's parsed JSON,
    for ``previous_response_id`` (which the canonical request does not carry)."""
    keys: list[str] = []
    previous = body.get("previous_response_id") if body is not None else None
    if isinstance(previous, str) and previous:
        keys.append("resp:" + previous)
    for message in reversed(request.messages):
        if message.role == "assistant":
            keys.extend(_part_keys(reversed(message.content)))
    return _unique(keys)


def response_keys(response: Response, upstream_dialect: str) -> list[str]:
    """What in this (non-streamed) answer a later request may bring back."""
    keys = ["resp:" + response.id] if upstream_dialect == RESPONSES_DIALECT and response.id else []
    return _unique([*keys, *_part_keys(response.content)])


class StreamKeys:
    """Collects ``response_keys`` from a stream's canonical events, as they pass."""

    __slots__ = ("_dialect", "keys")

    def __init__(self, upstream_dialect: str) -> None:
        self._dialect = upstream_dialect
        self.keys: list[str] = []

    def observe(self, event: StreamEvent) -> None:
        match event:
            case StreamStart(id=answer_id) if answer_id and self._dialect == RESPONSES_DIALECT:
                self.keys.append("resp:" + answer_id)
            case BlockStart(kind="reasoning", item_id=item_id, redacted_data=data):
                if item_id:
                    self.keys.append("item:" + item_id)
                if data:
                    self.keys.append(_proof_key(data))
            case ReasoningSignature(signature=proof) if proof:
                self.keys.append(_proof_key(proof))
            case _:
                pass


class AffinityStore(Protocol):
    async def remember(self, keys: Sequence[str], member_id: str) -> None: ...

    async def recall(self, keys: Sequence[str]) -> str | None:
        """The member remembered for the first of ``keys`` that is known."""
        ...

    async def close(self) -> None: ...


async def preferred_member(store: AffinityStore, request: Request, body: Mapping[str, Any] | None = None) -> str | None:
    """The member that produced the newest thing in ``request`` only it can use, if remembered."""
    keys = request_keys(request, body)
    return await store.recall(keys) if keys else None


class MemoryAffinity:
    """An LRU of ``max_entries`` keys, each forgotten ``ttl`` seconds after it was last remembered."""

    def __init__(self, *, max_entries: int = 100_000, ttl: float = 86400.0, clock: Clock = time.monotonic) -> None:
        self.max_entries = max_entries
        self.ttl = ttl
        self._clock = clock
        self._entries: OrderedDict[str, tuple[str, float]] = OrderedDict()

    async def remember(self, keys: Sequence[str], member_id: str) -> None:
        expires = self._clock() + self.ttl
        for key in keys:
            self._entries[key] = (member_id, expires)
            self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def recall(self, keys: Sequence[str]) -> str | None:
        now = self._clock()
        for key in keys:
            entry = self._entries.get(key)
            if entry is None:
                continue
            if entry[1] <= now:
                del self._entries[key]
                continue
            self._entries.move_to_end(key)
            return entry[0]
        return None

    async def close(self) -> None:
        self._entries.clear()
