"""Timeouts and peers that are not (or stop being) MySQL servers: each gives a clear
OperationalError within its timeout and leaves nothing open."""

from __future__ import annotations

import mysql_packets as sp
import pytest
from fake_mysql_server import FakeConnection, FakeServer
from held import HeldLock

import aiomysql
from aiomysql.errors import InterfaceError, OperationalError, ProgrammingError


@pytest.mark.timing
async def test_read_timeout_on_a_stuck_query(connect_kwargs: dict) -> None:
    """The statement waits on a lock held until the end: only read_timeout can end it."""
    conn = await aiomysql.connect(read_timeout=1, **connect_kwargs)
    try:
        async with HeldLock(connect_kwargs) as lock, conn.cursor() as cur:
            with pytest.raises(OperationalError) as info:
                await cur.execute(lock.sql)
        assert info.value.args[0] == 2013
        assert "read timed out after 1.0 s" in info.value.args[1]
        assert conn.closed
        with pytest.raises(InterfaceError):
            await conn.query("SELECT 1")
    finally:
        conn.close()


@pytest.mark.timing
async def test_read_timeout_leaves_fast_queries_alone(connect_kwargs: dict) -> None:
    # A reply after 0.2 s with timeouts of 60 s: a timeout misread as milliseconds, or as
    # one deadline for the whole statement, would fire; a slow machine would not.
    conn = await aiomysql.connect(read_timeout=60, write_timeout=60, **connect_kwargs)
    try:
        async with conn.cursor() as cur:
            await cur.execute("SELECT SLEEP(0.2), REPEAT('x', 100000)")
            assert (await cur.fetchone())[0] == 0
    finally:
        await conn.ensure_closed()


def test_bad_timeout_values() -> None:
    for name in ("read_timeout", "write_timeout", "connect_timeout"):
        with pytest.raises(ProgrammingError, match=name):
            aiomysql.Connection(**{name: -1})


@pytest.mark.timing
async def test_silent_server_hits_connect_timeout() -> None:
    def script(c: FakeConnection) -> None:
        c.wait_closed()  # accepts, then says nothing

    async with FakeServer(script) as srv:
        with pytest.raises(OperationalError, match="timed out after 1.0 s") as info:
            await aiomysql.connect(**srv.kwargs(connect_timeout=1))
    assert info.value.args[0] == 2003


@pytest.mark.parametrize(
    "banner",
    [
        b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
        b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n",
        b"\x00\x00\x00\x07garbage",  # a sequence id of 7
        b"\xff\xff\x7f\x00",  # an 8 MiB "greeting"
    ],
)
async def test_not_a_mysql_server(banner: bytes) -> None:
    def script(c: FakeConnection) -> None:
        c.send_raw(banner)
        c.wait_closed()

    async with FakeServer(script) as srv:
        # 2012 and this message, not 2003 "timed out": refused on the banner, not on a clock.
        with pytest.raises(OperationalError, match="did not answer like a MySQL server") as info:
            await aiomysql.connect(**srv.kwargs(connect_timeout=60))
    assert info.value.args[0] == 2012


async def test_server_stops_mid_handshake() -> None:
    def script(c: FakeConnection) -> None:
        c.send(sp.greeting())
        c.recv()  # the handshake response; then hang up without an answer

    async with FakeServer(script) as srv:
        with pytest.raises(OperationalError, match="during the handshake") as info:
            await aiomysql.connect(**srv.kwargs(connect_timeout=10))
    assert info.value.args[0] == 2013


async def test_server_sends_half_a_greeting_and_hangs_up() -> None:
    def script(c: FakeConnection) -> None:
        c.send_raw(sp.stream([sp.greeting()])[:30])

    async with FakeServer(script) as srv:
        with pytest.raises(OperationalError, match="during the handshake"):
            await aiomysql.connect(**srv.kwargs(connect_timeout=10))


@pytest.mark.timing
async def test_server_stalls_after_the_greeting_hits_connect_timeout() -> None:
    def script(c: FakeConnection) -> None:
        c.send(sp.greeting())
        c.recv()
        c.wait_closed()  # never answers the handshake response

    async with FakeServer(script) as srv:
        with pytest.raises(OperationalError, match="timed out after 1.0 s"):
            await aiomysql.connect(**srv.kwargs(connect_timeout=1))


async def test_unexpected_auth_data_is_a_clear_error() -> None:
    def script(c: FakeConnection) -> None:
        c.send(sp.greeting())
        c.recv()
        c.send(b"\x01\x04")  # caching_sha2's "full authentication" to a native login
        c.wait_closed()

    async with FakeServer(script) as srv:
        with pytest.raises(OperationalError, match="unexpected extra auth data"):
            await aiomysql.connect(**srv.kwargs(connect_timeout=10))
