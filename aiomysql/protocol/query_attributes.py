"""COM_QUERY with query attributes (MySQL 8.0.23+, CLIENT_QUERY_ATTRIBUTES), sans-IO.

Layout (MySQL internals manual, COM_QUERY)::

    int<1>          0x03 COM_QUERY
    -- only when CLIENT_QUERY_ATTRIBUTES was negotiated:
    int<lenenc>     parameter_count
    int<lenenc>     parameter_set_count, always 1
    -- only when parameter_count > 0:
    binary<var>     NULL bitmap, (parameter_count + 7) / 8 bytes, bit i for parameter i
    int<1>          new_params_bind_flag, always 1
    per parameter:  int<2> type (low byte) and flags (high byte: 0x80 unsigned),
                    string<lenenc> name
    binary<var>     the values that are not NULL, in the binary protocol's encoding
    --
    string<EOF>     the statement

Once the capability is negotiated *every* COM_QUERY carries the two counts, so a
connection picks its plain COM_QUERY encoder once (:func:`query_command`); statements
without attributes cost what they cost before (a different constant prefix).
"""

from __future__ import annotations

import datetime
import decimal
import struct
from collections.abc import Callable, Mapping
from typing import Any

from ..constants import CLIENT, COMMAND, FIELD_TYPE
from ..errors import NotSupportedError, ProgrammingError
from .commands import com_query
from .packets import lenenc_bytes, lenenc_int

_UNSIGNED = 0x80  # the flag byte of an unsigned integer parameter
#: COM_QUERY with no attributes on a CLIENT_QUERY_ATTRIBUTES connection: 0 params, 1 set.
_PLAIN_PREFIX = bytes((COMMAND.COM_QUERY, 0, 1))


def com_query_no_attributes(sql: bytes) -> bytes:
    """COM_QUERY payload on a CLIENT_QUERY_ATTRIBUTES connection, without attributes."""
    return _PLAIN_PREFIX + sql


def query_command(capabilities: int) -> Callable[[bytes], bytes]:
    """The plain COM_QUERY encoder for a connection with these negotiated capabilities."""
    if capabilities & CLIENT.QUERY_ATTRIBUTES:
        return com_query_no_attributes
    return com_query


def _time_value(value: datetime.time | datetime.timedelta) -> bytes:
    """MYSQL_TYPE_TIME in the binary protocol: length, sign, days, h, m, s[, us]."""
    if isinstance(value, datetime.timedelta):
        negative = value < datetime.timedelta(0)
        value = -value if negative else value
        days, seconds, micro = value.days, value.seconds, value.microseconds
        hour, rest = divmod(seconds, 3600)
        minute, second = divmod(rest, 60)
    else:
        negative, days = False, 0
        hour, minute, second, micro = value.hour, value.minute, value.second, value.microsecond
    head = struct.pack("<BIBBB", negative, days, hour, minute, second)
    if micro:
        return b"\x0c" + head + struct.pack("<I", micro)
    return b"\x08" + head


def _datetime_value(value: datetime.date) -> bytes:
    """MYSQL_TYPE_DATETIME / DATE: length 4, 7 or 11, then y m d [h m s [us]]."""
    date = struct.pack("<HBB", value.year, value.month, value.day)
    if not isinstance(value, datetime.datetime):
        return b"\x04" + date
    time = struct.pack("<BBB", value.hour, value.minute, value.second)
    if value.microsecond:
        return b"\x0b" + date + time + struct.pack("<I", value.microsecond)
    return b"\x07" + date + time


def encode_value(value: Any, encoding: str) -> tuple[int, int, bytes | None]:
    """(type, flags, binary value or None for NULL) of one attribute value."""
    if value is None:
        return FIELD_TYPE.NULL, 0, None
    if isinstance(value, bool):
        return FIELD_TYPE.TINY, 0, bytes((int(value),))
    if isinstance(value, int):
        if -(1 << 63) <= value < 1 << 63:
            return FIELD_TYPE.LONGLONG, 0, struct.pack("<q", value)
        if 0 <= value < 1 << 64:
            return FIELD_TYPE.LONGLONG, _UNSIGNED, struct.pack("<Q", value)
        raise ProgrammingError(0, f"query attribute value {value} does not fit in 64 bits")
    if isinstance(value, float):
        return FIELD_TYPE.DOUBLE, 0, struct.pack("<d", value)
    if isinstance(value, str):
        return FIELD_TYPE.STRING, 0, lenenc_bytes(value.encode(encoding))
    if isinstance(value, (bytes, bytearray, memoryview)):
        return FIELD_TYPE.BLOB, 0, lenenc_bytes(bytes(value))
    if isinstance(value, decimal.Decimal):
        return FIELD_TYPE.NEWDECIMAL, 0, lenenc_bytes(str(value).encode("ascii"))
    if isinstance(value, datetime.datetime):
        return FIELD_TYPE.DATETIME, 0, _datetime_value(value)
    if isinstance(value, datetime.date):
        return FIELD_TYPE.DATE, 0, _datetime_value(value)
    if isinstance(value, (datetime.time, datetime.timedelta)):
        return FIELD_TYPE.TIME, 0, _time_value(value)
    raise ProgrammingError(
        0, f"query attribute values must be None, int, float, str, bytes, Decimal, "
        f"date, datetime, time or timedelta, not {type(value).__name__}"
    )  # fmt: skip


def encode_attributes(attributes: Mapping[str, Any], encoding: str) -> bytes:
    """What comes between the command byte and the statement for these attributes."""
    names = list(attributes)
    if not all(isinstance(name, str) for name in names):
        raise ProgrammingError(0, "query attribute names must be str")
    count = len(names)
    head = lenenc_int(count) + b"\x01"
    if not count:
        return head
    bitmap = bytearray((count + 7) // 8)
    types: list[bytes] = []
    values: list[bytes] = []
    for i, name in enumerate(names):
        type_code, flags, value = encode_value(attributes[name], encoding)
        if value is None:
            bitmap[i // 8] |= 1 << (i % 8)
        else:
            values.append(value)
        types.append(bytes((type_code, flags)) + lenenc_bytes(name.encode(encoding)))
    return head + bytes(bitmap) + b"\x01" + b"".join(types) + b"".join(values)


def attributes_command(
    capabilities: int, attributes: Mapping[str, Any], encoding: str, server: str = "the server"
) -> Callable[[bytes], bytes]:
    """The COM_QUERY encoder sending ``attributes`` with the statement.

    NotSupportedError when the connection has no CLIENT_QUERY_ATTRIBUTES (MariaDB, MySQL
    before 8.0.23); ProgrammingError for a name or value that cannot be sent.
    """
    if not capabilities & CLIENT.QUERY_ATTRIBUTES:
        raise NotSupportedError(
            0,
            f"query attributes need a server with CLIENT_QUERY_ATTRIBUTES (MySQL 8.0.23+); "
            f"{server} does not offer it (MariaDB has no query attributes)",
        )
    head = bytes((COMMAND.COM_QUERY,)) + encode_attributes(attributes, encoding)

    def command(sql: bytes) -> bytes:
        return head + sql

    return command
