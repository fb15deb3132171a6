"""Fixtures shared by the integration tests (the session-wide ones are in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from escaping_support import open_conn
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


@pytest.fixture
def conn_mode() -> str:
    """The escaping mode of ``conn`` (escaping_support.MODES). test_escaping and
    test_parameters override it with one parametrized over every mode."""
    return "default"


@pytest.fixture
def conn_options() -> dict[str, Any]:
    """Extra ``aiomysql.connect()`` options of ``conn``; a module overrides this fixture to
    change them (test_executemany and test_callproc: autocommit)."""
    return {}


@pytest.fixture
async def conn(
    connect_kwargs: dict[str, Any], conn_mode: str, conn_options: dict[str, Any]
) -> AsyncIterator[aiomysql.Connection]:
    """A connection to the test database, closed at teardown."""
    conn = await open_conn(connect_kwargs, conn_mode, **conn_options)
    try:
        yield conn
    finally:
        await conn.ensure_closed()
