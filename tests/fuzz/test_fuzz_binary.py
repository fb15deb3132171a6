"""Fuzzing the binary protocol in the core: prepare replies and binary result rows.

The contract is the one of test_fuzz_core: whatever the bytes, the core gives events or
raises one of the driver's errors, and malformed input leaves it BROKEN, never looping or
reading past what it was given. Each example runs with each row implementation (the
``impl`` fixture swaps the compiled twin in and out of the core).
"""

from __future__ import annotations

import struct

import mysql_packets as sp
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz_core import (
    FUZZ,
    check,
    chunks,
    column_payloads,
    err_payloads,
    logged_in_core,
    mutated_stream,
    ok_payloads,
)

from aiomysql.constants import FIELD_TYPE
from aiomysql.protocol.packets import lenenc_bytes

BINARY_TYPES = [
    FIELD_TYPE.TINY, FIELD_TYPE.SHORT, FIELD_TYPE.LONG, FIELD_TYPE.LONGLONG, FIELD_TYPE.INT24,
    FIELD_TYPE.YEAR, FIELD_TYPE.FLOAT, FIELD_TYPE.DOUBLE, FIELD_TYPE.DATE, FIELD_TYPE.DATETIME,
    FIELD_TYPE.TIMESTAMP, FIELD_TYPE.TIME, FIELD_TYPE.NEWDECIMAL, FIELD_TYPE.VAR_STRING,
    FIELD_TYPE.BLOB, FIELD_TYPE.BIT, FIELD_TYPE.NULL, FIELD_TYPE.GEOMETRY,
]  # fmt: skip
SIZES = {FIELD_TYPE.TINY: 1, FIELD_TYPE.SHORT: 2, FIELD_TYPE.YEAR: 2, FIELD_TYPE.LONG: 4,
         FIELD_TYPE.INT24: 4, FIELD_TYPE.LONGLONG: 8, FIELD_TYPE.FLOAT: 4, FIELD_TYPE.DOUBLE: 8}


@st.composite
def binary_value(draw: st.DrawFn, type_code: int) -> bytes:
    size = SIZES.get(type_code)
    if size is not None:
        return draw(st.binary(min_size=size, max_size=size))
    if type_code in (FIELD_TYPE.DATE, FIELD_TYPE.DATETIME, FIELD_TYPE.TIMESTAMP, FIELD_TYPE.TIME):
        n = draw(st.sampled_from([0, 4, 7, 8, 11, 12]))
        return bytes((n,)) + draw(st.binary(min_size=n, max_size=n))
    if type_code == FIELD_TYPE.NEWDECIMAL:
        return lenenc_bytes(draw(st.sampled_from([b"1.5", b"-0", b"x", b"1e5", b""])))
    return lenenc_bytes(draw(st.binary(max_size=12)))


@st.composite
def binary_result_payloads(draw: st.DrawFn) -> list[bytes]:
    types = draw(st.lists(st.sampled_from(BINARY_TYPES), min_size=1, max_size=5))
    payloads = [bytes((len(types),))]
    payloads += [sp.column("c", t, draw(st.sampled_from([45, 63])), draw(st.integers(0, 0xFFFF)))
                 for t in types]  # fmt: skip
    for _ in range(draw(st.integers(0, 5))):
        nulls = bytearray((len(types) + 9) // 8)
        values = []
        for i, t in enumerate(types):
            if t == FIELD_TYPE.NULL or draw(st.integers(0, 4)) == 0:
                nulls[(i + 2) // 8] |= 1 << ((i + 2) % 8)
            else:
                values.append(draw(binary_value(t)))
        payloads.append(b"\x00" + bytes(nulls) + b"".join(values))
    payloads.append(draw(st.one_of(ok_payloads(header=0xFE), err_payloads())))
    return payloads


@st.composite
def prepare_reply_payloads(draw: st.DrawFn) -> list[bytes]:
    if draw(st.integers(0, 5)) == 0:
        return [draw(err_payloads())]
    ncols, nparams = draw(st.integers(0, 4)), draw(st.integers(0, 4))
    head = struct.pack("<BIHHBH", 0, draw(st.integers(0, 2**32 - 1)), ncols, nparams, 0,
                       draw(st.integers(0, 0xFFFF)))  # fmt: skip
    return [head] + [draw(column_payloads()) for _ in range(ncols + nparams)]


@FUZZ
@given(data=st.data())
def test_fuzz_prepare_replies(impl: str, data: st.DataObject) -> None:
    core = logged_in_core()
    core.send_prepare(b"\x16SELECT ?")
    stream = data.draw(mutated_stream(data.draw(prepare_reply_payloads()), 1))
    cuts = data.draw(st.lists(st.integers(0, 1 << 12), max_size=4))
    check(core, chunks(stream, cuts))


@FUZZ
@given(data=st.data())
def test_fuzz_binary_rows_after_valid_header(impl: str, data: st.DataObject) -> None:
    """Mutate only the rows and the end, so the binary row loop gets the hostile bytes."""
    core = logged_in_core()
    core.send_execute(b"\x17\x01\x00\x00\x00\x00\x01\x00\x00\x00")
    payloads = data.draw(binary_result_payloads())
    ncols = payloads[0][0]
    head = sp.stream(payloads[: 1 + ncols], 1)
    tail = data.draw(mutated_stream(payloads[1 + ncols :], 1 + 1 + ncols))
    cuts = data.draw(st.lists(st.integers(0, 1 << 10), max_size=3))
    check(core, [head, *chunks(tail, cuts)])


@FUZZ
@given(data=st.data())
def test_fuzz_binary_results(impl: str, data: st.DataObject) -> None:
    core = logged_in_core()
    core.send_execute(b"\x17\x01\x00\x00\x00\x00\x01\x00\x00\x00")
    stream = data.draw(mutated_stream(data.draw(binary_result_payloads()), 1))
    check(core, chunks(stream, data.draw(st.lists(st.integers(0, 1 << 12), max_size=4))))
