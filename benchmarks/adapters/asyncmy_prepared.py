"""Adapter for asyncmy with its server-side prepared statement cache (stmt_cache_size)."""

from __future__ import annotations

from typing import Any

import asyncmy

from adapters import asyncmy_
from adapters.asyncmy_ import acquire, close, close_pool, cursor

IS_ASYNC = True
MODULE = asyncmy

__all__ = ["acquire", "close", "close_pool", "connect", "create_pool", "cursor"]


def _kwargs(cfg: dict[str, Any]) -> dict[str, Any]:
    return {**asyncmy_._kwargs(cfg), "stmt_cache_size": 100}


async def connect(cfg: dict[str, Any]) -> Any:
    return await asyncmy.connect(**_kwargs(cfg))


async def create_pool(cfg: dict[str, Any], size: int) -> Any:
    return await asyncmy.create_pool(minsize=size, maxsize=size, **_kwargs(cfg))
