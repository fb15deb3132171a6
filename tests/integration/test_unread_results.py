"""What an earlier statement leaves behind never reaches the next user of the connection:
an unbuffered result that ended in an error, further results of a multi-statement, rows
another cursor did not read; and a charset switch reaches the decoding too."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pool_support import MakePool

import aiomysql
import aiomysql.connection

#: Rows 1..99,999 stream; row 100,000 fails (1242: the subquery returns two rows), so the
#: server's ERR arrives in the middle of an unbuffered result.
FAILS_MID_STREAM = "SELECT IF(seq < 100000, seq, (SELECT 1 UNION SELECT 2)) FROM seq_1_to_200000"
#: A safety net for a hang (the bug these tests guard against); never reached when passing.
BOUND = 30


async def table_with_one_row(conn: aiomysql.Connection, name: str) -> None:
    await conn.query(f"DROP TABLE IF EXISTS {name}")
    await conn.query(f"CREATE TABLE {name} (id INT PRIMARY KEY) ENGINE=InnoDB")
    await conn.query(f"INSERT INTO {name} VALUES (1)")
    await conn.commit()


async def test_unbuffered_result_ending_in_an_error_does_not_hang(
    connect_kwargs: dict[str, Any],
) -> None:
    async with aiomysql.connect(**connect_kwargs) as conn:
        cur = await conn.cursor(aiomysql.SSCursor)
        await cur.execute(FAILS_MID_STREAM)
        assert await cur.fetchone() == (1,)
        with pytest.raises(aiomysql.Error) as info:
            async with asyncio.timeout(BOUND):
                await cur.fetchall()
        assert info.value.args[0] == 1242
        async with asyncio.timeout(BOUND):
            assert await cur.fetchone() is None  # the result is over: no wait for rows
            await cur.close()
        async with conn.cursor() as other:
            await other.execute("SELECT 2")
            assert await other.fetchone() == (2,)


async def test_a_released_connection_with_unread_results_is_cleaned(
    connect_kwargs: dict[str, Any], make_pool: MakePool
) -> None:
    pool = await make_pool(minsize=1, maxsize=1, autocommit=False)
    async with pool.acquire() as conn:
        await table_with_one_row(conn, "unread_results")
        thread_id = conn.thread_id()
        # The second statement's duplicate key and the third's row are left unread.
        await conn.query(
            "SELECT 1; INSERT INTO unread_results VALUES (1); INSERT INTO unread_results VALUES (2)"
        )
    async with pool.acquire() as conn:
        async with conn.cursor() as cur:
            await cur.execute("SELECT id FROM unread_results ORDER BY id")
            assert await cur.fetchall() == ((1,),)  # no IntegrityError from the last user
        await conn.commit()  # commits nothing of the previous user's statements
    async with aiomysql.connect(**connect_kwargs) as check:
        result = await check.run_query("SELECT id FROM unread_results ORDER BY id")
        assert result.rows == [(1,)]
    # The connection whose leftovers failed while being read was dropped, not reused.
    async with pool.acquire() as conn:
        assert conn.thread_id() != thread_id
    assert pool.size == 1


async def test_executemany_drops_rows_another_cursor_left_unread(
    connect_kwargs: dict[str, Any],
) -> None:
    async with aiomysql.connect(**connect_kwargs, autocommit=True) as conn:
        await table_with_one_row(conn, "unread_many")
        reader = await conn.cursor(aiomysql.SSCursor)
        await reader.execute("SELECT seq FROM seq_1_to_1000")
        assert await reader.fetchone() == (1,)
        writer = await conn.cursor()
        with pytest.warns(UserWarning, match="left incomplete"):
            await writer.executemany("INSERT INTO unread_many VALUES (%s)", [(2,), (3,)])
        assert writer.rowcount == 2
        result = await conn.run_query("SELECT COUNT(*) FROM unread_many")
        assert result.rows == [(3,)]


async def test_ping_keeps_a_live_connection_whose_leftover_statement_failed(
    connect_kwargs: dict[str, Any],
) -> None:
    async with aiomysql.connect(**connect_kwargs) as conn:
        await table_with_one_row(conn, "unread_ping")
        thread_id = conn.thread_id()
        await conn.query("SELECT 1; INSERT INTO unread_ping VALUES (1)")
        with pytest.raises(aiomysql.IntegrityError):
            await conn.ping()  # the leftover's error, not a reconnect
        assert not conn.closed and conn.thread_id() == thread_id
        await conn.ping()
        assert conn.thread_id() == thread_id


async def test_set_charset_reaches_the_decoding_of_column_names(
    connect_kwargs: dict[str, Any],
) -> None:
    async with aiomysql.connect(**connect_kwargs) as conn:
        await conn.set_charset("latin1")
        assert conn.charset == "latin1"
        async with conn.cursor() as cur:
            await cur.execute("SELECT 'Grüße' AS `é`")
            assert cur.description is not None and cur.description[0][0] == "é"
            assert await cur.fetchone() == ("Grüße",)


def test_connection_escape_item_takes_pymysql_arguments() -> None:
    assert aiomysql.connection.escape_item("it's", "utf8") == "'it\\'s'"
    assert aiomysql.connection.escape_item(None, "utf8", None) == "NULL"
