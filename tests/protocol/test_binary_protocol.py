"""The binary protocol in the sans-IO core: COM_STMT_* byte layouts, the prepare reply,
binary rows; and the compiled twin (_binary_speedups) against the pure-Python reference
on random input (hypothesis differential tests).

Byte layouts are the MySQL internals manual's ("COM_STMT_PREPARE Response",
"COM_STMT_EXECUTE", "Binary Protocol Resultset Row", "Binary Protocol Value") and the
MariaDB KB's ("COM_STMT_BULK_EXECUTE").
"""

from __future__ import annotations

import datetime
import functools
import inspect
import os
import shutil
import struct
import types
from decimal import Decimal
from typing import Any

import mysql_packets as sp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiomysql import converters
from aiomysql.binary_plan import build_binary_plan
from aiomysql.constants import CLIENT, FIELD_TYPE, FLAG
from aiomysql.decode_plan import build_text_plan
from aiomysql.errors import Error, ProgrammingError
from aiomysql.protocol import _impl, binary_rows, stmt_packets
from aiomysql.protocol import events as ev
from aiomysql.protocol.auth import AuthContext
from aiomysql.protocol.binary_rows import TEXTUAL
from aiomysql.protocol.core import ClientCore, State
from aiomysql.protocol.packets import ProtocolError, lenenc_bytes
from aiomysql.protocol.results import Column

DECODERS = {k: v for k, v in converters.conversions.items() if isinstance(k, int)}
FUZZ = settings(
    max_examples=int(os.environ.get("AIOMYSQL_FUZZ_EXAMPLES", "150")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def compiled_binary() -> types.ModuleType:
    """The compiled twin; missing fails unless AIOMYSQL_IMPL=python or no C compiler."""
    try:
        return _impl.compiled_binary()
    except ImportError:
        if os.environ.get("AIOMYSQL_IMPL") == "python":
            pytest.skip("AIOMYSQL_IMPL=python and the compiled module is not built")
        if shutil.which("cc") or shutil.which("gcc"):
            pytest.fail("a C compiler is available but _binary_speedups is not built")
        pytest.skip("no C compiler on this machine")


def logged_in_core(caps: int = sp.SERVER_CAPS) -> ClientCore:
    core = ClientCore(
        plan_builder=functools.partial(
            build_text_plan, encoding="utf-8", use_unicode=True, decoders=DECODERS
        )
    )
    core.binary_plan_builder = functools.partial(
        build_binary_plan, encoding="utf-8", use_unicode=True, decoders=DECODERS
    )
    core.receive_data(sp.stream([sp.greeting(caps=caps)]))
    core.next_event()  # the greeting
    core.handshake_response(
        capabilities=caps | CLIENT.PROTOCOL_41,
        charset_id=45,
        user=b"u",
        database=None,
        auth=AuthContext(b""),
    )
    core.receive_data(sp.stream([sp.ok()], 2))
    assert isinstance(core.next_event(), ev.Authenticated)
    return core


def events(core: ClientCore, data: bytes) -> list[Any]:
    core.receive_data(data)
    out = []
    while True:
        event = core.next_event()
        if event is ev.NEED_DATA:
            return out
        out.append(event)
        if core.idle:
            return out


def prepare_ok(stmt_id: int, ncols: int, nparams: int, warnings: int = 0) -> bytes:
    return struct.pack("<BIHHBH", 0, stmt_id, ncols, nparams, 0, warnings)


# --- command layouts ---------------------------------------------------------------------


def test_command_layouts() -> None:
    assert stmt_packets.com_stmt_prepare(b"SELECT ?") == b"\x16SELECT ?"
    assert stmt_packets.com_stmt_close(7) == b"\x19\x07\x00\x00\x00"
    assert stmt_packets.com_stmt_reset(7) == b"\x1a\x07\x00\x00\x00"
    assert stmt_packets.com_stmt_fetch(7, 100) == b"\x1c\x07\x00\x00\x00\x64\x00\x00\x00"
    assert stmt_packets.com_stmt_send_long_data(7, 2, b"ab") == b"\x18\x07\x00\x00\x00\x02\x00ab"


def test_execute_layout_with_types_then_without() -> None:
    args = (1, None, "é", b"\x00", 1.5, True, Decimal("1.50"), 2**64 - 1)
    types_, nulls, values = stmt_packets.encode_params(args, "utf-8", "strict")
    assert nulls == b"\x02"  # bit 1: the second parameter is NULL
    assert types_ == bytes(
        [FIELD_TYPE.LONGLONG, 0, FIELD_TYPE.NULL, 0, FIELD_TYPE.VAR_STRING, 0,
         FIELD_TYPE.BLOB, 0, FIELD_TYPE.DOUBLE, 0, FIELD_TYPE.TINY, 0,
         FIELD_TYPE.NEWDECIMAL, 0, FIELD_TYPE.LONGLONG, 0x80]
    )  # fmt: skip
    assert values == (
        struct.pack("<q", 1) + b"\x02\xc3\xa9" + b"\x01\x00" + struct.pack("<d", 1.5)
        + b"\x01" + b"\x041.50" + struct.pack("<Q", 2**64 - 1)
    )  # fmt: skip
    first = stmt_packets.com_stmt_execute(9, types_, nulls, values, send_types=True)
    head = b"\x17\x09\x00\x00\x00\x00\x01\x00\x00\x00"  # id 9, no cursor, 1 iteration
    assert first == head + nulls + b"\x01" + types_ + values
    again = stmt_packets.com_stmt_execute(9, types_, nulls, values, send_types=False)
    assert again == head + nulls + b"\x00" + values
    assert stmt_packets.com_stmt_execute(9, b"", b"", b"", True) == head


def test_temporal_parameters_go_as_the_text_protocols_strings() -> None:
    cases = {
        datetime.date(2024, 2, 29): b"2024-02-29",
        datetime.datetime(2024, 1, 2, 3, 4, 5): b"2024-01-02 03:04:05",
        datetime.datetime(2024, 1, 2, 3, 4, 5, 6): b"2024-01-02 03:04:05.000006",
        datetime.time(1, 2, 3): b"01:02:03",
        datetime.timedelta(hours=-26, microseconds=5): b"-25:59:59.999995",
    }
    for value, text in cases.items():
        code, data = stmt_packets.encode_value(value, "utf-8", "strict")
        assert code == bytes((FIELD_TYPE.VAR_STRING, 0))
        assert data == lenenc_bytes(text)
        assert text.decode() == converters.escape_item(value)[1:-1]


def test_unbindable_and_bad_values() -> None:
    for value in ((1, 2), [1], {1}, object()):
        with pytest.raises(stmt_packets.Unbindable):
            stmt_packets.encode_value(value, "utf-8", "strict")
    for value in (float("nan"), Decimal("inf")):
        with pytest.raises(ProgrammingError):
            stmt_packets.encode_value(value, "utf-8", "strict")
    code, data = stmt_packets.encode_value(2**70, "utf-8", "strict")
    assert code == bytes((FIELD_TYPE.NEWDECIMAL, 0)) and data == lenenc_bytes(b"%d" % 2**70)


def test_bulk_execute_layout() -> None:
    payload = stmt_packets.com_stmt_bulk_execute(5, [(1, "a"), (None, "b")], 2, "utf-8", "strict")
    assert payload == (
        b"\xfa\x05\x00\x00\x00\x80\x00"  # id 5, SEND_TYPES_TO_SERVER
        + bytes([FIELD_TYPE.LONGLONG, 0, FIELD_TYPE.VAR_STRING, 0])
        + b"\x00" + struct.pack("<q", 1) + b"\x00\x01a"  # row 1: two values
        + b"\x01" + b"\x00\x01b"  # row 2: NULL indicator, a value
    )  # fmt: skip
    with pytest.raises(stmt_packets.Unbindable):  # a column of ints, then a str
        stmt_packets.com_stmt_bulk_execute(5, [(1,), ("x",)], 1, "utf-8", "strict")
    with pytest.raises(ProgrammingError):
        stmt_packets.com_stmt_bulk_execute(5, [(1,), (1, 2)], 1, "utf-8", "strict")


# --- the prepare reply and binary results in the core -------------------------------------


@pytest.mark.parametrize("deprecate_eof", [True, False])
def test_prepare_reply_then_binary_result(deprecate_eof: bool) -> None:
    caps = sp.SERVER_CAPS if deprecate_eof else sp.SERVER_CAPS & ~CLIENT.DEPRECATE_EOF
    core = logged_in_core(caps)
    assert core.send_prepare(b"\x16SELECT ?, ?")[4:] == b"\x16SELECT ?, ?"
    assert core.state is State.PREPARE
    eof = [] if deprecate_eof else [sp.eof()]
    columns = [sp.column("a", FIELD_TYPE.LONGLONG), sp.column("b", FIELD_TYPE.VAR_STRING)]
    reply = [prepare_ok(3, 2, 2, warnings=1), sp.column("?"), sp.column("?"), *eof,
             *columns, *eof]  # fmt: skip
    data = sp.stream(reply, 1)
    prepared = events(core, data[:7]) + events(core, data[7:])
    assert len(prepared) == 1 and isinstance(prepared[0], ev.Prepared)
    assert prepared[0].stmt_id == 3 and prepared[0].warnings == 1
    assert [c.name for c in prepared[0].params] == ["?", "?"]
    assert [c.name for c in prepared[0].columns] == ["a", "b"]
    assert core.ready

    core.send_execute(b"\x17...")
    row = b"\x00\x08" + struct.pack("<q", -5)  # NULL bitmap: bit 3 (column 1) is NULL
    end = sp.ok(header=0xFE) if deprecate_eof else sp.eof()
    got = events(core, sp.stream([b"\x02", *columns, *eof, row, b"\x00\x00" + struct.pack(
        "<q", 7) + b"\x02hi", end], 1))
    assert isinstance(got[0], ev.ResultSetHeader)
    assert got[1].rows == [(-5, None), (7, "hi")]  # one batch: all that was buffered
    assert isinstance(got[2], ev.ResultSetEnd) and core.ready

    core.send_command(b"\x03SELECT 1")  # a text result afterwards is text again
    got = events(core, sp.stream([b"\x01", sp.column("x", FIELD_TYPE.LONG), *eof,
                                  sp.text_row(b"1"), end], 1))  # fmt: skip
    assert got[1].rows == [(1,)]


def test_prepare_refused_and_malformed() -> None:
    core = logged_in_core()
    core.send_prepare(b"\x16SELEC")
    with pytest.raises(Error) as info:
        events(core, sp.stream([sp.err(1064, "syntax")], 1))
    assert info.value.args[0] == 1064 and core.ready
    core.send_prepare(b"\x16SELECT 1")
    with pytest.raises(ProtocolError):
        events(core, sp.stream([b"\x00\x01"], 1))  # too short for a PREPARE_OK
    assert core.state is State.BROKEN


def test_pipelined_prepare_and_execute() -> None:
    core = logged_in_core()
    out = core.send_prepare(b"\x16SELECT 1", execute=b"\x17\xff\xff\xff\xff\x00\x01\x00\x00\x00")
    assert out[3] == 0 and out[4 + 9 + 3] == 0  # both commands start at sequence id 0
    reply = sp.stream([prepare_ok(4, 1, 0), sp.column("1", FIELD_TYPE.LONGLONG)], 1)
    result = sp.stream(
        [b"\x01", sp.column("1", FIELD_TYPE.LONGLONG), b"\x00\x00" + struct.pack("<q", 1),
         sp.ok(header=0xFE)], 1)  # fmt: skip
    got = events(core, reply + result)
    assert isinstance(got[0], ev.Prepared)
    assert isinstance(got[1], ev.ResultSetHeader)
    assert got[2].rows == [(1,)]
    core.send_prepare(b"\x16SELEC", execute=b"\x17\xff\xff\xff\xff\x00\x01\x00\x00\x00")
    got = events(core, sp.stream([sp.err(1064, "syntax")], 1))
    assert isinstance(got[0], ev.PrepareFailed) and got[0].error.args[0] == 1064
    with pytest.raises(Error):
        events(core, sp.stream([sp.err(1243, "unknown statement")], 1))
    assert core.ready


def test_fetch_rows_of_a_cursor() -> None:
    core = logged_in_core()
    core.send_execute(b"\x17...")
    got = events(core, sp.stream([b"\x01", sp.column("v", FIELD_TYPE.LONG), sp.eof(0x42)], 1))
    assert isinstance(got[0], ev.ResultSetHeader)
    assert isinstance(got[1], ev.ResultSetEnd) and got[1].status & 0x40 and core.ready
    core.send_fetch(stmt_packets.com_stmt_fetch(1, 2))
    rows = [b"\x00\x00" + struct.pack("<i", i) for i in (1, 2)]
    got = events(core, sp.stream([*rows, sp.eof(0x82)], 1))
    assert got[0].rows == [(1,), (2,)]
    assert isinstance(got[1], ev.ResultSetEnd) and got[1].status & 0x80 and core.ready


# --- binary rows: values ------------------------------------------------------------------


def col(type_code: int, flags: int = 0, decimals: int = 0, charset: int = 45) -> Column:
    return Column("d", "t", "t", "c", "c", charset, 10, type_code, flags, decimals)


def row_bytes(values: list[bytes | None]) -> bytes:
    nulls = bytearray((len(values) + 9) // 8)
    for i, v in enumerate(values):
        if v is None:
            nulls[(i + 2) // 8] |= 1 << ((i + 2) % 8)
    return b"\x00" + bytes(nulls) + b"".join(v for v in values if v is not None)


def dt(n: int, *fields: int) -> bytes:
    fmt = {0: "", 4: "<HBB", 7: "<HBBBBB", 11: "<HBBBBBI"}[n]
    return bytes((n,)) + (struct.pack(fmt, *fields) if n else b"")


def tm(n: int, *fields: int) -> bytes:
    fmt = {0: "", 8: "<BIBBB", 12: "<BIBBBI"}[n]
    return bytes((n,)) + (struct.pack(fmt, *fields) if n else b"")


VALUE_CASES: list[tuple[Column, bytes, Any]] = [
    (col(FIELD_TYPE.TINY), b"\x80", -128),
    (col(FIELD_TYPE.TINY, FLAG.UNSIGNED), b"\xff", 255),
    (col(FIELD_TYPE.SHORT), b"\x00\x80", -32768),
    (col(FIELD_TYPE.YEAR, FLAG.UNSIGNED), struct.pack("<H", 2024), 2024),
    (col(FIELD_TYPE.INT24), struct.pack("<i", -8388608), -8388608),
    (col(FIELD_TYPE.LONG, FLAG.UNSIGNED), b"\xff\xff\xff\xff", 2**32 - 1),
    (col(FIELD_TYPE.LONGLONG), struct.pack("<q", -(2**63)), -(2**63)),
    (col(FIELD_TYPE.LONGLONG, FLAG.UNSIGNED), b"\xff" * 8, 2**64 - 1),
    (col(FIELD_TYPE.DOUBLE), struct.pack("<d", 0.1), 0.1),
    (col(FIELD_TYPE.FLOAT), struct.pack("<f", 1.1), 1.1),
    (col(FIELD_TYPE.NEWDECIMAL), b"\x05-1.50", Decimal("-1.50")),
    (col(FIELD_TYPE.VAR_STRING), b"\x02\xc3\xa9", "é"),
    (col(FIELD_TYPE.BLOB, charset=63), b"\x02\x00\xff", b"\x00\xff"),
    (col(FIELD_TYPE.BIT, charset=63), b"\x01\x05", b"\x05"),
    (col(FIELD_TYPE.DATE), dt(4, 2024, 2, 29), datetime.date(2024, 2, 29)),
    (col(FIELD_TYPE.DATE), dt(0), "0000-00-00"),
    (col(FIELD_TYPE.DATE), dt(4, 2020, 2, 30), "2020-02-30"),
    (col(FIELD_TYPE.DATETIME), dt(7, 2024, 1, 2, 3, 4, 5), datetime.datetime(2024, 1, 2, 3, 4, 5)),
    (col(FIELD_TYPE.DATETIME, decimals=6), dt(11, 2024, 1, 2, 3, 4, 5, 6),
     datetime.datetime(2024, 1, 2, 3, 4, 5, 6)),
    (col(FIELD_TYPE.DATETIME), dt(4, 2024, 1, 2), datetime.datetime(2024, 1, 2)),
    (col(FIELD_TYPE.TIMESTAMP, decimals=3), dt(0), "0000-00-00 00:00:00.000"),
    (col(FIELD_TYPE.TIME), tm(8, 1, 34, 22, 59, 59), -datetime.timedelta(hours=838, minutes=59,
                                                                         seconds=59)),
    (col(FIELD_TYPE.TIME, decimals=6), tm(12, 0, 0, 1, 2, 3, 5),
     datetime.timedelta(hours=1, minutes=2, seconds=3, microseconds=5)),
    (col(FIELD_TYPE.TIME), tm(0), datetime.timedelta(0)),
]  # fmt: skip


def implementations() -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = [("python", binary_rows.decode_binary_row)]
    try:
        found.append(("compiled", _impl.compiled_binary().decode_binary_row))
    except ImportError:
        pass
    return found


@pytest.mark.parametrize("name,decode", implementations())
def test_values_as_the_text_protocol_gives_them(name: str, decode: Any) -> None:
    columns = [c for c, _, _ in VALUE_CASES]
    plan = build_binary_plan(columns, "utf-8", True, DECODERS)
    data = row_bytes([raw for _, raw, _ in VALUE_CASES])
    got = decode(data, 0, len(data), plan)
    for value, (_, _, want) in zip(got, VALUE_CASES, strict=True):
        assert type(value) is type(want) and value == want, (value, want)
    nulls = row_bytes([None] * len(columns))
    assert decode(nulls, 0, len(nulls), plan) == (None,) * len(columns)
    buffer = bytearray(b"xx" + data + b"yy")  # in a receive buffer, at an offset
    assert decode(buffer, 2, 2 + len(data), plan) == got


@pytest.mark.parametrize("name,decode", implementations())
def test_conv_decoders_see_the_text(name: str, decode: Any) -> None:
    seen: list[bytes] = []

    def spy(text: str) -> str:
        seen.append(text.encode())
        return "conv"

    decoders = {**DECODERS, FIELD_TYPE.LONG: spy, FIELD_TYPE.DATETIME: spy, FIELD_TYPE.TIME: spy}
    del decoders[FIELD_TYPE.DOUBLE]
    columns = [col(FIELD_TYPE.LONG), col(FIELD_TYPE.DATETIME, decimals=2), col(FIELD_TYPE.TIME),
               col(FIELD_TYPE.DOUBLE)]  # fmt: skip
    plan = build_binary_plan(columns, "utf-8", True, decoders)
    assert [kind & TEXTUAL for kind, _, _ in plan] == [TEXTUAL] * 4
    data = row_bytes([struct.pack("<i", -7), dt(11, 2024, 1, 2, 3, 4, 5, 120000),
                      tm(8, 1, 1, 2, 3, 4), struct.pack("<d", 2.5)])  # fmt: skip
    assert decode(data, 0, len(data), plan) == ("conv", "conv", "conv", b"2.5")
    assert seen == [b"-7", b"2024-01-02 03:04:05.12", b"-26:03:04"]


@pytest.mark.parametrize("name,decode", implementations())
def test_malformed_rows_raise_protocol_errors(name: str, decode: Any) -> None:
    plan = build_binary_plan([col(FIELD_TYPE.LONG), col(FIELD_TYPE.DATE)], "utf-8", True, DECODERS)
    good = row_bytes([struct.pack("<i", 1), dt(4, 2024, 1, 2)])
    for bad in (good[:-1], good + b"\x00", b"\x01" + good[1:], b"\x00", good[:1]):
        with pytest.raises(ProtocolError):
            decode(bad, 0, len(bad), plan)
    bad_date = row_bytes([struct.pack("<i", 1), b"\x05" + bytes(5)])
    with pytest.raises(ProtocolError):
        decode(bad_date, 0, len(bad_date), plan)


# --- the differential tests: compiled against pure on random input -------------------------

KIND_TYPES = [
    (FIELD_TYPE.TINY, 0), (FIELD_TYPE.TINY, FLAG.UNSIGNED), (FIELD_TYPE.SHORT, 0),
    (FIELD_TYPE.SHORT, FLAG.UNSIGNED), (FIELD_TYPE.LONG, 0), (FIELD_TYPE.INT24, FLAG.UNSIGNED),
    (FIELD_TYPE.LONGLONG, 0), (FIELD_TYPE.LONGLONG, FLAG.UNSIGNED), (FIELD_TYPE.FLOAT, 0),
    (FIELD_TYPE.DOUBLE, 0), (FIELD_TYPE.DATE, 0), (FIELD_TYPE.DATETIME, 0),
    (FIELD_TYPE.TIMESTAMP, 0), (FIELD_TYPE.TIME, 0), (FIELD_TYPE.VAR_STRING, 0),
    (FIELD_TYPE.BLOB, 0), (FIELD_TYPE.NEWDECIMAL, 0), (FIELD_TYPE.YEAR, 0), (FIELD_TYPE.JSON, 0),
]  # fmt: skip
SIZES = {FIELD_TYPE.TINY: 1, FIELD_TYPE.SHORT: 2, FIELD_TYPE.YEAR: 2, FIELD_TYPE.LONG: 4,
         FIELD_TYPE.INT24: 4, FIELD_TYPE.LONGLONG: 8, FIELD_TYPE.FLOAT: 4, FIELD_TYPE.DOUBLE: 8}


def tag(text: str) -> tuple[str, str]:
    return ("tag", text)


@st.composite
def value_bytes(draw: st.DrawFn, type_code: int) -> bytes:
    size = SIZES.get(type_code)
    if size is not None:
        return draw(st.binary(min_size=size, max_size=size))
    if type_code in (FIELD_TYPE.DATE, FIELD_TYPE.DATETIME, FIELD_TYPE.TIMESTAMP):
        n = draw(st.sampled_from([0, 4, 7, 11]))
        fields = [draw(st.integers(0, 10000)), draw(st.integers(0, 13)), draw(st.integers(0, 32)),
                  draw(st.integers(0, 25)), draw(st.integers(0, 61)), draw(st.integers(0, 61)),
                  draw(st.integers(0, 1_000_001))][: {0: 0, 4: 3, 7: 6, 11: 7}[n]]  # fmt: skip
        return dt(n, *fields)
    if type_code == FIELD_TYPE.TIME:
        n = draw(st.sampled_from([0, 8, 12]))
        fields = [draw(st.integers(0, 1)), draw(st.integers(0, 40)), draw(st.integers(0, 23)),
                  draw(st.integers(0, 59)), draw(st.integers(0, 59)),
                  draw(st.integers(0, 999_999))][: {0: 0, 8: 5, 12: 6}[n]]  # fmt: skip
        return tm(n, *fields)
    if type_code == FIELD_TYPE.NEWDECIMAL:
        return lenenc_bytes(str(draw(st.decimals(allow_nan=False, allow_infinity=False))).encode())
    return lenenc_bytes(draw(st.text(max_size=20)).encode())


@st.composite
def plans_and_rows(draw: st.DrawFn) -> tuple[Any, bytes]:
    picks = draw(st.lists(st.sampled_from(KIND_TYPES), min_size=1, max_size=8))
    columns = [col(t, f, decimals=draw(st.sampled_from([0, 3, 6, 39]))) for t, f in picks]
    decoders = dict(DECODERS)
    for type_code, _ in picks:  # some columns with a conv= decoder of the user's
        if draw(st.booleans()) and draw(st.booleans()):
            decoders[type_code] = tag
    plan = build_binary_plan(columns, "utf-8", draw(st.booleans()), decoders)
    values = [None if draw(st.booleans()) and draw(st.booleans()) else draw(value_bytes(t))
              for t, _ in picks]  # fmt: skip
    return plan, row_bytes(values)


def outcome(decode: Any, *args: Any) -> Any:
    try:
        return ("ok", decode(*args))
    except Exception as exc:  # the class must match: ProtocolError, UnicodeDecodeError...
        return ("raised", type(exc))


def same(a: Any, b: Any) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] == "raised":
        return bool(a[1] is b[1])
    return [_key(x) for x in a[1]] == [_key(x) for x in b[1]]


def _key(x: Any) -> tuple[type, Any]:
    """A value as compared: NaN (a DOUBLE's bytes may say so) equals NaN here."""
    return (type(x), "nan" if isinstance(x, float) and x != x else x)


@FUZZ
@given(case=plans_and_rows(), mutate=st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)),
                                               max_size=3))
def test_compiled_rows_match_pure(case: tuple[Any, bytes], mutate: list[tuple[int, int]]) -> None:
    mod = compiled_binary()
    plan, data = case
    raw = bytearray(data)
    for where, byte in mutate:  # hostile bytes too: both must fail the same way
        if raw:
            raw[where % len(raw)] = byte
    for payload in (data, bytes(raw)):
        pure = outcome(binary_rows.decode_binary_row, payload, 0, len(payload), plan)
        fast = outcome(mod.decode_binary_row, payload, 0, len(payload), plan)
        assert same(pure, fast), (pure, fast, plan, payload)


@FUZZ
@given(case=plans_and_rows(), count=st.integers(1, 3), cut=st.integers(0, 300))
def test_compiled_row_batches_match_pure(case: tuple[Any, bytes], count: int, cut: int) -> None:
    mod = compiled_binary()
    plan, data = case
    stream = bytearray(sp.stream([data] * count + [sp.ok(header=0xFE)], 1))
    end = min(len(stream), cut) if cut < len(stream) else len(stream)
    pure_rows: list[Any] = []
    fast_rows: list[Any] = []
    pure = outcome(binary_rows.decode_binary_rows, stream, 0, end, 1, plan, pure_rows)
    fast = outcome(mod.decode_binary_rows, stream, 0, end, 1, plan, fast_rows)
    assert pure[0] == fast[0]
    if pure[0] == "ok":
        assert pure[1] == fast[1]
        assert [[(type(v), v) for v in r] for r in pure_rows] == [
            [(type(v), v) for v in r] for r in fast_rows
        ]


PARAM_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**80), 2**80), st.floats(allow_nan=False),
    st.text(max_size=30), st.binary(max_size=30), st.decimals(allow_nan=False, places=3),
    st.dates(), st.datetimes(), st.times(), st.timedeltas(),
    st.sampled_from([float("nan"), "\ud800", (1, 2), object()]),
)  # fmt: skip


@FUZZ
@given(args=st.lists(PARAM_VALUES, max_size=12), encoding=st.sampled_from(["utf-8", "latin-1"]))
def test_compiled_param_encoding_matches_pure(args: list[Any], encoding: str) -> None:
    mod = compiled_binary()
    pure = outcome(stmt_packets.encode_params, args, encoding, "strict")
    fast = outcome(mod.encode_params, args, encoding, "strict")
    assert pure == fast


def test_compiled_twin_names_and_signatures() -> None:
    mod = compiled_binary()
    names = {n for n in dir(mod) if not n.startswith("_") and callable(getattr(mod, n))}
    listed = {name for names in _impl.BINARY_TWINS.values() for name in names}
    assert names == listed | {"register_decoders"}  # the hook _impl forwards
    for home, twin_names in _impl.BINARY_TWINS.items():
        module = __import__(home, fromlist=["x"])
        for name in twin_names:
            pure_params = list(inspect.signature(getattr(module, name)).parameters)
            fast_params = list(inspect.signature(getattr(mod, name)).parameters)
            assert pure_params == fast_params, name


def test_cached_metadata_is_skipped_and_updated() -> None:
    """MARIADB_CLIENT_CACHE_METADATA: the column count packet has one more byte, 0 when
    the definitions are not sent (the statement's known ones apply), 1 when they follow."""
    core = logged_in_core(sp.SERVER_CAPS | CLIENT.MARIADB_CLIENT_CACHE_METADATA)
    assert core.capabilities & CLIENT.MARIADB_CLIENT_CACHE_METADATA
    known = [Column("d", "t", "t", "a", "a", 45, 11, FIELD_TYPE.LONG, 0, 0)]
    row = b"\x00\x00" + struct.pack("<i", 5)
    core.send_execute(b"\x17...", known)
    got = events(core, sp.stream([b"\x01\x00", row, sp.ok(header=0xFE)], 1))
    assert got[0].columns == known and got[1].rows == [(5,)]
    # Changed definitions are sent (flag 1): they are used and become the known ones.
    core.send_execute(b"\x17...", known)
    got = events(
        core,
        sp.stream([b"\x01\x01", sp.column("b", FIELD_TYPE.VAR_STRING), b"\x00\x00\x02hi",
                   sp.ok(header=0xFE)], 1),  # fmt: skip
    )
    assert got[1].rows == [("hi",)]
    assert [c.name for c in known] == ["b"]
    # Skipped, but the client knows no such columns: a protocol error, not a guess.
    core.send_execute(b"\x17...", None)
    with pytest.raises(ProtocolError):
        events(core, sp.stream([b"\x01\x00"], 1))
    # A text result's count packet is read as before.
    core = logged_in_core(sp.SERVER_CAPS | CLIENT.MARIADB_CLIENT_CACHE_METADATA)
    core.send_command(b"\x03SELECT 1")
    got = events(core, sp.stream([b"\x01\x01", sp.column("x", FIELD_TYPE.LONG),
                                  sp.text_row(b"1"), sp.ok(header=0xFE)], 1))  # fmt: skip
    assert got[1].rows == [(1,)]


@FUZZ
@given(
    rows=st.lists(st.lists(PARAM_VALUES, min_size=3, max_size=3), min_size=1, max_size=8),
    ragged=st.booleans(),
    limit=st.integers(10, 400),
    encoding=st.sampled_from(["utf-8", "latin-1"]),
)
def test_compiled_bulk_payloads_match_pure(
    rows: list[list[Any]], ragged: bool, limit: int, encoding: str
) -> None:
    mod = compiled_binary()
    if ragged:
        rows[-1] = rows[-1][:2]
    args = (7, rows, 3, encoding, "strict", limit)
    pure = outcome(stmt_packets.bulk_execute_payloads, *args)
    fast = outcome(mod.bulk_execute_payloads, *args)
    assert pure == fast
