"""The fault proxy's newer abilities, against tiny echo servers: a unix socket on either
side, and faults placed by the number of bytes the client has sent."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator

import pytest
from fault_proxy import Action, Direction, Fault, FaultProxy

PAYLOAD = bytes(range(256)) * 1024  # 256 KiB


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(1 << 16):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()


@pytest.fixture
def tmp() -> Iterator[str]:
    path = tempfile.mkdtemp(prefix="aiomysql-px-", dir="/tmp")  # sun_path is short
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
async def unix_echo(tmp: str) -> AsyncIterator[str]:
    path = os.path.join(tmp, "echo.sock")
    server = await asyncio.start_unix_server(echo, path)
    async with server:
        yield path


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
    writer.write(PAYLOAD)
    got = b""
    async with asyncio.timeout(5):
        while len(got) < len(PAYLOAD) and (chunk := await reader.read(1 << 16)):
            got += chunk
    writer.transport.abort()
    return got


async def test_unix_to_unix(unix_echo: str, tmp: str) -> None:
    listen = os.path.join(tmp, "proxy.sock")
    async with FaultProxy(target_unix=unix_echo, listen_unix=listen) as proxy:
        assert proxy.connect_kwargs({"host": "x", "port": 1})["unix_socket"] == listen
        assert await exchange(*await asyncio.open_unix_connection(listen)) == PAYLOAD
        assert proxy.accepted == 1


async def test_tcp_to_unix(unix_echo: str) -> None:
    async with FaultProxy(target_unix=unix_echo) as proxy:
        got = await exchange(*await asyncio.open_connection(proxy.host, proxy.port))
        assert got == PAYLOAD


async def test_fault_placed_by_client_byte_count(unix_echo: str) -> None:
    """``when_client_sends=n``: armed once the client has sent n bytes; counting ``after``
    starts at the chunk that reached n (TO_SERVER: that chunk is withheld)."""
    async with FaultProxy(target_unix=unix_echo) as proxy:
        proxy.arm_next(Fault(Action.CUT, Direction.TO_SERVER, when_client_sends=10))
        reader, writer = await asyncio.open_connection(proxy.host, proxy.port)
        try:
            writer.write(b"12345")  # 5 bytes: not yet
            async with asyncio.timeout(5):
                assert await reader.readexactly(5) == b"12345"
            assert proxy.faults_fired == 0
            writer.write(b"67890abc")  # reaches 10: this chunk is cut, not forwarded
            async with asyncio.timeout(5):
                try:
                    rest = await reader.read()
                except ConnectionResetError:
                    rest = b""
            assert rest == b"" and proxy.faults_fired == 1
        finally:
            writer.transport.abort()
