"""executemany(): INSERT ... VALUES batched into few multi-row statements, others one by one."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

import aiomysql


@pytest.fixture
def conn_options() -> dict[str, Any]:
    """``conn`` (tests/integration/conftest.py) of this module runs in autocommit."""
    return {"autocommit": True}


@pytest.fixture
async def table(conn: aiomysql.Connection) -> str:
    name = "em_" + uuid.uuid4().hex[:12]
    async with conn.cursor() as cur:
        await cur.execute(
            f"CREATE TEMPORARY TABLE {name} "
            "(id INT PRIMARY KEY, name VARCHAR(64), score DOUBLE, note TEXT)"
        )
    return name


async def session_count(conn: aiomysql.Connection, counter: str) -> int:
    async with conn.cursor() as cur:
        await cur.execute("SHOW SESSION STATUS LIKE %s", (counter,))
        row = await cur.fetchone()
        assert row is not None
        return int(row[1])


@pytest.mark.text_protocol("it counts the multi-row INSERTs; prepared, it is one bulk execute")
@pytest.mark.parametrize("max_packet", [16 * 1024 * 1024, 256 * 1024])
async def test_100k_rows_in_few_statements(connect_kwargs: dict[str, Any], max_packet: int) -> None:
    rows = [(i, f"name {i} it's", i / 7, None if i % 3 else "x" * (i % 50)) for i in range(100_000)]
    async with aiomysql.connect(
        autocommit=True, max_allowed_packet=max_packet, **connect_kwargs
    ) as conn:
        async with conn.cursor() as cur:
            await cur.execute(
                "CREATE TEMPORARY TABLE big (id INT PRIMARY KEY, name VARCHAR(64), "
                "score DOUBLE, note TEXT)"
            )
            before = await session_count(conn, "Com_insert")
            started = time.monotonic()
            count = await cur.executemany(
                "INSERT INTO big (id, name, score, note) VALUES (%s, %s, %s, %s)", rows
            )
            elapsed = time.monotonic() - started
            statements = await session_count(conn, "Com_insert") - before
            print(f"executemany 100k rows: {statements} statements, {elapsed:.2f} s")
            assert count == cur.rowcount == 100_000
            # About 4.5 MB of SQL: statements of up to 1 MiB (so the server runs one while
            # the next is formatted), or less when max_allowed_packet is smaller.
            if max_packet > 1024 * 1024:
                assert 5 <= statements <= 8
            else:
                assert 18 <= statements <= 30
            last = cur._last_executed
            assert last is not None and last.startswith("INSERT INTO big")
            assert last.count("),(") > 1000  # the rewritten multi-row statement
            assert len(last.encode()) < max_packet
            assert last.endswith(f"(99999, 'name 99999 it\\'s', {99999 / 7!r}e0, '{'x' * 49}')")
            await cur.execute("SELECT id, name, score, note FROM big ORDER BY id")
            assert list(await cur.fetchall()) == rows


async def test_unique_key_violation_raises_and_connection_stays_usable(
    conn: aiomysql.Connection, table: str
) -> None:
    async with conn.cursor() as cur:
        with pytest.raises(aiomysql.IntegrityError) as info:
            await cur.executemany(
                f"INSERT INTO {table} (id, name) VALUES (%s, %s)", [(1, "a"), (2, "b"), (1, "c")]
            )
        assert info.value.args[0] == 1062  # ER_DUP_ENTRY
        assert "Duplicate entry" in info.value.args[1]
        assert not conn.busy
        await cur.execute(f"SELECT COUNT(*) FROM {table}")
        assert await cur.fetchone() == (0,)  # one multi-row statement: all or nothing
        assert (
            await cur.executemany(
                f"INSERT INTO {table} (id, name) VALUES (%s, %s)", [(1, "a"), (2, "b")]
            )
            == 2
        )


def _many_rows(first: int, count: int) -> list[tuple[int, str]]:
    """Rows of about 70 bytes of SQL each: 15,000 of them fill a ~1 MiB statement."""
    return [(i, f"{i:08d}" + "n" * 50) for i in range(first, first + count)]


@pytest.mark.text_protocol("it counts the ~1 MiB multi-row INSERTs; prepared: one bulk execute")
async def test_error_in_a_later_statement_stops_the_rest(
    conn: aiomysql.Connection, table: str
) -> None:
    """Several statements, the second one failing: it raises, the ones before it stay,
    none after it is sent, and the connection is usable (nothing left unread)."""
    rows = _many_rows(0, 45_000)
    rows[20_000] = rows[0]  # a duplicate key in the second ~1 MiB statement
    async with conn.cursor() as cur:
        before = await session_count(conn, "Com_insert")
        with pytest.raises(aiomysql.IntegrityError):
            await cur.executemany(f"INSERT INTO {table} (id, name) VALUES (%s, %s)", rows)
        sent = await session_count(conn, "Com_insert") - before
        assert not conn.busy
        await cur.execute(f"SELECT COUNT(*), MIN(id), MAX(id) FROM {table}")
        count, low, high = await cur.fetchone()
        # Exactly the statements before the failing one committed (autocommit).
        assert sent == 2 and low == 0 and 10_000 < count == high + 1 < 20_000


async def test_bad_parameter_after_a_statement_was_sent(
    conn: aiomysql.Connection, table: str
) -> None:
    """A row that cannot be formatted while an earlier statement runs on the server:
    that statement's result is still read, the error raised, the connection usable."""
    rows: list[Any] = _many_rows(0, 45_000)
    rows[40_000] = (40_000, object())
    async with conn.cursor() as cur:
        with pytest.raises(aiomysql.ProgrammingError):
            await cur.executemany(f"INSERT INTO {table} (id, name) VALUES (%s, %s)", rows)
        await cur.execute(f"SELECT COUNT(*) FROM {table}")
        (count,) = await cur.fetchone()
        assert 10_000 < count < 40_000  # the statements sent before it ran
        # And when the statement in flight fails too, its error is the one raised (it
        # comes first in row order), not left for the next query to trip over.
        rows = _many_rows(100_000, 45_000)
        rows[20_000] = rows[0]
        rows[40_000] = (140_000, object())
        with pytest.raises(aiomysql.IntegrityError) as info:
            await cur.executemany(f"INSERT INTO {table} (id, name) VALUES (%s, %s)", rows)
        assert isinstance(info.value.__context__, aiomysql.ProgrammingError)
        assert await cur.execute("SELECT 1") == 1
        assert (
            await cur.executemany(
                f"INSERT INTO {table} (id, name) VALUES (%s, %s)", _many_rows(50_000, 3)
            )
            == 3
        )


async def test_on_duplicate_key_update(conn: aiomysql.Connection, table: str) -> None:
    sql = (
        f"INSERT INTO {table} (id, name, score) VALUES (%s, %s, %s) "
        "ON DUPLICATE KEY UPDATE name = VALUES(name), score = score + VALUES(score)"
    )
    async with conn.cursor() as cur:
        before = await session_count(conn, "Com_insert")
        assert await cur.executemany(sql, [(1, "a", 1.0), (2, "b", 2.0)]) == 2
        # Row 1 and 2 updated (2 affected each), row 3 inserted (1).
        assert await cur.executemany(sql, [(1, "A", 10.0), (2, "B", 20.0), (3, "c", 3.0)]) == 5
        assert await session_count(conn, "Com_insert") - before == 2
        last = cur._last_executed
        assert last is not None and last.endswith("score = score + VALUES(score)")
        await cur.execute(f"SELECT id, name, score FROM {table} ORDER BY id")
        assert list(await cur.fetchall()) == [(1, "A", 11.0), (2, "B", 22.0), (3, "c", 3.0)]


async def test_named_placeholders_and_replace(conn: aiomysql.Connection, table: str) -> None:
    async with conn.cursor() as cur:
        before = await session_count(conn, "Com_insert")
        n = await cur.executemany(
            f"INSERT INTO {table} (id, name) VALUES (%(id)s, %(name)s)",
            [{"id": i, "name": f"n{i}"} for i in range(10)],
        )
        assert n == 10
        assert await session_count(conn, "Com_insert") - before == 1
        before = await session_count(conn, "Com_replace")
        # REPLACE of an existing row: deleted + inserted = 2 affected.
        n = await cur.executemany(
            f"replace into {table} (id, name) values(%s,%s);", [(0, "zero"), (10, "ten")]
        )
        assert n == 3
        assert await session_count(conn, "Com_replace") - before == 1
        await cur.execute(f"SELECT name FROM {table} WHERE id IN (0, 10) ORDER BY id")
        assert list(await cur.fetchall()) == [("zero",), ("ten",)]


async def test_other_statements_run_one_by_one(conn: aiomysql.Connection, table: str) -> None:
    async with conn.cursor() as cur:
        await cur.executemany(
            f"INSERT INTO {table} (id, score) VALUES (%s, %s)", [(i, 0) for i in range(6)]
        )
        before = await session_count(conn, "Com_update")
        n = await cur.executemany(
            f"UPDATE {table} SET score = %s WHERE id < %s", [(1, 2), (2, 4), (3, 100)]
        )
        assert n == cur.rowcount == 2 + 4 + 6
        assert await session_count(conn, "Com_update") - before == 3
        # INSERT ... SELECT is not an INSERT ... VALUES: one statement per item.
        before = await session_count(conn, "Com_insert_select")
        n = await cur.executemany(f"INSERT INTO {table} (id, score) SELECT %s, 0", [(100,), (101,)])
        assert n == 2
        assert await session_count(conn, "Com_insert_select") - before == 2


async def test_empty_and_generator_args(conn: aiomysql.Connection, table: str) -> None:
    async with conn.cursor() as cur:
        assert await cur.executemany(f"INSERT INTO {table} (id) VALUES (%s)", []) is None
        n = await cur.executemany(f"INSERT INTO {table} (id) VALUES (%s)", ((i,) for i in range(5)))
        assert n == 5


async def test_bad_args_are_a_clear_error(conn: aiomysql.Connection, table: str) -> None:
    async with conn.cursor() as cur:
        with pytest.raises(aiomysql.ProgrammingError, match="placeholders"):
            await cur.executemany(f"INSERT INTO {table} (id, name) VALUES (%s, %s)", [(1,)])
        with pytest.raises(aiomysql.ProgrammingError, match="not supported"):
            await cur.executemany(f"INSERT INTO {table} (id) VALUES (%s)", [(object(),)])
        await cur.execute(f"SELECT COUNT(*) FROM {table}")
        assert await cur.fetchone() == (0,)


async def test_unbuffered_cursor_executemany(conn: aiomysql.Connection, table: str) -> None:
    async with conn.cursor(aiomysql.SSCursor) as cur:
        n = await cur.executemany(
            f"INSERT INTO {table} (id) VALUES (%s)", [(i,) for i in range(1000)]
        )
        assert n == 1000
        await cur.execute(f"SELECT COUNT(*) FROM {table}")
        assert list(await cur.fetchall()) == [(1000,)]


# Cancelled mid-executemany at exact protocol points: tests/faults/test_executemany_cancel.py
