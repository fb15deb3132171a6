# cython: language_level=3, binding=True, boundscheck=False, wraparound=False, cdivision=True
"""Compiled twin of binlog_rows.decode_rows (same name, same results, same errors).

Chosen (or not) by _binlog_impl only. The common column kinds (integers, floats,
strings, blobs, DATETIME2, TIMESTAMP2, TIME2, DATE, YEAR, BIT) are read in C; DECIMAL
and JSON go through the same Python helpers as the pure twin, and the rare old
temporal types through its decode_value.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.datetime cimport date_new, datetime_new, import_datetime
from cpython.unicode cimport PyUnicode_DecodeUTF8
from cpython.list cimport PyList_Append
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM, PyTuple_GET_ITEM, PyTuple_GET_SIZE
from cpython.ref cimport Py_INCREF
from cpython.object cimport PyObject
from libc.stdio cimport snprintf
from libc.string cimport memcpy
from cpython.unicode cimport PyUnicode_DecodeASCII

import struct as _struct
import sys as _sys

from . import binlog_rows as _py
from decimal import Decimal as _PyDecimal

from .mysql_json import json_text as _json_text
from .packets import ProtocolError as _ProtocolError

cdef extern from "Python.h":
    char *PyOS_double_to_string(double val, char format_code, int precision, int flags, int *ptype) except NULL
    double PyOS_string_to_double(const char *s, char **endptr, PyObject *exc) except? -1.0
    void PyMem_Free(void *p)

import_datetime()

# Column kinds: the numbers of binlog_rows (checked at import below).
cdef enum:
    K_INT8 = 1
    K_UINT8 = 2
    K_INT16 = 3
    K_UINT16 = 4
    K_INT24 = 5
    K_UINT24 = 6
    K_INT32 = 7
    K_UINT32 = 8
    K_INT64 = 9
    K_UINT64 = 10
    K_FLOAT = 11
    K_DOUBLE = 12
    K_DECIMAL = 13
    K_YEAR = 14
    K_DATE = 15
    K_TIME2 = 17
    K_DATETIME2 = 19
    K_TIMESTAMP2 = 21
    K_STRING = 22
    K_BLOB = 23
    K_ENUM = 24
    K_SET = 25
    K_BIT = 26
    K_JSON = 27

assert (_py.K_INT8, _py.K_UINT64, _py.K_FLOAT, _py.K_DOUBLE, _py.K_DECIMAL) == (1, 10, 11, 12, 13)
assert (_py.K_YEAR, _py.K_DATE, _py.K_TIME2, _py.K_DATETIME2, _py.K_TIMESTAMP2) == (14, 15, 17, 19, 21)
assert (_py.K_STRING, _py.K_BLOB, _py.K_ENUM, _py.K_SET, _py.K_BIT, _py.K_JSON) == (22, 23, 24, 25, 26, 27)

cdef object _EPOCH = _py.EPOCH
cdef object _timedelta = _py._timedelta
cdef object _zero_text = _py.zero_datetime_text
cdef object _decode_value = _py.decode_value
cdef object _short = _py._short
cdef object _Decimal = _PyDecimal
cdef int[10] _DIG2BYTES
_DIG2BYTES[:] = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4]
cdef object _UTF8 = "utf-8"
cdef bint _LITTLE = _sys.byteorder == "little"
cdef int[7] _FRAC_SCALE
_FRAC_SCALE[:] = [0, 10000, 10000, 100, 100, 1, 1]
cdef int[11] _INT_SIZE
_INT_SIZE[:] = [0, 1, 1, 2, 2, 3, 3, 4, 4, 8, 8]


cdef inline unsigned long long _le(const unsigned char *p, int n) noexcept:
    cdef unsigned long long v = 0
    cdef int i
    for i in range(n - 1, -1, -1):
        v = (v << 8) | p[i]
    return v


cdef inline unsigned long long _be(const unsigned char *p, int n) noexcept:
    cdef unsigned long long v = 0
    cdef int i
    for i in range(n):
        v = (v << 8) | p[i]
    return v


cdef object _int_value(const unsigned char *p, int kind):
    cdef int size = _INT_SIZE[kind]
    cdef unsigned long long u = _le(p, size)
    cdef int bits = size * 8
    if kind & 1:  # signed
        if bits < 64 and u >> (bits - 1):
            return <long long>(u - (1ULL << bits))
        return <long long>u
    return u


cdef object _float32(const unsigned char *p):
    cdef float f
    cdef char *text
    cdef double d
    if not _LITTLE:
        return _py._float32(bytes(p[:4]), 0)
    memcpy(&f, p, 4)
    text = PyOS_double_to_string(<double>f, b'g', 6, 0, NULL)
    try:
        d = PyOS_string_to_double(text, NULL, NULL)
    finally:
        PyMem_Free(text)
    return d


cdef inline int _decimal_bytes(int precision, int scale) noexcept:
    cdef int intg = precision - scale
    if intg < 0 or scale < 0:
        return 0
    return (intg // 9) * 4 + _DIG2BYTES[intg % 9] + (scale // 9) * 4 + _DIG2BYTES[scale % 9]


cdef object _decimal(const unsigned char *p, int size, int precision, int scale):
    """MySQL's binary DECIMAL, as decode_decimal reads it (same text, same Decimal)."""
    cdef unsigned char b[64]
    cdef char out[256]
    cdef int n = 0, at = 0, i, width
    cdef int intg = precision - scale
    cdef int lead = _DIG2BYTES[intg % 9]
    cdef bint negative
    memcpy(b, p, size)
    negative = not (b[0] & 0x80)
    b[0] ^= 0x80
    if negative:
        for i in range(size):
            b[i] ^= 0xFF
        out[0] = 45  # '-'
        n = 1
    cdef int start = n
    if lead:
        n += snprintf(out + n, 256 - n, "%llu", _be(b, lead))
        at = lead
    for i in range(intg // 9):
        n += snprintf(out + n, 256 - n, "%09llu", _be(b + at, 4))
        at += 4
    if n == start:
        out[n] = 48  # '0'
        n += 1
    if scale:
        out[n] = 46  # '.'
        n += 1
        for i in range(scale // 9):
            n += snprintf(out + n, 256 - n, "%09llu", _be(b + at, 4))
            at += 4
        width = scale % 9
        if width:
            n += snprintf(out + n, 256 - n, "%0*llu", width, _be(b + at, _DIG2BYTES[width]))
    return _Decimal(PyUnicode_DecodeASCII(out, n, NULL))


cdef inline long long _frac(const unsigned char *p, int fsp) noexcept:
    cdef int n = (fsp + 1) // 2
    if n == 0:
        return 0
    return <long long>_be(p, n) * _FRAC_SCALE[fsp]


cdef object _datetime2(const unsigned char *p, int fsp):
    cdef long long v = <long long>_be(p, 5) - 0x8000000000LL
    cdef long long us = _frac(p + 5, fsp)
    cdef long long ym = (v >> 22) & 0x1FFFF
    cdef int y = <int>(ym // 13), mo = <int>(ym % 13), d = <int>((v >> 17) & 31)
    cdef int h = <int>((v >> 12) & 31), mi = <int>((v >> 6) & 63), s = <int>(v & 63)
    try:
        return datetime_new(y, mo, d, h, mi, s, <int>us, None)
    except ValueError:
        return _zero_text(y, mo, d, h, mi, s, us, fsp)


cdef object _time2(const unsigned char *p, int fsp):
    cdef long long packed, intpart, frac
    cdef int n
    if fsp >= 5:
        packed = <long long>_be(p, 6) - 0x800000000000LL
    else:
        intpart = <long long>_be(p, 3) - 0x800000LL
        frac = 0
        if fsp:
            n = (fsp + 1) // 2
            frac = <long long>_be(p + 3, n)
            if intpart < 0 and frac:
                intpart += 1
                frac -= 0x100 if n == 1 else 0x10000
            frac *= _FRAC_SCALE[fsp]
        packed = (intpart << 24) + frac
    cdef bint negative = packed < 0
    if negative:
        packed = -packed
    cdef long long hms = packed >> 24
    cdef long long micro = packed & 0xFFFFFF
    cdef long long secs = ((hms >> 12) & 0x3FF) * 3600 + ((hms >> 6) & 0x3F) * 60 + (hms & 0x3F)
    delta = _timedelta(0, secs, micro)
    return -delta if negative else delta


cdef object _value(bytes data, const unsigned char *buf, Py_ssize_t *at, Py_ssize_t end, tuple col):
    """One non-NULL value at buf[at[0]]; advances at[0] past it."""
    cdef Py_ssize_t pos = at[0]
    cdef int kind = <int>col[0]
    cdef int p1 = <int>col[1]
    cdef Py_ssize_t length, start, stop
    cdef int size
    cdef unsigned long long bits, v3
    cdef long long secs, us
    cdef double dbl
    cdef Py_ssize_t pad, index
    cdef object extra, raw
    if kind <= K_UINT64 and kind >= K_INT8:
        size = _INT_SIZE[kind]
        if pos + size > end:
            raise _short("an integer")
        at[0] = pos + size
        return _int_value(buf + pos, kind)
    if kind == K_STRING or kind == K_BLOB or kind == K_JSON:
        if pos + p1 > end:
            raise _short("a length")
        length = <Py_ssize_t>_le(buf + pos, p1)
        start = pos + p1
        stop = start + length
        if stop > end or length < 0:
            raise _short("a string")
        at[0] = stop
        if kind == K_JSON:
            return _json_text(PyBytes_FromStringAndSize(<char *>buf + start, length))
        extra = col[3]
        pad = <Py_ssize_t>col[2]
        if extra is _UTF8 or (extra is not None and extra == _UTF8):
            if pad and length < pad:
                raw = PyBytes_FromStringAndSize(<char *>buf + start, length) + b"\x00" * (pad - length)
                return raw.decode(extra)
            return PyUnicode_DecodeUTF8(<char *>buf + start, length, NULL)
        raw = PyBytes_FromStringAndSize(<char *>buf + start, length)
        if pad and length < pad:
            raw = raw + b"\x00" * (pad - length)
        return raw if extra is None else raw.decode(extra)
    if kind == K_DATETIME2:
        size = 5 + (p1 + 1) // 2
        if pos + size > end:
            raise _short("a DATETIME")
        at[0] = pos + size
        return _datetime2(buf + pos, p1)
    if kind == K_DOUBLE:
        if pos + 8 > end:
            raise _short("a DOUBLE")
        at[0] = pos + 8
        if _LITTLE:
            memcpy(&dbl, buf + pos, 8)
            return dbl
        return _unpack_d(data, pos)[0]
    if kind == K_FLOAT:
        if pos + 4 > end:
            raise _short("a FLOAT")
        at[0] = pos + 4
        return _float32(buf + pos)
    if kind == K_DECIMAL:
        size = _decimal_bytes(p1, <int>col[2])
        if pos + size > end or not size:
            raise _short("a DECIMAL")
        at[0] = pos + size
        return _decimal(buf + pos, size, p1, <int>col[2])
    if kind == K_TIMESTAMP2:
        size = 4 + (p1 + 1) // 2
        if pos + size > end:
            raise _short("a TIMESTAMP")
        at[0] = pos + size
        secs = <long long>_be(buf + pos, 4)
        us = _frac(buf + pos + 4, p1)
        if not secs and not us:
            return _zero_text(0, 0, 0, 0, 0, 0, 0, p1)
        return _EPOCH + _timedelta(0, secs, us)
    if kind == K_DATE:
        if pos + 3 > end:
            raise _short("a DATE")
        at[0] = pos + 3
        v3 = _le(buf + pos, 3)
        try:
            return date_new(<int>(v3 >> 9), <int>((v3 >> 5) & 15), <int>(v3 & 31))
        except ValueError:
            return f"{v3 >> 9:04d}-{(v3 >> 5) & 15:02d}-{v3 & 31:02d}"
    if kind == K_TIME2:
        size = 3 + (p1 + 1) // 2
        if pos + size > end:
            raise _short("a TIME")
        at[0] = pos + size
        return _time2(buf + pos, p1)
    if kind == K_ENUM:
        if pos + p1 > end:
            raise _short("an ENUM")
        at[0] = pos + p1
        index = <Py_ssize_t>_le(buf + pos, p1)
        extra = col[3]
        if extra is None:
            return index
        return extra[index - 1] if 0 < index <= len(extra) else ""
    if kind == K_SET:
        if pos + p1 > end:
            raise _short("a SET")
        at[0] = pos + p1
        bits = _le(buf + pos, p1)
        extra = col[3]
        if extra is None:
            return bits
        return ",".join([n for i, n in enumerate(extra) if bits >> i & 1])
    if kind == K_BIT:
        if pos + p1 > end:
            raise _short("a BIT")
        at[0] = pos + p1
        return PyBytes_FromStringAndSize(<char *>buf + pos, p1)
    if kind == K_YEAR:
        if pos + 1 > end:
            raise _short("a YEAR")
        at[0] = pos + 1
        return buf[pos] + 1900 if buf[pos] else 0
    value, after = _decode_value(data, pos, end, col)
    at[0] = after
    return value


cdef object _unpack_d = _struct.Struct("<d").unpack_from


cdef tuple _image(bytes data, const unsigned char *buf, Py_ssize_t *at, Py_ssize_t end, tuple plan, tuple present):
    cdef Py_ssize_t count = PyTuple_GET_SIZE(present)
    cdef Py_ssize_t nulls_at = at[0]
    cdef Py_ssize_t i
    cdef object value
    at[0] += (count + 7) >> 3
    if at[0] > end:
        raise _short("a NULL bitmap")
    cdef tuple row = PyTuple_New(count)
    for i in range(count):
        if buf[nulls_at + (i >> 3)] >> (i & 7) & 1:
            value = None
        else:
            value = _value(data, buf, at, end, <tuple>plan[<Py_ssize_t>present[i]])
        Py_INCREF(value)
        PyTuple_SET_ITEM(row, i, value)
    return row


def decode_rows(data, Py_ssize_t pos, Py_ssize_t end, tuple plan, tuple present, present_after):
    """Every row of a rows event body from ``pos`` to ``end`` (see binlog_rows)."""
    cdef bytes raw = data if type(data) is bytes else bytes(data)
    cdef const unsigned char *buf = <const unsigned char *>PyBytes_AS_STRING(raw)
    cdef Py_ssize_t at = pos
    cdef Py_ssize_t before
    cdef list rows = []
    cdef tuple row, after
    if pos < 0 or end > PyBytes_GET_SIZE(raw):
        raise _ProtocolError(f"rows event: bounds {pos}..{end} outside the event")
    try:
        while at < end:
            before = at
            row = _image(raw, buf, &at, end, plan, present)
            if at == before:  # an image of no columns: the body cannot be rows
                raise _ProtocolError("rows event: a row image of no bytes")
            if present_after is not None:
                after = _image(raw, buf, &at, end, plan, <tuple>present_after)
                PyList_Append(rows, (row, after))
            else:
                PyList_Append(rows, row)
    except _ProtocolError:
        raise
    except (ValueError, IndexError, OverflowError, _struct.error) as exc:
        raise _ProtocolError(f"rows event: undecodable value ({exc!r})") from exc
    return rows
