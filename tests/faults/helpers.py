"""Shared helpers of the fault tests: a rows table, a direct checker connection, bounds."""

from __future__ import annotations

import asyncio
import os
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


async def processlist_ids(connect_kwargs: dict[str, Any]) -> set[int]:
    """The ids of every client session the server has open now (not its own daemon
    threads, such as MySQL's event scheduler), seen from a second connection."""
    conn = await direct(connect_kwargs)
    try:
        result = await conn.run_query(
            "SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND <> 'Daemon'"
        )
        return {row[0] for row in result.rows or ()} - {conn.thread_id()}
    finally:
        await conn.ensure_closed()


async def session_gone(connect_kwargs: dict[str, Any], *thread_ids: int) -> None:
    """Wait (bounded) until the server no longer lists any of ``thread_ids``."""
    async with asyncio.timeout(BOUND):
        while set(thread_ids) & await processlist_ids(connect_kwargs):
            await asyncio.sleep(0.02)


async def wait_for_state(connect_kwargs: dict[str, Any], thread_id: int, like: str) -> None:
    """Wait (bounded) until session ``thread_id`` runs a statement matching ``like`` and is
    waiting inside it (the server holds it at that point: a lock, a socket read/write)."""
    conn = await direct(connect_kwargs)
    try:
        async with asyncio.timeout(BOUND):
            while True:
                result = await conn.run_query(
                    "SELECT STATE FROM information_schema.PROCESSLIST "
                    f"WHERE ID = {int(thread_id)} AND INFO LIKE {conn.escape(like)}"
                )
                if result.rows:
                    return
                await asyncio.sleep(0.02)
    finally:
        await conn.ensure_closed()


def open_fds() -> int:
    """How many file descriptors this process has open."""
    return len(os.listdir("/proc/self/fd"))


async def fds_down_to(count: int) -> None:
    """Wait (bounded) until this process has at most ``count`` descriptors open."""
    async with asyncio.timeout(BOUND):
        while open_fds() > count:
            await asyncio.sleep(0.01)
