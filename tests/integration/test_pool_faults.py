"""Pool against failures: killed connections, a restarted or silent server, failing opens."""

from __future__ import annotations

import asyncio
import random
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from held import until
from pool_support import select

import aiomysql
from aiomysql.pool import Pool, PoolTimeoutError
from aiomysql.testing import TemporaryServer

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "basic_pool.py"


@pytest.fixture(scope="module")
def private_server() -> Iterator[TemporaryServer]:
    """A server of our own, so restarting it never disturbs the session's server."""
    with TemporaryServer() as srv:
        yield srv


async def kill(connect_kwargs: dict[str, Any], thread_id: int) -> None:
    async with aiomysql.connect(**connect_kwargs) as killer:
        await killer.kill(thread_id)


async def closed_pool(pool: Pool) -> None:
    pool.terminate()
    await pool.wait_closed()


# -- killed connections ----------------------------------------------------------------


async def test_killed_connection_in_use_is_never_handed_out_again(
    connect_kwargs: dict[str, Any],
) -> None:
    pool = await aiomysql.create_pool(minsize=1, maxsize=1, **connect_kwargs)
    try:
        conn = await pool.acquire()
        await kill(connect_kwargs, conn.thread_id())
        with pytest.raises(aiomysql.Error):  # lost connection, or already seen closed
            await select(conn, "SELECT 1")
        assert conn.closed
        pool.release(conn)
        assert pool.size == 0
        for _ in range(3):
            async with pool.acquire() as fresh:
                assert fresh is not conn
                assert await select(fresh, "SELECT 2") == (2,)
    finally:
        await closed_pool(pool)


async def test_killed_idle_connection_is_replaced_with_pre_ping(
    connect_kwargs: dict[str, Any],
) -> None:
    pool = await aiomysql.create_pool(minsize=2, maxsize=2, pre_ping_idle=0, **connect_kwargs)
    try:
        async with pool.acquire() as a, pool.acquire() as b:
            dead = {a.thread_id(), b.thread_id()}
        for thread_id in dead:
            await kill(connect_kwargs, thread_id)
        async with pool.acquire() as a, pool.acquire() as b:
            assert {a.thread_id(), b.thread_id()}.isdisjoint(dead)
            assert await select(a, "SELECT 1") == (1,) and await select(b, "SELECT 2") == (2,)
        assert pool.stats().closed == 2
    finally:
        await closed_pool(pool)


@pytest.mark.timing
async def test_killed_idle_connection_is_replaced_by_default(
    connect_kwargs: dict[str, Any],
) -> None:
    pool = await aiomysql.create_pool(minsize=1, maxsize=1, **connect_kwargs)
    try:
        async with pool.acquire() as conn:
            dead = conn.thread_id()
        await kill(connect_kwargs, dead)
        await until(lambda: conn.closed, "the server's close seen by the idle connection")
        async with pool.acquire() as conn:
            assert await select(conn, "SELECT CONNECTION_ID()") != (dead,)
    finally:
        await closed_pool(pool)


# -- server restart ------------------------------------------------------------------


async def test_server_restart_while_idle_with_pre_ping(private_server: TemporaryServer) -> None:
    pool = await aiomysql.create_pool(
        minsize=2, maxsize=2, pre_ping_idle=0, **private_server.connect_kwargs()
    )
    try:
        await asyncio.to_thread(private_server.restart)
        async with pool.acquire() as a, pool.acquire() as b:
            assert await select(a, "SELECT 1") == (1,) and await select(b, "SELECT 2") == (2,)
        assert pool.stats().closed == 2 and pool.size == 2
    finally:
        await closed_pool(pool)


async def test_server_restart_while_idle_by_default(private_server: TemporaryServer) -> None:
    pool = await aiomysql.create_pool(minsize=1, maxsize=1, **private_server.connect_kwargs())
    try:
        await asyncio.to_thread(private_server.restart)
        async with pool.acquire() as conn:
            assert await select(conn, "SELECT 1") == (1,)
    finally:
        await closed_pool(pool)


# -- failing or silent servers -----------------------------------------------------------


async def test_failed_opens_never_leak_a_slot_nor_exceed_maxsize(
    connect_kwargs: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(7)
    real_connect = aiomysql.connect

    async def flaky_connect(**kwargs: Any) -> aiomysql.Connection:
        await asyncio.sleep(rng.uniform(0, 0.01))
        if rng.random() < 0.4:
            raise aiomysql.OperationalError(2003, "injected open failure")
        return await real_connect(**kwargs)

    monkeypatch.setattr(aiomysql.pool, "connect", flaky_connect)
    pool = await aiomysql.create_pool(minsize=0, maxsize=4, **connect_kwargs)
    sizes: list[int] = []

    async def work(i: int) -> str:
        try:
            async with pool.acquire() as conn:
                sizes.append(pool.size)
                assert await select(conn, "SELECT %s", i) == (i,)
                if i % 3 == 0:
                    conn.close()  # dropped on release: the next user must open one
            return "ok"
        except aiomysql.OperationalError as exc:
            assert "injected" in str(exc)
            return "failed"

    try:
        outcomes = await asyncio.wait_for(asyncio.gather(*(work(i) for i in range(200))), 30)
        assert "ok" in outcomes and "failed" in outcomes
        assert max(sizes) <= 4
        assert pool.size == pool.freesize <= 4
        stats = pool.stats()
        assert stats.opened - stats.closed == pool.size
    finally:
        await closed_pool(pool)


async def test_unreachable_server_fails_fast_for_every_waiter() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once closed
    pool = await aiomysql.create_pool(minsize=0, maxsize=1, host="127.0.0.1", port=port)
    try:
        results = await asyncio.wait_for(
            asyncio.gather(*(pool.acquire() for _ in range(5)), return_exceptions=True), 10
        )
        assert all(isinstance(r, aiomysql.OperationalError) for r in results)
        assert pool.size == 0
    finally:
        await closed_pool(pool)


@pytest.mark.timing
async def test_acquire_timeout_when_the_server_never_answers() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    pool = await aiomysql.create_pool(
        minsize=0, maxsize=1, acquire_timeout=0.3, host="127.0.0.1", port=port
    )
    try:
        results = await asyncio.gather(*(pool.acquire() for _ in range(3)), return_exceptions=True)
        assert all(isinstance(r, PoolTimeoutError) for r in results)
        assert pool.size == 0 and pool.stats().timeouts == 3
    finally:
        await closed_pool(pool)
        server.close()
        await server.wait_closed()


# -- the seed's example ------------------------------------------------------------------


def _greets(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2.0) as sock:
            return bool(sock.recv(4))
    except OSError:
        return False


async def test_seed_example_runs_verbatim() -> None:
    """Run examples/basic_pool.py, unchanged, in a subprocess, as ``scripts/example.sh`` does.

    The example hard-codes localhost:3306, root, no password, database ``mysql``, so it
    needs a server exactly there: when nothing answers on 3306 (as on CI) we start a
    private TemporaryServer on that port for this test; when a MySQL server there accepts
    root without a password, we use it. Anything else on 3306 fails the test: it is never
    skipped, and no edited copy of the example is ever run. Warnings are shown
    (``-W default``) and must not appear: the run must print nothing at all.
    """
    server = None
    if _greets(3306):
        try:
            async with aiomysql.connect(host="127.0.0.1", port=3306, user="root", db="mysql"):
                pass
        except aiomysql.Error as exc:
            pytest.fail(f"port 3306 is taken by a server the example cannot use: {exc}")
    else:
        server = TemporaryServer(port=3306)
        await asyncio.to_thread(server.start)
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-W",
            "default",
            str(EXAMPLE),
            cwd=EXAMPLE.parent,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if server is not None:
            await asyncio.to_thread(server.stop)
    assert (proc.returncode, out.decode(), err.decode()) == (0, "", "")
