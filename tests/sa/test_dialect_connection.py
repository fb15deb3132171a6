"""SQLAlchemy 2's mysql+aiomysql dialect on us: pre-ping, disconnects, cancellation, and
the driver details its adapter relies on (see docs/sqlalchemy.md)."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest
import sqlalchemy as sa
from sa_support import fetch, kill
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

import aiomysql
from aiomysql.constants import CLIENT


async def thread_id(conn: AsyncConnection) -> int:
    value = await conn.scalar(sa.text("SELECT CONNECTION_ID()"))
    assert isinstance(value, int)
    return value


async def test_pre_ping_replaces_a_killed_connection(sa_url: str, raw_conn: Any) -> None:
    engine = create_async_engine(sa_url, pool_size=1, max_overflow=0, pool_pre_ping=True)
    try:
        async with engine.connect() as conn:
            first = await thread_id(conn)
        await kill(raw_conn, first)
        # the pooled connection is dead; the pre-ping notices and a new one is opened
        async with engine.connect() as conn:
            second = await thread_id(conn)
        assert second != first
        assert engine.pool.checkedin() == 1
    finally:
        await engine.dispose()


async def test_disconnect_invalidates_and_reconnects(sa_url: str, raw_conn: Any) -> None:
    engine = create_async_engine(sa_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            first = await thread_id(conn)
            await kill(raw_conn, first)
            with pytest.raises(sa.exc.DBAPIError) as info:
                await conn.execute(sa.text("SELECT 1"))
            assert info.value.connection_invalidated
            # 1927/2013 if the loss shows while reading the reply, InterfaceError "not
            # connected" if the driver had already seen the socket close
            assert isinstance(info.value.orig, (aiomysql.OperationalError, aiomysql.InterfaceError))
            assert conn.invalidated
        # the pool threw the dead connection away: the next checkout gets a new one
        async with engine.connect() as conn:
            assert await thread_id(conn) != first
            assert await conn.scalar(sa.text("SELECT 41 + 1")) == 42
    finally:
        await engine.dispose()


async def test_killed_while_pooled_without_pre_ping(sa_url: str, raw_conn: Any) -> None:
    engine = create_async_engine(sa_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            first = await thread_id(conn)
        await kill(raw_conn, first)
        async with engine.connect() as conn:
            with pytest.raises(sa.exc.DBAPIError) as info:
                await conn.execute(sa.text("SELECT 1"))
            assert info.value.connection_invalidated
        async with engine.connect() as conn:
            assert await conn.scalar(sa.text("SELECT 1")) == 1
    finally:
        await engine.dispose()


async def test_cancelled_query_leaves_the_engine_usable(sa_url: str, raw_conn: Any) -> None:
    engine = create_async_engine(sa_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            first = await thread_id(conn)
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(conn.execute(sa.text("SELECT SLEEP(30)")), 0.3)
        async with engine.connect() as conn:
            assert await conn.scalar(sa.text("SELECT 7")) == 7
            assert await thread_id(conn) != first
    finally:
        await asyncio.wait_for(engine.dispose(), 30)
    # our driver aborted the interrupted connection: the server drops it
    await kill_if_listed(raw_conn, first)


async def kill_if_listed(raw_conn: Any, tid: int) -> None:
    rows = await fetch(raw_conn, "SELECT ID FROM information_schema.PROCESSLIST WHERE ID = %s", tid)
    if rows:  # still running SLEEP(30) server-side: end it so the test leaves nothing behind
        await kill(raw_conn, tid)


async def test_dispose_closes_server_side(sa_url: str, raw_conn: Any) -> None:
    engine = create_async_engine(sa_url, pool_size=2)
    async with engine.connect() as a, engine.connect() as b:
        ids = [await thread_id(a), await thread_id(b)]
    await engine.dispose()
    for _ in range(500):
        rows = await fetch(
            raw_conn,
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID IN (%s, %s)",
            ids,
        )
        if rows == [(0,)]:
            break
        await asyncio.sleep(0.01)
    assert rows == [(0,)]


async def test_adapter_contract(connect_kwargs: dict[str, Any], sa_url: str) -> None:
    """The driver details SQLAlchemy's adapter depends on (docs/sqlalchemy.md)."""
    # ping(reconnect=...) is inspected: a plain function whose 2nd parameter is reconnect
    params = list(inspect.signature(aiomysql.connection.Connection.ping).parameters)
    assert params[:2] == ["self", "reconnect"]
    engine = create_async_engine(sa_url)
    dialect = engine.dialect
    assert dialect.loaded_dbapi._send_false_to_ping is True
    if hasattr(dialect, "retrieve_dbapi_version"):  # SQLAlchemy 2.1
        assert dialect.retrieve_dbapi_version(dialect.loaded_dbapi) is not None
    assert dialect.loaded_dbapi.aiomysql.__version__ == aiomysql.__version__
    await engine.dispose()
    # disconnect errors are recognised by their codes
    for code in (2006, 2013, 2014, 2045, 2055):
        assert dialect.is_disconnect(aiomysql.OperationalError(code, "gone"), None, None)
    assert not dialect.is_disconnect(aiomysql.OperationalError(1205, "lock wait"), None, None)

    conn = await aiomysql.connect(client_flag=CLIENT.FOUND_ROWS, **connect_kwargs)
    try:
        cursor_ctx = conn.cursor(aiomysql.Cursor)  # a plain call, entered with async with
        async with cursor_ctx as cur:
            assert isinstance(cur, aiomysql.Cursor)
            await cur.execute("CREATE TEMPORARY TABLE t (a INT)")
            assert await cur.executemany("INSERT INTO t VALUES (%s)", [(1,), (2,), (3,)]) == 3
            assert cur.rowcount == 3
            assert await cur.executemany("UPDATE t SET a = a WHERE a = %s", [(1,), (2,)]) == 2
            await cur.execute("SELECT a FROM t ORDER BY a")
            description = cur.description
            await cur.close()
            # buffered rows stay readable after close (SQLAlchemy soft-closes the cursor)
            assert list(await cur.fetchall()) == [(1,), (2,), (3,)]
            assert description is not None and description[0][0] == "a"
        assert conn.character_set_name() == "utf8mb4"
        await conn.autocommit(True)
        assert conn.get_autocommit() is True
        await conn.ping(reconnect=False)
    finally:
        conn.close()  # sync and forceful
    with pytest.raises(aiomysql.InterfaceError, match="Not connected") as info:
        conn.cursor()
    assert dialect.is_disconnect(info.value, None, None)
    with pytest.raises(aiomysql.InterfaceError, match="Not connected"):
        await conn.ping(reconnect=False)
    await conn.ensure_closed()  # graceful close of a closed connection: a no-op


def test_importing_aiomysql_does_not_import_sqlalchemy() -> None:
    import subprocess
    import sys

    code = "import sys, aiomysql; print('sqlalchemy' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/"
    )
    assert out.stdout.strip() == "False"
