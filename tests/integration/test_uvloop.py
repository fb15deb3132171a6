"""The driver on uvloop's event loop: transport, flow control, pool and cancellation.

Each test runs its own uvloop loop (asyncio.Runner with uvloop's loop factory), so the
rest of the suite keeps the default loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
import uvloop
from held import HeldLock, time_out_when

import aiomysql


def run_on_uvloop(make: Callable[[], Coroutine[Any, Any, None]]) -> None:
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(make())
        assert isinstance(runner.get_loop(), uvloop.Loop)


def test_queries_big_values_and_unbuffered_reads(connect_kwargs: dict[str, Any]) -> None:
    async def main() -> None:
        async with aiomysql.connect(**connect_kwargs) as conn:
            async with conn.cursor() as cur:
                await cur.execute("SELECT %s, %s", (1, "ü"))
                assert await cur.fetchone() == (1, "ü")
                value = bytes(range(256)) * (80 * 1024 + 7)  # > 16 MiB: split packets
                await cur.execute("SELECT %s", (value,))
                assert await cur.fetchone() == (value,)
                await cur.execute("SELECT seq FROM seq_1_to_100000")
                rows = await cur.fetchall()
                assert len(rows) == 100_000 and rows[-1] == (100_000,)
            async with conn.cursor(aiomysql.SSCursor) as ss:
                # Enough rows to cross the high-water mark: reading pauses and resumes.
                await ss.execute("SELECT seq, REPEAT('x', 100) FROM seq_1_to_300000")
                count = last = 0
                async for row in ss:
                    count += 1
                    last = row[0]
                    if count % 50_000 == 0:
                        await asyncio.sleep(0)
                assert count == 300_000 and last == 300_000

    run_on_uvloop(main)


def test_pool_under_concurrency(connect_kwargs: dict[str, Any]) -> None:
    async def main() -> None:
        async with aiomysql.create_pool(minsize=2, maxsize=5, **connect_kwargs) as pool:

            async def task(i: int) -> int:
                async with pool.acquire() as conn, conn.cursor() as cur:
                    await cur.execute("SELECT %s", (i,))
                    (value,) = await cur.fetchone()
                    assert pool.size <= 5
                    return int(value)

            results = await asyncio.gather(*(task(i) for i in range(300)))
            assert results == list(range(300))
            assert pool.freesize == pool.size

    run_on_uvloop(main)


@pytest.mark.timing
def test_cancelled_query_closes_the_connection(connect_kwargs: dict[str, Any]) -> None:
    async def main() -> None:
        conn = await aiomysql.connect(**connect_kwargs)
        cur = await conn.cursor()
        async with HeldLock(connect_kwargs) as lock:
            try:
                await time_out_when(
                    lock.blocking(conn.thread_id()), cur.execute(lock.sql), "blocked"
                )
            except TimeoutError:
                pass
            else:
                raise AssertionError("the statement should have been cancelled")
        assert conn.closed
        conn.close()
        async with aiomysql.connect(**connect_kwargs) as fresh, fresh.cursor() as cur2:
            await cur2.execute("SELECT 2")
            assert await cur2.fetchone() == (2,)

    run_on_uvloop(main)
