"""The server kills the connection (KILL from a second connection) in the middle of LOAD
DATA LOCAL, of executemany, and of an unbuffered (SSCursor) result stream.

Each point is held exactly before the KILL: the proxy holds the rest of the file, a row
lock held by another transaction holds the executemany, and a result far larger than
every buffer holds the stream. Then: the exact error, the connection closed for good, the
session gone from the server's process list, and what the server committed checked.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fault_proxy import Action, Direction, Fault, FaultProxy
from helpers import BOUND, direct, session_gone

import aiomysql
from aiomysql.constants import CR


async def kill(connect_kwargs: dict[str, Any], thread_id: int) -> None:
    checker = await direct(connect_kwargs)
    try:
        await checker.kill(thread_id)
    finally:
        await checker.ensure_closed()


async def rows(connect_kwargs: dict[str, Any], sql: str) -> list[tuple[Any, ...]]:
    checker = await direct(connect_kwargs)
    try:
        return list((await checker.run_query(sql)).rows or ())
    finally:
        await checker.ensure_closed()


async def closed_for_good(conn: aiomysql.Connection) -> None:
    assert conn.closed
    with pytest.raises(aiomysql.InterfaceError):
        async with asyncio.timeout(BOUND):
            await conn.query("SELECT 1")
    conn.close()


def killed(exc: BaseException) -> bool:
    """KILL shuts the session's socket down before the session could send an ERR (1927),
    so the client sees the lost connection: 2013, never a truncated success."""
    return isinstance(exc, aiomysql.OperationalError) and exc.args[0] == CR.CR_SERVER_LOST


@pytest.fixture
async def table(connect_kwargs: dict[str, Any]) -> AsyncIterator[str]:
    name = "kill_" + uuid.uuid4().hex[:12]
    checker = await direct(connect_kwargs)
    await checker.query(
        f"CREATE TABLE {name} (n INT NOT NULL, pad VARCHAR(1000) NOT NULL DEFAULT '', "
        "PRIMARY KEY (n)) ENGINE=InnoDB"
    )
    try:
        yield name
    finally:
        await checker.query(f"DROP TABLE {name}")
        await checker.ensure_closed()


async def test_kill_mid_load_data_local(
    proxy: FaultProxy,
    proxied_kwargs: dict[str, Any],
    connect_kwargs: dict[str, Any],
    table: str,
    tmp_path: Path,
) -> None:
    path = tmp_path / "rows.txt"
    path.write_text("".join(f"{i}\n" for i in range(1_000_000)))  # 6.9 MB
    conn = await aiomysql.connect(**proxied_kwargs, local_infile=True)
    thread_id = conn.thread_id()
    sql = f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE {table} (n)"
    # Forward the statement and the file's first 100,000 bytes, then hold the rest: the
    # server sits inside LOAD DATA waiting for more of the file.
    link = proxy.last
    fault = link.inject(
        Fault(
            Action.STALL,
            Direction.TO_SERVER,
            after=5 + len(sql) + 100_000,
            when_client_sent=b"LOAD DATA",
        )  # fmt: skip
    )
    task = asyncio.create_task(conn.query(sql))
    async with asyncio.timeout(BOUND):
        while not fault.fired:
            await asyncio.sleep(0.01)
    assert not task.done()
    await kill(connect_kwargs, thread_id)
    with pytest.raises(aiomysql.OperationalError) as info:
        async with asyncio.timeout(BOUND):
            await task
    assert killed(info.value), info.value
    await closed_for_good(conn)
    await session_gone(connect_kwargs, thread_id)
    assert await rows(connect_kwargs, f"SELECT COUNT(*) FROM {table}") == [(0,)]  # rolled back


async def test_kill_mid_executemany(connect_kwargs: dict[str, Any], table: str) -> None:
    """Rows of 1000 bytes in statements of at most 64 KiB: row 500 is in a later statement,
    and another transaction holds its key, so executemany waits there for the lock."""
    blocker = await aiomysql.connect(**connect_kwargs)
    await blocker.begin()
    await blocker.query(f"INSERT INTO {table} (n) VALUES (500)")
    conn = await aiomysql.connect(**connect_kwargs, autocommit=True, max_allowed_packet=65536)
    thread_id = conn.thread_id()
    cur = await conn.cursor()
    data = [(n, "p" * 1000) for n in range(1000)]
    task = asyncio.create_task(cur.executemany(f"INSERT INTO {table} VALUES (%s, %s)", data))
    checker = await direct(connect_kwargs)
    try:
        async with asyncio.timeout(BOUND):  # until the server has it waiting on the lock
            while not (
                await checker.run_query(
                    "SELECT 1 FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT' "
                    f"AND trx_mysql_thread_id = {thread_id}"
                )
            ).rows:
                # Not faster: polling INNODB_TRX every 10 ms was seen to keep the first
                # insert from finishing at all on a 2-core machine.
                await asyncio.sleep(0.1)
        assert not task.done()
        await checker.kill(thread_id)
        with pytest.raises(aiomysql.OperationalError) as info:
            async with asyncio.timeout(BOUND):
                await task
        assert killed(info.value), info.value
        await closed_for_good(conn)
        await session_gone(connect_kwargs, thread_id)
        await blocker.rollback()
        # Every statement before the blocked one committed (autocommit), none after it.
        got = [r[0] for r in (await checker.run_query(f"SELECT n FROM {table} ORDER BY n")).rows]
        assert got == list(range(len(got))), "not a prefix"
        assert 0 < len(got) <= 500 and 500 - len(got) < 65536 // 1000
    finally:
        await checker.ensure_closed()
        await blocker.ensure_closed()


async def test_kill_mid_unbuffered_stream(connect_kwargs: dict[str, Any]) -> None:
    """100 MB of rows: once the client stops reading, the server is held writing (the
    result is far larger than the socket buffers and the driver's read-ahead)."""
    conn = await aiomysql.connect(**connect_kwargs)
    thread_id = conn.thread_id()
    cur = await conn.cursor(aiomysql.SSCursor)
    total = 100_000
    await cur.execute(f"SELECT seq, REPEAT('x', 1000) FROM seq_1_to_{total}")
    assert await cur.fetchone() == (1, "x" * 1000)
    await kill(connect_kwargs, thread_id)
    got = 1
    with pytest.raises(aiomysql.OperationalError) as info:
        async with asyncio.timeout(BOUND):
            while batch := await cur.fetchmany(1000):
                assert batch[0][0] == got + 1  # the rows read are in order, none skipped
                got += len(batch)
    assert killed(info.value), info.value
    assert got < total  # the stream was cut, not reported complete
    await closed_for_good(conn)
    await session_gone(connect_kwargs, thread_id)
