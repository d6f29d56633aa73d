"""The fake upstream provider: a real aiohttp server on 127.0.0.1, in a thread with its own event loop.

It checks what the real providers check (key, ``anthropic-version``, Anthropic's required ``max_tokens``),
answers from ``scenarios.py`` by the request's ``model``, and records every request it receives together
with the answer it gave, so tests assert on what the gateway sent and derive expectations from what it got.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.upstream.answers import Answer, Body, Dialect, Hang, Stream, json_body
from tests.upstream.recorded import record_payload
from tests.upstream.scenarios import adapter_for, answer_for
from tests.upstream.variants import OPENAI_ERRORS

ROUTES: dict[str, Dialect] = {
    "/v1/chat/completions": "chat",
    "/v1/responses": "responses",
    "/v1/messages": "anthropic",
    "/v1/messages/count_tokens": "anthropic",
    "/v1/responses/input_tokens": "responses",
}
UPSTREAM_KEY = "upstream-secret"


@dataclass(slots=True)
class ReceivedRequest:
    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    json: Any
    answer: Answer | None = None

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)

    @property
    def stream(self) -> bool:
        return isinstance(self.json, dict) and self.json.get("stream") is True


@dataclass(slots=True)
class _Loop:
    loop: asyncio.AbstractEventLoop | None = None
    runner: web.AppRunner | None = None
    stopping: asyncio.Event | None = None
    ready: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


def openai_problem(status: int, message: str, code: str | None) -> Body:
    kind = "invalid_request_error" if status < 500 else "server_error"
    return json_body(status, {"error": {"message": message, "type": kind, "param": None, "code": code}})


def anthropic_problem(status: int, kind: str, message: str) -> Body:
    return json_body(status, {"type": "error", "error": {"type": kind, "message": message},
                              "request_id": "req_fakecheck"})


def is_usage_chunk(record: bytes) -> bool:
    try:
        payload = record_payload(record)
    except ValueError:
        return False
    return isinstance(payload, dict) and payload.get("choices") == [] and isinstance(payload.get("usage"), dict)


def count_tokens(body: dict[str, Any]) -> int:
    counted = [body.get(key) for key in ("messages", "input", "system", "instructions", "tools") if key in body]
    return sum(len(json.dumps(value)) for value in counted) // 4


class FakeUpstream:
    def __init__(self, api_key: str = UPSTREAM_KEY) -> None:
        self.api_key = api_key
        self.port = 0
        self._received: list[ReceivedRequest] = []
        self._lock = threading.Lock()
        self._state = _Loop()
        self._thread: threading.Thread | None = None

    # --- what tests use ---------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> list[ReceivedRequest]:
        with self._lock:
            return list(self._received)

    def mark(self) -> int:
        with self._lock:
            return len(self._received)

    def since(self, mark: int) -> list[ReceivedRequest]:
        with self._lock:
            return self._received[mark:]

    # --- lifecycle --------------------------------------------------------------------------------------
    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        self.port = sock.getsockname()[1]
        self._thread = threading.Thread(target=self._run, args=(sock,), name="fake-upstream", daemon=True)
        self._thread.start()
        if not self._state.ready.wait(10) or self._state.error is not None:
            raise RuntimeError(f"fake upstream did not start: {self._state.error!r}")

    def stop(self) -> None:
        state = self._state
        if state.loop is None or self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), state.loop).result(15)
        state.loop.call_soon_threadsafe(state.loop.stop)
        self._thread.join(15)

    def _run(self, sock: socket.socket) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._state.loop = loop
        try:
            loop.run_until_complete(self._startup(sock))
        except BaseException as error:
            self._state.error = error
            self._state.ready.set()
            loop.close()
            return
        self._state.ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _startup(self, sock: socket.socket) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        for path in ROUTES:
            app.router.add_post(path, self._handle)
        self._state.stopping = asyncio.Event()
        self._state.runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
        await self._state.runner.setup()
        await web.SockSite(self._state.runner, sock).start()

    async def _shutdown(self) -> None:
        assert self._state.stopping is not None and self._state.runner is not None
        self._state.stopping.set()
        await self._state.runner.cleanup()

    # --- answering --------------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            parsed: Any = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        received = ReceivedRequest(request.method, request.path, request.query_string,
                                   list(request.headers.items()), raw, parsed)
        with self._lock:
            self._received.append(received)
        received.answer = self._choose(ROUTES[request.path], received)
        return await self._send(request, received.answer)

    def _choose(self, dialect: Dialect, received: ReceivedRequest) -> Answer:
        problem = self._check(dialect, received)
        if problem is not None:
            return problem
        body: dict[str, Any] = received.json
        scenario, stream = body["model"], received.stream
        if received.path.endswith(("/count_tokens", "/input_tokens")):
            answer = answer_for(dialect, scenario, False)
            if isinstance(answer, Body) and answer.status >= 400:
                return answer
            counted: dict[str, Any] = {"input_tokens": count_tokens(body)}
            if dialect == "responses":
                counted = {"object": "response.input_tokens", **counted}
            return json_body(200, counted)
        answer = answer_for(dialect, scenario, stream)
        if answer is None:
            return self._no_answer(dialect, scenario, stream)
        adapt = adapter_for(dialect, scenario)
        if adapt is not None:
            answer = adapt(answer, body)
        wants_usage = (body.get("stream_options") or {}).get("include_usage") is True
        if dialect == "chat" and isinstance(answer, Stream) and not wants_usage:
            # The real API sends the usage chunk only when asked for it.
            answer = answer.without(is_usage_chunk)
        return answer

    def _check(self, dialect: Dialect, received: ReceivedRequest) -> Body | None:
        body = received.json
        if dialect == "anthropic":
            if received.header("x-api-key") != self.api_key:
                return anthropic_problem(401, "authentication_error", "invalid x-api-key")
            if not received.header("anthropic-version"):
                return anthropic_problem(400, "invalid_request_error", "anthropic-version: header is required")
            if not isinstance(body, dict):
                return anthropic_problem(400, "invalid_request_error", "The request body is not valid JSON.")
            for required in ("model", "messages") + (("max_tokens",) if received.path == "/v1/messages" else ()):
                if required not in body:
                    return anthropic_problem(400, "invalid_request_error", f"{required}: Field required")
            return None
        if received.header("authorization") != f"Bearer {self.api_key}":
            return json_body(401, {"error": OPENAI_ERRORS[401]})
        if not isinstance(body, dict):
            return openai_problem(400, "We could not parse the JSON body of your request.", None)
        if not isinstance(body.get("model"), str):
            return openai_problem(400, "you must provide a model parameter", None)
        return None

    @staticmethod
    def _no_answer(dialect: Dialect, scenario: str, stream: bool) -> Body:
        message = f"the fake upstream has no {'stream' if stream else 'JSON'} answer for scenario {scenario!r}"
        if dialect == "anthropic":
            return anthropic_problem(404, "not_found_error", message)
        return openai_problem(404, message, "model_not_found")

    async def _send(self, request: web.Request, answer: Answer) -> web.StreamResponse:
        stopping = self._state.stopping
        assert stopping is not None
        match answer:
            case Hang():
                await stopping.wait()
                return web.Response(status=503)
            case Body():
                await asyncio.sleep(answer.delay)
                headers = {"Content-Type": answer.content_type, **dict(answer.headers)}
                return web.Response(status=answer.status, body=answer.content, headers=headers)
            case Stream():
                response = web.StreamResponse(
                    status=200, headers={"Content-Type": "text/event-stream; charset=utf-8",
                                         "Cache-Control": "no-cache", **dict(answer.headers)})
                await response.prepare(request)
                await asyncio.sleep(answer.delay)
                for index, record in enumerate(answer.records):
                    await response.write(record)
                    if index == answer.pause_after:
                        await asyncio.sleep(answer.pause)
                if answer.ending == "abort":
                    # Close the connection in the middle of the chunked body: everything written arrives
                    # (a FIN, not a reset that could discard unread bytes), then the body just stops.
                    assert request.transport is not None
                    request.transport.close()
                    return response
                await response.write_eof()
                return response
