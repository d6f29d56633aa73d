"""One request to the embedded model: its parameters, its meter, and the channel its output travels on
from the worker thread to the event loop."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Final

from dragoman.canonical.errors import GatewayError
from dragoman.providers.local.meter import Meter
from dragoman.providers.local.params import ChatParams


@dataclass(frozen=True, slots=True)
class Failure:
    """The request failed; before any output this becomes the answer's status, after it an error record."""

    error: GatewayError


class End:
    """Nothing more will come."""


END: Final = End()
Item = bytes | Failure | End


class Channel:
    """Items put by the worker thread, awaited on the event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._queue: asyncio.Queue[Item] = asyncio.Queue()

    def put(self, item: Item) -> None:
        with contextlib.suppress(RuntimeError):  # the event loop is closed: nobody is waiting any more
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)

    async def get(self, timeout: float) -> Item:
        """The next item; ``TimeoutError`` when none comes within ``timeout`` seconds."""
        return await asyncio.wait_for(self._queue.get(), timeout)


@dataclass(eq=False, slots=True)
class Job:
    params: ChatParams
    channel: Channel
    meter: Meter = field(default_factory=Meter)

    def cancel(self) -> None:
        """Stop generating (between two tokens), or skip the job if it has not started."""
        self.meter.cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self.meter.cancelled.is_set()
