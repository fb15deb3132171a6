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
