"""Adapter for our driver with server-side prepared statements (connect(prepared=True)):
the same workloads as aiomysql_api, every execute()/executemany() in the binary protocol."""

from __future__ import annotations

from typing import Any

import aiomysql
from adapters import aiomysql_api
from adapters.aiomysql_api import acquire, close, close_pool, cursor, describe

IS_ASYNC = True
MODULE = aiomysql

__all__ = ["acquire", "close", "close_pool", "connect", "create_pool", "cursor", "describe"]


def _kwargs(cfg: dict[str, Any]) -> dict[str, Any]:
    return {**aiomysql_api._kwargs(cfg), "prepared": True}


async def connect(cfg: dict[str, Any]) -> Any:
    return await aiomysql.connect(**_kwargs(cfg))


async def create_pool(cfg: dict[str, Any], size: int) -> Any:
    return await aiomysql.create_pool(minsize=size, maxsize=size, **_kwargs(cfg))
