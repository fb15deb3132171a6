"""Unbuffered cursors keep client memory flat: measured over 200k and 2M rows."""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any

from held import until

import aiomysql
from aiomysql._wire import HIGH_WATER

QUERY = "SELECT seq, REPEAT('x', 20), seq * 2 FROM seq_1_to_{n}"


def rss_kib(field: str) -> int:
    """VmRSS (now) or VmHWM (peak since the last reset) of this process, in KiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"{field} missing from /proc/self/status")


def reset_peak_rss() -> None:
    """Make VmHWM start again from the current RSS (Linux: clear_refs 5)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


async def stream_peak(conn: aiomysql.Connection, n: int, kind: Any) -> int:
    """Read an n-row result through ``kind``, checking every row; the peak RSS growth.

    Resident memory, not tracemalloc: tracing every allocation made 2M rows take over
    a minute. A buffered result of 2M rows would need several hundred MB.
    """
    gc.collect()
    reset_peak_rss()
    base = rss_kib("VmRSS")
    async with conn.cursor(kind) as cur:
        await cur.execute(QUERY.format(n=n))
        count = 0
        total = 0
        while rows := await cur.fetchmany(1000):
            count += len(rows)
            for row in rows:
                total += row[0] if isinstance(row, tuple) else row["seq"]
        assert count == n
        assert total == n * (n + 1) // 2
    return (rss_kib("VmHWM") - base) * 1024


async def test_sscursor_memory_is_flat_over_2_million_rows(
    connect_kwargs: dict[str, Any],
) -> None:
    """Peak RSS growth for 2M rows stays close to that of 200k rows (not ~10x).

    Takes about 10 s on the 2-core CI machine.
    """
    async with aiomysql.connect(**connect_kwargs) as conn:
        # The meter works: a buffered cursor holds all of even 200k rows (~40 MB).
        buffered = await stream_peak(conn, 200_000, aiomysql.Cursor)
        print(f"Cursor (buffered): peak RSS growth {buffered / 1e6:.2f} MB for 200k rows")
        assert buffered > 20_000_000, buffered
        for kind in (aiomysql.SSCursor, aiomysql.SSDictCursor):
            started = time.monotonic()
            small = await stream_peak(conn, 200_000, kind)
            large = await stream_peak(conn, 2_000_000, kind)
            print(
                f"{kind.__name__}: peak RSS growth {small / 1e6:.2f} MB for 200k rows, "
                f"{large / 1e6:.2f} MB for 2M rows ({time.monotonic() - started:.1f} s)"
            )
            # Allocator noise is a few MB; buffering would be ~10x (hundreds of MB).
            assert large < 2 * small + 8_000_000, (small, large)
            assert large < 16 * HIGH_WATER, large
            assert large < buffered / 4, (large, buffered)


async def test_reading_pauses_above_the_high_water_mark(connect_kwargs: dict[str, Any]) -> None:
    """While nobody fetches, the transport stops reading instead of buffering the result."""
    async with aiomysql.connect(**connect_kwargs) as conn:
        async with conn.cursor(aiomysql.SSCursor) as cur:
            await cur.execute("SELECT seq, REPEAT('y', 100) FROM seq_1_to_1000000")
            assert await cur.fetchone() == (1, "y" * 100)
            wire, core = conn.channel.wire, conn.channel.core
            assert wire is not None and core is not None
            # The server has ~110 MB to send: wait until it has filled what we allow.
            await until(lambda: wire._reading_paused, "reading paused at the high-water mark")
            buffered = core.buffered()
            await asyncio.sleep(0.2)
            assert core.buffered() == buffered  # paused: nothing more arrives
            # One socket read past the mark at most (asyncio reads up to 256 KiB).
            assert HIGH_WATER < buffered <= HIGH_WATER + 256 * 1024 + 4096, buffered
            # Reading resumes when rows are wanted; every row still arrives intact.
            n = 1
            async for row in cur:
                n += 1
                assert row[0] == n
            assert n == 1_000_000
            assert not wire._reading_paused
