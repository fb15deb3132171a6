# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Compiled twin of the hot loops in packets.py, rows.py and converters.py (same names)."""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.datetime cimport date_new, datetime_new, import_datetime
from cpython.long cimport PyLong_FromLongLong
from cpython.object cimport PyObject
from cpython.ref cimport Py_INCREF
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM
from cpython.unicode cimport PyUnicode_DecodeASCII, PyUnicode_DecodeUTF8
from cpython.object cimport PyObject_Repr
from libc.math cimport isfinite
from libc.string cimport memcpy

from decimal import Decimal

from ..decoders import decode_date, decode_datetime, decode_decimal
from ..errors import ProgrammingError
from .packets import MAX_FRAME as _MAX_FRAME_PY
from .packets import ProtocolError

cdef extern from "Python.h":
    double PyOS_string_to_double(const char *s, char **endptr, PyObject *exc) except? -1.0
    int PyObject_GC_IsTracked(object op)
    void PyObject_GC_UnTrack(void *op)
    bint PyUnicode_IS_ASCII(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    void *PyUnicode_DATA(object o)
    object PyUnicode_New(Py_ssize_t size, Py_UCS4 maxchar)

import_datetime()

cdef Py_ssize_t MAX_FRAME = 0xFFFFFF
assert MAX_FRAME == _MAX_FRAME_PY

# How each plan entry is decoded: the built-in decoders are recognised by identity and
# run in C; any other callable gets the value's bytes, exactly as in rows.py.
cdef enum:
    K_BYTES = 0
    K_UTF8 = 1
    K_INT = 2
    K_FLOAT = 3
    K_DECIMAL = 4
    K_DATE = 5
    K_DATETIME = 6
    K_CALL = 7

cdef object _bytes_decode = bytes.decode
cdef object _int = int
cdef object _float = float
cdef object _decode_decimal = decode_decimal
cdef object _decode_date = decode_date
cdef object _decode_datetime = decode_datetime
cdef object _Decimal = Decimal

# The kinds of the plan seen last: a result set's plan is reused for every batch.
cdef object _last_plan = None
cdef bytes _last_kinds = b""


cdef bytes _plan_kinds(tuple plan):
    global _last_plan, _last_kinds
    if plan is _last_plan:
        return _last_kinds
    cdef Py_ssize_t n = len(plan), i
    cdef bytearray kinds = bytearray(n)
    for i in range(n):
        conv = plan[i]
        if conv is None:
            kinds[i] = K_BYTES
        elif conv is _bytes_decode:
            kinds[i] = K_UTF8
        elif conv is _int:
            kinds[i] = K_INT
        elif conv is _float:
            kinds[i] = K_FLOAT
        elif conv is _decode_decimal:
            kinds[i] = K_DECIMAL
        elif conv is _decode_date:
            kinds[i] = K_DATE
        elif conv is _decode_datetime:
            kinds[i] = K_DATETIME
        else:
            kinds[i] = K_CALL
    _last_plan = plan
    _last_kinds = bytes(kinds)
    return _last_kinds


cdef inline int _digits(const unsigned char *p, Py_ssize_t n, long long *out) noexcept:
    """Parse exactly n ASCII digits (n <= 18); 0 on success, -1 on any other byte."""
    cdef long long v = 0
    cdef Py_ssize_t i
    cdef unsigned char c
    for i in range(n):
        c = p[i] - 48
        if c > 9:
            return -1
        v = v * 10 + c
    out[0] = v
    return 0


cdef object _decode_int(const unsigned char *p, Py_ssize_t n, object conv):
    cdef long long v
    cdef bint neg = n > 1 and p[0] == 45  # '-'
    if 0 < n - neg <= 18 and _digits(p + neg, n - neg, &v) == 0:
        return PyLong_FromLongLong(-v if neg else v)
    return conv(PyBytes_FromStringAndSize(<const char *>p, n))


cdef object _decode_float(const unsigned char *p, Py_ssize_t n, object conv):
    cdef char buf[40]
    cdef char *stop
    cdef double v
    cdef Py_ssize_t i
    cdef unsigned char c
    if 0 < n < 40:
        for i in range(n):
            c = p[i]
            # digits, '.', '-', '+', 'e', 'E': anything else (spaces, inf, nan, '_') goes
            # to float() itself
            if not (48 <= c <= 57 or c == 46 or c == 45 or c == 43 or c == 101 or c == 69):
                break
        else:
            memcpy(buf, p, n)
            buf[n] = 0
            try:
                v = PyOS_string_to_double(buf, &stop, NULL)
            except ValueError:
                pass
            else:
                if stop == buf + n:
                    return v
    return conv(PyBytes_FromStringAndSize(<const char *>p, n))


cdef object _decode_date_c(const unsigned char *p, Py_ssize_t n, object conv):
    cdef long long y, m, d
    if (
        n == 10 and p[4] == 45 and p[7] == 45
        and _digits(p, 4, &y) == 0 and _digits(p + 5, 2, &m) == 0
        and _digits(p + 8, 2, &d) == 0
    ):
        try:
            return date_new(<int>y, <int>m, <int>d)
        except ValueError:
            pass  # zero or invalid date: decoders.decode_date returns the text
    return conv(PyBytes_FromStringAndSize(<const char *>p, n))


cdef object _decode_datetime_c(const unsigned char *p, Py_ssize_t n, object conv):
    cdef long long y, mo, d, h, mi, s, us = 0, scale = 1
    cdef Py_ssize_t nf, k
    if (
        (n == 19 or (21 <= n <= 26 and p[19] == 46))
        and p[4] == 45 and p[7] == 45 and p[10] == 32 and p[13] == 58 and p[16] == 58
        and _digits(p, 4, &y) == 0 and _digits(p + 5, 2, &mo) == 0
        and _digits(p + 8, 2, &d) == 0 and _digits(p + 11, 2, &h) == 0
        and _digits(p + 14, 2, &mi) == 0 and _digits(p + 17, 2, &s) == 0
    ):
        nf = n - 20 if n > 19 else 0
        if nf == 0 or _digits(p + 20, nf, &us) == 0:
            for k in range(6 - nf):
                scale *= 10
            try:
                return datetime_new(
                    <int>y, <int>mo, <int>d, <int>h, <int>mi, <int>s, <int>(us * scale), None
                )
            except ValueError:
                pass  # zero or invalid: decoders.decode_datetime returns the text
    return conv(PyBytes_FromStringAndSize(<const char *>p, n))


cdef inline object _value(
    int kind, const unsigned char *p, Py_ssize_t n, object conv
):
    if kind == K_BYTES:
        return PyBytes_FromStringAndSize(<const char *>p, n)
    if kind == K_UTF8:
        return PyUnicode_DecodeUTF8(<const char *>p, n, NULL)
    if kind == K_INT:
        return _decode_int(p, n, conv)
    if kind == K_DECIMAL:
        return _Decimal(PyUnicode_DecodeASCII(<const char *>p, n, NULL))
    if kind == K_DATETIME:
        return _decode_datetime_c(p, n, conv)
    if kind == K_DATE:
        return _decode_date_c(p, n, conv)
    if kind == K_FLOAT:
        return _decode_float(p, n, conv)
    return conv(PyBytes_FromStringAndSize(<const char *>p, n))


cdef tuple _decode_row(
    const unsigned char *buf, Py_ssize_t pos, Py_ssize_t end, tuple plan,
    const unsigned char *kinds
):
    cdef Py_ssize_t ncols = len(plan), i
    cdef unsigned long long n
    cdef unsigned char first
    cdef bint untrack = True
    cdef tuple row = PyTuple_New(ncols)
    cdef object value
    for i in range(ncols):
        if pos >= end:
            raise ProtocolError("row has fewer values than columns")
        first = buf[pos]
        if first < 0xFB:
            n = first
            pos += 1
        elif first == 0xFB:
            Py_INCREF(None)
            PyTuple_SET_ITEM(row, i, None)
            pos += 1
            continue
        elif first == 0xFC:
            if pos + 3 > end:
                raise ProtocolError("row value runs past the end of its packet")
            n = buf[pos + 1] | buf[pos + 2] << 8
            pos += 3
        elif first == 0xFD:
            if pos + 4 > end:
                raise ProtocolError("row value runs past the end of its packet")
            n = buf[pos + 1] | buf[pos + 2] << 8 | buf[pos + 3] << 16
            pos += 4
        elif first == 0xFE:
            if pos + 9 > end:
                raise ProtocolError("row value runs past the end of its packet")
            n = (
                <unsigned long long>buf[pos + 1] | <unsigned long long>buf[pos + 2] << 8
                | <unsigned long long>buf[pos + 3] << 16 | <unsigned long long>buf[pos + 4] << 24
                | <unsigned long long>buf[pos + 5] << 32 | <unsigned long long>buf[pos + 6] << 40
                | <unsigned long long>buf[pos + 7] << 48 | <unsigned long long>buf[pos + 8] << 56
            )
            pos += 9
        else:
            raise ProtocolError("invalid length prefix 0xff in row")
        if n > <unsigned long long>(end - pos):
            raise ProtocolError("row value runs past the end of its packet")
        value = _value(kinds[i], buf + pos, <Py_ssize_t>n, plan[i])
        if untrack and kinds[i] == K_CALL and PyObject_GC_IsTracked(value):
            untrack = False
        Py_INCREF(value)
        PyTuple_SET_ITEM(row, i, value)
        pos += <Py_ssize_t>n
    if pos != end:
        raise ProtocolError("row has more values than columns")
    if untrack:
        # Only atoms inside (bytes, str, numbers, dates, None): the row can never be part
        # of a reference cycle, so keep it out of the collector's young generation.
        PyObject_GC_UnTrack(<void *>row)
    return row


cdef inline Py_ssize_t _check_span(bytes data, Py_ssize_t pos, Py_ssize_t end) except -1:
    if pos < 0 or end > PyBytes_GET_SIZE(data) or pos > end:
        raise ProtocolError(f"row span {pos}:{end} outside a buffer of {len(data)} bytes")
    return 0


def decode_text_row(bytes data, Py_ssize_t pos, Py_ssize_t end, tuple plan):
    """Decode one text-protocol row whose payload is ``data[pos:end]``."""
    _check_span(data, pos, end)
    cdef bytes kinds = _plan_kinds(plan)
    return _decode_row(
        <const unsigned char *>PyBytes_AS_STRING(data), pos, end, plan,
        <const unsigned char *>PyBytes_AS_STRING(kinds),
    )


def decode_text_rows(
    bytes data, Py_ssize_t pos, Py_ssize_t end, int seq, tuple plan, list rows
):
    """Decode every complete single-frame row packet in ``data[pos:end]`` into ``rows``.

    Same contract as rows.decode_text_rows: stops before an incomplete packet, a packet
    of MAX_FRAME bytes or more, or a packet that is not a row; returns (pos, seq).
    """
    _check_span(data, pos, end)
    cdef bytes kinds = _plan_kinds(plan)
    cdef const unsigned char *buf = <const unsigned char *>PyBytes_AS_STRING(data)
    cdef const unsigned char *k = <const unsigned char *>PyBytes_AS_STRING(kinds)
    cdef Py_ssize_t length, start, stop
    cdef unsigned char first
    while end - pos >= 4:
        length = buf[pos] | buf[pos + 1] << 8 | buf[pos + 2] << 16
        start = pos + 4
        stop = start + length
        if stop > end or length == MAX_FRAME or length == 0:
            break
        first = buf[start]
        if first == 0xFE or first == 0xFF:
            break
        if buf[pos + 3] != seq:
            raise ProtocolError(f"packet sequence id {buf[pos + 3]}, expected {seq}")
        rows.append(_decode_row(buf, start, stop, plan, k))
        seq = (seq + 1) & 0xFF
        pos = stop
    return pos, seq


def read_packet(bytes data, Py_ssize_t pos, int seq, Py_ssize_t max_packet):
    """The logical packet at ``data[pos:]``; same contract as packets.read_packet."""
    cdef const unsigned char *buf = <const unsigned char *>PyBytes_AS_STRING(data)
    cdef Py_ssize_t end = PyBytes_GET_SIZE(data)
    cdef Py_ssize_t p = pos, length, total = 0, frames = 0, q, out_pos
    cdef bytes payload
    cdef char *out
    if pos < 0:
        raise ProtocolError(f"negative packet position {pos}")
    while True:
        if end - p < 4:
            return None, p - pos + 4, seq
        length = buf[p] | buf[p + 1] << 8 | buf[p + 2] << 16
        if buf[p + 3] != seq:
            raise ProtocolError(f"packet sequence id {buf[p + 3]}, expected {seq}")
        total += length
        if total > max_packet:
            raise ProtocolError(
                f"packet of at least {total} bytes exceeds the limit of {max_packet}"
            )
        if end - p - 4 < length:
            return None, p - pos + 4 + length, seq
        seq = (seq + 1) & 0xFF
        p += 4 + length
        frames += 1
        if length < MAX_FRAME:
            break
    if frames == 1:
        return data[pos + 4 : p], p, seq
    # Several frames: one copy of the payloads, without their headers.
    payload = PyBytes_FromStringAndSize(NULL, total)
    out = PyBytes_AS_STRING(payload)
    q = pos
    out_pos = 0
    while q < p:
        length = buf[q] | buf[q + 1] << 8 | buf[q + 2] << 16
        memcpy(out + out_pos, buf + q + 4, length)
        out_pos += length
        q += 4 + length
    return payload, p, seq


# --- escaping -------------------------------------------------------------------------

cdef object _escape_ascii(str s, bint no_backslash_escapes, bint quote):
    """Escape an ASCII str in one pass, optionally inside quotes; s itself if unchanged."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(s), i, extra = 0, j
    cdef const unsigned char *src = <const unsigned char *>PyUnicode_DATA(s)
    cdef unsigned char *dst
    cdef unsigned char c
    for i in range(n):
        c = src[i]
        if no_backslash_escapes:
            if c == 39:
                extra += 1
        elif c == 92 or c == 0 or c == 10 or c == 13 or c == 39 or c == 34 or c == 26:
            extra += 1
    if extra == 0 and not quote:
        return s
    out = PyUnicode_New(n + extra + 2 * quote, 127)
    dst = <unsigned char *>PyUnicode_DATA(out)
    j = 0
    if quote:
        dst[0] = 39
        j = 1
    for i in range(n):
        c = src[i]
        if no_backslash_escapes:
            if c == 39:
                dst[j] = 39
                j += 1
            dst[j] = c
        elif c == 92 or c == 39 or c == 34:
            dst[j] = 92
            j += 1
            dst[j] = c
        elif c == 0:
            dst[j] = 92
            j += 1
            dst[j] = 48  # '0'
        elif c == 10:
            dst[j] = 92
            j += 1
            dst[j] = 110  # 'n'
        elif c == 13:
            dst[j] = 92
            j += 1
            dst[j] = 114  # 'r'
        elif c == 26:
            dst[j] = 92
            j += 1
            dst[j] = 90  # 'Z'
        else:
            dst[j] = c
        j += 1
    if quote:
        dst[j] = 39
    return out


def escape_string(s, bint no_backslash_escapes=False):
    """Escape ``s`` for use between single quotes; same contract as converters.escape_string."""
    if type(s) is str and PyUnicode_IS_ASCII(s):
        return _escape_ascii(s, no_backslash_escapes, False)
    return _escape_string_generic(s, no_backslash_escapes)


_BACKSLASH_ESCAPES = (
    ("\\", "\\\\"),
    ("\0", "\\0"),
    ("\n", "\\n"),
    ("\r", "\\r"),
    ("'", "\\'"),
    ('"', '\\"'),
    ("\x1a", "\\Z"),
)


cdef object _escape_string_generic(object s, bint no_backslash_escapes):
    # Non-ASCII text (or a str subclass): the same steps as converters.escape_string.
    if not s.isascii():
        try:
            s.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ProgrammingError(
                f"string parameter contains a lone surrogate at index {exc.start} "
                f"({s[exc.start]!r}); it cannot be sent to the server"
            ) from None
    if no_backslash_escapes:
        return s.replace("'", "''")
    for char, escaped in _BACKSLASH_ESCAPES:
        if char in s:
            s = s.replace(char, escaped)
    return s


# Encoders of aiomysql.converters, recognised by identity (loaded at first use: that
# module imports this one).
cdef object _enc_none = None, _enc_int, _enc_float, _enc_str, _enc_str_nb, _enc_bytes
cdef object _escape_fallback


cdef int _load_encoders() except -1:
    global _enc_none, _enc_int, _enc_float, _enc_str, _enc_str_nb, _enc_bytes
    global _escape_fallback
    from aiomysql import converters as c
    _enc_int = c._encode_int
    _enc_float = c._encode_float
    _enc_str = c._encode_str
    _enc_str_nb = c._encode_str_no_backslash
    _enc_bytes = c._encode_bytes
    _escape_fallback = c._escape
    _enc_none = c._encode_none
    return 0


def escape_args(args, mapping):
    """Each of ``args`` as an SQL literal; same contract as converters.escape_args."""
    if _enc_none is None:
        _load_encoders()
    cdef list out = []
    cdef bint exact_dict = type(mapping) is dict
    for value in args:
        cls = type(value)
        enc = (<dict>mapping).get(cls) if exact_dict else mapping.get(cls)
        if enc is None:
            out.append(_escape_fallback(value, mapping))
        elif cls is str and (enc is _enc_str or enc is _enc_str_nb) and PyUnicode_IS_ASCII(value):
            out.append(_escape_ascii(value, enc is _enc_str_nb, True))
        elif cls is int and enc is _enc_int:
            out.append(PyObject_Repr(value))
        elif cls is float and enc is _enc_float and isfinite(<double>value):
            out.append(PyObject_Repr(value))
        elif enc is _enc_none:
            out.append("NULL")
        elif cls is bytes and enc is _enc_bytes:
            out.append("X'" + (<bytes>value).hex() + "'")
        else:
            out.append(enc(value, mapping))
    return tuple(out)
