"""Helpers shared by the pool test modules."""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable
from typing import Any

import aiomysql
from aiomysql.pool import Pool

#: The ``make_pool`` fixture (tests/integration/conftest.py): ``await make_pool(**options)``.
MakePool = Callable[..., Awaitable[Pool]]


async def create_table(cur: aiomysql.Cursor, name: str) -> None:
    with warnings.catch_warnings():  # "already exists" on a reused server
        warnings.simplefilter("ignore")
        await cur.execute(f"CREATE TABLE IF NOT EXISTS {name} (n INT) ENGINE=InnoDB")


async def select(conn: aiomysql.Connection, sql: str, *args: Any) -> Any:
    async with conn.cursor() as cur:
        await cur.execute(sql, args or None)
        return await cur.fetchone()
