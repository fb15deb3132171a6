"""retry_transaction on a real server: what it retries, and what it never does.

The fault proxy decides exactly where a connection dies: before COMMIT is sent (safe to
retry) or after (the COMMIT's fate is unknown: CommitUnknownError, never a retry).
The deadlock is a real InnoDB deadlock, sequenced by waiting for the server to show
the first transaction's lock wait, not by sleeping.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from fault_proxy import Action, Direction, Fault, FaultProxy
from held import until
from helpers import committed, insert, make_table

import aiomysql
from aiomysql import CommitUnknownError, retry_transaction

DEADLOCK = "SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'Deadlock found'"
LOCK_WAIT = "SIGNAL SQLSTATE 'HY000' SET MYSQL_ERRNO = 1205, MESSAGE_TEXT = 'Lock wait timeout'"


async def test_retries_a_signalled_deadlock_and_lock_wait(connect_kwargs: dict[str, Any]) -> None:
    tag = await make_table(connect_kwargs)
    calls = 0

    async def fn(conn: aiomysql.Connection) -> str:
        nonlocal calls
        calls += 1
        await insert(conn, tag, calls)
        if calls <= 2:
            await conn.query(DEADLOCK if calls == 1 else LOCK_WAIT)
        return "done"

    async with aiomysql.create_pool(minsize=0, maxsize=2, **connect_kwargs) as pool:
        assert await retry_transaction(pool, fn, attempts=3, backoff=0) == "done"
    assert calls == 3
    assert await committed(connect_kwargs, tag) == [3]  # the rolled-back tries left nothing


async def test_gives_up_after_attempts(connect_kwargs: dict[str, Any]) -> None:
    calls = 0

    async def fn(conn: aiomysql.Connection) -> None:
        nonlocal calls
        calls += 1
        await conn.query(DEADLOCK)

    async with aiomysql.create_pool(minsize=0, maxsize=1, **connect_kwargs) as pool:
        with pytest.raises(aiomysql.OperationalError) as info:
            await retry_transaction(pool, fn, attempts=2, backoff=0)
    assert info.value.args[0] == 1213 and calls == 2


async def test_other_errors_are_not_retried(connect_kwargs: dict[str, Any]) -> None:
    tag = await make_table(connect_kwargs)
    calls = 0

    async def fn(conn: aiomysql.Connection) -> None:
        nonlocal calls
        calls += 1
        await insert(conn, tag, 1)
        if calls == 1:
            raise ValueError("application error")

    async with aiomysql.create_pool(minsize=0, maxsize=1, **connect_kwargs) as pool:
        with pytest.raises(ValueError):
            await retry_transaction(pool, fn)
        with pytest.raises(aiomysql.ProgrammingError):
            await retry_transaction(pool, lambda conn: conn.query("SELEC 1"))
    assert calls == 1
    assert await committed(connect_kwargs, tag) == []  # rolled back on release
    with pytest.raises(ValueError):
        await retry_transaction(pool, fn, attempts=0)


async def test_lost_before_commit_is_retried(
    proxy: FaultProxy, proxied_kwargs: dict[str, Any], connect_kwargs: dict[str, Any]
) -> None:
    tag = await make_table(connect_kwargs)
    marker = f"lost-{uuid.uuid4().hex[:8]}"
    calls = 0

    async def fn(conn: aiomysql.Connection) -> None:
        nonlocal calls
        calls += 1
        async with conn.cursor() as cur:
            await cur.execute(
                f"INSERT INTO fault_rows (tag, n) VALUES (%s, {calls}) /*{marker}*/", (tag,)
            )

    # The first connection dies as it sends the INSERT (withheld from the server).
    proxy.arm_next(
        Fault(Action.CUT, Direction.TO_SERVER, after=0, when_client_sent=marker.encode())
    )
    async with aiomysql.create_pool(minsize=0, maxsize=1, **proxied_kwargs) as pool:
        await retry_transaction(pool, fn, backoff=0)
    assert calls == 2 and proxy.accepted == 2
    assert await committed(connect_kwargs, tag) == [2]


@pytest.mark.parametrize(
    ("direction", "expected_rows"),
    [
        (Direction.TO_CLIENT, [1]),  # the server committed; the answer was lost
        (Direction.TO_SERVER, []),  # COMMIT was sent but never arrived
    ],
)
async def test_commit_fate_unknown_is_never_retried(
    proxy: FaultProxy,
    proxied_kwargs: dict[str, Any],
    connect_kwargs: dict[str, Any],
    direction: Direction,
    expected_rows: list[int],
) -> None:
    tag = await make_table(connect_kwargs)
    calls = 0

    async def fn(conn: aiomysql.Connection) -> None:
        nonlocal calls
        calls += 1
        await insert(conn, tag, calls)

    # COM_QUERY (0x03) "COMMIT": not the "SET AUTOCOMMIT" sent at connect.
    proxy.arm_next(Fault(Action.CUT, direction, after=0, when_client_sent=b"\x03COMMIT"))
    async with aiomysql.create_pool(minsize=0, maxsize=1, **proxied_kwargs) as pool:
        with pytest.raises(CommitUnknownError) as info:
            await retry_transaction(pool, fn, attempts=5, backoff=0)
    assert calls == 1 and proxy.accepted == 1
    assert info.value.args[0] == 2013
    # Both cases look the same to the client; only the server knows which happened.
    assert await committed(connect_kwargs, tag) == expected_rows


async def _lock_waits(connect_kwargs: dict[str, Any]) -> int:
    async with aiomysql.connect(**connect_kwargs) as conn:
        async with conn.cursor() as cur:
            await cur.execute(
                "SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT'"
            )
            (count,) = await cur.fetchone()
            return int(count)


async def test_real_deadlock_both_transactions_succeed_once(
    connect_kwargs: dict[str, Any],
) -> None:
    table = f"retry_rows_{uuid.uuid4().hex[:8]}"
    async with aiomysql.connect(**connect_kwargs, autocommit=True) as conn:
        await conn.query(f"CREATE TABLE {table} (id INT PRIMARY KEY, n INT) ENGINE=InnoDB")
        await conn.query(f"INSERT INTO {table} VALUES (1, 0), (2, 0)")
    a_locked, b_locked = asyncio.Event(), asyncio.Event()
    calls = {"a": 0, "b": 0}

    def worker(name: str, first: int, second: int) -> Any:
        async def fn(conn: aiomysql.Connection) -> None:
            calls[name] += 1
            await conn.query(f"UPDATE {table} SET n = n + 1 WHERE id = {first}")
            if calls[name] == 1:  # only the first try is sequenced into the deadlock
                (a_locked if name == "a" else b_locked).set()
                await (b_locked if name == "a" else a_locked).wait()
                if name == "b":  # a is now blocked on row 2, held by b
                    await until(lambda: _lock_waits(connect_kwargs), "a waits for b's lock")
            await conn.query(f"UPDATE {table} SET n = n + 1 WHERE id = {second}")

        return fn

    try:
        async with aiomysql.create_pool(minsize=0, maxsize=2, **connect_kwargs) as pool:
            await asyncio.gather(
                retry_transaction(pool, worker("a", 1, 2), backoff=0),
                retry_transaction(pool, worker("b", 2, 1), backoff=0),
            )
        assert sorted(calls.values()) == [1, 2]  # one deadlock victim, retried once
        async with aiomysql.connect(**connect_kwargs) as conn:
            async with conn.cursor() as cur:
                await cur.execute(f"SELECT id, n FROM {table} ORDER BY id")
                assert await cur.fetchall() == ((1, 2), (2, 2))  # no effect lost or doubled
    finally:
        async with aiomysql.connect(**connect_kwargs) as conn:
            await conn.query(f"DROP TABLE {table}")
