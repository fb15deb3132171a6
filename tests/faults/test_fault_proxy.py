"""The fault proxy itself, against a tiny echo server: it forwards, cuts, stalls, corrupts."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from fault_proxy import Action, Direction, Fault, FaultProxy
from held import until

PAYLOAD = bytes(range(256)) * 1024  # 256 KiB, several proxy chunks


@pytest.fixture
async def echo() -> AsyncIterator[int]:
    """A loopback echo server; yields its port."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(1 << 16):
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1]


async def roundtrip(proxy: FaultProxy, data: bytes) -> bytes:
    """Send ``data`` through the proxy to the echo server; return what came back."""
    reader, writer = await asyncio.open_connection(proxy.host, proxy.port)
    try:
        writer.write(data)
        await writer.drain()
        got = b""
        async with asyncio.timeout(5):
            while len(got) < len(data):
                chunk = await reader.read(1 << 16)
                if not chunk:
                    break
                got += chunk
        return got
    finally:
        writer.transport.abort()


async def test_forwards_both_ways_unchanged(echo: int) -> None:
    async with FaultProxy("127.0.0.1", echo) as proxy:
        assert await roundtrip(proxy, PAYLOAD) == PAYLOAD
        assert proxy.accepted == 1 and proxy.faults_fired == 0


async def test_cut_after_n_bytes_delivers_exactly_n(echo: int) -> None:
    async with FaultProxy("127.0.0.1", echo) as proxy:
        proxy.arm_next(Fault(Action.CUT, Direction.TO_CLIENT, after=70_000))
        try:
            got = await roundtrip(proxy, PAYLOAD)
        except ConnectionResetError:
            got = b"reset"
        assert got == PAYLOAD[:70_000] or got == b"reset"
        assert proxy.faults_fired == 1 and not proxy.links


async def test_cut_toward_the_server_stops_the_stream(echo: int) -> None:
    async with FaultProxy("127.0.0.1", echo) as proxy:
        proxy.arm_next(Fault(Action.CUT, Direction.TO_SERVER, after=1000))
        try:
            got = await roundtrip(proxy, PAYLOAD)
        except ConnectionResetError:
            got = b""
        assert len(got) <= 1000 and PAYLOAD.startswith(got)


async def test_corrupt_flips_exactly_one_byte(echo: int) -> None:
    async with FaultProxy("127.0.0.1", echo) as proxy:
        proxy.arm_next(Fault(Action.CORRUPT, Direction.TO_CLIENT, after=100_000, mask=0x5A))
        got = await roundtrip(proxy, PAYLOAD)
        assert len(got) == len(PAYLOAD)
        diff = [i for i in range(len(got)) if got[i] != PAYLOAD[i]]
        assert diff == [100_000]
        assert got[100_000] == PAYLOAD[100_000] ^ 0x5A


@pytest.mark.timing
async def test_stall_holds_the_rest_back(echo: int) -> None:
    async with FaultProxy("127.0.0.1", echo) as proxy:
        fault = Fault(Action.STALL, Direction.TO_CLIENT, after=5000)
        proxy.arm_next(fault)
        reader, writer = await asyncio.open_connection(proxy.host, proxy.port)
        writer.write(PAYLOAD)
        async with asyncio.timeout(5):  # a safety net
            assert await reader.readexactly(5000) == PAYLOAD[:5000]
        await until(lambda: fault.fired, "the stall")
        assert proxy.last.sent[Direction.TO_CLIENT] == 5000  # and not one byte more
        # Nothing more arrives (the stall is for good; the wait only bounds how long we look).
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await reader.read(1)
        writer.transport.abort()


@pytest.mark.timing
async def test_delay_holds_back_then_delivers_everything(echo: int) -> None:
    async with FaultProxy("127.0.0.1", echo) as proxy:
        proxy.arm_next(Fault(Action.DELAY, Direction.TO_CLIENT, after=10, seconds=0.3))
        start = time.monotonic()
        assert await roundtrip(proxy, PAYLOAD) == PAYLOAD
        assert time.monotonic() - start >= 0.3


async def read_until_eof(reader: asyncio.StreamReader) -> bytes:
    got = b""
    async with asyncio.timeout(5):
        try:
            while chunk := await reader.read(1 << 16):
                got += chunk
        except ConnectionResetError:
            pass
    return got


async def test_fault_waits_for_the_client_pattern_even_split_across_writes(echo: int) -> None:
    async with FaultProxy("127.0.0.1", echo) as proxy:
        proxy.arm_next(Fault(Action.CUT, Direction.TO_CLIENT, after=3, when_client_sent=b"COMMIT"))
        reader, writer = await asyncio.open_connection(proxy.host, proxy.port)
        try:
            for part in (b"BEGIN", b"COMM"):
                writer.write(part)
                async with asyncio.timeout(5):
                    assert await reader.readexactly(len(part)) == part
            assert proxy.faults_fired == 0
            writer.write(b"IT;and more")
            assert await read_until_eof(reader) == b"IT;"
            assert proxy.faults_fired == 1
        finally:
            writer.transport.abort()
