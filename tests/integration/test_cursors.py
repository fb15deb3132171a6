"""The cursor family against a real server: every class, every column type, NULLs,
fetch methods, async iteration, ``async with``, scroll, dict_type, mixing, warnings."""

from __future__ import annotations

import datetime
import json
import struct
import uuid
import warnings
from collections import OrderedDict
from decimal import Decimal
from typing import Any

import mysql_packets as sp
import pytest
from scripted_query_server import FakeServer, Session

import aiomysql
from aiomysql import cursors
from aiomysql.constants import CLIENT, FIELD_TYPE

# (column definition, SQL literal, expected Python value): one of every kind of type.
COLUMNS: list[tuple[str, str, Any]] = [
    ("c_tiny TINYINT", "-128", -128),
    ("c_small SMALLINT UNSIGNED", "65535", 65535),
    ("c_medium MEDIUMINT", "-8388608", -8388608),
    ("c_int INT", "2147483647", 2147483647),
    ("c_big BIGINT UNSIGNED", "18446744073709551615", 2**64 - 1),
    ("c_dec DECIMAL(10,3)", "-1234567.125", Decimal("-1234567.125")),
    ("c_float FLOAT", "1.5", 1.5),
    ("c_double DOUBLE", "0.1", 0.1),
    ("c_date DATE", "'2024-02-29'", datetime.date(2024, 2, 29)),
    ("c_dt DATETIME(6)", "'2024-01-02 03:04:05.000006'", datetime.datetime(2024, 1, 2, 3, 4, 5, 6)),
    ("c_ts TIMESTAMP NULL", "'2024-01-02 03:04:05'", datetime.datetime(2024, 1, 2, 3, 4, 5)),
    ("c_time TIME", "'-838:59:59'", -datetime.timedelta(hours=838, minutes=59, seconds=59)),
    ("c_year YEAR", "2024", 2024),
    ("c_bit BIT(10)", "b'1000000001'", b"\x02\x01"),
    ("c_char CHAR(4)", "'ab'", "ab"),
    ("c_varchar VARCHAR(20)", "'héllo 😀'", "héllo 😀"),
    ("c_text TEXT", "'Ωmega'", "Ωmega"),
    ("c_binary BINARY(3)", "X'0001'", b"\x00\x01\x00"),
    ("c_blob BLOB", "X'00ff'", b"\x00\xff"),
    ("c_enum ENUM('a','b')", "'b'", "b"),
    ("c_set SET('x','y')", "'x,y'", "x,y"),
    ("c_json JSON", "'{\"k\": [1, 2]}'", '{"k": [1, 2]}'),
    ("c_geom POINT", "POINT(1, 2)", struct.pack("<IBIdd", 0, 1, 1, 1.0, 2.0)),
]
NAMES = [definition.split()[0] for definition, _, _ in COLUMNS]
VALUES = tuple(value for _, _, value in COLUMNS)
NULLS = (None,) * len(COLUMNS)

ALL_KINDS: list[Any] = [
    aiomysql.Cursor,
    aiomysql.DictCursor,
    aiomysql.SSCursor,
    aiomysql.SSDictCursor,
    aiomysql.DeserializationCursor,
    (aiomysql.DeserializationCursor, aiomysql.DictCursor),
    (aiomysql.DictCursor, aiomysql.DeserializationCursor),
    (aiomysql.DeserializationCursor, aiomysql.SSDictCursor),
    (aiomysql.SSCursor, aiomysql.DeserializationCursor),
]


def kind_id(kind: Any) -> str:
    return "+".join(k.__name__ for k in kind) if isinstance(kind, tuple) else kind.__name__


def as_classes(kind: Any) -> tuple[Any, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def is_dict_kind(kind: Any) -> bool:
    return any(issubclass(k, cursors.DictCursorMixin) for k in as_classes(kind))


def expected_row(kind: Any, values: tuple[Any, ...]) -> Any:
    if aiomysql.DeserializationCursor in as_classes(kind):
        # MariaDB's extended metadata marks the JSON column, so it arrives decoded.
        values = tuple(
            json.loads(v) if name == "c_json" and v is not None else v
            for name, v in zip(NAMES, values, strict=True)
        )
    return dict(zip(NAMES, values, strict=True)) if is_dict_kind(kind) else values


@pytest.fixture
async def typed_table(conn: aiomysql.Connection) -> str:
    """A temporary table with one column of each type: a row of values, a row of NULLs."""
    name = "cur_" + uuid.uuid4().hex[:12]
    async with conn.cursor() as cur:
        columns = ", ".join(definition for definition, _, _ in COLUMNS)
        await cur.execute(f"CREATE TEMPORARY TABLE {name} (id INT PRIMARY KEY, {columns})")
        literals = ", ".join(literal for _, literal, _ in COLUMNS)
        nulls = ", ".join("NULL" for _ in COLUMNS)
        await cur.execute(f"INSERT INTO {name} VALUES (1, {literals}), (2, {nulls})")
    return name


def same(actual: Any, expected: Any) -> None:
    """Equal, and of the same types value by value (1 == 1.0 == True would hide bugs)."""
    assert actual == expected
    pairs = (
        zip(actual.values(), expected.values(), strict=True)
        if isinstance(expected, dict)
        else zip(actual, expected, strict=True)
    )
    for a, e in pairs:
        assert type(a) is type(e), (a, e)


@pytest.mark.parametrize("kind", ALL_KINDS, ids=kind_id)
@pytest.mark.parametrize("how", ["fetchone", "fetchmany", "fetchall", "async-for"])
async def test_every_cursor_kind_on_every_type(
    conn: aiomysql.Connection, typed_table: str, kind: Any, how: str
) -> None:
    query = f"SELECT {', '.join(NAMES)} FROM {typed_table} ORDER BY id"
    async with conn.cursor(*as_classes(kind)) as cur:
        await cur.execute(query)
        assert cur.description is not None
        assert [d[0] for d in cur.description] == NAMES
        if how == "fetchone":
            rows = [await cur.fetchone(), await cur.fetchone()]
            assert await cur.fetchone() is None
        elif how == "fetchmany":
            rows = list(await cur.fetchmany(5))
            assert list(await cur.fetchmany(5)) == []
        elif how == "fetchall":
            rows = list(await cur.fetchall())
            assert list(await cur.fetchall()) == []
        else:
            rows = [row async for row in cur]
        assert len(rows) == 2
        same(rows[0], expected_row(kind, VALUES))
        same(rows[1], expected_row(kind, NULLS))
        assert cur.rownumber == 2
    assert cur.closed
    assert conn.busy is False
    # The connection is fine for the next statement, whatever the cursor kind was.
    async with conn.cursor() as cur:
        await cur.execute("SELECT 1")
        assert await cur.fetchone() == (1,)


@pytest.mark.parametrize("kind", ALL_KINDS, ids=kind_id)
async def test_async_with_closes_and_await_works(conn: aiomysql.Connection, kind: Any) -> None:
    cur = await conn.cursor(*as_classes(kind))
    await cur.execute("SELECT 1 AS a")
    assert not cur.closed
    await cur.close()
    assert cur.closed and cur.connection is None
    with pytest.raises(aiomysql.ProgrammingError, match="closed"):
        await cur.execute("SELECT 1")
    async with conn.cursor(*as_classes(kind)) as cur2:
        await cur2.execute("SELECT seq FROM seq_1_to_100")  # left unread: close drains
    assert cur2.closed
    assert not conn.busy
    async with conn.cursor() as cur3:
        await cur3.execute("SELECT 2")
        assert list(await cur3.fetchall()) == [(2,)]


@pytest.mark.text_protocol("a prepared cursor's class is PreparedCursor mixed in front")
async def test_cursorclass_on_connect_and_conn_cursor_override(
    connect_kwargs: dict[str, Any],
) -> None:
    async with aiomysql.connect(cursorclass=aiomysql.DictCursor, **connect_kwargs) as conn:
        async with conn.cursor() as cur:
            assert isinstance(cur, aiomysql.DictCursor)
            await cur.execute("SELECT 1 AS one")
            assert await cur.fetchone() == {"one": 1}
        async with conn.cursor(aiomysql.Cursor) as cur:
            assert type(cur) is aiomysql.Cursor
            await cur.execute("SELECT 1 AS one")
            assert await cur.fetchone() == (1,)


class AttrDict(dict[str, Any]):
    """A dict whose keys are also attributes (the classic dict_type example)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class AttrDictCursor(aiomysql.DictCursor):
    dict_type = AttrDict


class OrderedSSDictCursor(aiomysql.SSDictCursor):
    dict_type = OrderedDict


async def test_dict_type(conn: aiomysql.Connection) -> None:
    async with conn.cursor(AttrDictCursor) as cur:
        await cur.execute("SELECT 1 AS a, 'x' AS b")
        row = await cur.fetchone()
        assert type(row) is AttrDict
        assert (row.a, row.b) == (1, "x")
    async with conn.cursor(OrderedSSDictCursor) as cur:
        await cur.execute("SELECT seq AS n FROM seq_1_to_3")
        rows = [row async for row in cur]
        assert rows == [OrderedDict(n=1), OrderedDict(n=2), OrderedDict(n=3)]
        assert all(type(r) is OrderedDict for r in rows)


async def test_dict_cursor_repeated_names(conn: aiomysql.Connection) -> None:
    async with conn.cursor(aiomysql.DictCursor) as cur:
        await cur.execute("CREATE TEMPORARY TABLE rn_a (id INT)")
        await cur.execute("CREATE TEMPORARY TABLE rn_b (id INT)")
        await cur.execute("INSERT INTO rn_a VALUES (1)")
        await cur.execute("INSERT INTO rn_b VALUES (2)")
        await cur.execute("SELECT * FROM rn_a JOIN rn_b")
        assert list(await cur.fetchall()) == [{"id": 1, "rn_b.id": 2}]


async def test_mixed_classes(conn: aiomysql.Connection) -> None:
    cur = await conn.cursor(aiomysql.DeserializationCursor, aiomysql.DictCursor)
    assert isinstance(cur, aiomysql.DeserializationCursor)
    assert isinstance(cur, aiomysql.DictCursor)
    again = await conn.cursor(aiomysql.DeserializationCursor, aiomysql.DictCursor)
    assert type(again) is type(cur)  # made once, not per call
    await cur.close()
    await again.close()
    with pytest.raises(TypeError, match="must be subclass of Cursor"):
        conn.cursor(aiomysql.DictCursor, dict)  # type: ignore[arg-type]


async def test_scroll_buffered(conn: aiomysql.Connection) -> None:
    async with conn.cursor() as cur:
        await cur.execute("SELECT seq FROM seq_0_to_9")
        await cur.scroll(3)
        assert await cur.fetchone() == (3,)
        await cur.scroll(-2)
        assert await cur.fetchone() == (2,)
        await cur.scroll(8, mode="absolute")
        assert await cur.fetchone() == (8,)
        with pytest.raises(IndexError):
            await cur.scroll(10, mode="absolute")
        with pytest.raises(IndexError):
            await cur.scroll(-10)
        with pytest.raises(aiomysql.ProgrammingError, match="scroll mode"):
            await cur.scroll(1, mode="sideways")
        assert await cur.fetchone() == (9,)  # failed scrolls did not move


async def test_scroll_unbuffered_is_forward_only(conn: aiomysql.Connection) -> None:
    async with conn.cursor(aiomysql.SSCursor) as cur:
        await cur.execute("SELECT seq FROM seq_0_to_9")
        await cur.scroll(3)
        assert await cur.fetchone() == (3,)
        await cur.scroll(6, mode="absolute")
        assert await cur.fetchone() == (6,)
        with pytest.raises(aiomysql.NotSupportedError):
            await cur.scroll(-1)
        with pytest.raises(aiomysql.NotSupportedError):
            await cur.scroll(0, mode="absolute")
        assert await cur.fetchone() == (7,)
        with pytest.raises(IndexError):
            await cur.scroll(5)


async def test_last_executed(conn: aiomysql.Connection) -> None:
    async with conn.cursor() as cur:
        await cur.execute("SELECT %s, %s", ("it's", None))
        assert cur._last_executed == "SELECT 'it\\'s', NULL"
        with pytest.raises(aiomysql.ProgrammingError):
            await cur.execute("SELEKT %s", (1,))
        assert cur._last_executed == "SELEKT 1"  # the failed statement, for debugging


async def test_warnings_surface_through_warnings_module(conn: aiomysql.Connection) -> None:
    async with conn.cursor() as cur:
        await cur.execute("CREATE TEMPORARY TABLE w (v TINYINT)")
        await cur.execute("SET SESSION sql_mode = ''")  # truncation warns, not errors
        with pytest.warns(aiomysql.Warning, match="Out of range") as record:
            await cur.execute("INSERT INTO w VALUES (1000), (-1000)")
        assert cur.warning_count == 2
        assert len(record) == 2
        # As aiomysql: the message alone (no code).
        assert record[0].message.args[0].startswith("Out of range")  # type: ignore[union-attr]
        # The statement's own counters survive the SHOW WARNINGS behind the scenes.
        assert conn.affected_rows() == 2
        await cur.execute("SELECT v FROM w ORDER BY v")
        assert list(await cur.fetchall()) == [(-128,), (127,)]
        assert cur.warning_count == 0
    async with conn.cursor(aiomysql.SSCursor) as cur:
        with pytest.warns(aiomysql.Warning, match="Truncated incorrect"):
            await cur.execute("SELECT CAST('1x' AS SIGNED) FROM seq_1_to_3")
            assert [r async for r in cur] == [(1,), (1,), (1,)]
        assert cur.warning_count == 3


async def test_no_warning_no_extra_round_trip(conn: aiomysql.Connection) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        async with conn.cursor() as cur:
            await cur.execute("SELECT 1")
            assert cur.warning_count == 0


async def test_multi_statements_and_nextset(connect_kwargs: dict[str, Any]) -> None:
    async with aiomysql.connect(client_flag=CLIENT.MULTI_STATEMENTS, **connect_kwargs) as conn:
        for kind in (aiomysql.Cursor, aiomysql.SSDictCursor):
            async with conn.cursor(kind) as cur:
                await cur.execute("SELECT 1 AS a; DO 0; SELECT 2 AS b, 3 AS c")
                first = list(await cur.fetchall())
                assert await cur.nextset()
                assert cur.description is None  # DO: no result set
                assert await cur.nextset()
                second = list(await cur.fetchall())
                assert await cur.nextset() is None
                if kind is aiomysql.Cursor:
                    assert (first, second) == ([(1,)], [(2, 3)])
                else:
                    assert (first, second) == ([{"a": 1}], [{"b": 2, "c": 3}])
        # Leaving result sets unread: the next execute() skips them.
        async with conn.cursor() as cur:
            await cur.execute("SELECT 1; SELECT 2; SELECT 3")
            await cur.execute("SELECT 4")
            assert list(await cur.fetchall()) == [(4,)]


@pytest.mark.text_protocol("prepared SSCursor: the line is idle between fetches")
async def test_unbuffered_closed_early_drains(conn: aiomysql.Connection) -> None:
    for kind in (aiomysql.SSCursor, aiomysql.SSDictCursor):
        cur = await conn.cursor(kind)
        await cur.execute("SELECT seq, REPEAT('x', 100) FROM seq_1_to_100000")
        list(await cur.fetchmany(10))
        assert conn.busy
        await cur.close()
        assert not conn.busy
        async with conn.cursor() as cur2:
            await cur2.execute("SELECT 'after'")
            assert await cur2.fetchone() == ("after",)


@pytest.mark.text_protocol("prepared SSCursor: other statements run beside a server-side cursor")
async def test_second_query_while_unbuffered_is_open(conn: aiomysql.Connection) -> None:
    async with conn.cursor(aiomysql.SSCursor) as ss:
        await ss.execute("SELECT seq FROM seq_1_to_50000")
        assert await ss.fetchone() == (1,)
        async with conn.cursor() as other:
            # As aiomysql: the unread rows are dropped, with a UserWarning.
            with pytest.warns(UserWarning, match="left incomplete"):
                await other.execute("SELECT 1")
            assert await other.fetchone() == (1,)


@pytest.mark.text_protocol("prepared SSCursor: the server makes the cursor's rows at execute")
async def test_unbuffered_error_mid_stream_leaves_connection_usable(
    conn: aiomysql.Connection,
) -> None:
    async with conn.cursor(aiomysql.SSCursor) as cur:
        # The scalar subquery fails ("returns more than 1 row") at row 3, after rows
        # 1 and 2 have been sent: the ERR packet arrives in the middle of the rows.
        await cur.execute("SELECT seq, IF(seq = 3, (SELECT 1 UNION SELECT 2), seq) FROM seq_1_to_5")
        with pytest.raises(aiomysql.Error):
            list(await cur.fetchall())
        await cur.execute("SELECT 'ok'")
        assert list(await cur.fetchall()) == [("ok",)]


# --- JSON type code: MariaDB never sends it, so a scripted server does ------------


async def test_deserialization_of_json_type_columns() -> None:
    """MySQL 5.7+ reports JSON columns with type code 245; MariaDB sends LONGTEXT.

    So the server here is a small scripted one (tests/scripted_query_server.py) answering
    every query with the same documented text-protocol result set: a JSON column, an
    INT column and a VARCHAR holding JSON-looking text, over three rows (an object,
    NULL, and an array). Only the JSON-typed column may be decoded.
    """

    async def on_query(session: Session, sql: bytes) -> None:
        await session.send(
            b"\x03",
            sp.column("doc", FIELD_TYPE.JSON),
            sp.column("n", FIELD_TYPE.LONG, charset=63),
            sp.column("txt", FIELD_TYPE.VAR_STRING),
            sp.text_row(b'{"a": [1, 2.5, null], "b": "\xc3\xbc"}', b"1", b"[1]"),
            sp.text_row(None, b"2", None),
            sp.text_row(b"[true, false]", b"3", b"{}"),
            sp.ok(header=0xFE),
        )

    decoded = [
        ({"a": [1, 2.5, None], "b": "ü"}, 1, "[1]"),
        (None, 2, None),
        ([True, False], 3, "{}"),
    ]
    as_sent = [
        ('{"a": [1, 2.5, null], "b": "ü"}', 1, "[1]"),
        (None, 2, None),
        ("[true, false]", 3, "{}"),
    ]
    async with FakeServer(on_query) as server:
        conn = await aiomysql.connect(host=server.host, port=server.port, user="u", autocommit=None)
        try:
            for kind in ALL_KINDS:
                async with conn.cursor(*as_classes(kind)) as cur:
                    await cur.execute("SELECT doc, n, txt FROM t")
                    rows = [row async for row in cur]
                deserializes = any(
                    issubclass(k, cursors.DeserializationCursorMixin) for k in as_classes(kind)
                )
                want: list[Any] = decoded if deserializes else as_sent
                if is_dict_kind(kind):
                    want = [dict(zip(["doc", "n", "txt"], w, strict=True)) for w in want]
                assert rows == want, kind_id(kind)
        finally:
            await conn.ensure_closed()
