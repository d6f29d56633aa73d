"""Authentication and admission of one request: who is calling, may they use this model, are they within
their limits, and — once the request ended — what it used.

Modes: with a master key (config ``auth.master_key`` or ``DRAGOMAN_MASTER_KEY``) every request needs the
master key or a valid ``dk-`` key; without one dragoman is open (any or no key), though a valid ``dk-`` key
presented in open mode still gets its limits applied and its usage attributed.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from dragoman.access.keys import SECRET_PREFIX, ApiKey, KeyLimits, hash_secret
from dragoman.access.limiter import Admission, Limiter, LimitSnapshot, RefusalReason
from dragoman.canonical.errors import AuthenticationFailed, PermissionDenied, RateLimited
from dragoman.store.base import Store

_BEARER = "bearer "


@dataclass(slots=True, frozen=True)
class Principal:
    """Who a request comes from: a key, the master key, or nobody in particular (open mode)."""

    key: ApiKey | None = None
    master: bool = False

    @property
    def key_id(self) -> str | None:
        return self.key.id if self.key is not None else None

    @property
    def limits(self) -> KeyLimits | None:
        return self.key.limits if self.key is not None and self.key.limits.any else None


ANONYMOUS = Principal()
MASTER = Principal(master=True)


class LimitExceeded(RateLimited):
    """429 with the snapshot its rate-limit headers are made from."""

    def __init__(self, message: str, *, snapshot: LimitSnapshot, retry_after: float | None, code: str) -> None:
        super().__init__(message, retry_after=retry_after, code=code)
        self.snapshot = snapshot


@dataclass(slots=True)
class Ticket:
    """An admitted request's claim on its key's limits, returned through ``settle`` when it ends."""

    principal: Principal
    admission: Admission
    estimated_tokens: int
    settled: bool = field(default=False)


def presented_secret(headers: Mapping[str, str]) -> str | None:
    """The key a client sent: ``Authorization: Bearer …`` (OpenAI SDKs) or ``x-api-key`` (Anthropic SDKs)."""
    authorization = headers.get("authorization")
    if authorization and authorization[: len(_BEARER)].lower() == _BEARER:
        return authorization[len(_BEARER):].strip() or None
    return headers.get("x-api-key") or None


class AccessControl:
    def __init__(
        self,
        *,
        master_key: str | None,
        store: Store,
        limiter: Limiter,
        key_cache_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._master_key = master_key.encode() if master_key else None
        self.store = store
        self.limiter = limiter
        self._cache_seconds = key_cache_seconds
        self._clock = clock
        self._cache: dict[str, tuple[float, ApiKey | None]] = {}

    @property
    def open(self) -> bool:
        return self._master_key is None

    def is_master(self, secret: str | None) -> bool:
        return (
            self._master_key is not None
            and secret is not None
            and hmac.compare_digest(secret.encode(), self._master_key)
        )

    async def authenticate(self, headers: Mapping[str, str]) -> Principal:
        secret = presented_secret(headers)
        if self.is_master(secret):
            return MASTER
        key = await self._lookup(secret) if secret and secret.startswith(SECRET_PREFIX) else None
        if self.open:
            return Principal(key=key) if key is not None and self._usable(key) is None else ANONYMOUS
        if secret is None:
            raise AuthenticationFailed(
                "Missing API key: send it as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.",
                code="missing_api_key",
            )
        if key is None:
            raise AuthenticationFailed(f"Invalid API key: {_redacted(secret)}", code="invalid_api_key")
        if (problem := self._usable(key)) is not None:
            raise AuthenticationFailed(problem, code="invalid_api_key")
        return Principal(key=key)

    def authorize_model(self, principal: Principal, model: str) -> None:
        key = principal.key
        if key is not None and not key.allows_model(model):
            allowed = ", ".join(key.models or ()) or "none"
            raise PermissionDenied(
                f"The API key {key.prefix}… may not use the model {model!r} (allowed: {allowed}).",
                param="model", code="model_not_allowed",
            )

    async def admit(self, principal: Principal, estimated_tokens: int) -> Ticket | None:
        """Count the request against its key's limits; ``LimitExceeded`` when one is reached. ``None``: the
        request is under no limit (master key, open mode, or a key without limits)."""
        key, limits = principal.key, principal.limits
        if key is None:
            return None
        if limits is None:
            # A key with no limits still needs the revocation check that admission carries for all replicas.
            limits = KeyLimits()
        admission = await self.limiter.admit(key.id, limits, estimated_tokens)
        if admission.allowed:
            return Ticket(principal, admission, estimated_tokens)
        if admission.reason == "revoked":
            self.forget(key.id)
            raise AuthenticationFailed(f"The API key {key.prefix}… has been revoked.", code="invalid_api_key")
        raise LimitExceeded(
            _refusal_message(key, limits, admission.reason),
            snapshot=admission.snapshot,
            retry_after=admission.retry_after,
            code="budget_exceeded" if admission.reason == "budget" else "rate_limit_exceeded",
        )

    async def settle(self, ticket: Ticket | None, *, actual_tokens: int, cost_usd: float) -> None:
        if ticket is None or ticket.settled or ticket.admission.lease is None or ticket.principal.key is None:
            return
        ticket.settled = True
        key = ticket.principal.key
        await self.limiter.settle(
            key.id, key.limits, ticket.admission.lease,
            estimated_tokens=ticket.estimated_tokens, actual_tokens=actual_tokens, cost_usd=cost_usd,
        )

    async def revoke(self, key_id: str) -> ApiKey | None:
        revoked = await self.store.revoke_key(key_id, datetime.now(UTC))
        if revoked is not None:
            await self.limiter.revoke(key_id)
        self.forget(key_id)
        return revoked

    def forget(self, key_id: str) -> None:
        """Drop a key from this replica's cache (after it changed), so the next request reads it again."""
        for secret_hash, (_, cached) in list(self._cache.items()):
            if cached is not None and cached.id == key_id:
                del self._cache[secret_hash]

    async def _lookup(self, secret: str) -> ApiKey | None:
        secret_hash = hash_secret(secret)
        now = self._clock()
        cached = self._cache.get(secret_hash)
        if cached is not None and now - cached[0] < self._cache_seconds:
            return cached[1]
        key = await self.store.find_key_by_hash(secret_hash)
        # The lookup is by hash; comparing the hashes again in constant time keeps timing independent of how
        # much of a guessed secret matched, whatever the database's index does.
        if key is not None and not hmac.compare_digest(key.secret_hash, secret_hash):
            key = None
        if len(self._cache) > 100_000:
            self._cache.clear()
        self._cache[secret_hash] = (now, key)
        return key

    @staticmethod
    def _usable(key: ApiKey) -> str | None:
        if key.revoked_at is not None:
            return f"The API key {key.prefix}… has been revoked."
        if key.is_expired(datetime.now(UTC)):
            return f"The API key {key.prefix}… expired at {key.expires_at:%Y-%m-%d %H:%M UTC}."
        return None


def _redacted(secret: str) -> str:
    return secret[:6] + "…" if len(secret) > 10 else "…"


def _refusal_message(key: ApiKey, limits: KeyLimits, reason: RefusalReason | None) -> str:
    who = f"the API key {key.name!r} ({key.prefix}…)"
    match reason:
        case "rpm":
            return f"Rate limit reached for {who}: {limits.rpm} requests per minute."
        case "tpm":
            return f"Rate limit reached for {who}: {limits.tpm} tokens per minute."
        case "parallel":
            return f"Too many concurrent requests for {who}: at most {limits.max_parallel} at a time."
        case "budget":
            return f"Budget exhausted for {who}: ${limits.budget_usd:g} per {limits.budget_period or 'month'}."
        case _:
            return f"Request refused for {who}."
