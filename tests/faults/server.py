"""The fault-injecting upstream: a real aiohttp server on 127.0.0.1, in a thread with its own event loop.

It speaks the three dialects at their usual paths (``/v1/chat/completions``, ``/v1/responses``,
``/v1/messages``, also under ``/fault/<spec>/``) and does what the request's spec says (``behaviours.py``).
Every request is recorded with when it arrived, when its answer was complete, and when the client went
away before that (handlers are cancelled as soon as the connection drops), so tests can assert how many
attempts reached it, which ones, and how fast a cancellation arrived. Times are ``time.monotonic()``.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.faults.behaviours import (
    RESET_DELAY_SECONDS,
    Behaviour,
    Garbage,
    Hang,
    Ok,
    Reset,
    Scripted,
    Slow,
    Stall,
    Status,
    Truncated,
    parse,
    spec_of,
)
from tests.upstream.answers import Body, Dialect, Stream
from tests.upstream.scenarios import answer_for
from tests.upstream.server import anthropic_problem, openai_problem

PATHS: dict[str, Dialect] = {
    "/v1/chat/completions": "chat",
    "/v1/responses": "responses",
    "/v1/messages": "anthropic",
}
ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error", 401: "authentication_error", 403: "permission_error", 404: "not_found_error",
    413: "request_too_large", 429: "rate_limit_error", 529: "overloaded_error",
}


@dataclass(slots=True)
class Seen:
    dialect: Dialect
    path: str
    model: str
    spec: str  # after resolving a script
    stream: bool
    arrived_at: float
    headers: dict[str, str] = field(default_factory=dict)
    finished_at: float | None = None  # the whole answer was sent
    disconnected_at: float | None = None  # the client went away before that

    @property
    def tag(self) -> str | None:
        return self.model.split("@", 1)[1] if "@" in self.model else None


def closed_port_url() -> str:
    """A local URL where nothing listens (connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def error_body(dialect: Dialect, status: int, retry_after: float | None) -> Body:
    message = f"injected fault: HTTP {status}"
    if dialect == "anthropic":
        body = anthropic_problem(status, ANTHROPIC_ERROR_TYPES.get(status, "api_error"), message)
    else:
        body = openai_problem(status, message, None)
    if retry_after is None:
        return body
    return Body(body.status, body.content, body.content_type, (("Retry-After", f"{retry_after:g}"),))


def normal_answer(dialect: Dialect, stream: bool) -> Body | Stream:
    answer = answer_for(dialect, "text", stream)
    assert isinstance(answer, Body | Stream), f"no recorded text answer for {dialect}"
    return answer


def _reset(request: web.Request) -> None:
    transport = request.transport
    assert transport is not None
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


class FaultUpstream:
    def __init__(self) -> None:
        self.port = 0
        self._seen: list[Seen] = []
        self._scripts: dict[str, list[str]] = {}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stopping = False
        self._error: BaseException | None = None

    # --- what tests use ---------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def base_url(self, dialect: Dialect, spec: str | None = None) -> str:
        """A deployment's ``base_url`` for this server (``spec``: the behaviour, carried in the path)."""
        root = self.url if spec is None else f"{self.url}/fault/{spec}"
        return root if dialect == "anthropic" else root + "/v1"

    def script(self, name: str, *specs: str) -> None:
        """Requests for ``script-<name>`` get these specs in turn; the last one repeats."""
        assert specs, "a script needs at least one spec"
        with self._lock:
            self._scripts[name] = list(specs)

    @property
    def requests(self) -> list[Seen]:
        with self._lock:
            return list(self._seen)

    def count(self, *, spec: str | None = None, model: str | None = None, tag: str | None = None) -> int:
        return sum(1 for seen in self.requests if (spec is None or seen.spec == spec)
                   and (model is None or seen.model == model) and (tag is None or seen.tag == tag))

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()

    # --- lifecycle --------------------------------------------------------------------------------------
    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        self.port = sock.getsockname()[1]
        self._thread = threading.Thread(target=self._run, args=(sock,), name="fault-upstream", daemon=True)
        self._thread.start()
        if not self._ready.wait(10) or self._error is not None:
            raise RuntimeError(f"fault upstream did not start: {self._error!r}")

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        self._stopping = True
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(15)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(15)

    def __enter__(self) -> FaultUpstream:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _run(self, sock: socket.socket) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            loop.run_until_complete(self._startup(sock))
        except BaseException as error:
            self._error = error
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _startup(self, sock: socket.socket) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        for path in PATHS:
            app.router.add_post(path, self._handle)
            app.router.add_post("/fault/{spec}" + path, self._handle)
        # handler_cancellation: a handler is cancelled the moment its client disconnects, which is how
        # disconnects are seen while hanging or between stream records.
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0, handler_cancellation=True)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()

    async def _shutdown(self) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    # --- answering --------------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body: Any = json.loads(raw) if raw else {}
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        dialect = next(d for path, d in PATHS.items() if request.path.endswith(path))
        model = body.get("model") if isinstance(body.get("model"), str) else ""
        spec = self._resolve(request.match_info.get("spec") or spec_of(model))
        seen = Seen(dialect, request.path, model, spec, body.get("stream") is True, time.monotonic(),
                    dict(request.headers))
        with self._lock:
            self._seen.append(seen)
        behaviour = parse(spec)
        try:
            response = await self._answer(request, dialect, behaviour, seen)
        except (asyncio.CancelledError, ConnectionError):
            if not self._stopping:
                seen.disconnected_at = time.monotonic()
            raise
        seen.finished_at = time.monotonic()
        return response

    def _resolve(self, spec: str) -> str:
        behaviour = parse(spec)
        if not isinstance(behaviour, Scripted):
            return spec
        with self._lock:
            steps = self._scripts.get(behaviour.name)
            if not steps:
                return f"unknown-script-{behaviour.name}"
            return steps.pop(0) if len(steps) > 1 else steps[0]

    async def _answer(self, request: web.Request, dialect: Dialect, behaviour: Behaviour | None,
                      seen: Seen) -> web.StreamResponse:
        stream = seen.stream
        match behaviour:
            case None | Scripted():
                return await self._send_body(request, _unknown(dialect, seen.spec))
            case Ok():
                return await self._send_normal(request, normal_answer(dialect, stream))
            case Slow(seconds=seconds):
                return await self._send_normal(request, normal_answer(dialect, stream), seconds=seconds)
            case Stall(pause=pause):
                return await self._send_normal(request, normal_answer(dialect, stream), stall=pause)
            case Status(code=code, retry_after=retry_after):
                return await self._send_body(request, error_body(dialect, code, retry_after))
            case Hang():
                await asyncio.Event().wait()
                raise AssertionError("unreachable")
            case Reset(after=None):
                _reset(request)
                return web.Response(status=500)
            case Reset(after=after):
                return await self._reset_after(request, normal_answer(dialect, stream), after or 0)
            case Garbage():
                if stream:
                    return await self._send_records(request, (b"data: {this is not json\n\n",))
                return await self._send_body(request, Body(200, b"<html><body>502 Bad Gateway</body></html>"))
            case Truncated():
                answer = normal_answer(dialect, stream)
                if isinstance(answer, Stream):
                    return await self._send_records(request, answer.records[: len(answer.records) // 2])
                return await self._send_body(request, Body(200, answer.content[: len(answer.content) // 2]))
        raise AssertionError(f"unhandled behaviour {behaviour!r}")

    async def _send_body(self, request: web.Request, body: Body, delay: float = 0.0) -> web.StreamResponse:
        if delay:
            await asyncio.sleep(delay)
        headers = {"Content-Type": body.content_type, **dict(body.headers)}
        return web.Response(status=body.status, body=body.content, headers=headers)

    async def _send_normal(self, request: web.Request, answer: Body | Stream, *, seconds: float = 0.0,
                           stall: float = 0.0) -> web.StreamResponse:
        if isinstance(answer, Body):
            return await self._send_body(request, answer, delay=seconds)
        interval = seconds / max(1, len(answer.records) - 1)
        return await self._send_records(request, answer.records, interval=interval, stall=stall)

    async def _send_records(self, request: web.Request, records: tuple[bytes, ...], *,
                            interval: float = 0.0, stall: float = 0.0) -> web.StreamResponse:
        response = web.StreamResponse(status=200, headers={"Content-Type": "text/event-stream; charset=utf-8",
                                                           "Cache-Control": "no-cache"})
        await response.prepare(request)
        for index, record in enumerate(records):
            if index and interval:
                await asyncio.sleep(interval)
            if index == 1 and stall:
                await asyncio.sleep(stall)
            await response.write(record)
        await response.write_eof()
        return response

    async def _reset_after(self, request: web.Request, answer: Body | Stream, after: int) -> web.StreamResponse:
        if isinstance(answer, Stream):
            response = web.StreamResponse(status=200, headers={"Content-Type": "text/event-stream; charset=utf-8"})
            await response.prepare(request)
            for record in answer.records[:after]:
                await response.write(record)
        else:
            response = web.StreamResponse(status=200, headers={"Content-Type": answer.content_type})
            response.content_length = len(answer.content)
            await response.prepare(request)
            await response.write(answer.content[: len(answer.content) // 2])
        await asyncio.sleep(RESET_DELAY_SECONDS)
        _reset(request)
        return response


def _unknown(dialect: Dialect, spec: str) -> Body:
    message = f"the fault upstream does not know the spec {spec!r} (see tests/faults/behaviours.py)"
    if dialect == "anthropic":
        return anthropic_problem(400, "invalid_request_error", message)
    return openai_problem(400, message, None)
