"""Adapter for sqlcycli (Cython; its asyncio API), with use_decimal=True: without it
DECIMAL columns come back as float, which the checks (and a fair comparison) refuse."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any

import spec
import sqlcycli

IS_ASYNC = True
MODULE = sqlcycli


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
        use_decimal=True,
    )


async def connect(cfg: dict[str, Any]) -> Any:
    return await sqlcycli.connect(**_kwargs(cfg))


async def cursor(conn: Any) -> Any:
    return await conn.cursor()


async def close(conn: Any) -> None:
    await conn.close()


async def create_pool(cfg: dict[str, Any], size: int) -> Any:
    return await sqlcycli.create_pool(min_size=size, max_size=size, **_kwargs(cfg))


def acquire(pool: Any) -> AbstractAsyncContextManager[Any]:
    return pool.acquire()  # type: ignore[no-any-return]


async def close_pool(pool: Any) -> None:
    await pool.close()
