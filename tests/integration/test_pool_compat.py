"""Pool as other code uses it: close()/terminate() from synchronous code, private names.

Libraries and test suites written for upstream aiomysql close a pool in a synchronous
teardown, then run ``wait_closed()`` on the loop; some read ``pool._used``,
``pool._free`` and ``pool._loop``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from pool_support import MakePool, select

import aiomysql
from aiomysql.pool import Pool, PoolClosedError


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """A private loop this (synchronous) test drives with run_until_complete."""
    loop = asyncio.new_event_loop()
    try:
        yield loop
    finally:
        loop.close()


def pending_tasks(loop: asyncio.AbstractEventLoop) -> set[asyncio.Task[Any]]:
    return {task for task in asyncio.all_tasks(loop) if not task.done()}


def test_close_from_synchronous_code(
    loop: asyncio.AbstractEventLoop, connect_kwargs: dict[str, Any]
) -> None:
    pool: Pool = loop.run_until_complete(aiomysql.create_pool(minsize=2, **connect_kwargs))
    assert pool._loop is loop
    conns = list(pool._free)
    assert len(conns) == 2

    pool.close()  # no loop is running here
    assert pool.closed and (pool.size, pool.freesize) == (0, 0)
    with pytest.raises(PoolClosedError):
        loop.run_until_complete(pool.acquire())
    loop.run_until_complete(pool.wait_closed())

    assert all(conn.closed for conn in conns)
    assert pool.stats().closed == 2
    assert not pending_tasks(loop)


def test_close_from_synchronous_code_with_a_connection_in_use(
    loop: asyncio.AbstractEventLoop, connect_kwargs: dict[str, Any]
) -> None:
    pool: Pool = loop.run_until_complete(aiomysql.create_pool(minsize=1, **connect_kwargs))
    conn: aiomysql.Connection = loop.run_until_complete(pool.acquire())

    pool.close()
    assert (pool.size, pool.freesize) == (1, 0)
    assert loop.run_until_complete(select(conn, "SELECT 3")) == (3,)  # usable until released
    loop.run_until_complete(pool.release(conn))
    loop.run_until_complete(pool.wait_closed())

    assert conn.closed and pool.size == 0
    assert not pending_tasks(loop)


def test_terminate_from_synchronous_code(
    loop: asyncio.AbstractEventLoop, connect_kwargs: dict[str, Any]
) -> None:
    pool: Pool = loop.run_until_complete(
        aiomysql.create_pool(minsize=3, maxsize=3, autocommit=False, **connect_kwargs)
    )

    async def take_two() -> tuple[aiomysql.Connection, aiomysql.Connection]:
        idle, in_trans = await pool.acquire(), await pool.acquire()
        await in_trans.begin()
        return idle, in_trans

    idle, in_trans = loop.run_until_complete(take_two())
    free = list(pool._free)
    assert len(free) == 1

    pool.terminate()  # no loop is running here
    assert pool.closed and pool.size == 0
    assert idle.closed and in_trans.closed
    loop.run_until_complete(pool.wait_closed())

    assert all(conn.closed for conn in free)
    assert pool.stats().closed == 3
    assert not pending_tasks(loop)

    async def release_after_terminate() -> None:
        await pool.release(idle)  # allowed and does nothing, as in aiomysql

    loop.run_until_complete(release_after_terminate())


async def test_private_views_follow_the_pool(make_pool: MakePool) -> None:
    pool = await make_pool(minsize=2, maxsize=3)
    assert pool._loop is asyncio.get_running_loop()
    first, second = pool._free
    assert len(pool._used) == 0

    conn = await pool.acquire()
    assert conn is first  # the longest idle goes first
    assert conn in pool._used and len(pool._used) == 1
    assert list(pool._free) == [second] and len(pool._free) == pool.freesize == 1

    pool.release(conn)
    assert list(pool._free) == [second, first]
    assert not pool._used

    with pytest.raises(AttributeError):
        pool._free = ()  # type: ignore[misc]
