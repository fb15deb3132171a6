# cython: language_level=3, binding=True, boundscheck=False, wraparound=False, cdivision=True
"""Compiled twin of binary_rows.py's hot loops and stmt_packets.encode_params (same names).

Chosen (or not) by _impl only. The common values (integers, DOUBLE, valid dates and
times, strings) are built in C; the rare ones (FLOAT, zero or invalid dates, values a
``conv=`` decoder must see as text) are handed to the pure-Python helpers, so both twins
give the very same values.
"""

from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_GET_SIZE
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.datetime cimport date_new, datetime_new, import_datetime, timedelta_new
from cpython.float cimport PyFloat_FromDouble
from cpython.long cimport PyLong_FromLongLong, PyLong_FromUnsignedLongLong
from cpython.ref cimport Py_INCREF

cdef extern from "Python.h":
    int PyObject_GC_IsTracked(object op)
    void PyObject_GC_UnTrack(void *op)
    char *PyOS_double_to_string(double val, char format_code, int precision, int flags,
                                int *type) except NULL
    double PyOS_string_to_double(const char *s, char **endptr, void *overflow_exception) except? -1.0
    void PyMem_Free(void *p)
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM
from cpython.unicode cimport PyUnicode_DecodeASCII, PyUnicode_DecodeUTF8
from libc.string cimport memcpy

from decimal import Decimal as _PyDecimal

from . import binary_rows as _py
from . import stmt_packets as _py_packets
from .packets import MAX_FRAME as _MAX_FRAME_PY
from .packets import ProtocolError as _ProtocolError

import_datetime()

import sys as _sys
if _sys.byteorder != "little":
    raise ImportError("the compiled binary-protocol twin assumes a little-endian host")

cdef Py_ssize_t MAX_FRAME = 0xFFFFFF
assert MAX_FRAME == _MAX_FRAME_PY

# The kinds of binary_rows (checked against it at import).
cdef enum:
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
    TEXTUAL = 0x40

assert (_py.K_LENENC, _py.K_INT64, _py.K_UINT64, _py.K_FLOAT, _py.K_DOUBLE, _py.K_DATE,
        _py.K_DATETIME, _py.K_TIME, _py.K_NULL, _py.TEXTUAL) == (
        K_LENENC, K_INT64, K_UINT64, K_FLOAT, K_DOUBLE, K_DATE, K_DATETIME, K_TIME, K_NULL,
        TEXTUAL)

cdef object _bytes_decode = bytes.decode
cdef object _decode_fixed = _py._decode_fixed
cdef object _as_text = _py._as_text
cdef object _float32_value = _py.float32_value
cdef int *_MONTH_DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

# The standard DECIMAL decoder of aiomysql.decoders, recognised by identity once
# registered (through _impl): its Decimal is then made here, without the call.
cdef object _decode_decimal = None
cdef object _Decimal = _PyDecimal


def register_decoders(*, decode_decimal, decode_date, decode_datetime):
    """Name the standard decoders (aiomysql.decoders) that may run in C: DECIMAL only
    (dates and times are decoded from their binary layout anyway)."""
    global _decode_decimal, _last_plan
    _decode_decimal = decode_decimal
    _last_plan = None


# The last plan's kinds and decoder classes (0 none, 1 UTF-8 bytes.decode, 2 call,
# 3 the standard DECIMAL decoder).
cdef object _last_plan = None
cdef bytes _last_kinds = b""
cdef bytes _last_convs = b""
cdef tuple _last_callables = ()
cdef tuple _last_decimals = ()


cdef int _load_plan(tuple plan) except -1:
    global _last_plan, _last_kinds, _last_convs, _last_callables, _last_decimals
    if plan is _last_plan:
        return 0
    kinds = bytearray()
    convs = bytearray()
    callables = []
    decimals = []
    for kind, conv, column_decimals in plan:
        decimals.append(column_decimals)
        kinds.append(kind)
        if conv is None:
            convs.append(0)
        elif conv is _bytes_decode:
            convs.append(1)
        elif _decode_decimal is not None and conv is _decode_decimal:
            convs.append(3)
        else:
            convs.append(2)
        callables.append(conv)
    _last_kinds, _last_convs, _last_callables = bytes(kinds), bytes(convs), tuple(callables)
    _last_decimals = tuple(decimals)
    _last_plan = plan
    return 0


cdef inline bint _valid_date(int y, int m, int d) noexcept:
    if y < 1 or y > 9999 or m < 1 or m > 12 or d < 1:
        return False
    if m == 2 and (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)):
        return d <= 29
    return d <= _MONTH_DAYS[m]


cdef inline unsigned long long _le(const unsigned char *p, int n) noexcept:
    cdef unsigned long long v = 0
    cdef int i
    for i in range(n - 1, -1, -1):
        v = (v << 8) | p[i]
    return v


cdef object _fallback(int kind, const unsigned char *buf, Py_ssize_t pos, Py_ssize_t end,
                      Py_ssize_t column, Py_ssize_t *new_pos):
    """A value the pure-Python helper decodes: (FLOAT, zero/invalid dates)."""
    cdef bytes tail = PyBytes_FromStringAndSize(<const char *>buf + pos, end - pos)
    value, used = _decode_fixed(kind, tail, 0, end - pos, _last_decimals[column])
    new_pos[0] = pos + <Py_ssize_t>used
    return value


cdef object _float32(const unsigned char *p):
    """binary_rows.float32_value: the shortest decimal (6 to 9 digits) that is the same
    float32, as a double; locale-independent formatting and parsing, as Python's."""
    cdef float f
    cdef double d, back
    cdef char *text
    cdef int digits
    memcpy(&f, p, 4)
    d = f
    if d != d or d - d != 0.0:  # NaN, infinities: as they are
        return PyFloat_FromDouble(d)
    for digits in range(6, 10):
        text = PyOS_double_to_string(d, b'g', digits, 0, NULL)
        try:
            back = PyOS_string_to_double(text, NULL, NULL)
        finally:
            PyMem_Free(text)
        if <float>back == f:
            return PyFloat_FromDouble(back)
    return PyFloat_FromDouble(d)


cdef object _fixed(int kind, const unsigned char *buf, Py_ssize_t pos, Py_ssize_t end,
                   Py_ssize_t column, Py_ssize_t *new_pos):
    cdef int n, y, mo, d, h, mi, s
    cdef long long us, days, secs
    cdef double dbl
    cdef unsigned long long u
    if kind <= K_UINT64:
        n = 1 if kind <= K_UINT8 else 2 if kind <= K_UINT16 else 4 if kind <= K_UINT32 else 8
        if pos + n > end:
            raise _ProtocolError("row value runs past the end of its packet")
        new_pos[0] = pos + n
        u = _le(buf + pos, n)
        if kind == K_UINT64 or kind == K_UINT32 or kind == K_UINT16 or kind == K_UINT8:
            return PyLong_FromUnsignedLongLong(u)
        if n < 8 and u >> (8 * n - 1):  # sign-extend
            u |= ~((<unsigned long long>1 << (8 * n)) - 1)
        return PyLong_FromLongLong(<long long>u)
    if kind == K_DOUBLE:
        if pos + 8 > end:
            raise _ProtocolError("row value runs past the end of its packet")
        u = _le(buf + pos, 8)
        memcpy(&dbl, &u, 8)
        new_pos[0] = pos + 8
        return PyFloat_FromDouble(dbl)
    if kind == K_FLOAT:
        if pos + 4 > end:
            raise _ProtocolError("row value runs past the end of its packet")
        new_pos[0] = pos + 4
        return _float32(buf + pos)
    if pos >= end:
        raise _ProtocolError("row value runs past the end of its packet")
    n = buf[pos]
    if pos + 1 + n > end:
        raise _ProtocolError("row value runs past the end of its packet")
    cdef const unsigned char *p = buf + pos + 1
    if kind == K_TIME:
        if n == 0:
            new_pos[0] = pos + 1
            return timedelta_new(0, 0, 0)
        if n != 8 and n != 12:
            raise _ProtocolError(f"invalid TIME length {n}")
        days = <long long>_le(p + 1, 4)
        secs = p[5] * 3600 + p[6] * 60 + p[7]
        us = <long long>_le(p + 8, 4) if n == 12 else 0
        if days > 999999999 or us > 999999:
            return _fallback(kind, buf, pos, end, column, new_pos)
        new_pos[0] = pos + 1 + n
        if p[0]:
            return timedelta_new(<int>-days, <int>-secs, <int>-us)
        return timedelta_new(<int>days, <int>secs, <int>us)
    if n != 4 and n != 7 and n != 11:
        return _fallback(kind, buf, pos, end, column, new_pos)  # 0: a zero date
    y = p[0] | p[1] << 8
    mo = p[2]
    d = p[3]
    if not _valid_date(y, mo, d):
        return _fallback(kind, buf, pos, end, column, new_pos)
    if kind == K_DATE:
        new_pos[0] = pos + 1 + n
        return date_new(y, mo, d)
    h = mi = s = 0
    us = 0
    if n >= 7:
        h, mi, s = p[4], p[5], p[6]
    if n == 11:
        us = <long long>_le(p + 7, 4)
    if h > 23 or mi > 59 or s > 59 or us > 999999:
        return _fallback(kind, buf, pos, end, column, new_pos)
    new_pos[0] = pos + 1 + n
    return datetime_new(y, mo, d, h, mi, s, <int>us, None)


cdef tuple _decode_row(const unsigned char *buf, Py_ssize_t pos, Py_ssize_t end, tuple plan):
    cdef Py_ssize_t ncols = len(plan), i, null_start, bit
    cdef const unsigned char *kinds = <const unsigned char *>PyBytes_AS_STRING(_last_kinds)
    cdef const unsigned char *convs = <const unsigned char *>PyBytes_AS_STRING(_last_convs)
    cdef tuple callables = _last_callables
    cdef unsigned long long n
    cdef unsigned char first
    cdef int kind
    cdef Py_ssize_t new_pos = 0
    cdef object value
    cdef bint untrack = True
    cdef tuple row = PyTuple_New(ncols)
    null_start = pos + 1
    if null_start > end or buf[pos] != 0:
        raise _ProtocolError("malformed binary row header")
    pos = null_start + ((ncols + 9) >> 3)
    if pos > end:
        raise _ProtocolError("malformed binary row header")
    for i in range(ncols):
        bit = i + 2
        if buf[null_start + (bit >> 3)] & (1 << (bit & 7)):
            Py_INCREF(None)
            PyTuple_SET_ITEM(row, i, None)
            continue
        kind = kinds[i]
        if kind == K_LENENC:
            if pos >= end:
                raise _ProtocolError("row has fewer values than columns")
            first = buf[pos]
            if first < 0xFB:
                n = first
                pos += 1
            elif first == 0xFC:
                if pos + 3 > end:
                    raise _ProtocolError("row value runs past the end of its packet")
                n = _le(buf + pos + 1, 2)
                pos += 3
            elif first == 0xFD:
                if pos + 4 > end:
                    raise _ProtocolError("row value runs past the end of its packet")
                n = _le(buf + pos + 1, 3)
                pos += 4
            elif first == 0xFE:
                if pos + 9 > end:
                    raise _ProtocolError("row value runs past the end of its packet")
                n = _le(buf + pos + 1, 8)
                pos += 9
            else:
                raise _ProtocolError(f"invalid length prefix 0x{first:02x} in row")
            if n > <unsigned long long>(end - pos):
                raise _ProtocolError("row value runs past the end of its packet")
            if convs[i] == 1:
                value = PyUnicode_DecodeUTF8(<const char *>buf + pos, <Py_ssize_t>n, NULL)
            elif convs[i] == 3:
                value = _Decimal(
                    PyUnicode_DecodeASCII(<const char *>buf + pos, <Py_ssize_t>n, NULL)
                )
            else:
                value = PyBytes_FromStringAndSize(<const char *>buf + pos, <Py_ssize_t>n)
                if convs[i] == 2:
                    value = callables[i](value)
                    if untrack and PyObject_GC_IsTracked(value):
                        untrack = False
            pos += <Py_ssize_t>n
        elif kind == K_NULL:
            raise _ProtocolError("a NULL-typed column with a value")
        elif kind & TEXTUAL:
            tail = PyBytes_FromStringAndSize(<const char *>buf + pos, end - pos)
            text, used = _as_text(kind & ~TEXTUAL, tail, 0, end - pos, _last_decimals[i])
            pos += <Py_ssize_t>used
            value = text if convs[i] == 0 else callables[i](text)
            if untrack and convs[i] != 0 and PyObject_GC_IsTracked(value):
                untrack = False
        else:
            value = _fixed(kind, buf, pos, end, i, &new_pos)
            pos = new_pos
        Py_INCREF(value)
        PyTuple_SET_ITEM(row, i, value)
    if pos != end:
        raise _ProtocolError("row has more values than columns")
    if untrack:
        # Only atoms inside (bytes, str, numbers, dates, None): the row can never be part
        # of a reference cycle, so keep it out of the collector (as the text rows do).
        PyObject_GC_UnTrack(<void *>row)
    return row


cdef const unsigned char *_contents(object data, Py_ssize_t *size) except NULL:
    if type(data) is bytearray:
        size[0] = PyByteArray_GET_SIZE(data)
        return <const unsigned char *>PyByteArray_AS_STRING(data)
    if type(data) is bytes:
        size[0] = PyBytes_GET_SIZE(data)
        return <const unsigned char *>PyBytes_AS_STRING(data)
    raise TypeError(f"expected bytes or bytearray, not {type(data).__name__}")


cdef inline Py_ssize_t _check_span(Py_ssize_t size, Py_ssize_t pos, Py_ssize_t end) except -1:
    if pos < 0 or end > size or pos > end:
        raise _ProtocolError(f"row span {pos}:{end} outside a buffer of {size} bytes")
    return 0


def decode_binary_row(data, Py_ssize_t pos, Py_ssize_t end, tuple plan):
    """Decode one binary-protocol row whose payload is ``data[pos:end]``."""
    cdef Py_ssize_t size = 0
    cdef const unsigned char *buf = _contents(data, &size)
    _check_span(size, pos, end)
    _load_plan(plan)
    return _decode_row(buf, pos, end, plan)


def decode_binary_rows(data, Py_ssize_t pos, Py_ssize_t end, int seq, tuple plan, list rows):
    """Decode every complete single-frame binary row packet in ``data[pos:end]``; the
    contract of binary_rows.decode_binary_rows. Returns (pos, seq)."""
    cdef Py_ssize_t size = 0
    cdef const unsigned char *buf = _contents(data, &size)
    _check_span(size, pos, end)
    _load_plan(plan)
    cdef Py_ssize_t length, start, stop
    while end - pos >= 4:
        length = buf[pos] | buf[pos + 1] << 8 | buf[pos + 2] << 16
        start = pos + 4
        stop = start + length
        if stop > end or length == MAX_FRAME or length == 0:
            break
        if buf[start] != 0:
            break
        if buf[pos + 3] != seq:
            raise _ProtocolError(f"packet sequence id {buf[pos + 3]}, expected {seq}")
        rows.append(_decode_row(buf, start, stop, plan))
        seq = (seq + 1) & 0xFF
        pos = stop
    return pos, seq


cdef object _T_NULL = _py_packets._T_NULL
cdef object _T_LONGLONG = _py_packets._T_LONGLONG
cdef object _T_STRING = _py_packets._T_STRING
cdef object _encode_value = _py_packets.encode_value


def encode_params(args, str encoding, str errors, long_params=frozenset()):
    """(types, NULL bitmap, values) of a parameter list: stmt_packets.encode_params."""
    return _encode_params(args, encoding, errors, long_params)


cdef tuple _encode_params(args, str encoding, str errors, long_params):
    cdef Py_ssize_t count = len(args), i
    cdef bytearray nulls = bytearray((count + 7) >> 3)
    cdef list types = []
    cdef bytearray values = bytearray()
    cdef long long v
    cdef unsigned char le[8]
    cdef bytes data
    cdef Py_ssize_t n
    for i in range(count):
        value = args[i]
        if value is None:
            nulls[i >> 3] |= 1 << (i & 7)
            types.append(_T_NULL)
            continue
        if long_params and i in long_params:
            binary = isinstance(value, (bytes, bytearray, memoryview))
            types.append(_py_packets._T_BLOB if binary else _T_STRING)
            continue
        if type(value) is int and -0x8000000000000000 <= value <= 0x7FFFFFFFFFFFFFFF:
            v = value
            memcpy(le, &v, 8)  # little-endian hosts only (checked at import)
            values += PyBytes_FromStringAndSize(<const char *>le, 8)
            types.append(_T_LONGLONG)
        elif type(value) is str and encoding == "utf-8":
            data = (<str>value).encode("utf-8", errors)
            n = PyBytes_GET_SIZE(data)
            if n < 0xFB:
                values.append(n)
            else:
                values += _py_packets.lenenc_int(n)
            values += data
            types.append(_T_STRING)
        else:
            code, encoded = _encode_value(value, encoding, errors)
            types.append(code)
            values += encoded
    return b"".join(types), bytes(nulls), bytes(values)



def execute_payload(stmt_id, args, str encoding, str errors, last_types):
    """(COM_STMT_EXECUTE payload, types): stmt_packets.execute_payload."""
    types, nulls, values = _encode_params(args, encoding, errors, None)
    cdef unsigned long sid = stmt_id
    cdef unsigned char head[10]
    head[0] = 0x17
    head[1] = sid & 0xFF
    head[2] = (sid >> 8) & 0xFF
    head[3] = (sid >> 16) & 0xFF
    head[4] = (sid >> 24) & 0xFF
    head[5] = 0  # no cursor
    head[6] = 1  # iteration count 1
    head[7] = head[8] = head[9] = 0
    cdef bytes prefix = PyBytes_FromStringAndSize(<const char *>head, 10)
    if not types:
        return prefix, types
    if types != last_types:
        return b"".join((prefix, nulls, b"\x01", types, values)), types
    return b"".join((prefix, nulls, b"\x00", values)), types


cdef object _T_LONGLONG_B = _py_packets._T_LONGLONG
cdef object _T_DOUBLE_B = _py_packets._T_DOUBLE
cdef object _T_STRING_B = _py_packets._T_STRING
cdef object _T_BLOB_B = _py_packets._T_BLOB
cdef object _T_NULL_B = _py_packets._T_NULL
cdef object _Unbindable = _py_packets.Unbindable
cdef object _ProgrammingError = _py_packets.ProgrammingError


cdef inline void _put_lenenc(bytearray out, Py_ssize_t n):
    if n < 0xFB:
        out.append(n)
    else:
        out += _py_packets.lenenc_int(n)


def bulk_execute_payloads(stmt_id, rows, nparams, str encoding, str errors, limit):
    """COM_STMT_BULK_EXECUTE payloads: stmt_packets.bulk_execute_payloads."""
    cdef Py_ssize_t n = nparams, i, size, cap = limit
    cdef unsigned long sid = stmt_id
    cdef unsigned char headbuf[7]
    cdef long long v
    cdef double d
    cdef unsigned char le[8]
    cdef bint utf8 = encoding == "utf-8"
    headbuf[0] = 0xFA
    headbuf[1] = sid & 0xFF
    headbuf[2] = (sid >> 8) & 0xFF
    headbuf[3] = (sid >> 16) & 0xFF
    headbuf[4] = (sid >> 24) & 0xFF
    headbuf[5] = 128  # SEND_TYPES_TO_SERVER
    headbuf[6] = 0
    cdef bytes head = PyBytes_FromStringAndSize(<const char *>headbuf, 7)
    cdef list payloads = []
    cdef list types = [None] * n
    cdef list row_types = [None] * n
    cdef bytearray body = bytearray()
    cdef bytearray rb
    size = 7 + 2 * n
    for row in rows:
        if len(row) != n:
            raise _ProgrammingError(
                f"the statement has {n} placeholder(s), a row has {len(row)} value(s)"
            )
        rb = bytearray()
        for i in range(n):
            value = row[i]
            if value is None:
                rb.append(1)
                row_types[i] = None
                continue
            kind = type(value)
            if kind is int and -0x8000000000000000 <= value <= 0x7FFFFFFFFFFFFFFF:
                v = value
                memcpy(le, &v, 8)
                rb.append(0)
                rb += PyBytes_FromStringAndSize(<const char *>le, 8)
                row_types[i] = _T_LONGLONG_B
            elif kind is float and value == value and value not in (_INF, _NINF):
                d = value
                memcpy(le, &d, 8)
                rb.append(0)
                rb += PyBytes_FromStringAndSize(<const char *>le, 8)
                row_types[i] = _T_DOUBLE_B
            elif kind is str and utf8:
                data = (<str>value).encode("utf-8", errors)
                rb.append(0)
                _put_lenenc(rb, len(data))
                rb += data
                row_types[i] = _T_STRING_B
            elif kind is bytes:
                rb.append(0)
                _put_lenenc(rb, len(<bytes>value))
                rb += <bytes>value
                row_types[i] = _T_BLOB_B
            else:
                code, data = _encode_value(value, encoding, errors)
                rb.append(0)
                rb += data
                row_types[i] = code
        if len(body) and size + len(rb) > cap:
            payloads.append(head + b"".join([t if t is not None else _T_NULL_B for t in types])
                            + bytes(body))
            types = [None] * n
            body = bytearray()
            size = 7 + 2 * n
        for i in range(n):
            code = row_types[i]
            if code is None:
                continue
            known = types[i]
            if known is None:
                types[i] = code
            elif known is not code and known != code:
                raise _Unbindable("a column's values have different types")
        body += rb
        size += len(rb)
    if len(body):
        payloads.append(head + b"".join([t if t is not None else _T_NULL_B for t in types])
                        + bytes(body))
    return payloads


cdef object _INF = float("inf")
cdef object _NINF = float("-inf")
