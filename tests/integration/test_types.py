"""Decoding of every column type to its Python type, NULL included, against a real server."""

from __future__ import annotations

import datetime
import json
import struct
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest

import aiomysql
from aiomysql.constants import FIELD_TYPE

D = datetime.date
DT = datetime.datetime
TD = datetime.timedelta


def table_name() -> str:
    return "types_" + uuid.uuid4().hex[:16]


def assert_same(actual: Any, expected: Any) -> None:
    """Equal values of exactly the same type (Decimal: the same digits, too)."""
    assert type(actual) is type(expected), (actual, expected)
    assert actual == expected, (actual, expected)
    if isinstance(expected, Decimal):
        assert actual.as_tuple() == expected.as_tuple(), (actual, expected)


async def column_values(
    conn: aiomysql.Connection, column_type: str, literals: Sequence[str]
) -> tuple[list[Any], tuple[Any, ...]]:
    """Store each SQL literal in a fresh ``column_type`` column; read them back in order."""
    table = table_name()
    async with conn.cursor() as cur:
        await cur.execute(f"CREATE TEMPORARY TABLE {table} (id INT PRIMARY KEY, v {column_type})")
        rows = ", ".join(f"({i}, {lit})" for i, lit in enumerate(literals))
        await cur.execute(f"INSERT INTO {table} (id, v) VALUES {rows}")
        await cur.execute(f"SELECT v FROM {table} ORDER BY id")
        values = [row[0] for row in await cur.fetchall()]
        assert cur.description is not None
        return values, cur.description[0]


# (column type, [(SQL literal, expected Python value), ...]); every case also gets a NULL.
COLUMN_CASES: list[Any] = [
    # integers, signed and unsigned, at both ends of their ranges
    ("TINYINT", [("-128", -128), ("127", 127), ("0", 0)]),
    ("TINYINT UNSIGNED", [("0", 0), ("255", 255)]),
    ("SMALLINT", [("-32768", -32768), ("32767", 32767)]),
    ("SMALLINT UNSIGNED", [("0", 0), ("65535", 65535)]),
    ("MEDIUMINT", [("-8388608", -8388608), ("8388607", 8388607)]),
    ("MEDIUMINT UNSIGNED", [("0", 0), ("16777215", 16777215)]),
    ("INT", [("-2147483648", -2147483648), ("2147483647", 2147483647)]),
    ("INT UNSIGNED", [("0", 0), ("4294967295", 4294967295)]),
    ("BIGINT", [("-9223372036854775808", -(2**63)), ("9223372036854775807", 2**63 - 1)]),
    ("BIGINT UNSIGNED", [("0", 0), ("18446744073709551615", 2**64 - 1)]),
    ("BOOLEAN", [("TRUE", 1), ("FALSE", 0)]),
    ("INT(6) ZEROFILL", [("42", 42), ("0", 0)]),
    # exact and approximate numbers
    (
        "DECIMAL(65,30)",
        [
            (
                "12345678901234567890123456789012345.123456789012345678901234567890",
                Decimal("12345678901234567890123456789012345.123456789012345678901234567890"),
            ),
            (
                "-99999999999999999999999999999999999.999999999999999999999999999999",
                Decimal("-99999999999999999999999999999999999.999999999999999999999999999999"),
            ),
            ("0.000000000000000000000000000001", Decimal("0.000000000000000000000000000001")),
            ("0", Decimal("0.000000000000000000000000000000")),
        ],
    ),
    ("DECIMAL(5,2)", [("-999.99", Decimal("-999.99")), ("1.5", Decimal("1.50"))]),
    ("DECIMAL(20,0) UNSIGNED", [("18446744073709551616", Decimal("18446744073709551616"))]),
    ("FLOAT", [("1.5", 1.5), ("-0.25", -0.25), ("0", 0.0), ("3.14", 3.14)]),
    (
        "DOUBLE",
        [
            ("0.1", 0.1),
            ("0.30000000000000004", 0.30000000000000004),
            ("-1.7976931348623157e308", -1.7976931348623157e308),
            ("2.2250738585072014e-308", 2.2250738585072014e-308),
            ("5e-324", 5e-324),
            ("0", 0.0),
        ],
    ),
    # temporal
    ("DATE", [("'1000-01-01'", D(1000, 1, 1)), ("'9999-12-31'", D(9999, 12, 31))]),
    ("DATE", [("'2024-02-29'", D(2024, 2, 29))]),
    (
        "DATETIME",
        [
            ("'1000-01-01 00:00:00'", DT(1000, 1, 1)),
            ("'9999-12-31 23:59:59'", DT(9999, 12, 31, 23, 59, 59)),
        ],
    ),
    (
        "DATETIME(6)",
        [
            ("'9999-12-31 23:59:59.999999'", DT(9999, 12, 31, 23, 59, 59, 999999)),
            ("'2024-01-02 03:04:05.000001'", DT(2024, 1, 2, 3, 4, 5, 1)),
            ("'2024-01-02 03:04:05'", DT(2024, 1, 2, 3, 4, 5)),
        ],
    ),
    (
        "TIME",
        [
            ("'00:00:00'", TD(0)),
            ("'12:34:56'", TD(hours=12, minutes=34, seconds=56)),
            ("'838:59:59'", TD(hours=838, minutes=59, seconds=59)),
            ("'-838:59:59'", -TD(hours=838, minutes=59, seconds=59)),
            ("'100:00:00'", TD(hours=100)),
            ("'-00:00:01'", TD(seconds=-1)),
            ("'-01:00:00'", TD(hours=-1)),
        ],
    ),
    (
        "TIME(6)",
        [
            ("'-01:02:03.000004'", -TD(hours=1, minutes=2, seconds=3, microseconds=4)),
            ("'12:34:56.789'", TD(hours=12, minutes=34, seconds=56, microseconds=789000)),
            ("'-00:00:00.5'", TD(microseconds=-500000)),
            ("'-838:59:58.999999'", -TD(hours=838, minutes=59, seconds=58, microseconds=999999)),
            ("'23:59:59.999999'", TD(hours=23, minutes=59, seconds=59, microseconds=999999)),
        ],
    ),
    ("TIME(2)", [("'-10:11:12.34'", -TD(hours=10, minutes=11, seconds=12, microseconds=340000))]),
    ("YEAR", [("1901", 1901), ("2155", 2155), ("2024", 2024), ("0", 0)]),
    # bits
    ("BIT(1)", [("b'1'", b"\x01"), ("b'0'", b"\x00")]),
    ("BIT(10)", [("b'1000000001'", b"\x02\x01")]),
    (
        "BIT(64)",
        [("b'" + "1" * 64 + "'", b"\xff" * 8), ("1", b"\x00" * 7 + b"\x01"), ("0", bytes(8))],
    ),
    # text (utf8mb4), ENUM, SET
    ("CHAR(10)", [("'abc'", "abc"), ("'ü😀'", "ü😀"), ("''", ""), ("'x   '", "x")]),
    ("VARCHAR(100)", [("'héllo wörld 😀 𝄞 中文'", "héllo wörld 😀 𝄞 中文"), ("'x   '", "x   ")]),
    ("TINYTEXT", [("'\U0010ffff'", "\U0010ffff"), ("''", "")]),
    ("TEXT", [("'Ωmega 🙂'", "Ωmega 🙂")]),
    ("MEDIUMTEXT", [("REPEAT('ü😀', 30000)", "ü😀" * 30000)]),
    ("LONGTEXT", [("REPEAT('abc', 100000)", "abc" * 100000)]),
    ("VARCHAR(20) CHARACTER SET latin1", [("'café ÿ ±'", "café ÿ ±")]),
    ("TEXT CHARACTER SET latin1", [("'naïve'", "naïve")]),
    ("ENUM('a','ü','😀')", [("'a'", "a"), ("'ü'", "ü"), ("'😀'", "😀")]),
    ("SET('x','y','z')", [("'x,z'", "x,z"), ("''", ""), ("'z,y,x'", "x,y,z")]),
    # binary
    ("BINARY(4)", [("X'0102'", b"\x01\x02\x00\x00"), ("X''", bytes(4))]),
    ("VARBINARY(300)", [("X'" + bytes(range(256)).hex() + "'", bytes(range(256))), ("X''", b"")]),
    ("TINYBLOB", [("X'00ff00'", b"\x00\xff\x00")]),
    ("BLOB", [("X'" + bytes(range(256)).hex() + "'", bytes(range(256)))]),
    ("MEDIUMBLOB", [("REPEAT(X'00ff', 50000)", b"\x00\xff" * 50000)]),
    ("LONGBLOB", [("X'" + bytes(range(255, -1, -1)).hex() + "'", bytes(range(255, -1, -1)))]),
    # spatial: MySQL's internal format, a 4-byte SRID then WKB
    (
        "GEOMETRY",
        [("ST_GeomFromText('POINT(1 2)')", struct.pack("<IBIdd", 0, 1, 1, 1.0, 2.0))],
    ),
    (
        "POINT",
        [("ST_GeomFromText('POINT(-0.5 1e10)')", struct.pack("<IBIdd", 0, 1, 1, -0.5, 1e10))],
    ),
]


@pytest.mark.parametrize(
    ("column_type", "cases"),
    [pytest.param(t, c, id=f"{t}-{i}") for i, (t, c) in enumerate(COLUMN_CASES)],
)
async def test_column_type_decodes(
    conn: aiomysql.Connection, column_type: str, cases: list[tuple[str, Any]]
) -> None:
    literals = [lit for lit, _ in cases] + ["NULL"]
    expected = [value for _, value in cases] + [None]
    values, _ = await column_values(conn, column_type, literals)
    assert len(values) == len(expected)
    for actual, want in zip(values, expected, strict=True):
        if want is None:
            assert actual is None
        else:
            assert_same(actual, want)


@pytest.mark.parametrize("fsp", range(7))
async def test_datetime_fractional_seconds(conn: aiomysql.Connection, fsp: int) -> None:
    digits = "123456"[:fsp]
    literal = "'2024-02-29 23:59:58" + (f".{digits}'" if fsp else "'")
    micro = int(digits.ljust(6, "0")) if fsp else 0
    values, description = await column_values(conn, f"DATETIME({fsp})", [literal, "NULL"])
    assert_same(values[0], DT(2024, 2, 29, 23, 59, 58, micro))
    assert values[1] is None
    assert description[1] == FIELD_TYPE.DATETIME
    assert description[5] == fsp


@pytest.mark.parametrize("fsp", [1, 3, 6])
async def test_time_fractional_seconds(conn: aiomysql.Connection, fsp: int) -> None:
    digits = "987654"[:fsp]
    values, _ = await column_values(conn, f"TIME({fsp})", [f"'-00:00:07.{digits}'"])
    assert_same(values[0], -TD(seconds=7, microseconds=int(digits.ljust(6, "0"))))


async def test_timestamp6(conn: aiomysql.Connection) -> None:
    async with conn.cursor() as cur:
        await cur.execute("SET time_zone = '+00:00'")
    literals = [
        "'1970-01-01 00:00:01.000000'",
        "'2038-01-19 03:14:07.999999'",
        "'2024-06-01 12:00:00.5'",
        "NULL",
    ]
    values, description = await column_values(conn, "TIMESTAMP(6) NULL", literals)
    assert_same(values[0], DT(1970, 1, 1, 0, 0, 1))
    assert_same(values[1], DT(2038, 1, 19, 3, 14, 7, 999999))
    assert_same(values[2], DT(2024, 6, 1, 12, 0, 0, 500000))
    assert values[3] is None
    assert description[1] == FIELD_TYPE.TIMESTAMP


async def test_zero_and_invalid_dates_stay_strings(connect_kwargs: dict[str, Any]) -> None:
    # A permissive session sql_mode lets the server store zero dates; the datetime module
    # cannot represent them, so they come back as the server's text.
    conn = await aiomysql.connect(**connect_kwargs, sql_mode="ALLOW_INVALID_DATES")
    try:
        table = table_name()
        async with conn.cursor() as cur:
            await cur.execute(
                f"CREATE TEMPORARY TABLE {table} (id INT PRIMARY KEY, d DATE, dt DATETIME,"
                " dt3 DATETIME(3), ts TIMESTAMP NULL)"
            )
            await cur.execute(
                f"INSERT INTO {table} VALUES"
                " (1, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00.000',"
                "  '0000-00-00 00:00:00'),"
                " (2, '2020-00-15', '2020-02-30 10:00:00', '2021-04-31 01:02:03.456', NULL),"
                " (3, '2020-02-30', '2020-01-00 00:00:00', NULL, '2020-01-02 03:04:05')"
            )
            await cur.execute(f"SELECT d, dt, dt3, ts FROM {table} ORDER BY id")
            rows = await cur.fetchall()
        assert rows[0] == ("0000-00-00", "0000-00-00 00:00:00", "0000-00-00 00:00:00.000") + (
            "0000-00-00 00:00:00",
        )
        assert rows[1] == ("2020-00-15", "2020-02-30 10:00:00", "2021-04-31 01:02:03.456", None)
        assert rows[2][:3] == ("2020-02-30", "2020-01-00 00:00:00", None)
        assert_same(rows[2][3], DT(2020, 1, 2, 3, 4, 5))
    finally:
        await conn.ensure_closed()


async def test_zero_timestamp_is_string(connect_kwargs: dict[str, Any]) -> None:
    conn = await aiomysql.connect(**connect_kwargs, sql_mode="")
    try:
        values, _ = await column_values(conn, "TIMESTAMP NULL", ["'0000-00-00 00:00:00'", "0"])
        assert values == ["0000-00-00 00:00:00", "0000-00-00 00:00:00"]
    finally:
        await conn.ensure_closed()


async def test_json(conn: aiomysql.Connection) -> None:
    doc = {"a": [1, 2.5, None, True], "e": "😀 ü", "q": 'it\'s "quoted"\\'}
    text = json.dumps(doc, ensure_ascii=False).replace("\\", "\\\\").replace("'", "\\'")
    values, description = await column_values(conn, "JSON", [f"'{text}'", "NULL", "'[]'"])
    assert type(values[0]) is str
    assert json.loads(values[0]) == doc
    assert values[1] is None
    assert_same(values[2], "[]")
    # MariaDB's JSON is LONGTEXT with a check constraint; MySQL has a JSON type code.
    assert description[1] in (FIELD_TYPE.BLOB, FIELD_TYPE.JSON)


async def test_expressions_without_table(conn: aiomysql.Connection) -> None:
    async with conn.cursor() as cur:
        await cur.execute(
            "SELECT 1, -1.5, 1e0, NULL, 'x', X'00ff', CAST('abc' AS BINARY), 18446744073709551615,"
            " CAST(-1 AS SIGNED), CAST(1 AS UNSIGNED), DATE('2024-01-31'),"
            " CAST('-25:00:00.25' AS TIME(2)), CONVERT('é' USING latin1), _binary'é'"
        )
        row = await cur.fetchone()
        assert cur.description is not None
        codes = [d[1] for d in cur.description]
    expected = [
        1,
        Decimal("-1.5"),
        1.0,
        None,
        "x",
        b"\x00\xff",
        b"abc",
        18446744073709551615,
        -1,
        1,
        D(2024, 1, 31),
        -TD(hours=25, microseconds=250000),
        "é",
        "é".encode(),
    ]
    assert row is not None and len(row) == len(expected)
    for actual, want in zip(row, expected, strict=True):
        if want is None:
            assert actual is None
        else:
            assert_same(actual, want)
    assert codes[:4] == [FIELD_TYPE.LONG, FIELD_TYPE.NEWDECIMAL, FIELD_TYPE.DOUBLE, FIELD_TYPE.NULL]
    assert codes[10] == FIELD_TYPE.DATE
    assert codes[11] == FIELD_TYPE.TIME


async def test_very_long_text_value(conn: aiomysql.Connection) -> None:
    # One value larger than a 16 MiB protocol frame: the row spans several packets.
    async with conn.cursor() as cur:
        await cur.execute("SELECT REPEAT('a😀', 1700000), 'after', REPEAT(X'ff', 17000000)")
        row = await cur.fetchone()
    assert row is not None
    assert_same(row[0], "a😀" * 1700000)
    assert row[1] == "after"
    assert_same(row[2], b"\xff" * 17000000)


async def test_description_type_codes(conn: aiomysql.Connection) -> None:
    table = table_name()
    columns = [
        ("c_tiny", "TINYINT NOT NULL", FIELD_TYPE.TINY),
        ("c_short", "SMALLINT", FIELD_TYPE.SHORT),
        ("c_int24", "MEDIUMINT", FIELD_TYPE.INT24),
        ("c_long", "INT", FIELD_TYPE.LONG),
        ("c_longlong", "BIGINT UNSIGNED", FIELD_TYPE.LONGLONG),
        ("c_decimal", "DECIMAL(10,3)", FIELD_TYPE.NEWDECIMAL),
        ("c_float", "FLOAT", FIELD_TYPE.FLOAT),
        ("c_double", "DOUBLE", FIELD_TYPE.DOUBLE),
        ("c_date", "DATE", FIELD_TYPE.DATE),
        ("c_datetime", "DATETIME(3)", FIELD_TYPE.DATETIME),
        ("c_time", "TIME", FIELD_TYPE.TIME),
        ("c_year", "YEAR", FIELD_TYPE.YEAR),
        ("c_bit", "BIT(8)", FIELD_TYPE.BIT),
        ("c_varchar", "VARCHAR(10)", FIELD_TYPE.VAR_STRING),
        ("c_char", "CHAR(3)", FIELD_TYPE.STRING),
        ("c_enum", "ENUM('a')", FIELD_TYPE.STRING),
        ("c_text", "TEXT", FIELD_TYPE.BLOB),
        ("c_blob", "BLOB", FIELD_TYPE.BLOB),
        ("c_geometry", "GEOMETRY", FIELD_TYPE.GEOMETRY),
    ]
    spec = ", ".join(f"{name} {ctype}" for name, ctype, _ in columns)
    async with conn.cursor() as cur:
        await cur.execute(f"CREATE TEMPORARY TABLE {table} ({spec})")
        await cur.execute(f"SELECT * FROM {table}")
        assert list(await cur.fetchall()) == []
        description = cur.description
    assert description is not None
    assert [d[0] for d in description] == [name for name, _, _ in columns]
    assert [d[1] for d in description] == [code for _, _, code in columns]
    assert all(len(d) == 7 for d in description)
    assert description[0][6] is False  # NOT NULL
    assert description[1][6] is True
    assert description[5][4:6] == (10, 3)  # DECIMAL precision and scale


async def test_latin1_connection(connect_kwargs: dict[str, Any]) -> None:
    table = "types_latin1_" + uuid.uuid4().hex[:12]
    # Two sessions see each other's rows only once committed: autocommit both.
    utf8 = await aiomysql.connect(**connect_kwargs, autocommit=True)
    latin1 = await aiomysql.connect(**connect_kwargs, charset="latin1", autocommit=True)
    try:
        async with utf8.cursor() as cur:
            await cur.execute(
                f"CREATE TABLE {table} (id INT PRIMARY KEY, u VARCHAR(20) CHARACTER SET utf8mb4,"
                " l VARCHAR(20) CHARACTER SET latin1, b VARBINARY(20))"
            )
            await cur.execute(f"INSERT INTO {table} VALUES (1, 'café', 'ÿes', X'e9ff')")
            await cur.execute(f"INSERT INTO {table} VALUES (2, '😀', NULL, NULL)")
        async with latin1.cursor() as cur:
            assert latin1.charset == "latin1"
            await cur.execute(f"SELECT u, l, b FROM {table} ORDER BY id")
            rows = await cur.fetchall()
            # Parameters are sent encoded as latin1 and stored as the right characters.
            await cur.execute(f"INSERT INTO {table} VALUES (3, %s, %s, %s)", ("ñø", "Ð", b"\x00"))
        assert rows[0] == ("café", "ÿes", b"\xe9\xff")
        assert type(rows[0][0]) is str
        # The server replaces what latin1 cannot represent.
        assert rows[1] == ("?", None, None)
        async with utf8.cursor() as cur:
            await cur.execute(f"SELECT u, l, b FROM {table} WHERE id = 3")
            assert await cur.fetchone() == ("ñø", "Ð", b"\x00")
    finally:
        async with utf8.cursor() as cur:
            await cur.execute(f"DROP TABLE IF EXISTS {table}")
        await utf8.ensure_closed()
        await latin1.ensure_closed()


#: MySQL's latin1 is cp1252 whose five unassigned bytes stand for U+0081, U+008D, ...
LATIN1_ODD = bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D, 0x80, 0xFF])
LATIN1_ODD_TEXT = "\x81\x8d\x8f\x90\x9d€ÿ"


@pytest.mark.parametrize("charset", ["utf8mb4", "latin1"])
async def test_latin1_bytes_without_cp1252_character(
    connect_kwargs: dict[str, Any], charset: str
) -> None:
    conn = await aiomysql.connect(**connect_kwargs, charset=charset)
    try:
        async with conn.cursor() as cur:
            await cur.execute(f"SELECT CONVERT(X'{LATIN1_ODD.hex()}' USING latin1), 'next'")
            assert await cur.fetchone() == (LATIN1_ODD_TEXT, "next")
            await cur.execute("SELECT 1")
            assert await cur.fetchone() == (1,)
    finally:
        await conn.ensure_closed()


async def test_latin1_connection_sends_c1_controls(connect_kwargs: dict[str, Any]) -> None:
    conn = await aiomysql.connect(**connect_kwargs, charset="latin1")
    try:
        async with conn.cursor() as cur:
            await cur.execute("SELECT HEX(%s)", (LATIN1_ODD_TEXT,))
            assert await cur.fetchone() == (LATIN1_ODD.hex().upper(),)
    finally:
        await conn.ensure_closed()


@pytest.mark.parametrize(("charset", "encoding"), [("utf8mb4", "utf-8"), ("latin1", "latin-1")])
async def test_use_unicode_false(
    connect_kwargs: dict[str, Any], charset: str, encoding: str
) -> None:
    conn = await aiomysql.connect(**connect_kwargs, charset=charset, use_unicode=False)
    try:
        table = table_name()
        async with conn.cursor() as cur:
            await cur.execute(
                f"CREATE TEMPORARY TABLE {table} (s VARCHAR(10), t TEXT, e ENUM('é'),"
                " st SET('a','b'), b BLOB, i INT, d DECIMAL(4,1), dt DATE, tm TIME, n VARCHAR(1))"
            )
            await cur.execute(
                f"INSERT INTO {table} VALUES"
                " ('ça', 'ß', 'é', 'a,b', X'00', 7, 1.5, '2024-01-02', '-1:00:00', NULL)"
            )
            await cur.execute(f"SELECT * FROM {table}")
            row = await cur.fetchone()
    finally:
        await conn.ensure_closed()
    expected = (
        "ça".encode(encoding),
        "ß".encode(encoding),
        "é".encode(encoding),
        b"a,b",
        b"\x00",
        7,
        Decimal("1.5"),
        D(2024, 1, 2),
        TD(hours=-1),
        None,
    )
    assert row is not None
    for actual, want in zip(row, expected, strict=True):
        if want is None:
            assert actual is None
        else:
            assert_same(actual, want)


@pytest.mark.parametrize("cursor_class", [aiomysql.SSCursor, aiomysql.DictCursor])
async def test_other_cursors_decode_alike(conn: aiomysql.Connection, cursor_class: Any) -> None:
    query = (
        "SELECT 18446744073709551615 AS u, CAST('-1.50' AS DECIMAL(5,2)) AS d,"
        " CAST('2024-01-02 03:04:05.5' AS DATETIME(1)) AS dt, CAST('-838:59:59' AS TIME) AS t,"
        " _utf8mb4'😀' AS s, X'00' AS b, NULL AS n, b'101' AS bit"
    )
    async with conn.cursor() as cur:
        await cur.execute(query)
        expected = await cur.fetchone()
    async with conn.cursor(cursor_class) as cur:
        await cur.execute(query)
        row = await cur.fetchone()
    assert expected == (
        2**64 - 1,
        Decimal("-1.50"),
        DT(2024, 1, 2, 3, 4, 5, 500000),
        -TD(hours=838, minutes=59, seconds=59),
        "😀",
        b"\x00",
        None,
        b"\x05",
    )
    if cursor_class is aiomysql.DictCursor:
        assert row == dict(zip(["u", "d", "dt", "t", "s", "b", "n", "bit"], expected, strict=True))
    else:
        assert row == expected
