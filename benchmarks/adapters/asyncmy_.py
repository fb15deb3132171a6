"""Adapter for asyncmy (aiomysql-like API, Cython core)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any

import asyncmy
import spec

IS_ASYNC = True
MODULE = asyncmy


def _kwargs(cfg: dict[str, Any]) -> dict[str, Any]:
    return dict(
        host=cfg["host"],
        port=cfg["port"],
        user=cfg["user"],
        password=cfg["password"],
        database=cfg["database"],
        charset="utf8mb4",
        autocommit=False,
        max_allowed_packet=spec.CLIENT_MAX_PACKET,
    )


async def connect(cfg: dict[str, Any]) -> Any:
    return await asyncmy.connect(**_kwargs(cfg))


async def cursor(conn: Any) -> Any:
    return conn.cursor()


async def close(conn: Any) -> None:
    await conn.ensure_closed()


async def create_pool(cfg: dict[str, Any], size: int) -> Any:
    return await asyncmy.create_pool(minsize=size, maxsize=size, **_kwargs(cfg))


def acquire(pool: Any) -> AbstractAsyncContextManager[Any]:
    return pool.acquire()  # type: ignore[no-any-return]


async def close_pool(pool: Any) -> None:
    pool.close()
    await pool.wait_closed()
