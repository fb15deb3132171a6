"""Helpers for the SQLAlchemy tests: run SQL on a driver connection, KILL a connection."""

from __future__ import annotations

import asyncio
from typing import Any

import aiomysql


async def fetch(conn: aiomysql.Connection, sql: str, args: Any = None) -> list[tuple[Any, ...]]:
    """All rows of ``sql`` run on ``conn``."""
    async with conn.cursor() as cur:
        await cur.execute(sql, args)
        return list(await cur.fetchall())


async def kill(conn: aiomysql.Connection, thread_id: int) -> None:
    """KILL a connection server-side and wait until the server has really dropped it."""
    async with conn.cursor() as cur:
        await cur.execute(f"KILL {int(thread_id)}")
        for _ in range(500):
            await cur.execute(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = %s", (thread_id,)
            )
            if (await cur.fetchone())[0] == 0:
                return
            await asyncio.sleep(0.01)
    raise AssertionError(f"connection {thread_id} still listed after KILL")


async def end_prepared_xids(conn: aiomysql.Connection, prefix: str = "aiomysql") -> None:
    """Roll back prepared XA transactions a failed test left behind (they hold locks).

    ``conn`` must be in autocommit mode: the server refuses otherwise (XAER_OUTSIDE).
    """
    for *_, data in await fetch(conn, "XA RECOVER"):
        xid = data.decode() if isinstance(data, bytes) else str(data)
        if xid.startswith(prefix):
            async with conn.cursor() as cur:
                try:
                    await cur.execute("XA ROLLBACK %s", (xid,))
                except aiomysql.OperationalError as exc:
                    if exc.args[0] != 1402:  # XA_RBROLLBACK: it is rolled back (read-only)
                        raise
