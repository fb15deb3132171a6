"""Shared helpers of the fault tests: a rows table, a direct checker connection, bounds."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import aiomysql

#: Upper bound on any single faulty operation: a test that needs longer has hung.
BOUND = 10.0

TABLE = "fault_rows"


async def direct(connect_kwargs: dict[str, Any]) -> aiomysql.Connection:
    """A connection straight to the server (not through the proxy), autocommit on."""
    return await aiomysql.connect(**connect_kwargs, autocommit=True)


async def make_table(connect_kwargs: dict[str, Any]) -> str:
    """Create the rows table if needed; return a fresh tag that marks this test's rows."""
    conn = await direct(connect_kwargs)
    try:
        await conn.query(
            f"CREATE TABLE IF NOT EXISTS {TABLE} "
            "(id INT AUTO_INCREMENT PRIMARY KEY, tag CHAR(32) NOT NULL, n INT NOT NULL, "
            "KEY (tag)) ENGINE=InnoDB"
        )
    finally:
        await conn.ensure_closed()
    return uuid.uuid4().hex


async def committed(connect_kwargs: dict[str, Any], tag: str) -> list[int]:
    """The ``n`` of every committed row with ``tag``, seen from a second connection."""
    conn = await direct(connect_kwargs)
    try:
        async with conn.cursor() as cur:
            await cur.execute(f"SELECT n FROM {TABLE} WHERE tag = %s ORDER BY n", (tag,))
            return [row[0] for row in await cur.fetchall()]
    finally:
        await conn.ensure_closed()


async def insert(conn: aiomysql.Connection, tag: str, n: int) -> None:
    """Insert one row (inside the connection's current transaction)."""
    async with conn.cursor() as cur:
        await cur.execute(f"INSERT INTO {TABLE} (tag, n) VALUES (%s, %s)", (tag, n))


async def gone(link_closed: asyncio.Event) -> None:
    """Wait (bounded) until a proxy link has closed: the driver let go of its socket."""
    async with asyncio.timeout(BOUND):
        await link_closed.wait()
