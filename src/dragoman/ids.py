"""Identifiers for objects dragoman creates itself (when the upstream gave none in the client's style)."""

from __future__ import annotations

import secrets
import time


def new_id(prefix: str) -> str:
    """``prefix`` + 24 random URL-safe alphanumerics, e.g. ``msg_`` or ``chatcmpl-``."""
    return prefix + secrets.token_hex(12)


def now() -> int:
    return int(time.time())
