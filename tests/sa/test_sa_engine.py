"""aiomysql.sa Engine: create_engine, acquire/release, sizes, close/terminate/wait_closed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa

import aiomysql
from aiomysql.sa import (
    Engine,
    InvalidRequestError,
    ResourceClosedError,
    SAConnection,
    create_engine,
)


async def test_create_engine_and_properties(connect_kwargs: dict[str, Any]) -> None:
    engine = await create_engine(minsize=2, maxsize=4, **connect_kwargs)
    try:
        assert isinstance(engine, Engine)
        assert engine.name == "mysql"
        assert engine.driver == "aiomysql"
        assert engine.dialect.paramstyle == "pyformat"
        assert (engine.minsize, engine.maxsize) == (2, 4)
        assert (engine.size, engine.freesize) == (2, 2)
        assert isinstance(engine.pool, aiomysql.Pool)
        conn = await engine.acquire()
        assert isinstance(conn, SAConnection)
        assert isinstance(conn.connection, aiomysql.Connection)
        assert (engine.size, engine.freesize) == (2, 1)
        assert await conn.scalar(sa.select(sa.literal(5))) == 5
        await engine.release(conn)
        assert conn.closed
        assert (engine.size, engine.freesize) == (2, 2)
        with pytest.raises(ResourceClosedError):
            await conn.execute("SELECT 1")
        await engine.release(conn)  # releasing twice is harmless
    finally:
        engine.close()
        await engine.wait_closed()
    assert engine.closed
    assert engine.size == 0
    with pytest.raises(aiomysql.pool.PoolClosedError):
        await engine.acquire()


async def test_context_managers(connect_kwargs: dict[str, Any]) -> None:
    async with create_engine(maxsize=2, **connect_kwargs) as engine:
        async with engine.acquire() as conn:
            assert engine.freesize == 0
            assert await conn.scalar("SELECT 1 + %s", 1) == 2
        assert conn.closed
        assert engine.freesize == 1
    assert engine.closed
    assert engine.size == 0


async def test_acquire_waits_for_a_release(connect_kwargs: dict[str, Any]) -> None:
    async with create_engine(minsize=1, maxsize=1, **connect_kwargs) as engine:
        first = await engine.acquire()
        waiter = asyncio.ensure_future(engine.acquire())
        await asyncio.sleep(0.05)
        assert not waiter.done()
        await first.close()
        second = await asyncio.wait_for(waiter, 10)
        assert second.connection is not None
        await second.close()


async def test_release_refuses_an_open_transaction(connect_kwargs: dict[str, Any]) -> None:
    async with create_engine(maxsize=1, **connect_kwargs) as engine:
        conn = await engine.acquire()
        tx = await conn.begin()
        with pytest.raises(InvalidRequestError, match="unfinished transaction"):
            engine.release(conn)
        assert not conn.closed
        await tx.commit()
        await engine.release(conn)
        assert engine.freesize == 1


async def test_terminate_closes_connections_in_use(connect_kwargs: dict[str, Any]) -> None:
    engine = await create_engine(minsize=1, maxsize=2, **connect_kwargs)
    conn = await engine.acquire()
    raw = conn.connection
    assert raw is not None
    engine.terminate()
    await engine.wait_closed()
    assert raw.closed
    assert conn.closed
    with pytest.raises(ResourceClosedError):
        await conn.execute("SELECT 1")
    await conn.close()  # closing after terminate is harmless
    assert engine.size == 0


async def test_wait_closed_waits_for_connections_in_use(connect_kwargs: dict[str, Any]) -> None:
    engine = await create_engine(minsize=1, maxsize=2, **connect_kwargs)
    conn = await engine.acquire()
    engine.close()
    closing = asyncio.ensure_future(engine.wait_closed())
    await asyncio.sleep(0.05)
    assert not closing.done()
    assert await conn.scalar("SELECT 3") == 3  # still usable until released
    await conn.close()
    await asyncio.wait_for(closing, 10)
    assert engine.size == 0


async def test_found_rows_and_pool_arguments(connect_kwargs: dict[str, Any]) -> None:
    # client_flag gets FOUND_ROWS; other keywords reach create_pool / connect
    async with create_engine(maxsize=1, autocommit=True, **connect_kwargs) as engine:
        async with engine.acquire() as conn:
            assert conn.connection is not None and conn.connection.get_autocommit()
            await conn.execute("CREATE TEMPORARY TABLE tmp_found (a INT)")
            await conn.execute("INSERT INTO tmp_found VALUES (1), (2)")
            result = await conn.execute("UPDATE tmp_found SET a = a")
            assert result.rowcount == 2  # matched, not changed
