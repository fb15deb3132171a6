"""Features built side by side, used together: prepared statements with the text fast path,
hooks and query attributes, and session tracking with the fast path's OK packets."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

import aiomysql
from aiomysql import QueryInfo

SELECT = "SELECT id, name, amount FROM {table} ORDER BY id"


async def _table(conn: aiomysql.Connection) -> str:
    table = "interplay_rows"
    async with conn.cursor() as cur:
        with warnings.catch_warnings():  # the note "Unknown table" when it is not there
            warnings.simplefilter("ignore")
            await cur.execute(f"DROP TABLE IF EXISTS {table}")
        await cur.execute(
            f"CREATE TABLE {table} (id INT PRIMARY KEY, name VARCHAR(20), amount BIGINT)"
        )
        await cur.execute(
            f"INSERT INTO {table} VALUES (1, 'one', -5), (2, 'two', 70000), (3, NULL, NULL)"
        )
    return table


EXPECTED = ((1, "one", -5), (2, "two", 70000), (3, None, None))


async def test_text_and_prepared_results_of_the_same_columns_alternate(
    connect_kwargs: dict[str, Any],
) -> None:
    """The text fast path keeps a plan per column definitions; a prepared execute with the
    same definitions must still decode binary rows, and a text query after it text rows."""
    conn = await aiomysql.connect(**connect_kwargs)
    try:
        table = await _table(conn)
        sql = SELECT.format(table=table)
        for _ in range(3):
            async with conn.cursor(prepared=False) as text:
                await text.execute(sql)
                assert await text.fetchall() == EXPECTED
            async with conn.cursor(prepared=True) as prepared:
                await prepared.execute(sql)
                assert await prepared.fetchall() == EXPECTED
            async with conn.cursor(aiomysql.SSCursor, prepared=False) as unbuffered:
                await unbuffered.execute(sql)
                assert tuple(await unbuffered.fetchall()) == EXPECTED
        await conn.query(f"DROP TABLE {table}")
    finally:
        conn.close()


async def test_hooks_report_prepared_statements(connect_kwargs: dict[str, Any]) -> None:
    """A prepared cursor's execute and executemany reach the statement hooks once each."""
    seen: list[tuple[str, str, Any]] = []

    def end(info: QueryInfo) -> None:
        seen.append((info.method, info.statement, info.error))

    conn = await aiomysql.connect(**connect_kwargs, on_query_end=end)
    try:
        table = await _table(conn)
        seen.clear()
        async with conn.cursor(prepared=True) as cur:
            await cur.execute(SELECT.format(table=table))
            assert await cur.fetchall() == EXPECTED
            await cur.executemany(
                f"INSERT INTO {table} VALUES (%s, %s, %s)", [(10, "a", 1), (11, "b", 2)]
            )
        assert [(m, s.split()[0]) for m, s, _ in seen] == [
            ("execute", "SELECT"),
            ("executemany", "INSERT"),
        ]
        assert all(error is None for _, _, error in seen)
        await conn.query(f"DROP TABLE {table}")
    finally:
        conn.close()


async def test_query_attributes_on_a_prepared_cursor_go_the_text_way(
    connect_kwargs: dict[str, Any],
) -> None:
    """attributes= on a prepared cursor runs as text: on MariaDB, NotSupportedError, and the
    connection stays usable; with hooks set, the attributes are not dropped on the way."""
    conn = await aiomysql.connect(**connect_kwargs, on_query_end=lambda info: None)
    try:
        for prepared in (True, False):
            async with conn.cursor(prepared=prepared) as cur:
                with pytest.raises(aiomysql.NotSupportedError):
                    await cur.execute("SELECT 1", None, attributes={"trace": "x"})
                await cur.execute("SELECT 2")
                assert await cur.fetchone() == (2,)
    finally:
        conn.close()


async def test_session_state_changes_reach_session_state_on_every_path(
    connect_kwargs: dict[str, Any],
) -> None:
    """With session tracking on, OK packets carry session state: the schema change of USE
    must be seen whether the reply was read by the fast path or not."""
    kwargs = dict(connect_kwargs)
    db = kwargs.pop("db", None) or kwargs.pop("database", None)
    conn = await aiomysql.connect(**kwargs, session_track=True)
    try:
        for _ in range(3):  # the second round would be the fast path's (plans cached)
            await conn.select_db("mysql")
            assert conn.session_state.schema == "mysql"
            async with conn.cursor() as cur:
                await cur.execute(f"USE {db or 'information_schema'}")
            assert conn.session_state.schema == (db or "information_schema")
    finally:
        conn.close()
