"""MySQL's binary JSON (the JSON column type in MySQL row images) -> JSON text.

The text protocol returns a JSON column as its text, so the binlog decoder does too:
``json_text`` walks the binary document and writes it as MySQL prints it (``", "`` and
``": "`` separators, keys in stored order). Layout (MySQL source documentation,
``json_binary.h``): a type byte, then objects and arrays as element count, byte size,
key entries (offset, length), value entries (type, offset or inlined value), keys and
values; "small" containers use 2-byte counts and offsets, "large" ones 4-byte.
MariaDB stores JSON as text (LONGTEXT), so this is for MySQL servers only.
"""

from __future__ import annotations

import base64
import json
import struct
from decimal import Decimal
from typing import Any

from .mysql_decimal import decimal_size, decode_decimal
from .packets import ProtocolError

SMALL_OBJECT, LARGE_OBJECT, SMALL_ARRAY, LARGE_ARRAY = 0x00, 0x01, 0x02, 0x03
LITERAL, INT16, UINT16, INT32, UINT32, INT64, UINT64 = 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A
DOUBLE, STRING, OPAQUE = 0x0B, 0x0C, 0x0F

_LITERALS = {0: None, 1: True, 2: False}
_INTS = {INT16: (2, True), UINT16: (2, False), INT32: (4, True), UINT32: (4, False)}
#: Nested containers deeper than this are refused (MySQL's own limit is 100).
MAX_DEPTH = 150

# Opaque scalar field types MySQL prints as JSON strings or numbers.
_NEWDECIMAL, _DATE, _TIME, _DATETIME, _TIMESTAMP = 246, 10, 11, 12, 7


class _Raw(str):
    """Text to be written as it is (a DECIMAL number)."""


def _bad(why: str) -> ProtocolError:
    return ProtocolError(f"MySQL binary JSON: {why}")


class _Doc:
    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def uint(self, pos: int, size: int) -> int:
        if pos < 0 or pos + size > len(self.data):
            raise _bad(f"reading {size} bytes at {pos} runs past the end ({len(self.data)})")
        return int.from_bytes(self.data[pos : pos + size], "little")

    def varlen(self, pos: int) -> tuple[int, int]:
        """A length in 7-bit groups, low group first (at most 5 bytes): (length, next pos)."""
        value = 0
        for i in range(5):
            byte = self.uint(pos + i, 1)
            value |= (byte & 0x7F) << (7 * i)
            if not byte & 0x80:
                return value, pos + i + 1
        raise _bad("a variable-length size longer than 5 bytes")

    def value(self, kind: int, pos: int, end: int, depth: int) -> Any:
        """The value of type ``kind`` whose data starts at ``pos`` (``end``: its bound)."""
        if depth > MAX_DEPTH:
            raise _bad(f"nested deeper than {MAX_DEPTH}")
        if kind in (SMALL_OBJECT, LARGE_OBJECT, SMALL_ARRAY, LARGE_ARRAY):
            return self.container(kind, pos, end, depth + 1)
        if kind == LITERAL:
            literal = self.uint(pos, 1)
            if literal not in _LITERALS:
                raise _bad(f"unknown literal {literal}")
            return _LITERALS[literal]
        if kind in _INTS:
            size, signed = _INTS[kind]
            return int.from_bytes(self._take(pos, size), "little", signed=signed)
        if kind in (INT64, UINT64):
            return int.from_bytes(self._take(pos, 8), "little", signed=kind == INT64)
        if kind == DOUBLE:
            return struct.unpack("<d", self._take(pos, 8))[0]
        if kind == STRING:
            length, start = self.varlen(pos)
            return self._take(start, length).decode("utf-8")
        if kind == OPAQUE:
            field_type = self.uint(pos, 1)
            length, start = self.varlen(pos + 1)
            return _opaque(field_type, self._take(start, length))
        raise _bad(f"unknown value type 0x{kind:02x}")

    def _take(self, pos: int, size: int) -> bytes:
        if pos < 0 or size < 0 or pos + size > len(self.data):
            raise _bad(f"a value of {size} bytes at {pos} runs past the end")
        return self.data[pos : pos + size]

    def container(self, kind: int, pos: int, end: int, depth: int) -> Any:
        large = kind in (LARGE_OBJECT, LARGE_ARRAY)
        width = 4 if large else 2
        count = self.uint(pos, width)
        size = self.uint(pos + width, width)
        if pos + size > end or size < 2 * width:
            raise _bad(f"a container of {size} bytes does not fit")
        entry = 1 + width  # a value entry: type byte + offset or inlined value
        is_object = kind in (SMALL_OBJECT, LARGE_OBJECT)
        header = 2 * width + count * ((width + 2) if is_object else 0) + count * entry
        if header > size:
            raise _bad(f"{count} entries do not fit in a container of {size} bytes")
        values_at = pos + 2 * width + (count * (width + 2) if is_object else 0)
        items: list[Any] = []
        for i in range(count):
            at = values_at + i * entry
            vtype = self.uint(at, 1)
            if vtype == LITERAL or vtype in (INT16, UINT16) or (large and vtype in (INT32, UINT32)):
                items.append(self.value(vtype, at + 1, at + 1 + width, depth))
            else:
                offset = self.uint(at + 1, width)
                if offset >= size:
                    raise _bad(f"value offset {offset} outside its container ({size} bytes)")
                items.append(self.value(vtype, pos + offset, pos + size, depth))
        if not is_object:
            return items
        obj: dict[str, Any] = {}
        for i in range(count):
            at = pos + 2 * width + i * (width + 2)
            key_at = self.uint(at, width)
            key_len = self.uint(at + width, 2)
            if key_at + key_len > size:
                raise _bad("a key outside its container")
            obj[self._take(pos + key_at, key_len).decode("utf-8")] = items[i]
        return obj


def _opaque(field_type: int, data: bytes) -> Any:
    """An opaque scalar: DECIMAL as a number, temporal values as MySQL prints them."""
    if field_type == _NEWDECIMAL and len(data) > 2:
        precision, scale = data[0], data[1]
        if scale > precision or len(data) - 2 != decimal_size(precision, scale):
            raise _bad(f"an opaque DECIMAL({precision},{scale}) of {len(data) - 2} bytes")
        return _Raw(decode_decimal(data[2:], precision, scale))
    if field_type in (_DATE, _TIME, _DATETIME, _TIMESTAMP) and len(data) == 8:
        return _temporal(field_type, int.from_bytes(data, "little", signed=True))
    return f"base64:type{field_type}:{base64.b64encode(data).decode('ascii')}"


def _temporal(field_type: int, packed: int) -> str:
    """A packed temporal value (MySQL's in-memory longlong form) as MySQL's JSON text."""
    negative = packed < 0
    if negative:
        packed = -packed
    micro = packed & 0xFFFFFF
    whole = packed >> 24
    if field_type == _TIME:
        hms = whole
        sign = "-" if negative else ""
        h, m, sec = (hms >> 12) % (1 << 10), (hms >> 6) % 64, hms % 64
        return f"{sign}{h:02d}:{m:02d}:{sec:02d}.{micro:06d}"
    ymd, hms = whole >> 17, whole & 0x1FFFF
    ym = ymd >> 5
    date = f"{ym // 13:04d}-{ym % 13:02d}-{ymd & 31:02d}"
    if field_type == _DATE:
        return date
    return f"{date} {hms >> 12:02d}:{(hms >> 6) & 63:02d}:{hms & 63:02d}.{micro:06d}"


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, _Raw):
        out.append(str(value))
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        out.append(repr(value))
    elif isinstance(value, dict):
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            if i:
                out.append(", ")
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(": ")
            _write(item, out)
        out.append("}")
    else:
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(", ")
            _write(item, out)
        out.append("]")


def json_value(data: bytes) -> Any:
    """The document as Python values (objects as dicts in stored key order)."""
    if not data:
        return None  # MySQL writes an empty image for a JSON NULL-equivalent
    doc = _Doc(bytes(data))
    try:
        return doc.value(doc.uint(0, 1), 1, len(data), 0)
    except (ValueError, IndexError, RecursionError) as exc:
        raise _bad(f"undecodable ({exc!r})") from exc


def json_text(data: bytes) -> str:
    """The document as MySQL's JSON text (what the text protocol returns for it)."""
    out: list[str] = []
    value = json_value(data)
    if isinstance(value, Decimal):  # pragma: no cover - _Raw covers decimals
        value = _Raw(value)
    _write(value, out)
    return "".join(out)
