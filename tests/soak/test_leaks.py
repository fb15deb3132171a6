"""Bounded leak test: N statements and M connect/close cycles (with failed connects,
cancelled statements and short-lived pools mixed in) leave RSS, open file descriptors,
asyncio tasks and gc-tracked objects flat.

The work runs in ten equal windows; the first is the warm-up (caches, the allocator's
arenas, lazily imported modules fill there). The figures after it are compared with
those at the end. CI runs 20,000 statements and 500 cycles; ``AIOMYSQL_LEAK_LONG=1``
runs 200,000 and 5,000 (or set ``AIOMYSQL_LEAK_STATEMENTS`` / ``AIOMYSQL_LEAK_CYCLES``).
Run with ``-s`` to see the figures.
"""

from __future__ import annotations

import asyncio
import gc
import os
import socket
import time
from dataclasses import dataclass
from typing import Any

import pytest

import aiomysql
from aiomysql.connection import wait_for_kill_queries

LONG = os.environ.get("AIOMYSQL_LEAK_LONG", "") not in ("", "0")
STATEMENTS = int(os.environ.get("AIOMYSQL_LEAK_STATEMENTS") or (200_000 if LONG else 20_000))
CYCLES = int(os.environ.get("AIOMYSQL_LEAK_CYCLES") or (5_000 if LONG else 500))
WINDOWS = 10

#: Allowed growth from the end of the warm-up window to the end of the run. A leak of
#: one small object per statement or a few per cycle exceeds these many times over.
RSS_SLACK = 8 * 1024 * 1024
GC_SLACK = 200

pytestmark = pytest.mark.soak


@dataclass(frozen=True)
class Figures:
    rss: int  # bytes resident
    fds: int
    tasks: int
    objects: int  # gc-tracked objects after a full collection

    def __str__(self) -> str:
        return (
            f"RSS {self.rss / 2**20:.1f} MiB, {self.fds} fds, {self.tasks} tasks, "
            f"{self.objects:,} gc objects"
        )


def measure() -> Figures:
    gc.collect()
    with open("/proc/self/statm") as f:
        resident_pages = int(f.read().split()[1])
    return Figures(
        rss=resident_pages * os.sysconf("SC_PAGE_SIZE"),
        fds=len(os.listdir("/proc/self/fd")),
        tasks=len(asyncio.all_tasks()),
        objects=len(gc.get_objects()),
    )


async def statements(kw: dict[str, Any], start: int, count: int) -> None:
    """``count`` statements of several kinds, errors included, on one connection (closed
    at the end: its bounded caches of column definitions go with it)."""
    conn = await aiomysql.connect(**kw, autocommit=True)
    cur = await conn.cursor()
    for i in range(start, start + count):
        kind = i % 100
        if kind == 0:
            ss = await conn.cursor(aiomysql.SSCursor)
            await ss.execute("SELECT seq, 'row' FROM seq_1_to_100")
            assert len(await ss.fetchall()) == 100
            await ss.close()
        elif kind == 1:
            await cur.executemany(
                "INSERT INTO leak_rows (n, s) VALUES (%s, %s)", [(i, "v" * 20)] * 10
            )
        elif kind == 2:
            with pytest.raises(aiomysql.ProgrammingError):
                await cur.execute("SELECT * FROM no_such_table_here")
        elif kind == 3:
            await cur.execute("DELETE FROM leak_rows")
        elif kind % 10 == 4:
            await cur.execute("INSERT INTO leak_rows (n, s) VALUES (%s, %s)", (i, "x" * 100))
        else:
            # Each literal is also its column's name: new column definitions every time,
            # so the connection's bounded cache of them fills and is emptied over and over.
            await cur.execute("SELECT %s, %s, NOW(), 1.5", (i, f"value {i}"))
            row = await cur.fetchone()
            assert row is not None and row[0] == i
    await cur.close()
    await conn.ensure_closed()


async def one_cycle(i: int, kw: dict[str, Any], closed_port: int) -> None:
    """One connect/close cycle; some fail to connect, some cancel a statement."""
    kind = i % 20
    if kind in (3, 13):  # refused
        with pytest.raises(aiomysql.OperationalError):
            await aiomysql.connect(**{**kw, "host": "127.0.0.1", "port": closed_port})
    elif kind == 7:  # wrong password
        with pytest.raises(aiomysql.OperationalError):
            await aiomysql.connect(**{**kw, "password": "not the password"})
    elif kind in (5, 15):  # a statement cancelled while the server runs it
        conn = await aiomysql.connect(**kw, kill_query_on_cancel=True)
        task = asyncio.create_task(conn.query("SELECT SLEEP(30)"))
        await asyncio.sleep(0)  # it has sent the statement and waits for the reply
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert conn.closed
        await wait_for_kill_queries()  # the server stops it too
    elif kind == 10:  # a short-lived pool
        pool = await aiomysql.create_pool(minsize=1, maxsize=3, **kw)
        async with pool.acquire() as a, pool.acquire() as b:
            await a.query("SELECT 1")
            await b.query("SELECT 2")
        pool.close()
        await pool.wait_closed()
    elif kind == 17:  # closed without the polite quit
        conn = await aiomysql.connect(**kw)
        conn.close()
    else:
        async with aiomysql.connect(**kw) as conn:
            await conn.query("SELECT 1")


async def test_no_leaks(connect_kwargs: dict[str, Any]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    async with aiomysql.connect(**connect_kwargs) as conn:
        await conn.query(
            "CREATE TABLE IF NOT EXISTS leak_rows (id INT AUTO_INCREMENT PRIMARY KEY, "
            "n INT, s VARCHAR(200)) ENGINE=InnoDB"
        )
    per_window = (STATEMENTS // WINDOWS, CYCLES // WINDOWS)
    seen: list[Figures] = [measure()]
    started = time.monotonic()
    for w in range(WINDOWS):
        await statements(connect_kwargs, w * per_window[0], per_window[0])
        for i in range(w * per_window[1], (w + 1) * per_window[1]):
            await one_cycle(i, connect_kwargs, closed_port)
        await asyncio.sleep(0.05)  # let closed transports finish their callbacks
        seen.append(measure())
    elapsed = time.monotonic() - started

    warm, end = seen[1], seen[-1]
    print(
        f"\nleaks: {STATEMENTS:,} statements + {CYCLES:,} connect/close cycles in "
        f"{elapsed:.1f} s\n  before: {seen[0]}\n  after warm-up: {warm}\n  end: {end}\n"
        f"  RSS by window (MiB): {[round(f.rss / 2**20, 1) for f in seen]}\n"
        f"  gc objects by window: {[f.objects for f in seen]}"
    )
    assert end.fds <= warm.fds, (warm, end)
    assert end.tasks <= warm.tasks, (warm, end)
    # The test's own bookkeeping: one Figures kept per window after the warm-up's.
    own = len(seen) - 2
    assert end.objects - warm.objects - own <= GC_SLACK, (warm, end)
    assert end.rss - warm.rss <= RSS_SLACK, (warm, end)
