"""The embedded model's answer, with the interface of an HTTP upstream's answer
(:class:`dragoman.providers.http.UpstreamResponse`), so the rest of the gateway cannot tell them apart.

A complete answer (a non-streamed completion, or an error known before generation) has its status and body.
A streamed answer has status 200 and reads its SSE records from the job's channel; a failure there becomes
an OpenAI error record, which the chat stream decoder reports (as a real HTTP status when no content had
been sent yet). ``close()`` cancels the job: generation stops before its next token.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Mapping

from dragoman.canonical.errors import GatewayError, UpstreamTimeout
from dragoman.providers.local.job import End, Failure, Job
from dragoman.providers.local.wire import error_body, error_record

JSON = "application/json"
EVENT_STREAM = "text/event-stream"


class LocalAnswer:
    __slots__ = ("_body", "_headers", "_job", "_status", "timeout", "where")

    def __init__(self, where: str, timeout: float, *, status: int, headers: Mapping[str, str], body: bytes = b"",
                 job: Job | None = None) -> None:
        self.where = where
        self.timeout = timeout
        self._status = status
        self._headers = headers
        self._body = body
        self._job = job

    @classmethod
    def complete(cls, body: bytes, where: str, timeout: float) -> LocalAnswer:
        return cls(where, timeout, status=200, headers={"content-type": JSON}, body=body)

    @classmethod
    def failed(cls, error: GatewayError, where: str, timeout: float) -> LocalAnswer:
        headers = {"content-type": JSON}
        if error.retry_after is not None:
            headers["retry-after"] = str(math.ceil(error.retry_after))
        return cls(where, timeout, status=error.status, headers=headers, body=error_body(error))

    @classmethod
    def streaming(cls, job: Job, where: str, timeout: float) -> LocalAnswer:
        return cls(where, timeout, status=200, headers={"content-type": EVENT_STREAM}, job=job)

    @property
    def status(self) -> int:
        return self._status

    @property
    def headers(self) -> Mapping[str, str]:
        return self._headers

    def retry_after(self) -> float | None:
        value = self._headers.get("retry-after")
        return float(value) if value is not None else None

    async def read(self) -> bytes:
        return b"".join([chunk async for chunk in self.chunks()])

    async def chunks(self) -> AsyncIterator[bytes]:
        job = self._job
        if job is None:
            if self._body:
                yield self._body
            return
        finished = False
        try:
            while True:
                try:
                    item = await job.channel.get(self.timeout)
                except TimeoutError:
                    raise UpstreamTimeout(f"the embedded model {self.where} wrote nothing for "
                                          f"{self.timeout:g} s") from None
                if isinstance(item, End):
                    finished = True
                    return
                yield error_record(item.error) if isinstance(item, Failure) else item
        finally:
            if not finished:
                job.cancel()

    def close(self) -> None:
        """Stop generating: the client has gone or the answer is no longer wanted."""
        if self._job is not None:
            self._job.cancel()

    def release(self) -> None:
        self.close()
