"""API keys: how secrets are made, stored (only a hash and a short prefix) and described."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

SECRET_PREFIX = "dk-"
DISPLAY_PREFIX_LENGTH = 11  # "dk-" and 8 characters of the secret: enough to tell keys apart in a list

BudgetPeriod = Literal["day", "month"]


def new_secret() -> str:
    """A fresh key secret, ``dk-`` followed by 43 URL-safe characters (256 bits)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """The stored form of a secret. Secrets carry 256 random bits, so a plain SHA-256 cannot be brute-forced
    and keeps the per-request lookup cheap (a slow password hash would cost every request milliseconds)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def display_prefix(secret: str) -> str:
    return secret[:DISPLAY_PREFIX_LENGTH]


def new_key_id() -> str:
    return "key_" + secrets.token_hex(8)


@dataclass(slots=True, frozen=True)
class KeyLimits:
    """What one key may do. ``None`` means unlimited."""

    rpm: int | None = None
    tpm: int | None = None
    max_parallel: int | None = None
    budget_usd: float | None = None
    budget_period: BudgetPeriod | None = None

    @property
    def any(self) -> bool:
        return any(value is not None for value in (self.rpm, self.tpm, self.max_parallel, self.budget_usd))


@dataclass(slots=True, frozen=True)
class ApiKey:
    id: str
    name: str
    prefix: str
    secret_hash: str
    created_at: datetime
    models: tuple[str, ...] | None = None  # None: every model
    limits: KeyLimits = field(default_factory=KeyLimits)
    expires_at: datetime | None = None
    revoked_at: datetime | None = None

    def allows_model(self, model: str) -> bool:
        return self.models is None or model in self.models

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    def public(self) -> dict[str, object]:
        """The key as the admin API and the CLI show it: never the hash, never the secret."""
        return {
            "id": self.id,
            "name": self.name,
            "prefix": self.prefix,
            "models": list(self.models) if self.models is not None else None,
            "rpm": self.limits.rpm,
            "tpm": self.limits.tpm,
            "max_parallel": self.limits.max_parallel,
            "budget_usd": self.limits.budget_usd,
            "budget_period": self.limits.budget_period,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "created_at": self.created_at.isoformat(),
        }
