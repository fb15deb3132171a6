"""Pool API against the real server: every property and method the seed documents."""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any

import pytest
from pool_support import MakePool, create_table, select

import aiomysql
from aiomysql.pool import PoolClosedError, PoolTimeoutError


async def execute(conn: aiomysql.Connection, sql: str) -> None:
    async with conn.cursor() as cur:
        await cur.execute(sql)


async def still_blocked(task: asyncio.Task[Any], seconds: float = 0.1) -> bool:
    done, _ = await asyncio.wait({task}, timeout=seconds)
    return not done


# -- creation ------------------------------------------------------------------


async def test_defaults(make_pool: MakePool) -> None:
    pool = await make_pool()
    assert (pool.minsize, pool.maxsize, pool.echo, pool.closed) == (1, 10, False, False)
    assert (pool.size, pool.freesize) == (1, 1)
    assert pool.stats().opened == 1


async def test_minsize_connections_opened_at_creation(make_pool: MakePool) -> None:
    pool = await make_pool(minsize=3, maxsize=5)
    assert (pool.size, pool.freesize) == (3, 3)


async def test_minsize_zero_opens_nothing_until_acquire(make_pool: MakePool) -> None:
    pool = await make_pool(minsize=0)
    assert (pool.size, pool.freesize) == (0, 0)
    async with pool.acquire() as conn:
        assert await select(conn, "SELECT 1") == (1,)
        assert (pool.size, pool.freesize) == (1, 0)
    assert (pool.size, pool.freesize) == (1, 1)


async def test_maxsize_zero_is_unbounded(make_pool: MakePool) -> None:
    pool = await make_pool(minsize=0, maxsize=0)
    conns = await asyncio.gather(*(pool.acquire() for _ in range(15)))
    assert pool.size == 15 and len({c.thread_id() for c in conns}) == 15
    for conn in conns:
        pool.release(conn)
    assert pool.freesize == 15
    assert pool.stats().waits == 0


@pytest.mark.parametrize(
    "options",
    [
        {"minsize": -1},
        {"maxsize": -1},
        {"minsize": 5, "maxsize": 4},
        {"acquire_timeout": 0},
        {"pre_ping_idle": -1},
    ],
)
def test_invalid_options_raise_value_error(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        aiomysql.create_pool(host="127.0.0.1", **options)


async def test_async_with_create_pool_closes_it(connect_kwargs: dict[str, Any]) -> None:
    async with aiomysql.create_pool(minsize=2, **connect_kwargs) as pool:
        async with pool.acquire() as conn:
            assert await select(conn, "SELECT 2") == (2,)
    assert pool.closed and pool.size == 0
    assert pool.stats().closed == 2


async def test_pool_is_an_async_context_manager(make_pool: MakePool) -> None:
    pool = await make_pool()
    async with pool:
        assert not pool.closed
    assert pool.closed and pool.size == 0


async def test_kwargs_go_to_connect_and_loop_is_ignored_silently(make_pool: MakePool) -> None:
    # filterwarnings=error: a DeprecationWarning for loop= would fail this test.
    pool = await make_pool(
        loop=asyncio.get_running_loop(), autocommit=True, cursorclass=aiomysql.DictCursor
    )
    async with pool.acquire() as conn:
        assert conn.get_autocommit()
        assert await select(conn, "SELECT 1 AS one") == {"one": 1}


async def test_connect_error_propagates_and_leaves_nothing_open(
    connect_kwargs: dict[str, Any],
) -> None:
    with pytest.raises(aiomysql.OperationalError):
        await aiomysql.create_pool(minsize=2, **{**connect_kwargs, "password": "wrong"})


async def test_echo_logs_statements(make_pool: MakePool, caplog: pytest.LogCaptureFixture) -> None:
    pool = await make_pool(echo=True)
    assert pool.echo
    with caplog.at_level(logging.INFO, logger="aiomysql"):
        async with pool.acquire() as conn:
            assert conn.echo
            await select(conn, "SELECT 'echo me'")
    assert any("echo me" in r.getMessage() for r in caplog.records)


# -- acquire / release ---------------------------------------------------------------


async def test_acquire_and_release(make_pool: MakePool) -> None:
    pool = await make_pool(minsize=1, maxsize=2)
    conn = await pool.acquire()
    assert (pool.size, pool.freesize) == (1, 0)
    assert not inspect.iscoroutinefunction(pool.release)
    await pool.release(conn)  # the result may be awaited, as aiomysql code does
    assert (pool.size, pool.freesize) == (1, 1)
    again = await pool.acquire()
    assert again is conn
    pool.release(again)  # or not
    stats = pool.stats()
    assert (stats.acquired, stats.released, stats.opened) == (2, 2, 1)


async def test_release_of_foreign_connection_raises(
    make_pool: MakePool, connect_kwargs: dict[str, Any]
) -> None:
    pool = await make_pool()
    async with aiomysql.connect(**connect_kwargs) as foreign:
        with pytest.raises(aiomysql.InterfaceError, match="not acquired from this pool"):
            pool.release(foreign)
        assert await select(foreign, "SELECT 1") == (1,)
    assert (pool.size, pool.freesize) == (1, 1)


async def test_double_release_raises_and_does_not_corrupt(make_pool: MakePool) -> None:
    pool = await make_pool(minsize=0, maxsize=2)
    conn = await pool.acquire()
    pool.release(conn)
    with pytest.raises(aiomysql.InterfaceError, match="already released"):
        pool.release(conn)
    assert (pool.size, pool.freesize) == (1, 1)
    a, b = await pool.acquire(), await pool.acquire()
    assert a is conn and b is not conn
    pool.release(a)
    pool.release(b)
    assert (pool.size, pool.freesize) == (2, 2)


async def test_acquire_waits_for_a_release_when_exhausted(make_pool: MakePool) -> None:
    pool = await make_pool(minsize=1, maxsize=1)
    held = await pool.acquire()
    waiter = asyncio.create_task(pool.acquire())
    assert await still_blocked(waiter)
    pool.release(held)
    got = await waiter
    assert got is held and pool.size == 1
    pool.release(got)
    stats = pool.stats()
    assert stats.waits == 1 and 0.09 < stats.wait_time < 5


async def test_waiters_are_served_first_come_first_served(make_pool: MakePool) -> None:
    pool = await make_pool(minsize=1, maxsize=1)
    held = await pool.acquire()
    order: list[int] = []

    async def user(i: int) -> None:
        async with pool.acquire():
            order.append(i)

    tasks = []
    for i in range(5):
        tasks.append(asyncio.create_task(user(i)))
        await asyncio.sleep(0)  # queue them in order
    pool.release(held)
    await asyncio.gather(*tasks)
    assert order == [0, 1, 2, 3, 4]


@pytest.mark.timing
async def test_acquire_timeout_when_exhausted(make_pool: MakePool) -> None:
    pool = await make_pool(minsize=1, maxsize=1, acquire_timeout=0.2)
    held = await pool.acquire()
    with pytest.raises(PoolTimeoutError) as info:
        await pool.acquire()
    assert isinstance(info.value, asyncio.TimeoutError)
    assert isinstance(info.value, aiomysql.OperationalError)
    assert "no connection available within 0.2 s" in str(info.value)
    assert pool.stats().timeouts == 1 and pool.size == 1
    pool.release(held)
    async with pool.acquire() as conn:
        assert conn is held


async def test_released_transaction_is_rolled_back(make_pool: MakePool) -> None:
    pool = await make_pool(minsize=1, maxsize=1, autocommit=False)
    async with pool.acquire() as conn:
        async with conn.cursor() as cur:
            await create_table(cur, "pool_rollback")
            await cur.execute("DELETE FROM pool_rollback")
            await conn.commit()
            await cur.execute("INSERT INTO pool_rollback VALUES (1)")
        assert conn.get_transaction_status()
    async with pool.acquire() as again:
        assert again is conn
        assert not again.get_transaction_status()
        assert await select(again, "SELECT COUNT(*) FROM pool_rollback") == (0,)


async def test_release_not_awaited_still_rolls_back(make_pool: MakePool) -> None:
    pool = await make_pool(minsize=1, maxsize=1, autocommit=False)
    conn = await pool.acquire()
    await conn.begin()
    assert conn.get_transaction_status()
    pool.release(conn)
    assert pool.size == 1 and pool.freesize == 0  # being rolled back
    async with pool.acquire() as again:  # waits for the rollback
        assert again is conn and not again.get_transaction_status()


@pytest.mark.timing
async def test_cancelled_release_await_does_not_stop_the_rollback(make_pool: MakePool) -> None:
    pool = await make_pool(minsize=1, maxsize=1, autocommit=False)
    conn = await pool.acquire()
    await conn.begin()

    async def release() -> None:
        await pool.release(conn)

    releaser = asyncio.create_task(release())
    await asyncio.sleep(0)
    releaser.cancel()
    async with pool.acquire() as again:
        assert again is conn and not again.get_transaction_status()
        assert await select(again, "SELECT 5") == (5,)


async def test_reset_on_release_clears_session_state(make_pool: MakePool) -> None:
    plain = await make_pool(minsize=1, maxsize=1)
    resetting = await make_pool(minsize=1, maxsize=1, reset_on_release=True, autocommit=True)
    for pool, expected in ((plain, 1), (resetting, None)):
        async with pool.acquire() as conn:
            await execute(conn, "SET @pool_var = 1")
        async with pool.acquire() as conn:
            assert await select(conn, "SELECT @pool_var") == (expected,)
    async with resetting.acquire() as conn:
        assert conn.get_autocommit()  # the connection's own settings are re-applied


async def test_busy_connection_is_closed_on_release(make_pool: MakePool) -> None:
    pool = await make_pool(minsize=1, maxsize=1)
    conn = await pool.acquire()
    first = conn.thread_id()
    cur = await conn.cursor(aiomysql.SSCursor)
    await cur.execute("SELECT 1 UNION ALL SELECT 2")
    assert await cur.fetchone() == (1,)
    assert conn.busy
    pool.release(conn)
    assert conn.closed and pool.size == 0
    async with pool.acquire() as fresh:
        assert fresh.thread_id() != first
        assert await select(fresh, "SELECT 3") == (3,)


async def test_closed_connection_is_dropped_on_release(make_pool: MakePool) -> None:
    pool = await make_pool(minsize=1, maxsize=1)
    conn = await pool.acquire()
    conn.close()
    pool.release(conn)
    assert pool.size == 0 and pool.stats().closed == 1
    async with pool.acquire() as fresh:
        assert fresh is not conn and not fresh.closed


@pytest.mark.timing
async def test_pool_recycle_replaces_an_old_connection(make_pool: MakePool) -> None:
    young = await make_pool(minsize=1, maxsize=1, pool_recycle=3600)
    async with young.acquire() as conn:
        first = conn.thread_id()
    async with young.acquire() as conn:
        assert conn.thread_id() == first  # young enough
    pool = await make_pool(minsize=1, maxsize=1, pool_recycle=0.5)
    async with pool.acquire() as conn:
        first = conn.thread_id()
    await asyncio.sleep(0.6)  # a lower bound: at least this old, however slow the machine
    async with pool.acquire() as conn:
        assert conn.thread_id() != first
        assert await select(conn, "SELECT CONNECTION_ID()") == (conn.thread_id(),)
    assert pool.size == 1 and pool.stats().opened == 2 and pool.stats().closed == 1


async def test_pre_ping_replaces_a_dead_idle_connection(
    make_pool: MakePool, connect_kwargs: dict[str, Any]
) -> None:
    pool = await make_pool(minsize=1, maxsize=1, pre_ping_idle=0.2)
    async with pool.acquire() as conn:
        first = conn.thread_id()
    async with aiomysql.connect(**connect_kwargs) as killer:
        await execute(killer, f"KILL {first}")
    await asyncio.sleep(0.3)
    async with pool.acquire() as conn:  # idle long enough: pinged, found dead, replaced
        assert conn.thread_id() != first
        assert await select(conn, "SELECT 4") == (4,)
    assert pool.stats().closed == 1 and pool.size == 1


# -- clear / close / terminate / wait_closed ------------------------------------------


async def test_clear_closes_free_connections_and_acquire_refills_minsize(
    make_pool: MakePool,
) -> None:
    pool = await make_pool(minsize=2, maxsize=4)
    held = await pool.acquire()
    await pool.clear()
    assert (pool.size, pool.freesize) == (1, 0)
    pool.release(held)
    await pool.clear()
    assert (pool.size, pool.freesize) == (0, 0)
    async with pool.acquire() as conn:
        assert await select(conn, "SELECT 1") == (1,)
        assert (pool.size, pool.freesize) == (2, 1)
    assert pool.stats().closed == 2 and pool.stats().opened == 4


async def test_closed_pool_refuses_acquire(make_pool: MakePool) -> None:
    pool = await make_pool()
    pool.close()
    assert pool.closed
    with pytest.raises(PoolClosedError, match="after closing pool") as info:
        await pool.acquire()
    assert isinstance(info.value, RuntimeError)  # what aiomysql 0.3 raised
    assert isinstance(info.value, aiomysql.InterfaceError)
    with pytest.raises(PoolClosedError):
        async with pool.acquire():
            pass
    await pool.wait_closed()
    assert pool.size == 0


async def test_close_closes_in_use_connections_on_release(make_pool: MakePool) -> None:
    pool = await make_pool(minsize=2, maxsize=2)
    conn = await pool.acquire()
    pool.close()
    assert pool.freesize == 0 and pool.size == 1
    assert await select(conn, "SELECT 7") == (7,)  # still usable until released
    pool.release(conn)
    assert pool.size == 0
    await pool.wait_closed()
    assert conn.closed


async def test_close_wakes_waiters_with_an_error(make_pool: MakePool) -> None:
    pool = await make_pool(minsize=1, maxsize=1)
    held = await pool.acquire()
    waiter = asyncio.create_task(pool.acquire())
    assert await still_blocked(waiter, 0.05)
    pool.close()
    with pytest.raises(PoolClosedError):
        await waiter
    pool.release(held)
    await pool.wait_closed()


async def test_wait_closed_blocks_until_release(make_pool: MakePool) -> None:
    pool = await make_pool(minsize=1, maxsize=3)
    a, b = await pool.acquire(), await pool.acquire()
    pool.close()
    closing = asyncio.create_task(pool.wait_closed())
    assert await still_blocked(closing)
    pool.release(a)
    assert await still_blocked(closing)
    pool.release(b)
    await asyncio.wait_for(closing, 5)
    assert a.closed and b.closed and pool.size == 0


async def test_wait_closed_without_close_closes_the_pool(make_pool: MakePool) -> None:
    # The seed's example does exactly this.
    pool = await make_pool(minsize=2)
    async with pool.acquire() as conn:
        assert await select(conn, "SELECT 10") == (10,)
    await pool.wait_closed()
    assert pool.closed and pool.size == 0 and conn.closed


async def test_terminate_closes_connections_in_use_at_once(make_pool: MakePool) -> None:
    pool = await make_pool(minsize=1, maxsize=3)
    a, b = await pool.acquire(), await pool.acquire()
    sleeper = asyncio.create_task(select(b, "SELECT SLEEP(10)"))
    await asyncio.sleep(0.1)
    pool.terminate()
    assert pool.closed and a.closed and b.closed and pool.size == 0
    with pytest.raises(aiomysql.Error):
        await asyncio.wait_for(sleeper, 5)
    pool.release(a)  # releasing a terminated connection is allowed and does nothing
    await pool.wait_closed()
    with pytest.raises(PoolClosedError):
        await pool.acquire()


async def test_repr_and_stats_snapshot(make_pool: MakePool) -> None:
    pool = await make_pool(minsize=1, maxsize=2)
    assert "size=1" in repr(pool) and "open" in repr(pool)
    snapshot = pool.stats()
    async with pool.acquire():
        pass
    assert snapshot.acquired == 0 and pool.stats().acquired == 1


async def test_an_idle_connection_gives_back_the_memory_of_a_big_result(
    make_pool: MakePool,
) -> None:
    """The receive buffer a 20 MiB value grew is kept while the connection works (the
    next BLOB reuses it), and given back when the connection goes idle in the pool."""
    pool = await make_pool(minsize=1, maxsize=1)
    async with pool.acquire() as conn:
        async with conn.cursor() as cur:
            await cur.execute("SELECT REPEAT('z', 20 * 1024 * 1024)")
            (value,) = await cur.fetchone()
            assert len(value) == 20 * 1024 * 1024
        core = conn.channel.core
        assert core is not None
        assert len(core.get_buffer().obj) >= 20 * 1024 * 1024
        core.buffer_updated(0)
    async with pool.acquire() as again:
        assert again is conn
        assert len(core.get_buffer().obj) <= 1024 * 1024
        core.buffer_updated(0)
        async with again.cursor() as cur:
            await cur.execute("SELECT 1")
            assert await cur.fetchone() == (1,)
