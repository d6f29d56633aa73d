"""A dropped upstream connection loses none of the bytes that had already arrived."""

from __future__ import annotations

import asyncio

import pytest

from dragoman.canonical.errors import GatewayError
from dragoman.config import DeploymentConfig
from dragoman.providers.http import UpstreamClient

BODY = b"data: one\n\ndata: two\n\n"


async def _cut_server() -> tuple[asyncio.AbstractServer, int]:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
        writer.write(head + f"{len(BODY):x}\r\n".encode() + BODY + b"\r\n")
        await writer.drain()
        writer.transport.abort()  # connection reset, the chunked body never terminated

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def test_bytes_received_before_a_reset_are_still_delivered() -> None:
    server, port = await _cut_server()
    client = UpstreamClient()
    await client.start()
    try:
        deployment = DeploymentConfig(name="m", provider="openai", base_url=f"http://127.0.0.1:{port}/v1")
        answer = await client.post(deployment, "/chat/completions", b"{}", {}, stream=True)
        await asyncio.sleep(0.2)  # the data and the reset are both waiting before we read
        received = b""
        with pytest.raises(GatewayError) as caught:
            async for chunk in answer.chunks():
                received += chunk
        assert received == BODY
        assert caught.value.status == 502
    finally:
        await client.close()
        server.close()
