"""Adapter for mysql-connector-python's asyncio API with its prepared cursor
(``conn.cursor(prepared=True)``: COM_STMT_PREPARE/EXECUTE)."""

from __future__ import annotations

from typing import Any

import mysql.connector

from adapters.connector_aio import acquire, close, close_pool, connect, create_pool

IS_ASYNC = True
MODULE = mysql.connector

__all__ = ["acquire", "close", "close_pool", "connect", "create_pool", "cursor"]


async def cursor(conn: Any) -> Any:
    return await conn.cursor(prepared=True)
