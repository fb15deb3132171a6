"""Query parameters of every kind: values the driver rejects, and values that round-trip."""

from __future__ import annotations

import datetime
import enum
from decimal import Decimal
from typing import Any

import pytest
from escaping_support import MODES, make_table, open_conn, table_name

import aiomysql

TD = datetime.timedelta


@pytest.fixture(params=MODES)
def conn_mode(request: pytest.FixtureRequest) -> str:
    """Every test using ``conn`` (tests/integration/conftest.py) runs in each escaping mode."""
    return str(request.param)


# --- rejected values ------------------------------------------------------------------


async def assert_usable(conn: aiomysql.Connection) -> None:
    async with conn.cursor() as cur:
        await cur.execute("SELECT %s", ("still usable",))
        assert await cur.fetchone() == ("still usable",)


@pytest.mark.parametrize(
    ("query", "args"),
    [
        ("SELECT %s", ("\ud800",)),
        ("SELECT %s", ("abc\udfffdef",)),
        ("SELECT %s, %s", ("ok", "\udc80")),
        ("SELECT 1 IN %s", ([("a", "\ud83d")],)),
        ("SELECT %(x)s", {"x": "\udbff"}),
        ("SELECT %s", "\ud800"),
    ],
)
async def test_lone_surrogates_rejected(conn: aiomysql.Connection, query: str, args: Any) -> None:
    async with conn.cursor() as cur:
        with pytest.raises(aiomysql.ProgrammingError, match="surrogate"):
            await cur.execute(query, args)
        with pytest.raises(aiomysql.ProgrammingError, match="surrogate"):
            cur.mogrify(query, args)
    with pytest.raises(aiomysql.ProgrammingError, match="surrogate"):
        conn.escape("x\ud800")
    await assert_usable(conn)


async def test_lone_surrogate_in_executemany_and_query_text(conn: aiomysql.Connection) -> None:
    table = await make_table(conn)
    async with conn.cursor() as cur:
        with pytest.raises(aiomysql.ProgrammingError, match="surrogate"):
            await cur.executemany(
                f"INSERT INTO {table} (id, s) VALUES (%s, %s)", [(1, "a"), (2, "\ud800")]
            )
        # Nothing half-sent: the first row was not inserted either.
        await cur.execute(f"SELECT COUNT(*) FROM {table}")
        assert await cur.fetchone() == (0,)
        with pytest.raises(aiomysql.ProgrammingError):
            await cur.execute("SELECT '\ud800'")
    await assert_usable(conn)


async def test_unencodable_character_for_connection_charset(connect_kwargs: dict[str, Any]) -> None:
    conn = await aiomysql.connect(**connect_kwargs, charset="latin1")
    try:
        async with conn.cursor() as cur:
            with pytest.raises(aiomysql.ProgrammingError):
                await cur.execute("SELECT %s", ("😀",))
        await assert_usable(conn)
    finally:
        await conn.ensure_closed()


@pytest.mark.parametrize(
    "value",
    [
        float("inf"),
        float("-inf"),
        float("nan"),
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
    ],
    ids=repr,
)
async def test_non_finite_numbers_rejected(conn: aiomysql.Connection, value: Any) -> None:
    async with conn.cursor() as cur:
        with pytest.raises(aiomysql.ProgrammingError):
            await cur.execute("SELECT %s", (value,))
    with pytest.raises(aiomysql.ProgrammingError):
        conn.escape(value)
    await assert_usable(conn)


async def test_unsupported_types_rejected(conn: aiomysql.Connection) -> None:
    async with conn.cursor() as cur:
        for value in (object(), {"a": 1}, 1j, {1, 2}, {"a,b"}):
            with pytest.raises(aiomysql.ProgrammingError):
                await cur.execute("SELECT %s", (value,))
    await assert_usable(conn)


@pytest.mark.parametrize(
    ("query", "args"),
    [
        ("SELECT %s, %s", (1,)),
        ("SELECT %s", (1, 2)),
        ("SELECT 1", (1,)),
        ("SELECT %s, %s", [1, 2, 3]),
        ("SELECT %(a)s, %(b)s", {"a": 1}),
        ("SELECT %(a)s", (1,)),
        ("SELECT %s", {"a": 1}),
        ("SELECT %d", ("x",)),
        ("SELECT %s, %s", 5),
    ],
)
async def test_wrong_arguments_are_programming_errors(
    conn: aiomysql.Connection, query: str, args: Any
) -> None:
    async with conn.cursor() as cur:
        with pytest.raises(aiomysql.ProgrammingError) as info:
            await cur.execute(query, args)
        assert not isinstance(info.value, (TypeError, KeyError, ValueError))
    await assert_usable(conn)


async def test_empty_in_list_is_a_server_syntax_error(conn: aiomysql.Connection) -> None:
    async with conn.cursor() as cur:
        with pytest.raises(aiomysql.ProgrammingError):
            await cur.execute("SELECT 1 IN %s", ((),))
    await assert_usable(conn)


# --- parameter kinds ------------------------------------------------------------------


async def test_numbers_round_trip(conn: aiomysql.Connection) -> None:
    class Color(enum.IntEnum):
        RED = 2

    async with conn.cursor() as cur:
        ints = [0, -1, 2**63 - 1, -(2**63), 2**64 - 1, Color.RED]
        await cur.execute("SELECT " + ", ".join(["%s"] * len(ints)), ints)
        row = await cur.fetchone()
        assert row == (0, -1, 2**63 - 1, -(2**63), 2**64 - 1, 2)
        assert all(type(v) is int for v in row)

        table = table_name()
        await cur.execute(
            f"CREATE TEMPORARY TABLE {table} (id INT PRIMARY KEY, d DECIMAL(65,30), f DOUBLE)"
        )
        decimals = [
            Decimal("12345678901234567890.123456789"),
            Decimal("-1E-30"),
            Decimal("1E+34"),
            Decimal("0"),
            Decimal("-0.000001"),
            Decimal("99999999999999999999999999999999999.999999999999999999999999999999"),
        ]
        floats = [0.1, 1 / 3, 1e300, -2.5e-300, 5e-324, 1.7976931348623157e308, -7.0]
        rows = [(i, d, f) for i, (d, f) in enumerate(zip(decimals, floats[:-1], strict=True))]
        for row in rows:
            await cur.execute(f"INSERT INTO {table} VALUES (%s, %s, %s)", row)
        await cur.execute(f"SELECT d, f FROM {table} ORDER BY id")
        got = await cur.fetchall()
        assert [r[0] for r in got] == decimals
        assert [r[1] for r in got] == floats[:-1]
        assert all(type(r[0]) is Decimal and type(r[1]) is float for r in got)
        # A Decimal literal keeps its digits; a float with an exponent is a DOUBLE.
        await cur.execute("SELECT %s, %s, %s", (Decimal("1.10"), Decimal("-0.5E-3"), 1e16))
        assert await cur.fetchone() == (Decimal("1.10"), Decimal("-0.0005"), 1e16)


async def test_temporal_round_trip(conn: aiomysql.Connection) -> None:
    tz = datetime.timezone(datetime.timedelta(hours=5))
    cases: list[tuple[str, Any, Any]] = [
        ("DATE", datetime.date(1000, 1, 1), datetime.date(1000, 1, 1)),
        ("DATE", datetime.date(9999, 12, 31), datetime.date(9999, 12, 31)),
        (
            "DATETIME(6)",
            datetime.datetime(2024, 2, 29, 23, 59, 59, 999999),
            datetime.datetime(2024, 2, 29, 23, 59, 59, 999999),
        ),
        ("DATETIME(6)", datetime.datetime(1000, 1, 1), datetime.datetime(1000, 1, 1)),
        (
            "DATETIME(6)",
            datetime.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=tz),
            datetime.datetime(2024, 1, 2, 3, 4, 5, 6),
        ),
        ("TIME(6)", datetime.time(12, 34, 56, 789), TD(hours=12, minutes=34, seconds=56.000789)),
        ("TIME(6)", datetime.time(0, 0), TD(0)),
        ("TIME(6)", datetime.time(23, 59, 59, 999999, tzinfo=tz), TD(seconds=86399.999999)),
        ("TIME(6)", TD(microseconds=-1), TD(microseconds=-1)),
        ("TIME(6)", TD(hours=-1, microseconds=1), TD(hours=-1, microseconds=1)),
        ("TIME(6)", TD(days=1, seconds=5, microseconds=10), TD(days=1, seconds=5, microseconds=10)),
        ("TIME(6)", TD(hours=838, minutes=59, seconds=59), TD(hours=838, minutes=59, seconds=59)),
        (
            "TIME(6)",
            -TD(hours=838, minutes=59, seconds=58, microseconds=999999),
            -TD(hours=838, minutes=59, seconds=58, microseconds=999999),
        ),
        ("TIME", TD(days=-3, hours=2), TD(days=-3, hours=2)),
    ]
    async with conn.cursor() as cur:
        for sql_type, value, expected in cases:
            await cur.execute(f"SELECT CAST(%s AS {sql_type})", (value,))
            (got,) = await cur.fetchone()
            assert type(got) is type(expected) and got == expected, (value, got)
        table = table_name()
        await cur.execute(f"CREATE TEMPORARY TABLE {table} (dt DATETIME(6), t TIME(6), d DATE)")
        dt = datetime.datetime(2001, 2, 3, 4, 5, 6, 7)
        await cur.execute(
            f"INSERT INTO {table} VALUES (%s, %s, %s)", (dt, -TD(seconds=1.5), dt.date())
        )
        await cur.execute(f"SELECT dt, t, d FROM {table} WHERE dt = %s", (dt,))
        assert list(await cur.fetchall()) == [(dt, -TD(seconds=1.5), dt.date())]


async def test_sequences_for_in(conn: aiomysql.Connection) -> None:
    table = table_name()
    async with conn.cursor() as cur:
        await cur.execute(f"CREATE TEMPORARY TABLE {table} (id INT PRIMARY KEY, s VARCHAR(10))")
        await cur.executemany(
            f"INSERT INTO {table} VALUES (%s, %s)", [(1, "a"), (2, "b'"), (3, "c\\"), (4, "d")]
        )
        await cur.execute(f"SELECT id FROM {table} WHERE id IN %s ORDER BY id", ((1, 3, 9),))
        assert list(await cur.fetchall()) == [(1,), (3,)]
        await cur.execute(f"SELECT id FROM {table} WHERE s IN %s ORDER BY id", (["b'", "c\\"],))
        assert list(await cur.fetchall()) == [(2,), (3,)]
        await cur.execute(f"SELECT id FROM {table} WHERE s IN %(names)s", {"names": ("d",)})
        assert list(await cur.fetchall()) == [(4,)]
        await cur.execute("SELECT (1, 'a') IN %s, (2, 'a') IN %s", ([(1, "a"), (2, "b")],) * 2)
        assert await cur.fetchone() == (1, 0)
        await cur.execute("SELECT 5 IN %s", ((5,),))  # a one-element tuple
        assert await cur.fetchone() == (1,)


async def test_set_bool_none_and_single_args(conn: aiomysql.Connection) -> None:
    table = table_name()
    async with conn.cursor() as cur:
        await cur.execute(
            f"CREATE TEMPORARY TABLE {table} (id INT PRIMARY KEY, st SET('x','y','z'), f BOOLEAN)"
        )
        values = [(1, {"z", "x"}, True), (2, frozenset(), False), (3, {"y"}, None), (4, None, 1)]
        for row in values:
            await cur.execute(f"INSERT INTO {table} VALUES (%s, %s, %s)", row)
        await cur.execute(f"SELECT st, f FROM {table} ORDER BY id")
        assert list(await cur.fetchall()) == [("x,z", 1), ("", 0), ("y", None), (None, 1)]
        await cur.execute("SELECT %s, %s, %s IS NULL, %s", (True, False, None, None))
        assert await cur.fetchone() == (1, 0, 1, None)
        # One argument that is not a tuple, list or dict stands for a single %s.
        for single, expected in [
            (5, 5),
            ("abc", "abc"),
            ("%s", "%s"),
            (b"\x00'", b"\x00'"),
            (Decimal("2.50"), Decimal("2.50")),
        ]:
            await cur.execute("SELECT %s", single)
            assert await cur.fetchone() == (expected,)


async def test_percent_signs(conn: aiomysql.Connection) -> None:
    async with conn.cursor() as cur:
        await cur.execute("SELECT '%%', %s, '%%s'", ("%s%%",))
        assert await cur.fetchone() == ("%", "%s%%", "%s")
        await cur.execute("SELECT '%%', '100%', '%s'")  # no args: the text is sent unchanged
        assert await cur.fetchone() == ("%%", "100%", "%s")
        await cur.execute("SELECT %(a)s LIKE '%%b%%'", {"a": "abc"})
        assert await cur.fetchone() == (1,)


async def test_mogrify(connect_kwargs: dict[str, Any]) -> None:
    conn = await open_conn(connect_kwargs, "default")
    try:
        async with conn.cursor() as cur:
            assert cur.mogrify(
                "SELECT %s, %s, %s, %s, %s, %s, %s",
                (1, "a'b\\c\n\r\0\x1a\"", None, b"\x00\xff", True, 1.5, Decimal("1.10")),
            ) == ("SELECT 1, 'a\\'b\\\\c\\n\\r\\0\\Z\\\"', NULL, X'00ff', 1, 1.5e0, 1.10")
            assert (
                cur.mogrify(
                    "%s %s %s %s",
                    (
                        datetime.date(2024, 1, 2),
                        datetime.datetime(2024, 1, 2, 3, 4, 5, 6),
                        datetime.time(7, 8, 9),
                        -TD(microseconds=1),
                    ),
                )
                == "'2024-01-02' '2024-01-02 03:04:05.000006' '07:08:09' '-0:00:00.000001'"
            )
            assert cur.mogrify("IN %s", ((1, "a", None),)) == "IN (1,'a',NULL)"
            assert cur.mogrify("IN %s", ([],)) == "IN ()"
            assert cur.mogrify("%s", ({"y", "x"},)) == "'x,y'"
            assert cur.mogrify("%(a)s %(b)s %(a)s", {"a": "x", "b": 2}) == "'x' 2 'x'"
            assert cur.mogrify("%s", "one") == "'one'"
            assert cur.mogrify("SELECT '%%' %s", (1,)) == "SELECT '%' 1"
            assert cur.mogrify("SELECT '%%' %s") == "SELECT '%%' %s"
            assert cur.mogrify("%s", ("😀",)) == "'😀'"
            # mogrify() shows exactly what execute() sends.
            query, args = "SELECT %s, %s", ("it's", b"\x01")
            expected = cur.mogrify(query, args)
            await cur.execute(query, args)
            assert cur._last_executed == expected
            await cur.execute("SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'")
            assert cur.mogrify("%s", ("a'b\\c\n\0",)) == "'a''b\\c\n\0'"
        assert conn.escape("it's") == conn.literal("it's") == "'it''s'"
        assert conn.escape(None) == "NULL"
        assert conn.escape(b"\x01") == "X'01'"
        assert conn.escape(("a", 1)) == "('a',1)"
    finally:
        await conn.ensure_closed()
