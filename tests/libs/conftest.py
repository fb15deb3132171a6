"""Fixtures for the library tests: tables dropped before and after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

import aiomysql


async def drop_tables(connect_kwargs: dict[str, Any], *names: str) -> None:
    """Drop those of ``names`` that exist (without IF EXISTS: its note would be a warning)."""
    async with aiomysql.connect(**connect_kwargs) as conn, conn.cursor() as cur:
        await cur.execute("SET FOREIGN_KEY_CHECKS = 0")
        for name in names:
            await cur.execute(
                "SELECT 1 FROM information_schema.TABLES"
                " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s",
                (name,),
            )
            if await cur.fetchone():
                await cur.execute(f"DROP TABLE `{name}`")


@pytest.fixture
async def tables(
    connect_kwargs: dict[str, Any],
) -> AsyncIterator[Callable[..., Awaitable[None]]]:
    """``await tables("a", "b")``: drops those tables now and again after the test."""
    names: list[str] = []

    async def claim(*claimed: str) -> None:
        names.extend(claimed)
        await drop_tables(connect_kwargs, *claimed)

    yield claim
    if names:
        await drop_tables(connect_kwargs, *names)
