"""Faults that need a server of our own (its global settings changed, or restarted):
max_allowed_packet, max_connections, and a restart under a loaded pool."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from helpers import BOUND, fds_down_to, open_fds, processlist_ids, session_gone

import aiomysql
from aiomysql.constants import CR, ER
from aiomysql.pool import PoolTimeoutError
from aiomysql.testing import TemporaryServer

DB = "aiomysql_faults"
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def server() -> Iterator[TemporaryServer]:
    with TemporaryServer() as srv:
        yield srv


@pytest.fixture
async def kw(server: TemporaryServer) -> AsyncIterator[dict[str, Any]]:
    """Connect kwargs for the private server (database DB); its globals restored after."""
    base = server.connect_kwargs()
    root = await aiomysql.connect(**base, autocommit=True)
    await root.query(f"CREATE DATABASE IF NOT EXISTS {DB}")
    await root.ensure_closed()
    yield {**base, "db": DB}
    root = await aiomysql.connect(**base, autocommit=True)
    await root.query("SET GLOBAL max_allowed_packet = 256 * 1024 * 1024")
    await root.query("SET GLOBAL max_connections = 151")
    await root.ensure_closed()


async def set_global(kw: dict[str, Any], name: str, value: int) -> None:
    root = await aiomysql.connect(**kw, autocommit=True)
    try:
        await root.query(f"SET GLOBAL {name} = {value}")
        assert (await root.run_query(f"SELECT @@GLOBAL.{name}")).rows == [(value,)]
    finally:
        await root.ensure_closed()


async def closed_for_good(conn: aiomysql.Connection) -> None:
    assert conn.closed
    with pytest.raises(aiomysql.InterfaceError):
        async with asyncio.timeout(BOUND):
            await conn.query("SELECT 1")
    conn.close()


# -- max_allowed_packet ------------------------------------------------------------------


@pytest.mark.parametrize("size", [2 * MiB, 40 * MiB], ids=["one-frame", "three-frames"])
async def test_statement_over_the_servers_max_allowed_packet(kw: dict[str, Any], size: int) -> None:
    """The server refuses the packet after reading its first header, answers 1153 and
    hangs up. 40 MiB is more than the socket buffers hold: the server answers while the
    driver is still writing frames. Either way: 1153 itself (not a malformed-packet or
    lost-connection error), and the connection closed at once, never left half-written."""
    await set_global(kw, "max_allowed_packet", 1 * MiB)
    conn = await aiomysql.connect(**kw, max_allowed_packet=64 * MiB)
    thread_id = conn.thread_id()
    with pytest.raises(aiomysql.OperationalError) as info:
        async with asyncio.timeout(BOUND):
            await conn.query("SELECT LENGTH('" + "x" * size + "')")
    assert info.value.args[0] == ER.NET_PACKET_TOO_LARGE, info.value
    assert "max_allowed_packet" in info.value.args[1]
    await closed_for_good(conn)
    await session_gone(kw, thread_id)
    async with aiomysql.connect(**kw) as fresh:  # the server is fine
        assert (await fresh.run_query("SELECT LENGTH(REPEAT('y', 1000))")).rows == [(1000,)]


async def test_executemany_keeps_each_statement_under_max_allowed_packet(
    kw: dict[str, Any],
) -> None:
    """The connect argument bounds what executemany builds: 1 MB of rows against a server
    that takes 64 KiB packets goes in statements that each fit. A single statement over
    the limit is the server's 1153 and closes the connection."""
    await set_global(kw, "max_allowed_packet", 64 * 1024)
    conn = await aiomysql.connect(**kw, autocommit=True, max_allowed_packet=64 * 1024)
    try:
        await conn.query("DROP TABLE IF EXISTS many_rows")
        await conn.query("CREATE TABLE many_rows (n INT PRIMARY KEY, pad VARCHAR(1000))")
        async with conn.cursor() as cur:
            rows = [(n, "p" * 1000) for n in range(1000)]
            assert await cur.executemany("INSERT INTO many_rows VALUES (%s, %s)", rows) == 1000
        assert (await conn.run_query("SELECT COUNT(*) FROM many_rows")).rows == [(1000,)]
        with pytest.raises(aiomysql.OperationalError) as info:
            async with asyncio.timeout(BOUND):
                await conn.query("SELECT LENGTH('" + "x" * 100_000 + "')")
        assert info.value.args[0] == ER.NET_PACKET_TOO_LARGE, info.value
        await closed_for_good(conn)
    finally:
        conn.close()


# -- max_connections ---------------------------------------------------------------------

LIMIT = 10  # MariaDB's smallest max_connections


async def test_max_connections_reached(kw: dict[str, Any]) -> None:
    """A user without the right to exceed max_connections (root has one extra slot):
    the refused connect is OperationalError 1040; a pool raises it from acquire() and
    gives the slot back; once the server has room the pool opens again; a pool at its
    own maxsize waits, then times out per acquire_timeout. Nothing leaks."""
    root = await aiomysql.connect(**kw, autocommit=True)
    await root.query("CREATE USER IF NOT EXISTS 'capped'@'127.0.0.1' IDENTIFIED BY 'pw'")
    await root.query(f"GRANT SELECT ON {DB}.* TO 'capped'@'127.0.0.1'")
    await set_global(kw, "max_connections", LIMIT)
    capped = {**kw, "user": "capped", "password": "pw"}
    held: list[aiomysql.Connection] = []
    pool = None
    try:
        while len(held) <= LIMIT:  # fill the server: root's checker counts too
            fds = open_fds()
            try:
                held.append(await aiomysql.connect(**capped))
            except aiomysql.OperationalError as exc:
                refused = exc
                break
        else:
            pytest.fail("max_connections did not refuse a connection")
        assert refused.args == (ER.CON_COUNT_ERROR, "Too many connections"), refused
        await fds_down_to(fds)  # the refused socket is closed
        assert len(held) == LIMIT - 1  # the checker holds the other slot

        pool = await aiomysql.create_pool(minsize=0, maxsize=2, **capped)
        with pytest.raises(aiomysql.OperationalError) as info:
            async with asyncio.timeout(BOUND):
                await pool.acquire()
        assert info.value.args[0] == ER.CON_COUNT_ERROR
        assert pool.size == 0 and pool.stats().opened == 0  # the slot was given back

        async def make_room() -> None:
            conn = held.pop()
            thread_id = conn.thread_id()
            await conn.ensure_closed()
            await session_gone(kw, thread_id)

        await make_room()
        await make_room()
        a = await pool.acquire()  # the pool opens again by itself
        b = await pool.acquire()
        assert pool.size == 2
        # The pool is at its maxsize: a third acquire waits until b is released.
        waiter = asyncio.create_task(asyncio.wait_for(pool.acquire(), BOUND))
        await asyncio.sleep(0)
        assert not waiter.done()
        pool.release(b)
        assert await waiter is b
        # Another pool, with acquire_timeout, at its maxsize of 1: the second acquire
        # times out (structural: nothing is released meanwhile).
        await make_room()
        timed = await aiomysql.create_pool(minsize=0, maxsize=1, acquire_timeout=0.3, **capped)
        try:
            x = await timed.acquire()
            with pytest.raises(PoolTimeoutError):
                await timed.acquire()
            timed.release(x)
            assert timed.stats().timeouts == 1 and timed.size == 1
        finally:
            timed.close()
            await timed.wait_closed()
        pool.release(a)
        pool.release(b)
        stats = pool.stats()
        assert (stats.opened, stats.closed, pool.size, pool.freesize) == (2, 0, 2, 2)
        assert stats.acquired == stats.released == 3
        ids = [c.thread_id() for c in (a, b, x)]
        pool.close()
        await pool.wait_closed()
        pool = None
        await session_gone(kw, *ids)
    finally:
        for conn in held:
            conn.close()
        if pool is not None:
            pool.terminate()
            await pool.wait_closed()
        await root.query("SET GLOBAL max_connections = 151")
        await root.query("DROP USER IF EXISTS 'capped'@'127.0.0.1'")
        await root.ensure_closed()
    async with asyncio.timeout(BOUND):  # every session is gone but the checker's
        while len(await processlist_ids(kw)) > 0:
            await asyncio.sleep(0.02)


# -- restart under a loaded pool ---------------------------------------------------------


@pytest.mark.parametrize("pre_ping_idle", [0, None], ids=["pre-ping", "default"])
async def test_restart_under_a_loaded_pool(
    server: TemporaryServer, kw: dict[str, Any], pre_ping_idle: float | None
) -> None:
    """Four connections: two held by callers mid-transaction, two free. The server
    restarts while the event loop is blocked, so when it runs again no connection has
    noticed yet (the worst case: every one still looks alive). Then ten workers use
    the pool concurrently, five rounds each.

    With pre_ping_idle=0 no worker is handed a dead connection. Without it, exactly the
    four connections that were open fail, each once (the two free ones in the first two
    workers' hands), and the pool recovers by itself. Either way the held ones fail
    their COMMIT once, their rows are not on the server, and the counters balance."""
    async with aiomysql.connect(**kw, autocommit=True) as setup:
        await setup.query("CREATE TABLE IF NOT EXISTS restart_rows (n INT) ENGINE=InnoDB")
        await setup.query("DELETE FROM restart_rows")
    pool = await aiomysql.create_pool(minsize=4, maxsize=4, pre_ping_idle=pre_ping_idle, **kw)
    try:
        held = [await pool.acquire() for _ in range(2)]
        for conn in held:
            await conn.begin()
            await conn.query("INSERT INTO restart_rows VALUES (1)")
        old = {c.thread_id() for c in held}
        async with pool.acquire() as c, pool.acquire() as d:
            old |= {c.thread_id(), d.thread_id()}
        assert pool.size == 4 and pool.freesize == 2 and len(old) == 4

        server.restart()  # blocking on purpose: the loop sees nothing until it is back

        failures: list[tuple[int, int]] = []  # (thread id, error code)

        async def worker() -> None:
            for _ in range(5):
                async with asyncio.timeout(BOUND), pool.acquire() as conn:
                    try:
                        assert (await conn.run_query("SELECT 1")).rows == [(1,)]
                    except aiomysql.OperationalError as exc:
                        failures.append((conn.thread_id(), exc.args[0]))
                        assert conn.closed

        await asyncio.gather(*(worker() for _ in range(10)))
        for conn in held:
            with pytest.raises(aiomysql.OperationalError) as info:
                async with asyncio.timeout(BOUND):
                    await conn.commit()
            assert info.value.args[0] in (CR.CR_SERVER_GONE_ERROR, CR.CR_SERVER_LOST)
            assert conn.closed
            pool.release(conn)

        if pre_ping_idle == 0:
            assert failures == []
        else:
            assert len(failures) == 2 and {t for t, _ in failures} <= old
            assert {code for _, code in failures} <= {
                CR.CR_SERVER_GONE_ERROR,
                CR.CR_SERVER_LOST,
            }
        async with asyncio.timeout(BOUND), pool.acquire() as conn:  # recovered
            assert (await conn.run_query("SELECT COUNT(*) FROM restart_rows")).rows == [(0,)]
            assert conn.thread_id() not in old
        stats = pool.stats()
        assert stats.closed == 4  # exactly the four that were open
        assert stats.opened - stats.closed == pool.size <= 4
        assert stats.acquired == stats.released
    finally:
        pool.close()
        await pool.wait_closed()
    async with asyncio.timeout(BOUND):
        while await processlist_ids(kw):
            await asyncio.sleep(0.02)
