"""Cancellation and timeouts mid-statement: the connection ends reusable or closed, never
half-read; with ``kill_query_on_cancel`` the server stops the statement too.

Every timeout expires (every cancel lands) only once the server reports the statement
blocked on a lock we hold or sleeping: never a race against a clock.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import pytest
from held import HeldLock, ServerWatch, cancel_when, time_out_when
from helpers import BOUND, committed, direct, insert, make_table

import aiomysql
from aiomysql._kill_query import spawn_kill_query
from aiomysql.connection import wait_for_kill_queries

pytestmark = pytest.mark.timing


async def running_command(connect_kwargs: dict[str, Any], thread_id: int) -> str | None:
    """The server's COMMAND for ``thread_id`` ('Query', 'Sleep', ...), None once gone."""
    conn = await direct(connect_kwargs)
    try:
        result = await conn.run_query(
            f"SELECT COMMAND FROM information_schema.PROCESSLIST WHERE ID = {int(thread_id)}"
        )
        return result.rows[0][0] if result.rows else None
    finally:
        await conn.ensure_closed()


async def test_timeout_mid_statement_closes_the_connection(
    connect_kwargs: dict[str, Any],
) -> None:
    conn = await aiomysql.connect(**connect_kwargs)
    async with HeldLock(connect_kwargs) as lock:
        with pytest.raises(TimeoutError):
            await time_out_when(
                lock.blocking(conn.thread_id()), conn.query(lock.sql), "blocked on the lock"
            )
    assert conn.closed  # never half-read: closed, not reused
    with pytest.raises(aiomysql.InterfaceError):
        await conn.query("SELECT 1")
    conn.close()


async def test_cancel_after_reply_leaves_connection_reusable(
    connect_kwargs: dict[str, Any],
) -> None:
    conn = await aiomysql.connect(**connect_kwargs)
    replied = asyncio.Event()

    async def work() -> None:
        await conn.query("SELECT 1")
        replied.set()
        await asyncio.Event().wait()  # cancelled here, between statements

    await cancel_when(replied.is_set, work(), "after the reply")
    assert not conn.closed
    assert (await conn.run_query("SELECT 2")).rows == [(2,)]
    await conn.ensure_closed()


@pytest.mark.text_protocol("prepared SSCursor: the execute makes the rows (a server cursor)")
async def test_wait_for_on_unbuffered_read_closes(connect_kwargs: dict[str, Any]) -> None:
    conn = await aiomysql.connect(**connect_kwargs)
    cur = await conn.cursor(aiomysql.SSCursor)
    async with HeldLock(connect_kwargs) as lock:
        # The first row fills the server's network buffer, so it is sent before the second
        # row blocks on the lock.
        await cur.execute(f"SELECT REPEAT('x', 100000) AS v UNION ALL {lock.sql}")
        assert (await cur.fetchone()) is not None

        async def fetch_rest() -> None:
            await asyncio.wait_for(cur.fetchall(), BOUND)  # a wait_for that is cancelled

        await cancel_when(lock.blocking(conn.thread_id()), fetch_rest(), "row 2 blocked")
    assert conn.closed
    conn.close()


async def test_without_kill_query_the_server_keeps_running_the_statement(
    connect_kwargs: dict[str, Any],
) -> None:
    """Why the option exists: closing the socket does not stop a running statement."""
    conn = await aiomysql.connect(**connect_kwargs)
    thread_id = conn.thread_id()
    async with HeldLock(connect_kwargs) as lock:
        with pytest.raises(TimeoutError):
            await time_out_when(lock.blocking(thread_id), conn.query(lock.sql), "blocked")
        assert conn.closed
        await asyncio.sleep(0.3)  # room for the server to react (it must not)
        assert await running_command(connect_kwargs, thread_id) == "Query"


async def test_kill_query_on_cancel_stops_the_statement_on_the_server(
    connect_kwargs: dict[str, Any],
) -> None:
    conn = await aiomysql.connect(**connect_kwargs, kill_query_on_cancel=True)
    thread_id = conn.thread_id()
    async with ServerWatch(connect_kwargs) as watch:
        with pytest.raises(TimeoutError):
            await time_out_when(
                watch.in_state(thread_id, "User sleep"), conn.query("SELECT SLEEP(300)"), "sleep"
            )
    assert conn.closed
    async with asyncio.timeout(BOUND):
        await wait_for_kill_queries()
        # The killed statement ends at once; the thread then finds its client gone.
        while await running_command(connect_kwargs, thread_id) == "Query":
            await asyncio.sleep(0.05)


async def test_kill_query_on_cancel_releases_row_locks(connect_kwargs: dict[str, Any]) -> None:
    """A cancelled UPDATE stuck on a lock is killed, so it holds no locks afterwards."""
    tag = await make_table(connect_kwargs)
    owner = await aiomysql.connect(**connect_kwargs)
    await owner.begin()
    await insert(owner, tag, 1)
    await owner.commit()
    await owner.begin()
    await owner.query(f"UPDATE fault_rows SET n = 2 WHERE tag = '{tag}'")  # holds the lock
    victim = await aiomysql.connect(**connect_kwargs, kill_query_on_cancel=True)
    update = victim.query(f"UPDATE fault_rows SET n = 3 WHERE tag = '{tag}'")
    async with ServerWatch(connect_kwargs) as watch:
        with pytest.raises(TimeoutError):
            await time_out_when(watch.lock_waiting(victim.thread_id()), update, "row lock wait")
    await wait_for_kill_queries()
    await owner.commit()
    assert await committed(connect_kwargs, tag) == [2]
    await owner.ensure_closed()


async def test_kill_query_failure_is_logged_not_raised(
    connect_kwargs: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    conn = await aiomysql.connect(**connect_kwargs, kill_query_on_cancel=True)
    # The side connection cannot log in.
    side = conn._options.for_kill_query().replace(password="wrong password")
    conn.channel._on_cancel = functools.partial(spawn_kill_query, side)
    async with HeldLock(connect_kwargs) as lock:
        with pytest.raises(TimeoutError):
            await time_out_when(
                lock.blocking(conn.thread_id()), conn.query(lock.sql), "blocked on the lock"
            )
        with caplog.at_level("INFO", logger="aiomysql"):
            await wait_for_kill_queries()
    assert "KILL QUERY" in caplog.text
