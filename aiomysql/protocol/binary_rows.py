"""Binary-protocol row decoding: the pure-Python reference of the hot loop.

A binary row (MySQL internals manual, "Binary Protocol Resultset Row") is a 0x00 header,
a NULL bitmap of (columns + 9) // 8 bytes whose bits start at bit 2, then each non-NULL
value in its column type's layout (see ``stmt_packets``).

A *binary plan* has one entry per column, ``(kind, conv, decimals)``:

- ``kind`` says how the value is laid out (the K_* codes below). With ``TEXTUAL`` added,
  the value is first rendered as the text protocol would send it, then handed to
  ``conv`` (None: those text bytes are the value) -- so ``conv=`` decoders and missing
  decoders give exactly what they give for text results.
- ``conv`` for K_LENENC: the text plan's decoder (None keeps the bytes); for the
  fixed-size kinds without TEXTUAL it is unused (the natural Python value is built).
- ``decimals``: the column's fractional digits, for rendering temporal values as text.

Zero and invalid dates come back as the text the text protocol would give (a str), as
``aiomysql.decoders`` does; FLOAT values as the shortest decimal that is the same float32
(what the server prints for them).
"""

from __future__ import annotations

import datetime
import struct
from collections.abc import Callable
from typing import Any

from ..constants import FIELD_TYPE, FLAG
from .packets import MAX_FRAME, ProtocolError
from .results import Column

Decoder = Callable[[bytes], Any]
BinaryPlan = tuple[tuple[int, Decoder | None, int], ...]

K_LENENC = 0
K_INT8 = 1
K_UINT8 = 2
K_INT16 = 3
K_UINT16 = 4
K_INT32 = 5
K_UINT32 = 6
K_INT64 = 7
K_UINT64 = 8
K_FLOAT = 9
K_DOUBLE = 10
K_DATE = 11
K_DATETIME = 12
K_TIME = 13
K_NULL = 14
#: Added to a kind: render the value as text and give it to the entry's conv.
TEXTUAL = 0x40

_SIGNED_KINDS = {
    FIELD_TYPE.TINY: K_INT8,
    FIELD_TYPE.SHORT: K_INT16,
    FIELD_TYPE.YEAR: K_INT16,
    FIELD_TYPE.LONG: K_INT32,
    FIELD_TYPE.INT24: K_INT32,
    FIELD_TYPE.LONGLONG: K_INT64,
    FIELD_TYPE.FLOAT: K_FLOAT,
    FIELD_TYPE.DOUBLE: K_DOUBLE,
    FIELD_TYPE.DATE: K_DATE,
    FIELD_TYPE.NEWDATE: K_DATE,
    FIELD_TYPE.DATETIME: K_DATETIME,
    FIELD_TYPE.TIMESTAMP: K_DATETIME,
    FIELD_TYPE.TIME: K_TIME,
    FIELD_TYPE.NULL: K_NULL,
}
_UNSIGNED = {K_INT8: K_UINT8, K_INT16: K_UINT16, K_INT32: K_UINT32, K_INT64: K_UINT64}


def kind_of(column: Column) -> int:
    """How a column's values are laid out in a binary row (K_LENENC for strings,
    decimals, BIT, JSON, GEOMETRY and unknown types)."""
    kind = _SIGNED_KINDS.get(column.type_code, K_LENENC)
    if column.flags & FLAG.UNSIGNED:
        return _UNSIGNED.get(kind, kind)
    return kind


_SIZES = {
    K_INT8: 1, K_UINT8: 1, K_INT16: 2, K_UINT16: 2, K_INT32: 4, K_UINT32: 4,
    K_INT64: 8, K_UINT64: 8, K_FLOAT: 4, K_DOUBLE: 8,
}  # fmt: skip
_FORMATS = {
    K_INT8: "<b", K_UINT8: "<B", K_INT16: "<h", K_UINT16: "<H", K_INT32: "<i",
    K_UINT32: "<I", K_INT64: "<q", K_UINT64: "<Q", K_FLOAT: "<f", K_DOUBLE: "<d",
}  # fmt: skip
_UNPACK = {kind: struct.Struct(fmt).unpack_from for kind, fmt in _FORMATS.items()}
_F32 = struct.Struct("<f")

_date = datetime.date
_datetime = datetime.datetime
_timedelta = datetime.timedelta


def float32_value(value: float) -> float:
    """The float the text protocol gives for a FLOAT: its shortest round-trip decimal."""
    if value != value or value in (float("inf"), float("-inf")):
        return value
    for digits in range(6, 10):
        text = f"{value:.{digits}g}"
        if _F32.unpack(_F32.pack(float(text)))[0] == value:
            return float(text)
    return value


def _fraction(micro: int, decimals: int) -> str:
    if 0 < decimals <= 6:
        return "." + f"{micro:06d}"[:decimals]
    return f".{micro:06d}" if micro else ""


def date_text(y: int, m: int, d: int) -> str:
    """A DATE as the text protocol sends it."""
    return f"{y:04d}-{m:02d}-{d:02d}"


def datetime_text(parts: tuple[int, ...], decimals: int) -> str:
    """A DATETIME/TIMESTAMP as the text protocol sends it."""
    y, mo, d, h, mi, s, micro = parts
    return f"{y:04d}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}" + _fraction(micro, decimals)


def time_text(negative: int, days: int, h: int, m: int, s: int, micro: int, decimals: int) -> str:
    """A TIME as the text protocol sends it."""
    sign = "-" if negative else ""
    return f"{sign}{days * 24 + h:02d}:{m:02d}:{s:02d}" + _fraction(micro, decimals)


def _read_datetime(data: bytes, pos: int, n: int) -> tuple[int, ...]:
    if n == 0:
        return (0, 0, 0, 0, 0, 0, 0)
    if n not in (4, 7, 11):
        raise ProtocolError(f"invalid DATETIME length {n}")
    y = data[pos] | data[pos + 1] << 8
    h = mi = s = micro = 0
    if n >= 7:
        h, mi, s = data[pos + 4], data[pos + 5], data[pos + 6]
    if n == 11:
        micro = int.from_bytes(data[pos + 7 : pos + 11], "little")
    return (y, data[pos + 2], data[pos + 3], h, mi, s, micro)


def _decode_fixed(kind: int, data: bytes, pos: int, end: int, decimals: int) -> tuple[Any, int]:
    """(value, new pos) of one fixed-layout value, as its natural Python value."""
    size = _SIZES.get(kind)
    if size is not None:
        if pos + size > end:
            raise ProtocolError("row value runs past the end of its packet")
        value = _UNPACK[kind](data, pos)[0]
        if kind == K_FLOAT:
            value = float32_value(value)
        return value, pos + size
    if pos >= end:
        raise ProtocolError("row value runs past the end of its packet")
    n = data[pos]
    pos += 1
    if pos + n > end:
        raise ProtocolError("row value runs past the end of its packet")
    if kind == K_TIME:
        if n == 0:
            return _timedelta(0), pos
        if n not in (8, 12):
            raise ProtocolError(f"invalid TIME length {n}")
        negative = data[pos]
        days = int.from_bytes(data[pos + 1 : pos + 5], "little")
        micro = int.from_bytes(data[pos + 8 : pos + 12], "little") if n == 12 else 0
        h, m, s = data[pos + 5], data[pos + 6], data[pos + 7]
        delta = _timedelta(days, h * 3600 + m * 60 + s, micro)
        return (-delta if negative else delta), pos + n
    parts = _read_datetime(data, pos, n)
    try:
        if kind == K_DATE:
            return _date(parts[0], parts[1], parts[2]), pos + n
        y, mo, d, h, mi, s, micro = parts
        return _datetime(y, mo, d, h, mi, s, micro), pos + n
    except ValueError:  # zero or invalid: the text, as decoders.decode_date(time) gives
        if kind == K_DATE:
            return date_text(parts[0], parts[1], parts[2]), pos + n
        return datetime_text(parts, decimals), pos + n


def _as_text(kind: int, data: bytes, pos: int, end: int, decimals: int) -> tuple[bytes, int]:
    """(text bytes as the text protocol would send them, new pos) of one value."""
    size = _SIZES.get(kind)
    if size is not None:
        if pos + size > end:
            raise ProtocolError("row value runs past the end of its packet")
        value = _UNPACK[kind](data, pos)[0]
        if kind == K_FLOAT:
            text = repr(float32_value(value))
        elif kind == K_DOUBLE:
            text = repr(value)
        else:
            text = str(value)
        return text.encode("ascii"), pos + size
    if pos >= end:
        raise ProtocolError("row value runs past the end of its packet")
    n = data[pos]
    pos += 1
    if pos + n > end:
        raise ProtocolError("row value runs past the end of its packet")
    if kind == K_TIME:
        if n not in (0, 8, 12):
            raise ProtocolError(f"invalid TIME length {n}")
        if n == 0:
            return time_text(0, 0, 0, 0, 0, 0, decimals).encode("ascii"), pos
        days = int.from_bytes(data[pos + 1 : pos + 5], "little")
        micro = int.from_bytes(data[pos + 8 : pos + 12], "little") if n == 12 else 0
        text = time_text(
            data[pos], days, data[pos + 5], data[pos + 6], data[pos + 7], micro, decimals
        )
        return text.encode("ascii"), pos + n
    parts = _read_datetime(data, pos, n)
    if kind == K_DATE:
        return date_text(parts[0], parts[1], parts[2]).encode("ascii"), pos + n
    return datetime_text(parts, decimals).encode("ascii"), pos + n


def decode_binary_row(
    data: bytes | bytearray, pos: int, end: int, plan: BinaryPlan
) -> tuple[Any, ...]:
    """Decode one binary-protocol row whose payload (0x00 header included) is
    ``data[pos:end]``."""
    if type(data) is not bytes:
        data = bytes(memoryview(data)[pos:end])
        end -= pos
        pos = 0
    ncols = len(plan)
    null_start = pos + 1
    pos = null_start + ((ncols + 9) >> 3)
    if pos > end or data[null_start - 1] != 0:
        raise ProtocolError("malformed binary row header")
    row: list[Any] = []
    append = row.append
    for i, (kind, conv, decimals) in enumerate(plan):
        bit = i + 2
        if data[null_start + (bit >> 3)] & (1 << (bit & 7)):
            append(None)
            continue
        if kind == K_LENENC:
            if pos >= end:
                raise ProtocolError("row has fewer values than columns")
            first = data[pos]
            if first < 0xFB:
                n = first
                pos += 1
            elif first == 0xFC:
                n = int.from_bytes(data[pos + 1 : pos + 3], "little")
                pos += 3
            elif first == 0xFD:
                n = int.from_bytes(data[pos + 1 : pos + 4], "little")
                pos += 4
            elif first == 0xFE:
                n = int.from_bytes(data[pos + 1 : pos + 9], "little")
                pos += 9
            else:
                raise ProtocolError(f"invalid length prefix 0x{first:02x} in row")
            stop = pos + n
            if stop > end:
                raise ProtocolError("row value runs past the end of its packet")
            value = data[pos:stop]
            append(value if conv is None else conv(value))
            pos = stop
        elif kind == K_NULL:
            raise ProtocolError("a NULL-typed column with a value")
        elif kind & TEXTUAL:
            text, pos = _as_text(kind & ~TEXTUAL, data, pos, end, decimals)
            append(text if conv is None else conv(text))
        else:
            value, pos = _decode_fixed(kind, data, pos, end, decimals)
            append(value)
    if pos != end:
        raise ProtocolError("row has more values than columns")
    return tuple(row)


def decode_binary_rows(
    data: bytes | bytearray,
    pos: int,
    end: int,
    seq: int,
    plan: BinaryPlan,
    rows: list[tuple[Any, ...]],
) -> tuple[int, int]:
    """Decode every complete single-frame binary row packet in ``data[pos:end]`` into
    ``rows``; stops as ``rows.decode_text_rows`` does (before an incomplete or big packet,
    or one that is not a row: EOF/OK 0xFE, ERR 0xFF). Returns the new (pos, seq)."""
    if type(data) is not bytes:
        if end - pos < 4:
            return pos, seq
        first = data[pos] | data[pos + 1] << 8 | data[pos + 2] << 16
        if first == MAX_FRAME or pos + 4 + first > end:
            return pos, seq
        base = pos
        chunk = bytes(memoryview(data)[pos:end])
        pos, seq = decode_binary_rows(chunk, 0, end - pos, seq, plan, rows)
        return base + pos, seq
    while end - pos >= 4:
        length = data[pos] | data[pos + 1] << 8 | data[pos + 2] << 16
        start = pos + 4
        stop = start + length
        if stop > end or length == MAX_FRAME or length == 0:
            break
        if data[start] != 0:
            break
        if data[pos + 3] != seq:
            raise ProtocolError(f"packet sequence id {data[pos + 3]}, expected {seq}")
        rows.append(decode_binary_row(data, start, stop, plan))
        seq = (seq + 1) & 0xFF
        pos = stop
    return pos, seq
