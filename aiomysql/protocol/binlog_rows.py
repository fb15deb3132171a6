"""Row images of binlog rows events -> Python values (the pure-Python twin).

The compiled twin is ``_binlog_speedups.decode_rows``; ``_binlog_impl`` picks one. A
column's *plan* entry ``(kind, p1, p2, extra)`` is made once per table map by
``binlog_tablemap.column_plan`` from the column type, its metadata and the optional
metadata; decoding a row only follows it. Values are the Python types the text
protocol gives for the same column (see ``aiomysql.decoders``).

Layouts (MySQL internals manual, "Binlog row event value encoding"): integers and
floats little-endian; DECIMAL in MySQL's binary decimal format; DATETIME2, TIME2 and
TIMESTAMP2 big-endian with a fractional part of ``(fsp + 1) // 2`` bytes; strings and
blobs with a little-endian length prefix; ENUM an index and SET a bitmap.
"""

from __future__ import annotations

import datetime
import struct
from typing import Any

from .mysql_decimal import decimal_size, decode_decimal
from .mysql_json import json_text
from .packets import ProtocolError

# Column kinds (the plan's first item); _binlog_speedups.pyx repeats these numbers.
K_INT8, K_UINT8, K_INT16, K_UINT16, K_INT24, K_UINT24 = 1, 2, 3, 4, 5, 6
K_INT32, K_UINT32, K_INT64, K_UINT64 = 7, 8, 9, 10
K_FLOAT, K_DOUBLE, K_DECIMAL, K_YEAR, K_DATE = 11, 12, 13, 14, 15
K_TIME, K_TIME2, K_DATETIME, K_DATETIME2, K_TIMESTAMP, K_TIMESTAMP2 = 16, 17, 18, 19, 20, 21
K_STRING, K_BLOB, K_ENUM, K_SET, K_BIT, K_JSON, K_NULL = 22, 23, 24, 25, 26, 27, 28

#: One column's decoding recipe: (kind, p1, p2, extra); see binlog_tablemap.column_plan.
ColumnPlan = tuple[int, int, int, Any]
#: A row: the values of the columns present in the image, in column order.
Row = tuple[Any, ...]

EPOCH = datetime.datetime(1970, 1, 1)
_FRAC_SCALE = (0, 10000, 10000, 100, 100, 1, 1)

_unpack_f = struct.Struct("<f").unpack_from
_unpack_d = struct.Struct("<d").unpack_from
_timedelta = datetime.timedelta
_datetime = datetime.datetime
_date = datetime.date


def _short(where: str) -> ProtocolError:
    return ProtocolError(f"rows event: {where} runs past the end of the event")


def _fraction(data: bytes, pos: int, fsp: int, signed: bool) -> int:
    """The fractional part (fsp digits) of a TIME2/DATETIME2/TIMESTAMP2, in microseconds."""
    n = (fsp + 1) // 2
    if not n:
        return 0
    value = int.from_bytes(data[pos : pos + n], "big", signed=signed)
    return value * _FRAC_SCALE[fsp]


def zero_datetime_text(y: int, mo: int, d: int, h: int, mi: int, s: int, us: int, fsp: int) -> str:
    """How the text protocol shows a date the datetime module cannot hold ('0000-00-00 ...')."""
    text = f"{y:04d}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}"
    if fsp:
        text += "." + f"{us:06d}"[:fsp]
    return text


def _make_datetime(y: int, mo: int, d: int, h: int, mi: int, s: int, us: int, fsp: int) -> Any:
    try:
        return _datetime(y, mo, d, h, mi, s, us)
    except ValueError:
        return zero_datetime_text(y, mo, d, h, mi, s, us, fsp)


def _time2(data: bytes, pos: int, fsp: int) -> datetime.timedelta:
    """TIME2: 3 big-endian bytes offset by 0x800000, then the fraction (negative values
    keep the fraction's two's complement, as the server packs them)."""
    if fsp >= 5:
        packed = int.from_bytes(data[pos : pos + 6], "big") - 0x800000000000
    else:
        intpart = int.from_bytes(data[pos : pos + 3], "big") - 0x800000
        frac = 0
        if fsp:
            n = (fsp + 1) // 2
            frac = int.from_bytes(data[pos + 3 : pos + 3 + n], "big")
            if intpart < 0 and frac:
                intpart += 1
                frac -= 0x100 if n == 1 else 0x10000
            frac *= _FRAC_SCALE[fsp]
        packed = (intpart << 24) + frac
    negative = packed < 0
    if negative:
        packed = -packed
    hms = packed >> 24
    micro = packed & 0xFFFFFF
    hours = (hms >> 12) & 0x3FF
    minutes = (hms >> 6) & 0x3F
    seconds = hms & 0x3F
    delta = _timedelta(0, hours * 3600 + minutes * 60 + seconds, micro)
    return -delta if negative else delta


def _float32(data: bytes, pos: int) -> float:
    """FLOAT as the text protocol shows it: six significant digits."""
    return float(f"{_unpack_f(data, pos)[0]:.6g}")


def decode_value(data: bytes, pos: int, end: int, col: ColumnPlan) -> tuple[Any, int]:
    """One non-NULL value at ``pos``: (value, position after it)."""
    kind, p1, p2, extra = col
    if kind <= K_UINT64:
        size = (0, 1, 1, 2, 2, 3, 3, 4, 4, 8, 8)[kind]
        if pos + size > end:
            raise _short("an integer")
        return int.from_bytes(data[pos : pos + size], "little", signed=kind & 1 == 1), pos + size
    if kind in (K_STRING, K_BLOB, K_JSON):
        if pos + p1 > end:
            raise _short("a length")
        length = int.from_bytes(data[pos : pos + p1], "little")
        start = pos + p1
        stop = start + length
        if stop > end:
            raise _short("a string")
        raw = data[start:stop]
        if kind == K_JSON:
            return json_text(raw), stop
        if p2 and len(raw) < p2:  # BINARY(n): the server strips the zero padding
            raw = raw + b"\x00" * (p2 - len(raw))
        return (raw if extra is None else raw.decode(extra)), stop
    if kind == K_FLOAT:
        if pos + 4 > end:
            raise _short("a FLOAT")
        return _float32(data, pos), pos + 4
    if kind == K_DOUBLE:
        if pos + 8 > end:
            raise _short("a DOUBLE")
        return _unpack_d(data, pos)[0], pos + 8
    if kind == K_DECIMAL:
        size = decimal_size(p1, p2)
        if pos + size > end or not size:
            raise _short("a DECIMAL")
        return decode_decimal(data[pos : pos + size], p1, p2), pos + size
    if kind == K_DATETIME2:
        size = 5 + (p1 + 1) // 2
        if pos + size > end:
            raise _short("a DATETIME")
        v = int.from_bytes(data[pos : pos + 5], "big") - 0x8000000000
        us = _fraction(data, pos + 5, p1, False)
        ym = (v >> 22) & 0x1FFFF
        value = _make_datetime(
            ym // 13, ym % 13, (v >> 17) & 31, (v >> 12) & 31, (v >> 6) & 63, v & 63, us, p1
        )
        return value, pos + size
    if kind == K_TIMESTAMP2:
        size = 4 + (p1 + 1) // 2
        if pos + size > end:
            raise _short("a TIMESTAMP")
        secs = int.from_bytes(data[pos : pos + 4], "big")
        us = _fraction(data, pos + 4, p1, False)
        if not secs and not us:
            return zero_datetime_text(0, 0, 0, 0, 0, 0, 0, p1), pos + size
        return EPOCH + _timedelta(0, secs, us), pos + size
    if kind == K_DATE:
        if pos + 3 > end:
            raise _short("a DATE")
        v = data[pos] | data[pos + 1] << 8 | data[pos + 2] << 16
        y, mo, d = v >> 9, (v >> 5) & 15, v & 31
        try:
            return _date(y, mo, d), pos + 3
        except ValueError:
            return f"{y:04d}-{mo:02d}-{d:02d}", pos + 3
    if kind == K_TIME2:
        size = 3 + (p1 + 1) // 2
        if pos + size > end:
            raise _short("a TIME")
        return _time2(data, pos, p1), pos + size
    if kind == K_ENUM:
        if pos + p1 > end:
            raise _short("an ENUM")
        index = int.from_bytes(data[pos : pos + p1], "little")
        if extra is None:
            return index, pos + p1
        return (extra[index - 1] if 0 < index <= len(extra) else ""), pos + p1
    if kind == K_SET:
        if pos + p1 > end:
            raise _short("a SET")
        bits = int.from_bytes(data[pos : pos + p1], "little")
        if extra is None:
            return bits, pos + p1
        return ",".join([n for i, n in enumerate(extra) if bits >> i & 1]), pos + p1
    if kind == K_BIT:
        if pos + p1 > end:
            raise _short("a BIT")
        return data[pos : pos + p1], pos + p1
    if kind == K_YEAR:
        if pos + 1 > end:
            raise _short("a YEAR")
        return (data[pos] + 1900 if data[pos] else 0), pos + 1
    if kind == K_DATETIME:
        if pos + 8 > end:
            raise _short("a DATETIME")
        v = int.from_bytes(data[pos : pos + 8], "little")
        d, t = divmod(v, 1000000)
        return _make_datetime(
            d // 10000, d // 100 % 100, d % 100, t // 10000, t // 100 % 100, t % 100, 0, 0
        ), pos + 8
    if kind == K_TIMESTAMP:
        if pos + 4 > end:
            raise _short("a TIMESTAMP")
        secs = int.from_bytes(data[pos : pos + 4], "little")
        if not secs:
            return zero_datetime_text(0, 0, 0, 0, 0, 0, 0, 0), pos + 4
        return EPOCH + _timedelta(0, secs), pos + 4
    if kind == K_TIME:
        if pos + 3 > end:
            raise _short("a TIME")
        v = int.from_bytes(data[pos : pos + 3], "little", signed=True)
        negative = v < 0
        v = abs(v)
        delta = _timedelta(0, v // 10000 * 3600 + v // 100 % 100 * 60 + v % 100)
        return (-delta if negative else delta), pos + 3
    if kind == K_NULL:
        return None, pos
    raise ProtocolError(f"rows event: no decoder for column kind {kind}")


def decode_image(
    data: bytes, pos: int, end: int, plan: tuple[ColumnPlan, ...], present: tuple[int, ...]
) -> tuple[Row, int]:
    """One row image (NULL bitmap, then the non-NULL values): (row, position after it)."""
    count = len(present)
    nulls_at = pos
    pos += (count + 7) >> 3
    if pos > end:
        raise _short("a NULL bitmap")
    values: list[Any] = []
    for i in range(count):
        if data[nulls_at + (i >> 3)] >> (i & 7) & 1:
            values.append(None)
            continue
        value, pos = decode_value(data, pos, end, plan[present[i]])
        values.append(value)
    return tuple(values), pos


def decode_rows(
    data: bytes,
    pos: int,
    end: int,
    plan: tuple[ColumnPlan, ...],
    present: tuple[int, ...],
    present_after: tuple[int, ...] | None,
) -> list[Any]:
    """Every row of a rows event body from ``pos`` to ``end``: row tuples, or
    (before, after) pairs when ``present_after`` is given (UPDATE)."""
    rows: list[Any] = []
    try:
        if pos < 0 or end > len(data):
            raise ProtocolError(f"rows event: bounds {pos}..{end} outside the event")
        while pos < end:
            before = pos
            row, pos = decode_image(data, pos, end, plan, present)
            if pos == before:  # an image of no columns: the body cannot be rows
                raise ProtocolError("rows event: a row image of no bytes")
            if present_after is not None:
                after, pos = decode_image(data, pos, end, plan, present_after)
                rows.append((row, after))
            else:
                rows.append(row)
    except ProtocolError:
        raise
    except (ValueError, IndexError, OverflowError, struct.error) as exc:
        raise ProtocolError(f"rows event: undecodable value ({exc!r})") from exc
    return rows
