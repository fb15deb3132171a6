"""Fixtures shared by the integration tests (the session-wide ones are in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pool_support import MakePool

import aiomysql
from aiomysql.pool import Pool


@pytest.fixture
async def make_pool(connect_kwargs: dict[str, Any]) -> AsyncIterator[MakePool]:
    """``await make_pool(**options)``: a pool on the test server, terminated at teardown."""
    pools: list[Pool] = []

    async def make(**options: Any) -> Pool:
        pool = await aiomysql.create_pool(**{**connect_kwargs, **options})
        pools.append(pool)
        return pool

    yield make
    for pool in pools:
        pool.terminate()
        await pool.wait_closed()
