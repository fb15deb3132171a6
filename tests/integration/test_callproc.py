"""callproc(): IN/OUT/INOUT parameters through @_name_n, and a procedure's result sets."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

import aiomysql


@pytest.fixture
def conn_options() -> dict[str, Any]:
    """``conn`` (tests/integration/conftest.py) of this module runs in autocommit."""
    return {"autocommit": True}


@pytest.fixture
async def proc(conn: aiomysql.Connection) -> AsyncIterator[str]:
    """A procedure with IN, OUT and INOUT parameters that returns two result sets."""
    name = "p_" + uuid.uuid4().hex[:12]
    async with conn.cursor() as cur:
        await cur.execute(
            f"""CREATE PROCEDURE {name}(IN a INT, OUT doubled INT, INOUT label VARCHAR(40))
            BEGIN
                SELECT a AS a, a + 1 AS next;
                SELECT seq AS n, CONCAT(label, '-', seq) AS tag FROM seq_1_to_3;
                SET doubled = a * 2;
                SET label = CONCAT(UPPER(label), '!');
            END"""
        )
    try:
        yield name
    finally:
        async with conn.cursor() as cur:
            await cur.execute(f"DROP PROCEDURE IF EXISTS {name}")


@pytest.mark.parametrize(
    "kind", [aiomysql.Cursor, aiomysql.DictCursor, aiomysql.SSCursor, aiomysql.SSDictCursor]
)
async def test_in_out_inout_and_two_result_sets(
    conn: aiomysql.Connection, proc: str, kind: Any
) -> None:
    async with conn.cursor(kind) as cur:
        args = (21, None, "tag")
        assert await cur.callproc(proc, args) == args  # returned unchanged, as in aiomysql
        assert cur._last_executed == f"CALL {proc}(@_{proc}_0,@_{proc}_1,@_{proc}_2)"
        first = list(await cur.fetchall())
        assert await cur.nextset()
        second = list(await cur.fetchall())
        assert await cur.nextset()  # the CALL's own final status
        assert cur.description is None
        assert await cur.nextset() is None
        await cur.execute(f"SELECT @_{proc}_0, @_{proc}_1, @_{proc}_2")
        params = await cur.fetchone()
    if issubclass(kind, aiomysql.DictCursor) or issubclass(kind, aiomysql.SSDictCursor):
        assert first == [{"a": 21, "next": 22}]
        assert second == [{"n": i, "tag": f"tag-{i}"} for i in (1, 2, 3)]
        assert params == {f"@_{proc}_0": 21, f"@_{proc}_1": 42, f"@_{proc}_2": "TAG!"}
    else:
        assert first == [(21, 22)]
        assert second == [(i, f"tag-{i}") for i in (1, 2, 3)]
        assert params == (21, 42, "TAG!")


async def test_unread_result_sets_are_skipped(conn: aiomysql.Connection, proc: str) -> None:
    for kind in (aiomysql.Cursor, aiomysql.SSCursor):
        async with conn.cursor(kind) as cur:
            await cur.callproc(proc, (1, None, "x"))
            # Straight to the next statement: the procedure's results are discarded
            # (an unbuffered one with aiomysql's warning that it was left unread).
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                await cur.execute(f"SELECT @_{proc}_1")
            assert [str(w.message) for w in caught] == (
                ["Previous unbuffered result was left incomplete"] if cur._unbuffered else []
            )
            assert list(await cur.fetchall()) == [(2,)]
        assert not conn.busy


async def test_parameters_of_every_kind_are_escaped(conn: aiomysql.Connection) -> None:
    name = "echo_" + uuid.uuid4().hex[:12]
    async with conn.cursor() as cur:
        await cur.execute(
            f"CREATE PROCEDURE {name}(INOUT s TEXT, INOUT d DECIMAL(10,2), INOUT b BLOB) "
            "BEGIN SELECT s, d, b; END"
        )
        try:
            await cur.callproc(name, ("it's \\ 'quoted'", Decimal("3.25"), b"\x00\xff"))
            assert list(await cur.fetchall()) == [
                ("it's \\ 'quoted'", Decimal("3.25"), b"\x00\xff")
            ]
        finally:
            await cur.execute(f"DROP PROCEDURE {name}")


async def test_no_arguments_and_unknown_procedure(conn: aiomysql.Connection) -> None:
    async with conn.cursor() as cur:
        with pytest.raises(aiomysql.OperationalError) as info:  # as PyMySQL
            await cur.callproc("no_such_procedure_here")
        assert info.value.args[0] == 1305  # ER_SP_DOES_NOT_EXIST
        await cur.execute("SELECT 1")
        assert list(await cur.fetchall()) == [(1,)]
