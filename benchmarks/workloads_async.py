"""The workloads for asyncio drivers; each brackets only its measured part with the timer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from types import ModuleType
from typing import Any

import checks
import spec
from timer import Timer

Cfg = dict[str, Any]


async def _session(ad: ModuleType, cfg: Cfg) -> tuple[Any, Any]:
    conn = await ad.connect(cfg)
    cur = await ad.cursor(conn)
    await cur.execute("SELECT 1")  # warm-up: first-query code paths are not measured
    await cur.fetchall()
    return conn, cur


async def fetch(ad: ModuleType, cfg: Cfg, t: Timer) -> None:
    conn, cur = await _session(ad, cfg)
    try:
        t.start()
        await cur.execute(spec.SQL_FETCH)
        rows = await cur.fetchall()
        t.stop()
        checks.fetched_rows(rows)
    finally:
        await ad.close(conn)


async def point(ad: ModuleType, cfg: Cfg, t: Timer) -> None:
    ids = spec.point_ids()
    results: list[Any] = []
    conn, cur = await _session(ad, cfg)
    try:
        t.start()
        for n in ids:
            await cur.execute(spec.SQL_POINT, (n,))
            results.append(await cur.fetchall())
        t.stop()
        checks.point_results(results, ids)
    finally:
        await ad.close(conn)


async def insert(ad: ModuleType, cfg: Cfg, t: Timer) -> None:
    rows = [spec.row_values(n) for n in range(1, spec.INSERT_ROWS + 1)]
    conn, cur = await _session(ad, cfg)
    try:
        await cur.execute("TRUNCATE TABLE insert_rows")
        await conn.commit()
        t.start()
        await cur.executemany(spec.SQL_INSERT, rows)
        await conn.commit()
        t.stop()
        await cur.execute(checks.SQL_INSERT_CHECK)
        count_sum = (await cur.fetchall())[0]
        await cur.execute(checks.SQL_INSERT_FIRST)
        checks.inserted(count_sum, (await cur.fetchall())[0])
    finally:
        await ad.close(conn)


async def pool(ad: ModuleType, cfg: Cfg, t: Timer) -> None:
    ids = spec.point_ids()
    per_task = spec.POOL_SELECTS_PER_TASK
    chunks = [ids[i : i + per_task] for i in range(0, len(ids), per_task)]
    assert len(chunks) == spec.POOL_TASKS
    results: list[Any] = [None] * len(ids)
    the_pool = await ad.create_pool(cfg, spec.POOL_SIZE)

    async def task(first: int, chunk: list[int]) -> None:
        for i, n in enumerate(chunk):
            async with ad.acquire(the_pool) as conn:
                cur = await ad.cursor(conn)
                await cur.execute(spec.SQL_POINT, (n,))
                results[first + i] = await cur.fetchall()

    try:
        await task(0, ids[:1])  # warm-up
        t.start()
        await asyncio.gather(*(task(k * per_task, c) for k, c in enumerate(chunks)))
        t.stop()
        checks.point_results(results, ids)
    finally:
        await ad.close_pool(the_pool)


async def pool_task(ad: ModuleType, cfg: Cfg, t: Timer) -> None:
    """Like ``pool`` but each task holds its connection for all its statements, as a web
    request does: one acquire per task."""
    ids = spec.point_ids()
    per_task = spec.POOL_SELECTS_PER_TASK
    chunks = [ids[i : i + per_task] for i in range(0, len(ids), per_task)]
    assert len(chunks) == spec.POOL_TASKS
    results: list[Any] = [None] * len(ids)
    the_pool = await ad.create_pool(cfg, spec.POOL_SIZE)

    async def task(first: int, chunk: list[int]) -> None:
        async with ad.acquire(the_pool) as conn:
            cur = await ad.cursor(conn)
            for i, n in enumerate(chunk):
                await cur.execute(spec.SQL_POINT, (n,))
                results[first + i] = await cur.fetchall()

    try:
        await task(0, ids[:1])  # warm-up
        t.start()
        await asyncio.gather(*(task(k * per_task, c) for k, c in enumerate(chunks)))
        t.stop()
        checks.point_results(results, ids)
    finally:
        await ad.close_pool(the_pool)


async def blob_fetch(ad: ModuleType, cfg: Cfg, t: Timer) -> None:
    values: list[Any] = []
    conn, cur = await _session(ad, cfg)
    try:
        t.start()
        for _ in range(spec.BLOB_REPEAT):
            await cur.execute(spec.SQL_BLOB_FETCH)
            values.append((await cur.fetchall())[0][0])
        t.stop()
        for value in values:
            checks.blob_value(value)
    finally:
        await ad.close(conn)


async def blob_insert(ad: ModuleType, cfg: Cfg, t: Timer) -> None:
    value = spec.blob()
    conn, cur = await _session(ad, cfg)
    try:
        await cur.execute("TRUNCATE TABLE blob_sink")
        await conn.commit()
        t.start()
        for _ in range(spec.BLOB_REPEAT):
            await cur.execute(spec.SQL_BLOB_INSERT, (value,))
        await conn.commit()
        t.stop()
        await cur.execute(checks.SQL_BLOB_CHECK)
        checks.blobs_inserted((await cur.fetchall())[0])
        await cur.execute("TRUNCATE TABLE blob_sink")
    finally:
        await ad.close(conn)


async def text(ad: ModuleType, cfg: Cfg, t: Timer) -> None:
    conn, cur = await _session(ad, cfg)
    try:
        t.start()
        await cur.execute(spec.SQL_TEXT)
        rows = await cur.fetchall()
        t.stop()
        checks.text_rows(rows)
    finally:
        await ad.close(conn)


WORKLOADS: dict[str, Callable[[ModuleType, Cfg, Timer], Coroutine[Any, Any, None]]] = {
    "1-fetch": fetch,
    "2-point": point,
    "3-insert": insert,
    "4-pool": pool,
    "4-pool-task": pool_task,
    "5-blob-fetch": blob_fetch,
    "5-blob-insert": blob_insert,
    "6-text": text,
}
