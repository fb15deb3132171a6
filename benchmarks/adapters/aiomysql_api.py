"""Adapter for the aiomysql 0.3 API: our driver (both modes) and upstream aiomysql."""

from __future__ import annotations

import inspect
from contextlib import AbstractAsyncContextManager
from typing import Any

import spec

import aiomysql

IS_ASYNC = True
MODULE = aiomysql


#: Upstream aiomysql 0.3.2 has no max_allowed_packet argument (and checks no size).
_HAS_MAX_PACKET = "max_allowed_packet" in inspect.signature(aiomysql.Connection).parameters


def _kwargs(cfg: dict[str, Any]) -> dict[str, Any]:
    kwargs = dict(
        host=cfg["host"],
        port=cfg["port"],
        user=cfg["user"],
        password=cfg["password"],
        db=cfg["database"],
        charset="utf8mb4",
        autocommit=False,
    )
    if _HAS_MAX_PACKET:
        kwargs["max_allowed_packet"] = spec.CLIENT_MAX_PACKET
    return kwargs


def describe() -> dict[str, Any]:
    """Whether our driver says its compiled core is in use (upstream has no such flag)."""
    flag = getattr(aiomysql, "USING_EXTENSIONS", None)
    return {} if flag is None else {"using_extensions": bool(flag)}


async def connect(cfg: dict[str, Any]) -> Any:
    return await aiomysql.connect(**_kwargs(cfg))


async def cursor(conn: Any) -> Any:
    return await conn.cursor()


async def close(conn: Any) -> None:
    await conn.ensure_closed()


async def create_pool(cfg: dict[str, Any], size: int) -> Any:
    return await aiomysql.create_pool(minsize=size, maxsize=size, **_kwargs(cfg))


def acquire(pool: Any) -> AbstractAsyncContextManager[Any]:
    return pool.acquire()  # type: ignore[no-any-return]


async def close_pool(pool: Any) -> None:
    pool.close()
    await pool.wait_closed()
