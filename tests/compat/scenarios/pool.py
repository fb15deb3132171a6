"""Scenario: create_pool() and Pool: sizes, acquire/release, closing, the deprecated
``await pool`` / ``with pool`` forms, errors after close."""

from __future__ import annotations

import asyncio
from typing import Any

from harness import Recorder, run

import aiomysql


def sizes(rec: Recorder, key: str, pool: Any) -> None:
    rec.note(key, [pool.size, pool.freesize, pool.minsize, pool.maxsize, pool.closed])


async def main(rec: Recorder, kwargs: dict[str, Any]) -> None:
    pool = await aiomysql.create_pool(minsize=2, maxsize=3, **kwargs)
    sizes(rec, "sizes.created", pool)
    rec.note("echo", pool.echo)
    rec.note("loop_is_running", pool._loop.is_running())
    conn = await pool.acquire()
    sizes(rec, "sizes.acquired", pool)
    rec.note("used_free", [len(pool._used), len(pool._free)])
    rec.note("conn.type", type(conn).__name__)
    await rec.effect("release", pool.release, conn)
    sizes(rec, "sizes.released", pool)
    async with pool.acquire() as conn:
        async with conn.cursor() as cur:
            await cur.execute("SELECT 1")
            rec.note("acquire_ctx.fetch", await cur.fetchone())
        sizes(rec, "sizes.in_ctx", pool)
    sizes(rec, "sizes.after_ctx", pool)
    conns = [await pool.acquire() for _ in range(3)]
    sizes(rec, "sizes.full", pool)
    waiter = asyncio.ensure_future(pool.acquire())
    await asyncio.sleep(0.05)
    rec.note("waiter.done_while_full", waiter.done())
    pool.release(conns[0])
    got = await asyncio.wait_for(waiter, 10)
    rec.note("waiter.got_released", got is conns[0])
    for c in [got, *conns[1:]]:
        pool.release(c)
    await rec.step("clear", pool.clear)
    sizes(rec, "sizes.cleared", pool)
    # Deprecated forms.
    await rec.effect("with_pool_sync", lambda: pool.__enter__())
    try:
        with pool:
            pass
    except RuntimeError as exc:
        rec.note("with_pool.raised", [type(exc).__name__, str(exc)])

    async def await_pool() -> Any:
        with await pool as conn:
            async with conn.cursor() as cur:
                await cur.execute("SELECT 2")
                return await cur.fetchone()

    await rec.step("with_await_pool", await_pool)
    sizes(rec, "sizes.after_await_pool", pool)
    # Closing.
    conn = await pool.acquire()
    pool.close()
    rec.note("closed_after_close", pool.closed)
    await rec.step("acquire_after_close", pool.acquire)
    await rec.effect("release_after_close", pool.release, conn)
    rec.note("conn_closed_after_release", conn.closed)
    await rec.step("wait_closed", pool.wait_closed)
    sizes(rec, "sizes.closed", pool)
    pool = await aiomysql.create_pool(minsize=1, maxsize=2, **kwargs)
    conn = await pool.acquire()
    pool.terminate()
    await rec.step("terminate.wait_closed", pool.wait_closed)
    rec.note("terminate.conn_closed", conn.closed)
    async with aiomysql.create_pool(minsize=1, **kwargs) as pool:
        rec.note("async_with.closed_inside", pool.closed)
    rec.note("async_with.closed_after", pool.closed)
    pool = await aiomysql.create_pool(minsize=0, maxsize=1, **kwargs)
    sizes(rec, "sizes.minsize0", pool)
    await rec.step("wait_closed_without_close", pool.wait_closed)
    pool.close()
    await pool.wait_closed()
    await rec.effect("bad_sizes", aiomysql.create_pool, minsize=3, maxsize=1, **kwargs)
    await rec.effect("negative_size", aiomysql.create_pool, minsize=-1, **kwargs)


if __name__ == "__main__":
    run(main)
