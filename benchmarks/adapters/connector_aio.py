"""Adapter for mysql-connector-python's asyncio API (mysql.connector.aio).

Its own aio pool raises "pool exhausted" instead of waiting and resets the session on
every release (an extra round trip), so the pool workload uses a plain asyncio.Queue of
`size` connections here: the cheapest waiting pool, which favours this driver if anything.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import mysql.connector
import mysql.connector.aio as aio

IS_ASYNC = True
MODULE = mysql.connector


def _kwargs(cfg: dict[str, Any]) -> dict[str, Any]:
    return dict(
        host=cfg["host"],
        port=cfg["port"],
        user=cfg["user"],
        password=cfg["password"],
        database=cfg["database"],
        charset="utf8mb4",
        autocommit=False,
        # 26.10.0's aio connect() crashes reading the TLS cipher of a plain connection
        # when TLS is not disabled; the benchmark server has no TLS anyway.
        ssl_disabled=True,
    )


async def connect(cfg: dict[str, Any]) -> Any:
    return await aio.connect(**_kwargs(cfg))


async def cursor(conn: Any) -> Any:
    return await conn.cursor()


async def close(conn: Any) -> None:
    await conn.close()


class _QueuePool:
    def __init__(self, conns: list[Any]) -> None:
        self.conns = conns
        self.free: asyncio.Queue[Any] = asyncio.Queue()
        for conn in conns:
            self.free.put_nowait(conn)

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[Any]:
        conn = await self.free.get()
        try:
            yield conn
        finally:
            self.free.put_nowait(conn)


async def create_pool(cfg: dict[str, Any], size: int) -> Any:
    return _QueuePool([await connect(cfg) for _ in range(size)])


def acquire(pool: Any) -> AbstractAsyncContextManager[Any]:
    return pool.acquire()  # type: ignore[no-any-return]


async def close_pool(pool: Any) -> None:
    for conn in pool.conns:
        await close(conn)
