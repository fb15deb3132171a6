"""The compiled twin against the pure-Python reference: parity of names, and random input.

Every function in ``aiomysql.protocol._speedups`` must have a same-named pure-Python twin
(``_impl.TWINS``; the registration ``_impl.HOOKS`` aside), and both must give the same
values, or raise the same error class, for the same bytes. These tests load the compiled
module through ``_impl.compiled()`` even when it is not selected, so they also run in the
``AIOMYSQL_IMPL=python`` pass (the variable only changes what the driver selects).
"""

from __future__ import annotations

import datetime
import gc
import importlib
import inspect
import os
import types
from decimal import Decimal
from typing import Any

import mysql_packets as sp
import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from speedups_support import compiled

import aiomysql
from aiomysql import converters, decoders
from aiomysql.decode_plan import _text_decoder, _with_text
from aiomysql.protocol import _impl, core, escaping, packets, rows
from aiomysql.protocol import events as ev
from aiomysql.protocol.packets import MAX_FRAME, ProtocolError, lenenc_int

# --- selection and parity -----------------------------------------------------------


def test_selection_follows_the_environment() -> None:
    disabled = os.environ.get("AIOMYSQL_NO_EXTENSIONS", "") not in ("", "0")
    disabled = disabled or os.environ.get("AIOMYSQL_IMPL") == "python"
    assert aiomysql.USING_EXTENSIONS is _impl.USING_EXTENSIONS
    assert _impl.IMPL == ("c" if _impl.USING_EXTENSIONS else "python")
    if disabled:
        assert not aiomysql.USING_EXTENSIONS
        assert _impl.speedups is None
        assert core.decode_text_rows is rows.decode_text_rows
        assert core.read_packet is packets.read_packet
        assert converters.escape_string is escaping.escape_string
        assert converters.escape_args is escaping.escape_args
    else:
        mod = compiled()
        assert aiomysql.USING_EXTENSIONS
        assert _impl.speedups is mod
        assert core.decode_text_row is mod.decode_text_row
        assert core.decode_text_rows is mod.decode_text_rows
        assert core.read_packet is mod.read_packet
        assert converters.escape_string is mod.escape_string
        assert converters.escape_args is mod.escape_args


def _compiled_functions(mod: types.ModuleType) -> set[str]:
    return {
        name
        for name, obj in vars(mod).items()
        if not name.startswith("_")
        and callable(obj)
        and getattr(obj, "__module__", None) == mod.__name__
        and not isinstance(obj, type)
    }


def test_every_compiled_function_has_a_same_named_pure_twin() -> None:
    mod = compiled()
    listed = {name for names in _impl.TWINS.values() for name in names}
    assert not listed & set(_impl.HOOKS)
    assert _compiled_functions(mod) == listed | set(_impl.HOOKS)
    for module_name, names in _impl.TWINS.items():
        pure_module = importlib.import_module(module_name)
        for name in names:
            pure = _impl.pure_twin(name)
            assert pure.__module__ == pure_module.__name__
            assert pure is not getattr(mod, name)
            fast = inspect.signature(getattr(mod, name))
            slow = inspect.signature(pure)
            assert list(fast.parameters) == list(slow.parameters), name
            assert [p.default for p in fast.parameters.values()] == [
                p.default for p in slow.parameters.values()
            ], name
            assert [p.kind for p in fast.parameters.values()] == [
                p.kind for p in slow.parameters.values()
            ], name
    for name in _impl.HOOKS:  # what the upper layers call, forwarded by _impl
        fast = inspect.signature(getattr(mod, name))
        forward = inspect.signature(getattr(_impl, name))
        assert [(p.name, p.kind) for p in fast.parameters.values()] == [
            (p.name, p.kind) for p in forward.parameters.values()
        ], name


# --- value and row strategies -------------------------------------------------------

_latin1 = _text_decoder("latin-1")


def _user_list(value: str) -> list[str]:
    return [value]


#: plan entry -> strategy of well-formed values for it (bytes as the server sends them)
_digits = st.integers(min_value=-(10**25), max_value=10**25).map(lambda i: str(i).encode())
_floats = (
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(lambda f: repr(f).encode())
    | st.floats(allow_nan=False, allow_infinity=False).map(lambda f: f"{f:g}".encode())
    | st.floats(allow_nan=False, allow_infinity=False).map(lambda f: f"{f:.17e}".encode())
    | st.builds(
        lambda digits, point, exp: (
            digits[:point] + "." + digits[point:] + (f"e{exp}" if exp is not None else "")
        ).encode(),
        st.text("0123456789", min_size=1, max_size=22),
        st.integers(0, 22),
        st.none() | st.integers(-40, 40),
    )
    # the edges of the compiled exact fast path (2**53, 10**22) and its fallbacks
    | st.sampled_from(
        [
            b"9007199254740992",
            b"9007199254740993",
            b"1e22",
            b"1e23",
            b"-0",
            b"-0.0",
            b"123456789012345678",
            b"1234567890123456789",
            b"4.9e-324",
            b"1.7976931348623157e308",
            b".5",
            b"5.",
            b"+3",
            b"1E+05",
            b"1e-22",
            b"1e-23",
            b"0.000000000000000000001",
        ]
    )
)
_decimals = st.decimals(allow_nan=False, allow_infinity=False, places=2).map(
    lambda d: format(d, "f").encode()
)
_dates = st.dates().map(lambda d: d.isoformat().encode()) | st.sampled_from(
    [
        b"0000-00-00",
        b"2020-02-30",
        b"2021-13-01",
        b"2020-00-10",
        b"9999-12-31",
        b"2000-02-29",
        b"1900-02-29",
        b"2024-02-29",
        b"2023-02-29",
        b"0001-01-01",
        b"2020-04-31",
        b"2020-12-32",
        b"20a0-01-01",
        b"2020-1-01",
    ]
)


def _datetime_text(dt: datetime.datetime, digits: int) -> bytes:
    text = dt.strftime("%Y-%m-%d %H:%M:%S")
    if digits:
        text += "." + f"{dt.microsecond:06d}"[:digits]
    return text.encode()


_datetimes = st.builds(_datetime_text, st.datetimes(), st.integers(0, 6)) | st.sampled_from(
    [
        b"0000-00-00 00:00:00",
        b"2020-02-30 10:00:00",
        b"2020-01-01 24:00:00",
        b"2020-01-01T10:00:00",
        b"2000-02-29 23:59:59.999999",
        b"1900-02-29 00:00:00",
        b"2020-01-01 10:60:00",
        b"2020-01-01 10:00:60",
        b"2020-01-01 10:00:00.5",
        b"2020-01-01 1a:00:00",
    ]
)
_text = st.text(max_size=300).map(lambda s: s.encode("utf-8"))
_junk = st.binary(max_size=40) | st.sampled_from(
    [b"", b"-", b"+5", b" 7", b"1_000", b"1e", b"inf", b"nan", b"12.5e3", b"\xff\xfe", b"0x10"]
)

KINDS: list[tuple[object, st.SearchStrategy[bytes]]] = [
    (None, st.binary(max_size=300)),
    (bytes.decode, _text),
    (decoders.decode_int, _digits),
    (decoders.decode_float, _floats),
    (decoders.decode_decimal, _decimals),
    (decoders.decode_date, _dates),
    (decoders.decode_datetime, _datetimes),
    (decoders.decode_timedelta, st.sampled_from([b"-838:59:59.5", b"10:00:00", b"1:2:3"])),
    (decoders.decode_bit, st.binary(min_size=1, max_size=8)),
    (_latin1, st.binary(max_size=50)),
    (_with_text(_user_list, "utf-8"), _text),
]


@st.composite
def result_set(draw: st.DrawFn, max_rows: int = 6) -> tuple[tuple[Any, ...], list[bytes]]:
    """A plan and row payloads: every column kind, NULLs, junk values, odd length prefixes."""
    ncols = draw(st.integers(1, 8))
    kinds = [draw(st.sampled_from(KINDS)) for _ in range(ncols)]
    plan = tuple(k[0] for k in kinds)
    payloads = []
    for _ in range(draw(st.integers(0, max_rows))):
        parts = []
        for _, good in kinds:
            choice = draw(st.integers(0, 9))
            if choice == 0:
                parts.append(b"\xfb")
                continue
            value = draw(_junk) if choice == 1 else draw(good)
            if choice == 2:  # a big value: the 3-byte length prefix
                value = value * (70_000 // max(len(value), 1) + 1) if value else b"7" * 70_000
            prefix = draw(st.sampled_from(["min", "fc", "fd", "fe"]))
            n = len(value)
            if prefix == "min" or n >= 1 << 24:
                parts.append(lenenc_int(n))
            elif prefix == "fc" and n < 1 << 16:
                parts.append(b"\xfc" + n.to_bytes(2, "little"))
            elif prefix == "fd":
                parts.append(b"\xfd" + n.to_bytes(3, "little"))
            else:
                parts.append(b"\xfe" + n.to_bytes(8, "little"))
            parts.append(value)
        payloads.append(b"".join(parts))
    return plan, payloads


def outcome(fn: Any, *args: Any) -> tuple[str, Any]:
    """('ok', result) or ('error', exception class): what both twins must agree on."""
    try:
        return "ok", fn(*args)
    except Exception as exc:  # the class is what is compared
        return "error", type(exc)


def same(a: tuple[str, Any], b: tuple[str, Any]) -> None:
    """Equal outcomes, value by value, including the value types (1 != 1.0 != True here)."""
    assert a[0] == b[0], (a, b)
    if a[0] == "error":
        assert a[1] is b[1]
        return
    _same_values(a[1], b[1])


def _same_values(x: Any, y: Any) -> None:
    assert type(x) is type(y), (x, y)
    if isinstance(x, (tuple, list)):
        assert len(x) == len(y)
        for i, j in zip(x, y, strict=True):
            _same_values(i, j)
    elif isinstance(x, (float, Decimal)):
        assert repr(x) == repr(y)  # NaN, -0.0 and Decimal exponents compared exactly
    else:
        assert x == y


SETTINGS = settings(
    max_examples=150,
    deadline=None,
    database=None,  # nothing written into the working tree
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow],
)


# --- differential: rows ---------------------------------------------------------------


@SETTINGS
@given(result_set())
def test_decode_text_row_matches_the_reference(rs: tuple[tuple[Any, ...], list[bytes]]) -> None:
    mod = compiled()
    plan, payloads = rs
    for payload in payloads:
        data = b"\x01\x02" + payload + b"\x03"  # a row inside a larger buffer
        same(
            outcome(rows.decode_text_row, data, 2, len(data) - 1, plan),
            outcome(mod.decode_text_row, data, 2, len(data) - 1, plan),
        )


@SETTINGS
@given(result_set(), st.data())
def test_malformed_rows_raise_the_same_error_class(
    rs: tuple[tuple[Any, ...], list[bytes]], data: st.DataObject
) -> None:
    mod = compiled()
    plan, payloads = rs
    assume(payloads)
    payload = data.draw(st.sampled_from(payloads))
    how = data.draw(st.sampled_from(["truncate", "extend", "poke"]))
    if how == "truncate":
        payload = payload[: data.draw(st.integers(0, max(len(payload) - 1, 0)))]
    elif how == "extend":
        payload += data.draw(st.binary(min_size=1, max_size=10))
    elif payload:
        i = data.draw(st.integers(0, len(payload) - 1))
        payload = (
            payload[:i]
            + data.draw(st.sampled_from([b"\xff", b"\xfe", b"\xfd"]))
            + (payload[i + 1 :])
        )
    r1 = outcome(rows.decode_text_row, payload, 0, len(payload), plan)
    r2 = outcome(mod.decode_text_row, payload, 0, len(payload), plan)
    same(r1, r2)
    if how == "truncate" and payloads.count(payload) == 0:
        assert r1[0] == "error" or len(plan) == 0


@SETTINGS
@given(result_set(max_rows=12), st.integers(0, 255), st.data())
def test_decode_text_rows_matches_the_reference(
    rs: tuple[tuple[Any, ...], list[bytes]], seq: int, data: st.DataObject
) -> None:
    mod = compiled()
    plan, payloads = rs
    tail = data.draw(st.sampled_from([b"", sp.eof(), sp.ok(header=0xFE), sp.err(1064, "x")]))
    stream = sp.stream([*payloads, tail] if tail else payloads, seq=seq)
    cut = data.draw(st.integers(0, len(stream)))  # the buffer may end anywhere
    if data.draw(st.booleans()) and len(stream) > 3:  # a wrong sequence id somewhere
        stream = stream[:3] + bytes(((stream[3] + 1) & 0xFF,)) + stream[4:]
    start = data.draw(st.integers(0, 3))
    buf: bytes | bytearray = b"\0" * start + stream[:cut]
    if data.draw(st.booleans()):
        buf = bytearray(buf)  # the core's receive buffer is one
    out1: list[tuple[Any, ...]] = []
    out2: list[tuple[Any, ...]] = []
    r1 = outcome(rows.decode_text_rows, buf, start, len(buf), seq, plan, out1)
    r2 = outcome(mod.decode_text_rows, buf, start, len(buf), seq, plan, out2)
    same(r1, r2)
    _same_values(out1, out2)


def test_values_decode_to_the_expected_python_objects() -> None:
    """Known values through both twins: the fast paths build the same objects."""
    mod = compiled()
    plan = (
        decoders.decode_int,
        decoders.decode_decimal,
        decoders.decode_date,
        decoders.decode_datetime,
        decoders.decode_float,
        bytes.decode,
        decoders.decode_int,
        None,
        decoders.decode_datetime,
        decoders.decode_int,
    )
    values = [
        b"-9223372036854775808",
        b"-12345678.90",
        b"2024-02-29",
        b"2024-02-29 23:59:58.5",
        b"-1.5e-07",
        "Grüße 😀".encode(),
        b"18446744073709551615",
        b"\x00\xff",
        b"0000-00-00 00:00:00",
        b"-0",
    ]
    payload = sp.text_row(*values)
    expected = (
        -9223372036854775808,
        Decimal("-12345678.90"),
        datetime.date(2024, 2, 29),
        datetime.datetime(2024, 2, 29, 23, 59, 58, 500000),
        -1.5e-07,
        "Grüße 😀",
        18446744073709551615,
        b"\x00\xff",
        "0000-00-00 00:00:00",
        0,
    )
    for fn in (rows.decode_text_row, mod.decode_text_row):
        _same_values(fn(payload, 0, len(payload), plan), expected)


def test_rows_with_only_atoms_leave_the_collector_alone_but_containers_do_not() -> None:
    """A row of atoms may be untracked by the GC; a row holding a list must stay tracked."""
    mod = compiled()
    payload = sp.text_row(b"1", b"x")
    atoms = mod.decode_text_row(payload, 0, len(payload), (decoders.decode_int, None))
    assert atoms == (1, b"x") and not gc.is_tracked(atoms)
    plan = (decoders.decode_int, _with_text(_user_list, "utf-8"))
    holder = mod.decode_text_row(payload, 0, len(payload), plan)
    assert holder == (1, ["x"]) and gc.is_tracked(holder)


# --- differential: framing ------------------------------------------------------------


@SETTINGS
@given(
    st.lists(st.binary(max_size=300), min_size=1, max_size=5),
    st.integers(0, 255),
    st.data(),
)
def test_read_packet_matches_the_reference(
    payloads: list[bytes], seq: int, data: st.DataObject
) -> None:
    mod = compiled()
    stream = b"\x07" * 3 + sp.stream(payloads, seq=seq)
    buf: bytes | bytearray = stream[: data.draw(st.integers(0, len(stream)))]
    if data.draw(st.booleans()):
        buf = bytearray(buf)  # the core's receive buffer is one
    limit = data.draw(st.sampled_from([1 << 30, 100, 0]))
    expect_seq = data.draw(st.sampled_from([seq, (seq + 1) & 0xFF]))
    pos = 3
    while True:
        r1 = outcome(packets.read_packet, buf, pos, expect_seq, limit)
        r2 = outcome(mod.read_packet, buf, pos, expect_seq, limit)
        same(r1, r2)
        if r1[0] == "error" or r1[1][0] is None:
            break
        _, pos, expect_seq = r1[1]


@SETTINGS
@given(
    st.lists(st.binary(max_size=300), max_size=6),
    st.integers(0, 8),
    st.data(),
)
def test_packets_end_matches_the_reference(
    payloads: list[bytes], count: int, data: st.DataObject
) -> None:
    mod = compiled()
    stream = b"\x07" * 3 + sp.stream(payloads, seq=0)
    cut = data.draw(st.integers(3, len(stream)))
    for buf in (stream, bytearray(stream)):
        same(
            outcome(packets.packets_end, buf, 3, cut, count),
            outcome(mod.packets_end, buf, 3, cut, count),
        )


def test_multi_frame_packet_is_joined_the_same_way() -> None:
    """A 16 MiB + 10 byte packet (two frames), whole and arriving in parts."""
    mod = compiled()
    payload = (bytes(range(256)) * 65537)[: MAX_FRAME + 10]
    stream = sp.stream([payload, b"next"], seq=250)
    for cut in (3, 4, MAX_FRAME, MAX_FRAME + 4, MAX_FRAME + 8, len(stream) - 9, len(stream)):
        buf = stream[:cut]
        same(
            outcome(packets.read_packet, buf, 0, 250, 1 << 30),
            outcome(mod.read_packet, buf, 0, 250, 1 << 30),
        )
    got, pos, seq = mod.read_packet(stream, 0, 250, 1 << 30)
    assert got == payload and seq == 252
    assert mod.read_packet(stream, pos, seq, 1 << 30) == (b"next", len(stream), 253)
    with pytest.raises(ProtocolError):
        mod.read_packet(stream, 0, 250, MAX_FRAME)


def _core_rows(monkeypatch: pytest.MonkeyPatch, impl: Any, data: bytes, plan: Any) -> Any:
    """Rows of one result set decoded by a ClientCore running ``impl``'s functions."""
    from test_core import connected_core  # type: ignore[import-not-found]

    with monkeypatch.context() as m:
        for name in ("decode_text_row", "decode_text_rows", "read_packet"):
            m.setattr(core, name, getattr(impl, name))
        c = connected_core(plan_builder=lambda cols: plan)
        c.send_command(b"\x03SELECT")
        out: list[Any] = []
        for i in range(0, len(data), 1 << 20):
            c.receive_data(data[i : i + (1 << 20)])
            while (event := c.next_event()) is not ev.NEED_DATA:
                if isinstance(event, ev.RowBatch):
                    out += event.rows
                if isinstance(event, ev.ResultSetEnd):
                    return out
    raise AssertionError("the result set did not end")


def test_multi_frame_rows_through_the_core(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows over 16 MiB (joined by read_packet, decoded by decode_text_row) both ways."""
    mod = compiled()
    big = "é".encode() * (MAX_FRAME // 2 + 5)  # one value longer than a frame
    packets_ = [b"\x03", sp.column("a"), sp.column("b"), sp.column("c")]
    packets_ += [
        sp.text_row(b"1", big, None),
        sp.text_row(b"2", b"small", b"2020-01-02"),
        sp.text_row(b"3", big[: MAX_FRAME - 9], b"x"),  # a payload of exactly MAX_FRAME - 1
        sp.ok(header=0xFE),
    ]
    data = sp.stream(packets_, seq=1)
    plan = (decoders.decode_int, bytes.decode, None)
    r1 = _core_rows(monkeypatch, rows_and_packets(), data, plan)
    r2 = _core_rows(monkeypatch, mod, data, plan)
    _same_values(r1, r2)
    assert [r[0] for r in r1] == [1, 2, 3]
    assert r1[0][1] == big.decode()


def rows_and_packets() -> types.SimpleNamespace:
    """The pure-Python twins under the names the core imports."""
    return types.SimpleNamespace(
        decode_text_row=rows.decode_text_row,
        decode_text_rows=rows.decode_text_rows,
        read_packet=packets.read_packet,
    )


# --- differential: escaping -------------------------------------------------------------

_any_text = st.text(alphabet=st.characters(blacklist_categories=()), max_size=60) | st.text(
    alphabet="ab'\"\\\0\n\r\x1a%", max_size=30
)


@SETTINGS
@given(_any_text, st.booleans())
def test_escape_string_matches_the_reference(s: str, no_backslash: bool) -> None:
    mod = compiled()
    same(
        outcome(escaping.escape_string, s, no_backslash),
        outcome(mod.escape_string, s, no_backslash),
    )


class _Str(str):
    pass


def test_escape_string_odd_inputs() -> None:
    mod = compiled()
    for value in (_Str("it's"), "\ud800", b"bytes", 5):
        for nb in (False, True):
            same(
                outcome(escaping.escape_string, value, nb),
                outcome(mod.escape_string, value, nb),
            )


_params = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.decimals(),
    _any_text,
    st.binary(max_size=40),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.timedeltas(),
    st.lists(st.integers() | st.text(max_size=5), max_size=3).map(tuple),
    st.sampled_from([_Str("s'x"), {"a": 1}, object(), {"x"}, frozenset({"a,b"})]),
)


@SETTINGS
@given(st.lists(_params, max_size=8), st.booleans(), st.booleans())
def test_escape_args_matches_the_reference(
    args: list[Any], no_backslash: bool, user_mapping: bool
) -> None:
    mod = compiled()
    mapping: Any = converters._effective(None, no_backslash)
    if user_mapping:  # a user's conv= (a plain Mapping, not a dict) with one override
        mapping = types.MappingProxyType({**mapping, int: lambda v, m: f"INT({v})"})
    same(
        outcome(escaping.escape_args, args, mapping),
        outcome(mod.escape_args, args, mapping),
    )
