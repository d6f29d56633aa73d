"""Noticing that a client went away while dragoman is still waiting on an upstream for it.

Once a request's body has been read, the only message the server can still receive for it is the client's
disconnect. Waiting for that message next to the work on the answer lets the work (and with it the upstream
request) be cancelled at once, instead of running to the end for nobody. Streams that have started are
cancelled by the server itself when their client goes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any, TypeVar

from starlette.requests import Request as HTTPRequest

T = TypeVar("T")


class ClientDisconnected(Exception):
    """The client closed its connection before its answer was ready."""


async def _disconnect(http_request: HTTPRequest) -> None:
    receive = http_request.receive
    while (await receive())["type"] != "http.disconnect":
        pass


async def until_disconnected(http_request: HTTPRequest, work: Coroutine[Any, Any, T]) -> T:
    """The result of ``work``, or ``ClientDisconnected`` (with ``work`` cancelled) if the client goes first."""
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_disconnect(http_request))
    try:
        await asyncio.wait((task, watcher), return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    raise ClientDisconnected
