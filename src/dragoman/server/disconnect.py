"""Noticing that a client went away while dragoman is still waiting on an upstream for it.

Once a request's body has been read, the only message the server can still receive for it is the client's
disconnect. A watcher waiting for that message cancels the work on the answer (and with it the upstream
request) at once, instead of letting it run to the end for nobody. Streams that have started are cancelled
by the server itself when their client goes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from starlette.requests import Request as HTTPRequest

T = TypeVar("T")


class ClientDisconnected(Exception):
    """The client closed its connection before its answer was ready."""


async def _cancel_on_disconnect(http_request: HTTPRequest, worker: asyncio.Task[object], left: list[bool]) -> None:
    receive = http_request.receive
    while (await receive())["type"] != "http.disconnect":
        pass
    left.append(True)
    worker.cancel()


async def until_disconnected(http_request: HTTPRequest, work: Awaitable[T]) -> T:
    """``await work`` in the current task, or ``ClientDisconnected`` (the work cancelled) if the client goes
    first. One watcher task per request; the work itself does not get a task of its own."""
    current = asyncio.current_task()
    assert current is not None
    left: list[bool] = []
    watcher = asyncio.get_running_loop().create_task(_cancel_on_disconnect(http_request, current, left))
    try:
        return await work
    except asyncio.CancelledError:
        if left and current.uncancel() == 0:
            raise ClientDisconnected from None
        raise
    finally:
        watcher.cancel()
