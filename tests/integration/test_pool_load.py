"""Pool under load and cancellation: bounded size, nothing leaked, every result correct."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest
from held import HeldLock, cancel_when, until
from pool_support import MakePool, create_table, select

import aiomysql
from aiomysql.pool import Pool


async def check_every_connection(pool: Pool) -> None:
    """Take every connection the pool may hold at once and check each answers correctly."""
    conns = await asyncio.gather(*(pool.acquire() for _ in range(pool.maxsize)))
    try:
        assert len({c.thread_id() for c in conns}) == len(conns)
        for k, conn in enumerate(conns):
            assert not conn.get_transaction_status()
            assert await select(conn, "SELECT %s, CONNECTION_ID()", k) == (k, conn.thread_id())
    finally:
        for conn in conns:
            pool.release(conn)
    assert pool.size == pool.freesize == pool.maxsize


async def test_thousand_tasks_through_a_pool_of_ten(make_pool: MakePool) -> None:
    pool = await make_pool(minsize=1, maxsize=10)
    sizes: list[int] = []

    async def work(i: int) -> None:
        async with pool.acquire() as conn:
            sizes.append(pool.size)
            assert await select(conn, "SELECT %s", i) == (i,)
            sizes.append(pool.size)
        sizes.append(pool.size)

    await asyncio.gather(*(work(i) for i in range(1000)))
    assert len(sizes) == 3000 and max(sizes) <= 10
    assert pool.size == pool.freesize == 10
    stats = pool.stats()
    assert (stats.acquired, stats.released, stats.opened, stats.closed) == (1000, 1000, 10, 0)
    assert stats.waits > 0


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_random_cancellation_leaks_nothing(make_pool: MakePool, seed: int) -> None:
    """Tasks are cancelled at random moments: queued in acquire(), opening a connection,
    pinging it (pre_ping_idle=0), inside a query, or inside the release (rollback) at the
    end of ``async with``. Afterwards no connection is missing or in use, and each
    connection left in the pool answers correctly."""
    rng = random.Random(seed)
    pool = await make_pool(minsize=0, maxsize=5, autocommit=False, pre_ping_idle=0)
    async with pool.acquire() as conn:
        async with conn.cursor() as cur:
            await create_table(cur, "pool_cancel")
            await cur.execute("DELETE FROM pool_cancel")
        await conn.commit()

    async def work(i: int, pause: float) -> None:
        async with pool.acquire() as conn:
            assert pool.size <= 5
            async with conn.cursor() as cur:
                await cur.execute("INSERT INTO pool_cancel VALUES (%s)", (i,))
                await cur.execute("SELECT %s, SLEEP(%s)", (i, pause))
                assert await cur.fetchone() == (i, 0)
            # The transaction is left open: release must roll it back.

    loop = asyncio.get_running_loop()
    tasks = [asyncio.create_task(work(i, rng.choice([0, 0, 0.005, 0.02]))) for i in range(300)]
    # Which tasks get a cancel is chosen up front; where it lands (if the task has not
    # finished by then) is up to the moment, and any point is fine. What is checked does
    # not depend on it: a task that got no cancel must succeed, whatever the others did.
    doomed = set(rng.sample(range(len(tasks)), 150))
    for i in sorted(doomed):
        loop.call_later(rng.uniform(0, 0.6), tasks[i].cancel)
    results = await asyncio.gather(*tasks, return_exceptions=True)

    errors = [r for r in results if isinstance(r, BaseException)]
    unexpected = [e for e in errors if not isinstance(e, asyncio.CancelledError)]
    assert not unexpected
    spared = [results[i] for i in range(len(tasks)) if i not in doomed]
    assert spared == [None] * len(spared)
    print(f"seed {seed}: {len(errors)} of {len(doomed)} cancels landed before the task ended")
    assert pool.size <= 5
    await check_every_connection(pool)
    stats = pool.stats()
    assert stats.opened - stats.closed == pool.size
    assert stats.acquired == stats.released
    async with pool.acquire() as conn:
        assert await select(conn, "SELECT COUNT(*) FROM pool_cancel") == (0,)


@pytest.mark.timing
async def test_cancelled_waiter_passes_the_connection_on(make_pool: MakePool) -> None:
    pool = await make_pool(minsize=1, maxsize=1)
    held = await pool.acquire()
    first = asyncio.create_task(pool.acquire())
    second = asyncio.create_task(pool.acquire())
    await asyncio.sleep(0.05)
    pool.release(held)  # handed to `first` ...
    first.cancel()  # ... which is cancelled before it runs
    got = await asyncio.wait_for(second, 5)
    assert got is held
    with pytest.raises(asyncio.CancelledError):
        await first
    pool.release(got)
    assert pool.size == pool.freesize == 1


@pytest.mark.timing
async def test_cancelled_waiter_passes_its_opening_slot_on(make_pool: MakePool) -> None:
    pool = await make_pool(minsize=1, maxsize=1)
    held = await pool.acquire()
    first = asyncio.create_task(pool.acquire())
    second = asyncio.create_task(pool.acquire())
    await asyncio.sleep(0.05)
    held.close()
    pool.release(held)  # a slot, not a connection, goes to `first` ...
    first.cancel()  # ... which is cancelled before it runs
    got = await asyncio.wait_for(second, 5)
    assert got is not held and await select(got, "SELECT 1") == (1,)
    with pytest.raises(asyncio.CancelledError):
        await first
    pool.release(got)
    assert pool.size == pool.freesize == 1


@pytest.mark.timing
async def test_cancel_while_connecting_frees_the_slot(make_pool: MakePool) -> None:
    pool = await make_pool(minsize=0, maxsize=1)
    task = asyncio.create_task(pool.acquire())
    await asyncio.sleep(0)
    assert pool.size == 1  # being opened
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert pool.size == 0
    async with pool.acquire() as conn:
        assert await select(conn, "SELECT 1") == (1,)


@pytest.mark.timing
async def test_cancel_while_pinging_drops_the_connection(make_pool: MakePool) -> None:
    pool = await make_pool(minsize=1, maxsize=1, pre_ping_idle=0)
    async with pool.acquire() as conn:
        first = conn
    task = asyncio.create_task(pool.acquire())
    await asyncio.sleep(0)  # popped from the free list, ping in flight
    assert pool.freesize == 0
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert first.closed and pool.size == 0
    async with pool.acquire() as conn:
        assert conn is not first and await select(conn, "SELECT 2") == (2,)


@pytest.mark.timing
async def test_cancel_inside_a_query_drops_the_connection(
    make_pool: MakePool, connect_kwargs: dict[str, Any]
) -> None:
    pool = await make_pool(minsize=1, maxsize=1)
    used: list[aiomysql.Connection] = []
    async with HeldLock(connect_kwargs) as lock:

        async def slow() -> None:
            async with pool.acquire() as conn:
                used.append(conn)
                await select(conn, lock.sql)

        async def blocked() -> bool:
            return bool(used) and await lock.blocking(used[0].thread_id())()

        await cancel_when(blocked, slow(), "the query blocked on the lock")
    assert used[0].closed and pool.size == 0
    async with pool.acquire() as conn:
        assert conn is not used[0]
        assert await select(conn, "SELECT 3") == (3,)


@pytest.mark.timing
async def test_acquire_timeout_under_load_keeps_accounting(
    make_pool: MakePool, connect_kwargs: dict[str, Any]
) -> None:
    """Both connections are held (their statements wait on a lock) while 20 more tasks
    queue: each of those times out, structurally. Then the lock goes, the holders finish,
    and 20 more tasks all get a connection. The accounting matches throughout."""
    pool = await make_pool(minsize=0, maxsize=2, acquire_timeout=0.05)

    async def work(i: int, sql: str = "SELECT %s, 0") -> str:
        try:
            async with pool.acquire() as conn:
                assert (await select(conn, sql, i))[0] == i
            return "ok"
        except asyncio.TimeoutError:
            return "timeout"

    async with HeldLock(connect_kwargs) as lock:
        sql = "SELECT %s, " + lock.pass_sql[len("SELECT ") :]
        holders = [asyncio.create_task(work(i, sql)) for i in range(2)]
        await until(lock.waiting(2), "both connections blocked on the lock")
        queued = await asyncio.gather(*(work(i) for i in range(2, 22)))
        assert queued == ["timeout"] * 20
    assert await asyncio.gather(*holders) == ["ok", "ok"]
    after = await asyncio.gather(*(work(i) for i in range(22, 42)))
    assert after == ["ok"] * 20
    assert pool.stats().timeouts == 20
    assert pool.size == pool.freesize <= 2
