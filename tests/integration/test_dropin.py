"""Behaviour that makes this package a drop-in for upstream aiomysql 0.3.2 (issue 13).

tests/compat compares whole scenarios with upstream itself; these are the direct checks
of each fix, run in every pass (compiled and pure Python).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pool_support import MakePool

import aiomysql
from aiomysql.constants import CLIENT, ER


async def test_multi_statements_on_by_default(connect_kwargs: dict[str, Any]) -> None:
    async with aiomysql.connect(**connect_kwargs) as conn, conn.cursor() as cur:
        await cur.execute("SELECT 1; SELECT 2")
        assert await cur.fetchall() == ((1,),)
        assert await cur.nextset()
        assert await cur.fetchall() == ((2,),)
        assert not await cur.nextset()


async def test_multi_statements_off(connect_kwargs: dict[str, Any]) -> None:
    # Also when client_flag asks for it: multi_statements=False wins.
    async with aiomysql.connect(
        multi_statements=False, client_flag=CLIENT.MULTI_STATEMENTS, **connect_kwargs
    ) as conn, conn.cursor() as cur:
        with pytest.raises(aiomysql.ProgrammingError) as info:
            await cur.execute("SELECT 1; SELECT 2")
        assert info.value.args[0] == ER.PARSE_ERROR
        await cur.execute("SELECT 3")
        assert await cur.fetchall() == ((3,),)


async def test_unknown_database_at_connect_is_operational_error(
    connect_kwargs: dict[str, Any],
) -> None:
    with pytest.raises(aiomysql.OperationalError) as info:
        await aiomysql.connect(**{**connect_kwargs, "db": "no_such_database_here"})
    assert info.value.args[0] == ER.BAD_DB_ERROR


@pytest.mark.text_protocol("a prepared executemany's _last_executed is its last row's statement")
async def test_last_executed_is_the_str_sent(connect_kwargs: dict[str, Any]) -> None:
    async with aiomysql.connect(autocommit=True, **connect_kwargs) as conn:
        async with conn.cursor() as cur:
            await cur.execute("CREATE TEMPORARY TABLE le (v INT)")
            await cur.execute("SELECT %s", (1,))
            assert cur._last_executed == "SELECT 1"
            await cur.executemany("INSERT INTO le VALUES (%s)", [(1,), (2,)])
            assert cur._last_executed == "INSERT INTO le VALUES (1),(2)"
            await cur.executemany("UPDATE le SET v = %s WHERE v = %s", [(3, 1), (4, 2)])
            assert cur._last_executed == "UPDATE le SET v = 4 WHERE v = 2"
            name = f"le_p_{conn.thread_id()}"
            await cur.execute(f"CREATE PROCEDURE {name}(IN a INT) SELECT a")
            await cur.callproc(name, (5,))
            assert cur._last_executed == f"CALL {name}(@_{name}_0)"
            await cur.execute(f"DROP PROCEDURE {name}")
            assert type(cur._last_executed) is str


async def test_fetch_types_per_cursor_class(connect_kwargs: dict[str, Any]) -> None:
    # As upstream: Cursor fetches tuples; dict and deserialization cursors lists; a
    # statement without a result set fetches an empty list.
    async with aiomysql.connect(**connect_kwargs) as conn:
        for cls, kind in [
            (aiomysql.Cursor, tuple),
            (aiomysql.DictCursor, list),
            (aiomysql.DeserializationCursor, list),
            (aiomysql.SSCursor, list),
            (aiomysql.SSDictCursor, list),
        ]:
            async with conn.cursor(cls) as cur:
                await cur.execute("SELECT seq FROM seq_1_to_4")
                assert type(await cur.fetchmany(1)) is kind, cls
                assert type(await cur.fetchall()) is kind, cls
                await cur.execute("DO 1")
                assert await cur.fetchall() == [], cls
                assert await cur.fetchone() is None, cls


async def test_names_libraries_use(connect_kwargs: dict[str, Any]) -> None:
    assert aiomysql.cursors.RE_INSERT_VALUES.match("INSERT INTO t VALUES (%s)")
    async with aiomysql.connect(**connect_kwargs) as conn:
        assert conn.autocommit_mode is False
        await conn.autocommit(True)
        assert conn.autocommit_mode is True
        await conn.set_charset("latin1")
        assert (conn.charset, conn.encoding) == ("latin1", "cp1252")
        async with conn.cursor() as cur:
            await cur.execute("SELECT @@character_set_client, %s", ("é",))
            assert await cur.fetchone() == ("latin1", "é")
        assert conn.loop is not None and conn.last_usage > 0
        assert conn.ProgrammingError is aiomysql.ProgrammingError
        assert aiomysql.Cursor.OperationalError is aiomysql.OperationalError


async def test_closed_pool_raises_runtime_error_first(make_pool: MakePool) -> None:
    # peewee maps an unknown driver exception by type(exc).__bases__[0]: a RuntimeError
    # first base leaves it as aiomysql's RuntimeError, not a peewee InterfaceError.
    assert aiomysql.PoolClosedError.__bases__[0] is RuntimeError
    pool = await make_pool()
    pool.close()
    with pytest.raises(aiomysql.InterfaceError) as info:
        await pool.acquire()
    assert isinstance(info.value, RuntimeError)
    assert info.value.args == ("Cannot acquire connection after closing pool",)


async def test_deprecated_pool_forms(make_pool: MakePool) -> None:
    pool = await make_pool(minsize=1, maxsize=1)
    with pytest.warns(DeprecationWarning, match="with await pool as conn deprecated"):
        with await pool as conn:
            async with conn.cursor() as cur:
                await cur.execute("SELECT 1")
                assert await cur.fetchone() == (1,)
    assert pool.freesize == 1  # released at the end of the with block
    with pytest.raises(RuntimeError, match='"yield from" should be used'):
        with pool:  # type: ignore[attr-defined]
            pass


def test_py_typed_is_installed() -> None:
    assert (Path(next(iter(aiomysql.__path__))) / "py.typed").is_file()


def test_top_level_escaping_helpers() -> None:
    assert aiomysql.escape_string("it's") == "it\\'s"
    assert aiomysql.escape_sequence((1, "a", None), "utf8") == "(1,'a',NULL)"
    with pytest.raises(TypeError):
        aiomysql.escape_dict({"a": 1}, "utf8")
    assert aiomysql.version == aiomysql.__version__


def test_pool_closed_error_through_peewee_style_mapping() -> None:
    # What peewee's ExceptionWrapper does with an exception class it does not know.
    known = {"InterfaceError", "OperationalError", "ProgrammingError", "DatabaseError"}
    cls = aiomysql.PoolClosedError
    name = cls.__name__ if cls.__name__ in known else cls.__bases__[0].__name__
    assert name not in known  # left alone, as upstream's bare RuntimeError was
    assert [c.__name__ for c in cls.__mro__][:3] == [
        "PoolClosedError", "RuntimeError", "InterfaceError"
    ]
