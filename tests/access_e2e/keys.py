"""Keys and usage through the admin API, as an operator's script would use them."""

from __future__ import annotations

import time
from typing import Any

import httpx2

MASTER_KEY = "master-key-for-tests-0123456789"
ADMIN = {"authorization": f"Bearer {MASTER_KEY}"}


def create_key(url: str, name: str, **fields: Any) -> tuple[str, dict[str, Any]]:
    """A new key; returns its secret (shown only here) and its public description."""
    response = httpx2.post(f"{url}/admin/keys", json={"name": name, **fields}, headers=ADMIN, timeout=10)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["secret"].startswith("dk-")
    return body["secret"], body["key"]


def revoke_key(url: str, key_id: str) -> None:
    response = httpx2.delete(f"{url}/admin/keys/{key_id}", headers=ADMIN, timeout=10)
    assert response.status_code == 200, response.text


def usage(url: str, headers: dict[str, str] = ADMIN, **filters: str) -> httpx2.Response:
    return httpx2.get(f"{url}/admin/usage", params=filters, headers=headers, timeout=10)


def wait_for_records(url: str, expected: int, *, timeout: float = 10.0, **filters: str) -> dict[str, Any]:
    """Poll ``/admin/usage`` until ``expected`` records match (records are written in batches)."""
    deadline = time.monotonic() + timeout
    while True:
        response = usage(url, **filters)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["total"] >= expected or time.monotonic() > deadline:
            assert body["total"] == expected, f"expected {expected} usage records, found {body['total']}: {body}"
            return body
        time.sleep(0.1)
