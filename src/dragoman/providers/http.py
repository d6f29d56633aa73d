"""HTTP transport to upstreams: one pooled keep-alive aiohttp session shared by every deployment.

``provider: local`` deployments are answered in-process by the embedded model (``dragoman.providers.local``)
behind the same :class:`UpstreamResponse` interface.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Protocol

import aiohttp

from dragoman.config import DeploymentConfig
from dragoman.providers.errors import upstream_exceptions
from dragoman.providers.local import LocalModels


class UpstreamResponse(Protocol):
    """An open upstream answer: status and headers are known, the body is read by the caller."""

    @property
    def status(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def where(self) -> str: ...
    @property
    def timeout(self) -> float: ...
    def retry_after(self) -> float | None: ...
    async def read(self) -> bytes: ...
    def chunks(self) -> AsyncIterator[bytes]: ...
    def close(self) -> None: ...
    def release(self) -> None: ...


class HTTPUpstreamResponse:
    """An open answer of an HTTP upstream (:class:`UpstreamResponse` over aiohttp)."""

    __slots__ = ("_response", "timeout", "where")

    def __init__(self, response: aiohttp.ClientResponse, where: str, timeout: float) -> None:
        self._response = response
        self.where = where
        self.timeout = timeout

    @property
    def status(self) -> int:
        return self._response.status

    @property
    def headers(self) -> Mapping[str, str]:
        return self._response.headers

    def retry_after(self) -> float | None:
        value = self._response.headers.get("retry-after")
        try:
            return float(value) if value is not None else None
        except ValueError:
            return None

    async def read(self) -> bytes:
        with upstream_exceptions(self.where, self.timeout):
            return await self._response.read()

    async def chunks(self) -> AsyncIterator[bytes]:
        with upstream_exceptions(self.where, self.timeout):
            try:
                async for chunk in self._response.content.iter_any():
                    yield chunk
            except aiohttp.ClientError:
                # aiohttp raises as soon as the connection drops, discarding bytes it had already received:
                # hand those on first, so the client gets everything the upstream sent before the error.
                if leftover := _salvage_buffered(self._response.content):
                    yield leftover
                raise

    def close(self) -> None:
        """Drop the connection (a half-read stream cannot go back to the pool)."""
        self._response.close()

    def release(self) -> None:
        self._response.release()


def _salvage_buffered(reader: aiohttp.StreamReader) -> bytes:
    buffered = getattr(reader, "_buffer", None)
    if not buffered:
        return b""
    offset = getattr(reader, "_buffer_offset", 0)
    data = b"".join(bytes(piece) for piece in buffered)[offset:]
    buffered.clear()
    return data


class UpstreamClient:
    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None
        self._local = LocalModels()

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300, keepalive_timeout=30)
        self._session = aiohttp.ClientSession(connector=connector, auto_decompress=True)

    async def close(self) -> None:
        await self._local.close()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def post(
        self, deployment: DeploymentConfig, path: str, body: bytes, headers: Mapping[str, str], *, stream: bool
    ) -> UpstreamResponse:
        """Send ``body``; returns once the status line and headers have arrived.

        ``timeout`` bounds a whole non-streamed answer; ``idle_timeout`` each gap between a stream's chunks.
        """
        if deployment.provider == "local":
            return await self._local.post(deployment, path, body, headers, stream=stream)
        assert self._session is not None, "UpstreamClient.start() was not awaited"
        url = deployment.base_url + path
        where = deployment.id or deployment.name
        timeout = deployment.timeout
        # Streams have no total limit (a long generation is legitimate) but a limit on each silence between
        # chunks; the wait for the first byte is bounded by the caller (``first_token_timeout``).
        client_timeout = (
            aiohttp.ClientTimeout(total=None, connect=deployment.connect_timeout, sock_read=deployment.idle_seconds)
            if stream
            else aiohttp.ClientTimeout(total=timeout, connect=deployment.connect_timeout)
        )
        with upstream_exceptions(where, timeout):
            response = await self._session.post(url, data=body, headers=headers, timeout=client_timeout)
        return HTTPUpstreamResponse(response, where, timeout)
