"""aiomysql.sa SAConnection.execute/scalar and the ResultProxy/RowProxy it returns."""

from __future__ import annotations

import datetime
import enum
import json
import warnings
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.schema import CreateTable, DropTable

import aiomysql
from aiomysql.sa import (
    ArgumentError,
    Engine,
    NoSuchColumnError,
    ResourceClosedError,
    ResultProxy,
    RowProxy,
    SAConnection,
    create_engine,
)


class Size(enum.Enum):
    S = "small"
    L = "large"


class Upper(sa.types.TypeDecorator):  # type: ignore[type-arg]
    """Stored lower case, read back upper case: shows both processors run."""

    impl = sa.String(30)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return None if value is None else value.lower()

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return None if value is None else value.upper()


def _stamp() -> datetime.datetime:
    return datetime.datetime(2001, 2, 3, 4, 5, 6)


metadata = sa.MetaData()
tbl = sa.Table(
    "sa_conn_items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(50), nullable=False),
    sa.Column("flag", sa.Boolean, nullable=False, default=False),
    sa.Column("doc", sa.JSON),
    sa.Column("size", sa.Enum(Size)),
    sa.Column("code", Upper),
    sa.Column("created", sa.DateTime, default=_stamp),
    sa.Column("revision", sa.Integer, default=1, onupdate=lambda ctx: 99),
)


@pytest.fixture
async def engine(connect_kwargs: dict[str, Any]) -> AsyncIterator[Engine]:
    async with create_engine(maxsize=3, autocommit=True, **connect_kwargs) as eng:
        async with eng.acquire() as conn:
            with warnings.catch_warnings():  # the server's note when there is no table
                warnings.simplefilter("ignore", aiomysql.Warning)
                await conn.execute(DropTable(tbl, if_exists=True))
            await conn.execute(CreateTable(tbl))
        yield eng


@pytest.fixture
async def conn(engine: Engine) -> AsyncIterator[SAConnection]:
    async with engine.acquire() as c:
        yield c


async def fill(conn: SAConnection) -> None:
    await conn.execute(
        tbl.insert(),
        [
            {"name": "a", "flag": True, "doc": {"k": [1, 2]}, "size": Size.S, "code": "Xy"},
            {"name": "b", "flag": False, "doc": None, "size": Size.L, "code": "zz"},
            {"name": "c", "flag": True, "doc": [3], "size": None, "code": None},
        ],
    )


async def test_insert_forms_and_lastrowid(conn: SAConnection) -> None:
    result = await conn.execute(tbl.insert().values(name="v1"))
    assert (result.returns_rows, result.rowcount, result.lastrowid) == (False, 1, 1)
    assert result.closed  # nothing to read: closed at once
    result = await conn.execute(tbl.insert(), {"name": "dict"})
    assert result.lastrowid == 2
    result = await conn.execute(tbl.insert(), name="kw")
    assert result.lastrowid == 3
    result = await conn.execute(tbl.insert(), None, "positional")  # by table column order
    assert result.lastrowid == 4
    result = await conn.execute(tbl.insert(), [{"name": "m1"}, {"name": "m2"}])
    assert result.rowcount == 2
    result = await conn.execute(tbl.insert(), {"name": "m3"}, {"name": "m4"})
    assert result.rowcount == 2
    names = [r.name for r in await (await conn.execute(tbl.select().order_by(tbl.c.id))).fetchall()]
    assert names == ["v1", "dict", "kw", "positional", "m1", "m2", "m3", "m4"]
    # Python-side defaults were applied (scalar and callable)
    row = await (await conn.execute(sa.select(tbl.c.flag, tbl.c.created, tbl.c.revision))).first()
    assert row == (False, _stamp(), 1)


async def test_string_sql_with_params(conn: SAConnection) -> None:
    insert = "INSERT INTO sa_conn_items (name, flag) VALUES "
    await conn.execute(insert + "(%s, 0)", "s1")
    await conn.execute(insert + "(%s, %s)", ("s2", 0))
    await conn.execute(insert + "(%(n)s, 0)", {"n": "s3"})
    await conn.execute(insert + "(%(n)s, %(f)s)", n="s4", f=1)
    result = await conn.execute(insert + "(%s, %s)", [("s5", 0), ("s6", 1)])
    assert result.rowcount == 2
    assert await conn.scalar("SELECT COUNT(*) FROM sa_conn_items WHERE name LIKE 's%'") == 6
    assert await conn.scalar("SELECT %s + %s", 2, 3) == 5
    assert await conn.scalar("SELECT CONCAT(%s, '%%')", "x") == "x%"
    assert await conn.scalar("SELECT '100%'") == "100%"  # no params: % is literal
    with pytest.raises(ArgumentError):
        await conn.execute("SELECT %s", 1, b=2)


async def test_select_result_proxy(conn: SAConnection) -> None:
    await fill(conn)
    result = await conn.execute(sa.select(tbl.c.id, tbl.c.name).order_by(tbl.c.id))
    assert isinstance(result, ResultProxy)
    assert result.returns_rows
    assert result.keys() == ["id", "name"]
    assert result.rowcount == 3
    one = await result.fetchone()
    assert isinstance(one, RowProxy)
    assert one == (1, "a")
    assert await result.fetchmany(1) == [(2, "b")]
    assert await result.fetchmany() == [(3, "c")]
    assert await result.fetchone() is None
    assert result.closed
    assert await result.fetchall() == []  # exhausted: empty, not an error

    result = await conn.execute(sa.select(tbl.c.name).order_by(tbl.c.name.desc()))
    assert [row[0] async for row in result] == ["c", "b", "a"]

    result = await conn.execute(sa.select(tbl.c.name).where(tbl.c.id > 5))
    assert await result.first() is None
    assert await conn.scalar(sa.select(tbl.c.name).where(tbl.c.id > 5)) is None
    assert await conn.scalar(sa.select(sa.func.count()).select_from(tbl)) == 3

    result = await conn.execute(tbl.select())
    await result.close()
    with pytest.raises(ResourceClosedError):
        await result.fetchone()
    result = await conn.execute(tbl.update().values(name="z").where(tbl.c.id == 1))
    assert not result.returns_rows and result.keys() == []
    with pytest.raises(ResourceClosedError):
        await result.fetchall()

    async with conn.execute(tbl.select()) as result:
        assert (await result.fetchone()) is not None
    assert result.closed


async def test_row_access(conn: SAConnection) -> None:
    await fill(conn)
    other = tbl.alias("other")
    query = (
        sa.select(tbl.c.id, tbl.c.name, other.c.name.label("other_name"))
        .select_from(tbl.join(other, other.c.id == tbl.c.id + 1))
        .order_by(tbl.c.id)
    )
    row = await (await conn.execute(query)).first()
    assert row is not None
    assert (row[0], row[1], row[-1], row[0:2]) == (1, "a", "b", (1, "a"))
    assert (row["id"], row["name"], row["other_name"]) == (1, "a", "b")
    assert (row[tbl.c.id], row[tbl.c.name]) == (1, "a")
    assert (row.id, row.name, row.other_name) == (1, "a", "b")
    assert row.keys() == ["id", "name", "other_name"]
    assert dict(row) == {"id": 1, "name": "a", "other_name": "b"}
    assert list(row) == [1, "a", "b"]
    assert row.items()[2] == ("other_name", "b")
    assert len(row) == 3 and "name" in row and "nope" not in row
    assert row.get("nope", 5) == 5
    assert row.as_tuple() == (1, "a", "b")
    assert row == [1, "a", "b"] and row != (1, "a")
    with pytest.raises(NoSuchColumnError):
        row["nope"]
    with pytest.raises(KeyError):  # NoSuchColumnError is a KeyError
        row[tbl.c.flag]
    with pytest.raises(AttributeError):
        row.nope  # noqa: B018
    with pytest.raises(IndexError):
        row[3]
    # the same column name twice: the column objects tell them apart; a name the
    # result really has twice (SQLAlchemy labels its own duplicates) is ambiguous
    both = sa.select(tbl.c.name, other.c.name).select_from(tbl.join(other, other.c.id == tbl.c.id))
    row = await (await conn.execute(both)).first()
    assert row is not None
    assert (row[tbl.c.name], row[other.c.name]) == ("a", "a")
    row = await (await conn.execute("SELECT 1 AS x, 2 AS x")).first()
    assert row is not None and row.keys() == ["x", "x"]
    with pytest.raises(aiomysql.sa.InvalidRequestError, match="Ambiguous"):
        row["x"]
    # a text query still offers rows by name, and by a column object's name
    row = await (await conn.execute("SELECT id, name FROM sa_conn_items WHERE id = 2")).first()
    assert row is not None and row["name"] == row[tbl.c.name] == "b"


async def test_type_processors(conn: SAConnection) -> None:
    await fill(conn)
    rows = await (await conn.execute(tbl.select().order_by(tbl.c.id))).fetchall()
    assert [(r.flag, r.doc, r.size, r.code) for r in rows] == [
        (True, {"k": [1, 2]}, Size.S, "XY"),
        (False, None, Size.L, "ZZ"),
        (True, [3], None, None),
    ]
    raw = await conn.execute("SELECT doc, size, code FROM sa_conn_items WHERE id = 1")
    doc, size, code = (await raw.first()) or ()
    assert json.loads(doc) == {"k": [1, 2]} and size == "S" and code == "xy"
    # bind processors on WHERE values too, and on text() binds typed with bindparams
    found = await conn.scalar(sa.select(tbl.c.id).where(tbl.c.code == "ZZ"))
    assert found == 2
    stmt = sa.text("SELECT name FROM sa_conn_items WHERE size = :s").bindparams(
        sa.bindparam("s", type_=sa.Enum(Size))
    )
    assert await conn.scalar(stmt, s=Size.L) == "b"
    # textual SELECT with typed columns gets result processing
    typed = sa.text("SELECT flag, size FROM sa_conn_items WHERE id = 3").columns(
        tbl.c.flag, tbl.c.size
    )
    assert await (await conn.execute(typed)).first() == (True, None)


async def test_update_delete_in_and_defaults(conn: SAConnection) -> None:
    await fill(conn)
    result = await conn.execute(tbl.update().where(tbl.c.name.in_(["a", "c", "x"])).values(flag=0))
    assert result.rowcount == 2
    revisions = await conn.execute(sa.select(tbl.c.revision).order_by(tbl.c.id))
    assert [r[0] for r in await revisions.fetchall()] == [99, 1, 99]  # onupdate ran
    result = await conn.execute(
        tbl.update().where(tbl.c.id == sa.bindparam("key")).values(name=sa.bindparam("new")),
        [{"key": 1, "new": "A"}, {"key": 2, "new": "B"}],
    )
    assert result.rowcount == 2
    names = await conn.execute(sa.select(tbl.c.name).order_by(tbl.c.id))
    assert [r.name for r in await names.fetchall()] == ["A", "B", "c"]
    result = await conn.execute(tbl.delete().where(tbl.c.id.in_([1, 3])))
    assert result.rowcount == 2
    assert await conn.scalar(sa.select(sa.func.count()).select_from(tbl)) == 1
    result = await conn.execute(tbl.delete().where(tbl.c.id == sa.bindparam("x")), x=2)
    assert result.rowcount == 1


async def test_bad_input_gives_typed_errors(conn: SAConnection) -> None:
    with pytest.raises(ArgumentError, match="positional"):
        await conn.execute(tbl.select(), 1, 2)
    with pytest.raises(ArgumentError):
        await conn.execute(object())
    with pytest.raises(ArgumentError, match="same parameters"):
        await conn.execute(tbl.insert(), [{"name": "a"}, {"name": "b", "flag": True}])
    with pytest.raises(ArgumentError, match="without parameters"):
        await conn.execute(DropTable(sa.Table("nope", sa.MetaData())), {"a": 1})
    with pytest.raises(aiomysql.ProgrammingError):
        await conn.execute("SELEC 1")
    with pytest.raises(aiomysql.IntegrityError):
        await conn.execute(tbl.insert(), id=1, name=None)
    # the connection is still usable after all of that
    assert await conn.scalar("SELECT 1") == 1


async def test_compiled_cache(connect_kwargs: dict[str, Any]) -> None:
    cache: dict[Any, Any] = {}
    async with create_engine(maxsize=1, compiled_cache=cache, **connect_kwargs) as engine:
        query = sa.select(sa.literal_column("1").label("one"))
        async with engine.acquire() as conn:
            assert await conn.scalar(query) == 1
            assert len(cache) == 1
            assert await conn.scalar(query) == 1
            assert len(cache) == 1
