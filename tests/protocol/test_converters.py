"""Encoders (Python value -> SQL literal), format_query, and text-protocol decoders."""

from __future__ import annotations

import datetime
import enum
import uuid
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiomysql import converters, decoders
from aiomysql.constants import FIELD_TYPE
from aiomysql.converters import (
    conversions,
    encoders,
    escape_bytes,
    escape_item,
    escape_string,
    format_query,
    is_builtin_decoder,
)
from aiomysql.decoders import (
    decode_bit,
    decode_date,
    decode_datetime,
    decode_decimal,
    decode_float,
    decode_int,
    decode_timedelta,
    decode_year,
)
from aiomysql.errors import ProgrammingError

fast = settings(database=None, max_examples=300, deadline=None)

# Text without lone surrogates: what can legitimately be sent.
sendable_text = st.text(st.characters(codec="utf-8"))


# --- a reference reader for the MySQL string-literal lexer ---------------------------

_UNESCAPE = {"0": "\0", "'": "'", '"': '"', "b": "\b", "n": "\n", "r": "\r", "t": "\t"}
_UNESCAPE.update({"Z": "\x1a", "\\": "\\"})


def read_literal(sql: str, no_backslash: bool = False) -> tuple[str, str]:
    """Parse one quoted literal at the start of ``sql`` as the server would.

    Returns (value, rest of the text after the closing quote).
    """
    assert sql[0] == "'"
    out: list[str] = []
    i = 1
    while True:
        ch = sql[i]
        if ch == "\\" and not no_backslash:
            nxt = sql[i + 1]
            out.append(_UNESCAPE.get(nxt, "\\" + nxt if nxt in "%_" else nxt))
            i += 2
        elif ch == "'":
            if sql[i + 1 : i + 2] == "'":
                out.append("'")
                i += 2
            else:
                return "".join(out), sql[i + 1 :]
        else:
            out.append(ch)
            i += 1


# --- strings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("", ""),
        ("plain", "plain"),
        ("it's", "it\\'s"),
        ('say "hi"', 'say \\"hi\\"'),
        ("back\\slash", "back\\\\slash"),
        ("nul\0byte", "nul\\0byte"),
        ("line\nfeed\rreturn", "line\\nfeed\\rreturn"),
        ("ctrl\x1az", "ctrl\\Zz"),
        ("\\'", "\\\\\\'"),
        ("100%_", "100%_"),
        ("tab\there", "tab\there"),
        ("héllo wörld ☃ 😀", "héllo wörld ☃ 😀"),
    ],
)
def test_escape_string_backslash_mode(raw: str, escaped: str) -> None:
    assert escape_string(raw) == escaped
    assert read_literal("'" + escaped + "'") == (raw, "")


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [("it's", "it''s"), ("back\\slash", "back\\slash"), ("''", "''''"), ("\0\n", "\0\n")],
)
def test_escape_string_no_backslash_mode(raw: str, escaped: str) -> None:
    assert escape_string(raw, no_backslash_escapes=True) == escaped
    assert read_literal("'" + escaped + "'", no_backslash=True) == (raw, "")


@fast
@given(sendable_text, st.booleans())
def test_escape_string_round_trips(s: str, no_backslash: bool) -> None:
    literal = escape_item(s, no_backslash_escapes=no_backslash)
    value, rest = read_literal(literal + " AND 1", no_backslash)
    assert value == s
    assert rest == " AND 1"  # nothing in the value can end the literal early


@fast
@given(st.lists(sendable_text, max_size=5), st.booleans())
def test_format_query_literals_stay_separate(values: list[str], no_backslash: bool) -> None:
    sql = format_query(
        "SELECT " + ", ".join(["%s"] * len(values)) + " END",
        values,
        no_backslash_escapes=no_backslash,
    )
    rest = sql[len("SELECT ") :]
    for value in values:
        parsed, rest = read_literal(rest, no_backslash)
        assert parsed == value
        rest = rest.removeprefix(", ")
    assert rest == " END"


@pytest.mark.parametrize("bad", ["\ud800", "a\udfffb", "é\udc80", "😀\ud83d"])
def test_lone_surrogates_rejected(bad: str) -> None:
    with pytest.raises(ProgrammingError, match="surrogate"):
        escape_string(bad)
    with pytest.raises(ProgrammingError, match="surrogate"):
        format_query("SELECT %s", (bad,), no_backslash_escapes=True)


def test_str_subclass_and_strenum() -> None:
    class Color(str, enum.Enum):
        RED = "r'd"

    class Name(str):
        pass

    assert escape_item(Name("o'neil")) == "'o\\'neil'"
    assert escape_item(Color.RED) == "'r\\'d'"


# --- bytes ---------------------------------------------------------------------------


def test_escape_bytes() -> None:
    assert escape_bytes(b"") == "X''"
    assert escape_bytes(b"\x00\x01\xff'\\") == "X'0001ff275c'"
    assert escape_item(bytearray(b"ab")) == "X'6162'"
    assert escape_item(memoryview(b"ab")) == "X'6162'"
    assert escape_item(b"\xff", no_backslash_escapes=True) == "X'ff'"


@fast
@given(st.binary(max_size=200))
def test_bytes_hex_round_trip(b: bytes) -> None:
    literal = escape_item(b)
    assert literal.startswith("X'") and literal.endswith("'")
    assert bytes.fromhex(literal[2:-1]) == b


# --- scalars -------------------------------------------------------------------------


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        (None, "NULL"),
        (True, "1"),
        (False, "0"),
        (0, "0"),
        (-42, "-42"),
        (2**70, "1180591620717411303424"),
        (Level.HIGH, "2"),
        (1.5, "1.5e0"),  # a DOUBLE literal, as PyMySQL
        (-0.0, "-0.0e0"),
        (1e16, "1e+16"),
        (5e-324, "5e-324"),
        (0.1, "0.1e0"),
        (Decimal("1.10"), "1.10"),
        (Decimal("-0"), "-0"),
        (Decimal("1E+3"), "1000"),
        (Decimal("1.5E-7"), "0.00000015"),
        (datetime.date(2024, 2, 29), "'2024-02-29'"),
        (datetime.date(1, 1, 1), "'0001-01-01'"),
        (datetime.datetime(2024, 1, 2, 3, 4, 5), "'2024-01-02 03:04:05'"),
        (datetime.datetime(2024, 1, 2, 3, 4, 5, 60), "'2024-01-02 03:04:05.000060'"),
        (
            datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
            "'2024-01-02 03:04:05'",
        ),
        (datetime.time(3, 4, 5), "'03:04:05'"),
        (datetime.time(3, 4, 5, 1), "'03:04:05.000001'"),
        (datetime.timedelta(0), "'0:00:00'"),
        (datetime.timedelta(hours=25, seconds=1), "'25:00:01'"),
        (datetime.timedelta(days=34, hours=22, minutes=59, seconds=59), "'838:59:59'"),
        (datetime.timedelta(seconds=-1), "'-0:00:01'"),
        (datetime.timedelta(microseconds=-1), "'-0:00:00.000001'"),
        (datetime.timedelta(days=-1, seconds=5), "'-23:59:55'"),
        (datetime.timedelta(minutes=-90, microseconds=-500000), "'-1:30:00.500000'"),
    ],
)
def test_scalar_literals(value: object, literal: str) -> None:
    assert escape_item(value) == literal
    assert escape_item(value, encoders) == literal


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
)
def test_non_finite_numbers_rejected(value: object) -> None:
    with pytest.raises(ProgrammingError, match="NaN or infinity"):
        escape_item(value)


@pytest.mark.parametrize("value", [object(), 1j, Ellipsis, type])
def test_unsupported_types_rejected(value: object) -> None:
    with pytest.raises(ProgrammingError, match="not supported"):
        escape_item(value)


def test_uuid_as_canonical_string() -> None:
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert escape_item(value) == "'12345678-1234-5678-1234-567812345678'"


def test_dict_rejected() -> None:
    with pytest.raises(ProgrammingError, match="%\\(name\\)s"):
        escape_item({"a": 1})


# --- containers ------------------------------------------------------------------------


def test_sequences() -> None:
    assert escape_item((1, "a", None)) == "(1,'a',NULL)"
    assert escape_item([1]) == "(1)"
    assert escape_item(()) == "()"
    assert escape_item([(1, 2), (3, b"\x00")]) == "((1,2),(3,X'00'))"
    assert escape_item(("it's",), no_backslash_escapes=True) == "('it''s')"


def test_sets_for_set_columns() -> None:
    assert escape_item({"b", "a"}) == "'a,b'"
    assert escape_item(frozenset()) == "''"
    assert escape_item(frozenset({"it's"})) == "'it\\'s'"
    assert escape_item({"x'"}, no_backslash_escapes=True) == "'x'''"
    with pytest.raises(ProgrammingError, match="commas"):
        escape_item({"a,b"})
    with pytest.raises(ProgrammingError, match="tuple"):
        escape_item({1, 2})


# --- custom mappings ------------------------------------------------------------------


class Point:
    def __init__(self, x: int, y: int) -> None:
        self.x, self.y = x, y


class Point3(Point):
    pass


def _encode_point(value: Any, mapping: Any) -> str:
    return f"POINT({value.x}, {value.y})"


def test_custom_encoder_and_mro_lookup() -> None:
    mapping = {**encoders, Point: _encode_point}
    assert escape_item(Point(1, 2), mapping) == "POINT(1, 2)"
    assert escape_item(Point3(3, 4), mapping) == "POINT(3, 4)"
    assert escape_item([Point(1, 2), "x"], mapping) == "(POINT(1, 2),'x')"
    assert format_query("SELECT %s", Point(5, 6), mapping) == "SELECT POINT(5, 6)"
    with pytest.raises(ProgrammingError):
        escape_item(Point(1, 2))


def test_custom_mapping_honours_no_backslash_mode() -> None:
    mapping = {**encoders, Point: _encode_point}
    assert escape_item(("a'b", Point(1, 1)), mapping, no_backslash_escapes=True) == (
        "('a''b',POINT(1, 1))"
    )


def test_user_str_encoder_is_kept() -> None:
    def shout(value: Any, mapping: Any) -> str:
        return "'" + str(value).upper() + "'"

    mapping = {**encoders, str: shout}
    assert escape_item("abc", mapping, no_backslash_escapes=True) == "'ABC'"
    assert escape_item("abc", mapping) == "'ABC'"


# --- format_query ------------------------------------------------------------------------


def test_format_query_forms() -> None:
    assert format_query("SELECT %s, %s", (1, "a")) == "SELECT 1, 'a'"
    assert format_query("SELECT %s, %s", [1, "a"]) == "SELECT 1, 'a'"
    assert format_query("SELECT %s", "a") == "SELECT 'a'"
    assert format_query("SELECT %s", 5) == "SELECT 5"
    assert format_query("SELECT %s", b"\x01") == "SELECT X'01'"
    assert format_query("SELECT %s", None) == "SELECT %s"
    assert format_query("SELECT %(a)s, %(b)s, %(a)s", {"a": 1, "b": None}) == ("SELECT 1, NULL, 1")
    assert format_query("SELECT * FROM t WHERE id IN %s", ((1, 2, 3),)) == (
        "SELECT * FROM t WHERE id IN (1,2,3)"
    )
    assert format_query("SELECT 1", ()) == "SELECT 1"
    assert format_query("SELECT 1", {}) == "SELECT 1"
    # only the values the query uses are escaped
    assert format_query("SELECT %(x)s", {"x": 1, "unused": object()}) == "SELECT 1"


def test_format_query_percent_handling() -> None:
    assert format_query("SELECT '100%%'", None) == "SELECT '100%%'"
    assert format_query("SELECT '100%%', %s", (1,)) == "SELECT '100%', 1"
    assert format_query("SELECT %s", ("50%",)) == "SELECT '50%'"
    assert format_query("SELECT %s, %s", ("%s", "%(x)s")) == "SELECT '%s', '%(x)s'"


@pytest.mark.parametrize(
    ("query", "args", "match"),
    [
        ("SELECT %s, %s", (1,), "do not match"),
        ("SELECT %s", (1, 2), "do not match"),
        ("SELECT 1", (1,), "do not match"),
        ("SELECT %(a)s", {"b": 1}, "%\\(a\\)s"),
        ("SELECT %(a)s", (1,), "do not match"),
        ("SELECT %s", {"a": 1}, "do not match"),
        ("SELECT %d", ("x",), "do not match"),
        ("SELECT 100%", (1,), "do not match"),
        ("SELECT %q", (1,), "do not match"),
    ],
)
def test_format_query_mismatch(query: str, args: Any, match: str) -> None:
    with pytest.raises(ProgrammingError, match=match):
        format_query(query, args)


def test_format_query_unsupported_value() -> None:
    with pytest.raises(ProgrammingError, match="not supported"):
        format_query("SELECT %s", (object(),))
    with pytest.raises(ProgrammingError, match="dict"):
        format_query("SELECT %s", ({"a": 1},))


# --- decoders --------------------------------------------------------------------------


def test_numeric_decoders() -> None:
    assert decode_int(b"-9223372036854775808") == -(2**63)
    assert decode_int(b"18446744073709551615") == 2**64 - 1
    assert decode_year(b"2024") == 2024
    assert decode_float(b"1.5e-7") == 1.5e-7
    assert decode_float(b"-0") == 0.0
    assert decode_decimal(b"-12345678901234567890.123456789") == Decimal(
        "-12345678901234567890.123456789"
    )
    assert str(decode_decimal(b"1.10")) == "1.10"
    assert decode_bit(b"\x00\x01") == b"\x00\x01"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"2024-02-29", datetime.date(2024, 2, 29)),
        (b"1000-01-01", datetime.date(1000, 1, 1)),
        (b"9999-12-31", datetime.date(9999, 12, 31)),
        (b"0000-00-00", "0000-00-00"),
        (b"2020-00-10", "2020-00-10"),
        (b"2021-02-29", "2021-02-29"),
        (b"2020-01-00", "2020-01-00"),
        (b"", ""),
        (b"garbage\xff", "garbage\xff"),
    ],
)
def test_decode_date(raw: bytes, expected: object) -> None:
    assert decode_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"2024-01-02 03:04:05", datetime.datetime(2024, 1, 2, 3, 4, 5)),
        (b"2024-01-02 03:04:05.1", datetime.datetime(2024, 1, 2, 3, 4, 5, 100000)),
        (b"2024-01-02 03:04:05.12", datetime.datetime(2024, 1, 2, 3, 4, 5, 120000)),
        (b"2024-01-02 03:04:05.123", datetime.datetime(2024, 1, 2, 3, 4, 5, 123000)),
        (b"2024-01-02 03:04:05.1234", datetime.datetime(2024, 1, 2, 3, 4, 5, 123400)),
        (b"2024-01-02 03:04:05.12345", datetime.datetime(2024, 1, 2, 3, 4, 5, 123450)),
        (b"2024-01-02 03:04:05.000001", datetime.datetime(2024, 1, 2, 3, 4, 5, 1)),
        (b"9999-12-31 23:59:59.999999", datetime.datetime(9999, 12, 31, 23, 59, 59, 999999)),
        (b"0000-00-00 00:00:00", "0000-00-00 00:00:00"),
        (b"0000-00-00 00:00:00.000000", "0000-00-00 00:00:00.000000"),
        (b"2020-00-10 10:00:00", "2020-00-10 10:00:00"),
        (b"2020-02-30 10:00:00", "2020-02-30 10:00:00"),
        (b"2020-01-01 24:00:00", "2020-01-01 24:00:00"),
        (b"", ""),
    ],
)
def test_decode_datetime(raw: bytes, expected: object) -> None:
    assert decode_datetime(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"00:00:00", datetime.timedelta(0)),
        (b"12:34:56", datetime.timedelta(hours=12, minutes=34, seconds=56)),
        (b"838:59:59", datetime.timedelta(hours=838, minutes=59, seconds=59)),
        (b"-838:59:59", -datetime.timedelta(hours=838, minutes=59, seconds=59)),
        (b"-00:00:01", datetime.timedelta(seconds=-1)),
        (b"-00:00:00.5", datetime.timedelta(microseconds=-500000)),
        (b"01:02:03.000004", datetime.timedelta(hours=1, minutes=2, seconds=3, microseconds=4)),
        (b"01:02:03.12", datetime.timedelta(hours=1, minutes=2, seconds=3, microseconds=120000)),
        (b"-12:00:00.999999", -datetime.timedelta(hours=12, microseconds=999999)),
        (b"1:2:3", "1:2:3"),
        (b"10:60:00", "10:60:00"),
        (b"10:00:60", "10:00:60"),
        (b"10:00", "10:00"),
        (b"10:00:00.", "10:00:00."),
        (b"10:00:00.x", "10:00:00.x"),
        (b"--1:00:00", "--1:00:00"),
        (b"", ""),
        (b"12:34:5\xb2", "12:34:5\xb2"),
    ],
)
def test_decode_timedelta(raw: bytes, expected: object) -> None:
    assert decode_timedelta(raw) == expected


def _unquote(literal: str) -> bytes:
    assert literal[0] == literal[-1] == "'"
    return literal[1:-1].encode("ascii")


@fast
@given(st.datetimes())
def test_datetime_round_trip(value: datetime.datetime) -> None:
    assert decode_datetime(_unquote(escape_item(value))) == value


@fast
@given(st.dates())
def test_date_round_trip(value: datetime.date) -> None:
    assert decode_date(_unquote(escape_item(value))) == value


@fast
@given(
    st.timedeltas(
        min_value=-datetime.timedelta(hours=838, minutes=59, seconds=59, microseconds=999999),
        max_value=datetime.timedelta(hours=838, minutes=59, seconds=59, microseconds=999999),
    )
)
def test_timedelta_round_trip(value: datetime.timedelta) -> None:
    text = _unquote(escape_item(value))
    assert decode_timedelta(text) == value
    # The server pads hours to two digits: '-01:30:00' rather than our '-1:30:00'.
    sign = b"-" if text.startswith(b"-") else b""
    hours, rest = text.removeprefix(b"-").split(b":", 1)
    assert decode_timedelta(sign + hours.zfill(2) + b":" + rest) == value


@fast
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_round_trip(value: float) -> None:
    assert decode_float(escape_item(value).encode()) == value


def _moderate(value: Decimal) -> bool:
    exponent = value.as_tuple().exponent
    return isinstance(exponent, int) and -100 < exponent < 100


@fast
@given(st.decimals(allow_nan=False, allow_infinity=False).filter(_moderate))
def test_decimal_round_trip(value: Decimal) -> None:
    assert decode_decimal(escape_item(value).encode()) == value


@fast
@given(st.integers())
def test_int_round_trip(value: int) -> None:
    assert decode_int(escape_item(value).encode()) == value


# --- registries ------------------------------------------------------------------------


def test_decoders_table() -> None:
    expected = {
        FIELD_TYPE.TINY,
        FIELD_TYPE.SHORT,
        FIELD_TYPE.LONG,
        FIELD_TYPE.LONGLONG,
        FIELD_TYPE.INT24,
        FIELD_TYPE.YEAR,
        FIELD_TYPE.FLOAT,
        FIELD_TYPE.DOUBLE,
        FIELD_TYPE.DECIMAL,
        FIELD_TYPE.NEWDECIMAL,
        FIELD_TYPE.DATE,
        FIELD_TYPE.NEWDATE,
        FIELD_TYPE.DATETIME,
        FIELD_TYPE.TIMESTAMP,
        FIELD_TYPE.TIME,
        FIELD_TYPE.BIT,
    }
    assert set(converters.decoders) == expected
    for text_type in (FIELD_TYPE.VARCHAR, FIELD_TYPE.BLOB, FIELD_TYPE.JSON, FIELD_TYPE.ENUM):
        assert text_type not in converters.decoders


def test_conversions_and_builtin_detection() -> None:
    for key, fn in decoders.decoders.items():
        assert conversions[key] is fn
        assert is_builtin_decoder(fn)
    for cls, enc in encoders.items():
        assert conversions[cls] is enc
    assert conversions is not encoders
    assert not is_builtin_decoder(str)
    assert not is_builtin_decoder(lambda value: value)
    assert not is_builtin_decoder([])  # unhashable objects are fine too
