"""Helpers shared by the escaping tests: connections in each escaping mode, scratch tables."""

from __future__ import annotations

import uuid
from typing import Any

import aiomysql

#: Escaping modes: the server default; NO_BACKSLASH_ESCAPES given to connect(), alone or
#: with ANSI_QUOTES; and NO_BACKSLASH_ESCAPES switched on with SET during the session.
MODES = ["default", "connect", "set", "ansi"]


def table_name() -> str:
    return "esc_" + uuid.uuid4().hex[:16]


async def open_conn(connect_kwargs: dict[str, Any], mode: str, **extra: Any) -> aiomysql.Connection:
    """A connection in escaping ``mode``: the default, or NO_BACKSLASH_ESCAPES set at connect
    (alone or with ANSI_QUOTES), or set with SET during the session."""
    if mode == "connect":
        extra["sql_mode"] = "NO_BACKSLASH_ESCAPES"
    elif mode == "ansi":
        extra["sql_mode"] = "ANSI_QUOTES,NO_BACKSLASH_ESCAPES"
    conn = await aiomysql.connect(**connect_kwargs, **extra)
    if mode == "set":
        async with conn.cursor() as cur:
            await cur.execute("SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')")
    return conn


async def make_table(conn: aiomysql.Connection) -> str:
    table = table_name()
    async with conn.cursor() as cur:
        await cur.execute(
            f"CREATE TEMPORARY TABLE {table} (id INT PRIMARY KEY,"
            " s LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, b LONGBLOB)"
        )
    return table


async def store_and_load(conn: aiomysql.Connection, table: str, text: str, data: bytes) -> Any:
    async with conn.cursor() as cur:
        await cur.execute(f"DELETE FROM {table}")
        await cur.execute(f"INSERT INTO {table} (id, s, b) VALUES (%s, %s, %s)", (1, text, data))
        await cur.execute(f"SELECT s, b FROM {table} WHERE s = %s AND b = %s", (text, data))
        return list(await cur.fetchall())


def no_backslash(conn: aiomysql.Connection) -> bool:
    """Whether the connection currently escapes for NO_BACKSLASH_ESCAPES."""
    escaped = conn.escape("\\")
    assert escaped in ("'\\\\'", "'\\'")
    return escaped == "'\\'"
