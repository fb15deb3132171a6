"""Text-protocol decoders: column value bytes -> Python value, keyed by FIELD_TYPE."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .constants import FIELD_TYPE
from .protocol import _impl

__all__ = [
    "Decoder",
    "decode_bit",
    "decode_date",
    "decode_datetime",
    "decode_decimal",
    "decode_float",
    "decode_int",
    "decode_timedelta",
    "decode_year",
    "decoders",
    "is_builtin_decoder",
]

Decoder = Callable[[bytes], Any]

# Every decoder takes the raw bytes of one non-NULL value (NULL is handled by the
# caller) and is on the hot path: no regexes, no imports, one try block at most.
#
# Zero and invalid temporal values ('0000-00-00', '2020-00-10 10:00:00', '2020-02-30')
# cannot be represented by the datetime module; they are returned unchanged as str,
# which is what aiomysql/PyMySQL users get today.

decode_int: Callable[[bytes], int] = int
decode_year: Callable[[bytes], int] = int
decode_float: Callable[[bytes], float] = float

_date_fromiso = datetime.date.fromisoformat
_datetime_fromiso = datetime.datetime.fromisoformat
_timedelta = datetime.timedelta


def decode_decimal(value: bytes) -> Decimal:
    """DECIMAL/NEWDECIMAL text -> Decimal (exact)."""
    return Decimal(value.decode("ascii"))


def decode_date(value: bytes) -> datetime.date | str:
    """'YYYY-MM-DD' -> date; zero or invalid dates -> the text as str."""
    text = value.decode("latin-1")
    try:
        return _date_fromiso(text)
    except ValueError:
        return text


def decode_datetime(value: bytes) -> datetime.datetime | str:
    """'YYYY-MM-DD HH:MM:SS[.f{1,6}]' -> naive datetime; zero/invalid -> str."""
    text = value.decode("latin-1")
    n = len(text)
    try:
        if 20 < n < 26:
            # Python 3.10's fromisoformat wants 3 or 6 fraction digits: pad to 6.
            return _datetime_fromiso(text + "000000"[: 26 - n])
        return _datetime_fromiso(text)
    except ValueError:
        return text


def decode_timedelta(value: bytes) -> datetime.timedelta | str:
    """TIME '[-]H{1,3}:MM:SS[.f{1,6}]' -> timedelta (may be negative or > 24 h)."""
    text = value.decode("latin-1")
    body = text[1:] if text[:1] == "-" else text
    hms, dot, frac = body.partition(".")
    parts = hms.split(":")
    if len(parts) != 3:
        return text
    hours, minutes, seconds = parts
    if not (
        hours.isdigit()
        and len(minutes) == 2
        and len(seconds) == 2
        and minutes.isdigit()
        and seconds.isdigit()
        and (frac.isdigit() or not dot)
    ):
        return text
    try:
        m = int(minutes)
        s = int(seconds)
        if m > 59 or s > 59:
            return text
        delta = _timedelta(
            0, int(hours) * 3600 + m * 60 + s, int(frac[:6].ljust(6, "0")) if frac else 0
        )
    except ValueError:  # non-ASCII digits such as '\xb2' pass isdigit()
        return text
    return delta if body is text else -delta


def decode_bit(value: bytes) -> bytes:
    """BIT(n) -> the big-endian bytes as sent."""
    return bytes(value)


decoders: dict[int, Decoder] = {
    FIELD_TYPE.TINY: decode_int,
    FIELD_TYPE.SHORT: decode_int,
    FIELD_TYPE.LONG: decode_int,
    FIELD_TYPE.LONGLONG: decode_int,
    FIELD_TYPE.INT24: decode_int,
    FIELD_TYPE.YEAR: decode_year,
    FIELD_TYPE.FLOAT: decode_float,
    FIELD_TYPE.DOUBLE: decode_float,
    FIELD_TYPE.DECIMAL: decode_decimal,
    FIELD_TYPE.NEWDECIMAL: decode_decimal,
    FIELD_TYPE.DATE: decode_date,
    FIELD_TYPE.NEWDATE: decode_date,
    FIELD_TYPE.DATETIME: decode_datetime,
    FIELD_TYPE.TIMESTAMP: decode_datetime,
    FIELD_TYPE.TIME: decode_timedelta,
    FIELD_TYPE.BIT: decode_bit,
}

# The compiled row loop builds these values in C when a plan holds these very functions
# (a no-op when the pure-Python reference runs).
_impl.register_decoders(
    decode_decimal=decode_decimal, decode_date=decode_date, decode_datetime=decode_datetime
)

_BUILTIN_IDS = frozenset(id(fn) for fn in decoders.values())


def is_builtin_decoder(fn: object) -> bool:
    """True if ``fn`` is one of ours (takes bytes); user decoders from conv= take str."""
    return id(fn) in _BUILTIN_IDS
