"""Binary-protocol commands: COM_STMT_* payloads and the parameter encoding they carry.

Byte layouts (MySQL internals manual, "COM_STMT_EXECUTE", "Binary Protocol Value"):

- COM_STMT_EXECUTE: 0x17, statement id u32, flags u8 (cursor type), iteration count u32
  (always 1); then, when the statement has parameters, the NULL bitmap
  ((n + 7) // 8 bytes, bit i for parameter i), new-params-bound u8, the types (u16 each:
  type code, 0x80 when unsigned) only when that flag is 1, and the non-NULL values.
- COM_STMT_SEND_LONG_DATA: 0x18, statement id u32, parameter u16, data (no reply).
- COM_STMT_CLOSE: 0x19, statement id u32 (no reply). COM_STMT_RESET: 0x1A, id u32 (OK).
- COM_STMT_FETCH: 0x1C, statement id u32, rows u32.
- COM_STMT_BULK_EXECUTE (MariaDB 10.2+): 0xFA, statement id u32, flags u16 (128: types
  follow), the types, then per row and per parameter an indicator byte (0 value follows,
  1 NULL) and the value.

Values: integers little-endian, DOUBLE as IEEE 754, strings and decimals length-encoded.
Dates and times are sent as strings, as the text protocol's literals are (see
``temporal_text``); the binary DATE/TIME layouts are decoded in ``binary_rows``.
"""

from __future__ import annotations

import datetime
import struct
import uuid
from collections.abc import Sequence
from decimal import Decimal
from math import isfinite
from typing import Any

from ..constants import COMMAND, FIELD_TYPE
from ..errors import ProgrammingError
from .packets import lenenc_int

_PREPARE = bytes((COMMAND.COM_STMT_PREPARE,))
_LONGLONG_SIGNED = struct.Struct("<q")
_LONGLONG_UNSIGNED = struct.Struct("<Q")
_DOUBLE = struct.Struct("<d")
_HEAD = struct.Struct("<BIBI")  # command, statement id, flags, iteration count
_ID = struct.Struct("<BI")
_LONG_DATA = struct.Struct("<BIH")
_FETCH = struct.Struct("<BII")
_BULK_HEAD = struct.Struct("<BIH")

#: Cursor types for COM_STMT_EXECUTE's flags.
CURSOR_TYPE_NO_CURSOR = 0
CURSOR_TYPE_READ_ONLY = 1
#: COM_STMT_BULK_EXECUTE flag: the parameter types follow the header.
BULK_SEND_TYPES = 128
#: Statement id MariaDB reads as "the statement prepared just before" (pipelining).
LAST_PREPARED = 0xFFFFFFFF

# Type codes sent for parameters (two bytes: code, 0x80 for unsigned).
_T_NULL = bytes((FIELD_TYPE.NULL, 0))
_T_TINY = bytes((FIELD_TYPE.TINY, 0))
_T_LONGLONG = bytes((FIELD_TYPE.LONGLONG, 0))
_T_ULONGLONG = bytes((FIELD_TYPE.LONGLONG, 0x80))
_T_DOUBLE = bytes((FIELD_TYPE.DOUBLE, 0))
_T_DECIMAL = bytes((FIELD_TYPE.NEWDECIMAL, 0))
_T_STRING = bytes((FIELD_TYPE.VAR_STRING, 0))
_T_BLOB = bytes((FIELD_TYPE.BLOB, 0))


class Unbindable(TypeError):
    """A value the binary protocol cannot carry as the text protocol would (a sequence
    for IN (...), a type with a user-supplied encoder): the statement goes as text."""


#: The Python types the binary protocol binds itself (exact types; others fall back).
BINDABLE: frozenset[type] = frozenset(
    {
        type(None),
        bool,
        int,
        float,
        Decimal,
        str,
        bytes,
        bytearray,
        memoryview,
        datetime.date,
        datetime.datetime,
        datetime.time,
        datetime.timedelta,
        uuid.UUID,
    }
)


def com_stmt_prepare(sql: bytes) -> bytes:
    """COM_STMT_PREPARE payload for ``sql`` (encoded in the connection charset)."""
    return _PREPARE + sql


def com_stmt_close(stmt_id: int) -> bytes:
    """COM_STMT_CLOSE payload: the server frees the statement and sends no reply."""
    return _ID.pack(COMMAND.COM_STMT_CLOSE, stmt_id)


def com_stmt_reset(stmt_id: int) -> bytes:
    """COM_STMT_RESET payload: drop long data and an open cursor (answered by OK)."""
    return _ID.pack(COMMAND.COM_STMT_RESET, stmt_id)


def com_stmt_fetch(stmt_id: int, rows: int) -> bytes:
    """COM_STMT_FETCH payload: the next ``rows`` rows of the statement's open cursor."""
    return _FETCH.pack(COMMAND.COM_STMT_FETCH, stmt_id, rows)


def com_stmt_send_long_data(stmt_id: int, param: int, data: bytes) -> bytes:
    """COM_STMT_SEND_LONG_DATA payload: a piece of parameter ``param``'s value (no reply)."""
    return _LONG_DATA.pack(COMMAND.COM_STMT_SEND_LONG_DATA, stmt_id, param) + data


def temporal_text(value: Any) -> str:
    """A date/time value as the text protocol's literal says it (without the quotes):
    the binary protocol sends it as a string too, so that the server reads it exactly
    as it reads the text protocol's statement (a string compared, converted, stored)."""
    if isinstance(value, datetime.timedelta):
        total = (value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds
        sign = "-" if total < 0 else ""
        seconds, micro = divmod(abs(total), 1_000_000)
        minutes, seconds = divmod(seconds, 60)
        hours, minutes = divmod(minutes, 60)
        frac = f".{micro:06d}" if micro else ""
        return f"{sign}{hours}:{minutes:02d}:{seconds:02d}{frac}"
    if isinstance(value, (datetime.datetime, datetime.time)) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)  # the wall-clock time, as the text protocol
    if isinstance(value, datetime.datetime):
        return value.isoformat(" ")
    return str(value.isoformat())


def encode_value(value: Any, encoding: str, errors: str) -> tuple[bytes, bytes]:
    """(type code pair, value bytes) of one non-NULL parameter; Unbindable otherwise."""
    kind = type(value)
    if kind is int:
        if -(1 << 63) <= value < 1 << 63:
            return _T_LONGLONG, _LONGLONG_SIGNED.pack(value)
        if 0 <= value < 1 << 64:
            return _T_ULONGLONG, _LONGLONG_UNSIGNED.pack(value)
        text = str(value).encode("ascii")  # what the text protocol sends: a DECIMAL
        return _T_DECIMAL, lenenc_int(len(text)) + text
    if kind is str:
        data = value.encode(encoding, errors)
        return _T_STRING, lenenc_int(len(data)) + data
    if kind is float:
        if not isfinite(value):
            raise ProgrammingError(f"{value!r} cannot be sent: MySQL has no NaN or infinity")
        return _T_DOUBLE, _DOUBLE.pack(value)
    if kind is bytes or kind is bytearray or kind is memoryview:
        data = bytes(value)
        return _T_BLOB, lenenc_int(len(data)) + data
    if kind is bool:
        return _T_TINY, b"\x01" if value else b"\x00"
    if kind is Decimal:
        if not value.is_finite():
            raise ProgrammingError(f"{value!r} cannot be sent: MySQL has no NaN or infinity")
        text = format(value, "f").encode("ascii")
        return _T_DECIMAL, lenenc_int(len(text)) + text
    if (
        kind is datetime.datetime
        or kind is datetime.date
        or kind is datetime.time
        or kind is datetime.timedelta
    ):
        data = temporal_text(value).encode("ascii")
        return _T_STRING, lenenc_int(len(data)) + data
    if kind is uuid.UUID:
        data = str(value).encode("ascii")
        return _T_STRING, lenenc_int(len(data)) + data
    raise Unbindable(f"no binary encoding for {kind.__name__}")


def encode_params(
    args: Sequence[Any], encoding: str, errors: str, long_params: frozenset[int] = frozenset()
) -> tuple[bytes, bytes, bytes]:
    """(types, NULL bitmap, values) of a parameter list; parameters in ``long_params``
    were sent with COM_STMT_SEND_LONG_DATA, so only their type is given here."""
    types: list[bytes] = []
    values: list[bytes] = []
    nulls = bytearray((len(args) + 7) >> 3)
    for i, value in enumerate(args):
        if value is None:
            nulls[i >> 3] |= 1 << (i & 7)
            types.append(_T_NULL)
            continue
        if i in long_params:
            binary = isinstance(value, (bytes, bytearray, memoryview))
            types.append(_T_BLOB if binary else _T_STRING)
            continue
        code, data = encode_value(value, encoding, errors)
        types.append(code)
        values.append(data)
    return b"".join(types), bytes(nulls), b"".join(values)


def com_stmt_execute(
    stmt_id: int,
    types: bytes,
    nulls: bytes,
    values: bytes,
    send_types: bool,
    flags: int = CURSOR_TYPE_NO_CURSOR,
) -> bytes:
    """COM_STMT_EXECUTE payload; ``send_types`` when the types differ from the last
    execution's (or on the first one): the server keeps them otherwise."""
    head = _HEAD.pack(COMMAND.COM_STMT_EXECUTE, stmt_id, flags, 1)
    if not types:
        return head
    if send_types:
        return b"".join((head, nulls, b"\x01", types, values))
    return b"".join((head, nulls, b"\x00", values))


def execute_payload(
    stmt_id: int, args: Sequence[Any], encoding: str, errors: str, last_types: bytes | None
) -> tuple[bytes, bytes]:
    """(COM_STMT_EXECUTE payload, parameter types) for ``args``: encode_params and
    com_stmt_execute in one step (the per-statement path; compiled twin)."""
    types, nulls, values = encode_params(args, encoding, errors)
    return com_stmt_execute(stmt_id, types, nulls, values, types != last_types), types


def com_stmt_bulk_execute(
    stmt_id: int, rows: Sequence[Sequence[Any]], nparams: int, encoding: str, errors: str
) -> bytes:
    """COM_STMT_BULK_EXECUTE payload for ``rows`` (MariaDB 10.2+): the types come from the
    first non-NULL value of each column; a later value of another type is Unbindable."""
    (payload,) = bulk_execute_payloads(stmt_id, rows, nparams, encoding, errors, 1 << 62)
    return payload


def bulk_execute_payloads(
    stmt_id: int,
    rows: Sequence[Sequence[Any]],
    nparams: int,
    encoding: str,
    errors: str,
    limit: int,
) -> list[bytes]:
    """COM_STMT_BULK_EXECUTE payloads for ``rows``, each at most about ``limit`` bytes
    (a row is never split); each payload carries the types of its own rows."""
    head = _BULK_HEAD.pack(COMMAND.COM_STMT_BULK_EXECUTE, stmt_id, BULK_SEND_TYPES)
    payloads: list[bytes] = []
    types: list[bytes | None] = [None] * nparams
    body: list[bytes] = []
    size = len(head) + 2 * nparams

    def finish() -> None:
        type_bytes = b"".join(t if t is not None else _T_NULL for t in types)
        payloads.append(b"".join((head, type_bytes, *body)))

    for row in rows:
        if len(row) != nparams:
            raise ProgrammingError(
                f"the statement has {nparams} placeholder(s), a row has {len(row)} value(s)"
            )
        encoded: list[bytes] = []
        row_types: list[bytes | None] = []
        for value in row:
            if value is None:
                encoded.append(b"\x01")
                row_types.append(None)
                continue
            code, data = encode_value(value, encoding, errors)
            row_types.append(code)
            encoded.append(b"\x00")
            encoded.append(data)
        row_bytes = b"".join(encoded)
        if body and size + len(row_bytes) > limit:
            finish()
            types = [None] * nparams
            body = []
            size = len(head) + 2 * nparams
        for i, row_code in enumerate(row_types):
            if row_code is None:
                continue
            known = types[i]
            if known is None:
                types[i] = row_code
            elif known != row_code:
                raise Unbindable("a column's values have different types")
        body.append(row_bytes)
        size += len(row_bytes)
    if body:
        finish()
    return payloads
