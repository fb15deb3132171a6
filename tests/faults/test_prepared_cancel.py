"""Cancellation of prepared statements: held at an exact point on the server (a user lock
we hold), never raced against a clock. A cancelled execute leaves no half-read binary
result (the connection is closed) and no server-side statement behind."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from held import HeldLock, ServerWatch, cancel_when, until

import aiomysql

pytestmark = pytest.mark.timing


async def prepared_count(watch: aiomysql.Connection) -> int:
    result = await watch.run_query("SHOW GLOBAL STATUS LIKE 'Prepared_stmt_count'")
    assert result.rows is not None
    return int(result.rows[0][1])


def executing(watch: ServerWatch, thread_id: int) -> Callable[[], Awaitable[bool]]:
    """Session ``thread_id`` runs a prepared statement (COMMAND Execute) blocked on a lock."""

    async def check() -> bool:
        now = await watch.state(thread_id)
        return now == ("Execute", "User lock")

    return check


async def test_cancel_mid_execute_closes_and_frees_the_statement(
    connect_kwargs: dict[str, Any],
) -> None:
    async with aiomysql.connect(**connect_kwargs) as side:
        before = await prepared_count(side)
        conn = await aiomysql.connect(**connect_kwargs, prepared=True)
        cur = await conn.cursor()
        await cur.execute("SELECT %s + 1", (1,))  # one cached statement besides
        async with HeldLock(connect_kwargs) as lock:
            sql = "SELECT GET_LOCK(%s, 3600)"
            await cancel_when(
                executing(lock.watch, conn.thread_id()),
                cur.execute(sql, (lock.name,)),
                "blocked in the prepared execute",
            )
            assert conn.closed  # never half-read: closed, not reused
            with pytest.raises(aiomysql.InterfaceError):
                await cur.execute("SELECT %s", (1,))
        thread_id = conn.thread_id()
        conn.close()

        async def session_gone() -> bool:
            result = await side.run_query(
                f"SELECT 1 FROM information_schema.PROCESSLIST WHERE ID = {thread_id}"
            )
            return not result.rows

        await until(session_gone, "the cancelled session ended on the server")
        assert await prepared_count(side) <= before  # its statements went with it


async def test_cancel_between_executes_keeps_connection_and_cache(
    connect_kwargs: dict[str, Any],
) -> None:
    conn = await aiomysql.connect(**connect_kwargs, prepared=True)
    replied = asyncio.Event()

    async def work() -> None:
        async with conn.cursor() as cur:
            await cur.execute("SELECT %s * 3", (2,))
            assert await cur.fetchall() == ((6,),)
        replied.set()
        await asyncio.Event().wait()  # cancelled here, between statements

    await cancel_when(replied.is_set, work(), "after the reply")
    assert not conn.closed
    async with conn.cursor() as cur:
        await cur.execute("SELECT %s * 3", (5,))
        assert await cur.fetchall() == ((15,),)
    assert len(conn.channel.statement_cache) == 1
    await conn.ensure_closed()
