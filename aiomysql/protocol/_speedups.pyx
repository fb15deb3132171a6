# cython: language_level=3, binding=True, boundscheck=False, wraparound=False, cdivision=True
"""Compiled twin of the hot loops in packets.py, rows.py and escaping.py (same names).

Chosen (or not) by _impl only. Imports nothing above aiomysql.protocol: the upper layers
name the decoders and encoders it may run in C through register_decoders and
register_encoders (called by _impl on their behalf); until then every plan entry and
encoder is simply called, as the pure-Python reference does.
"""

from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_GET_SIZE
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.datetime cimport date_new, datetime_new, import_datetime
from cpython.long cimport PyLong_FromLongLong
from cpython.object cimport PyObject, PyTypeObject
from cpython.ref cimport Py_INCREF
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM
from cpython.unicode cimport PyUnicode_DecodeASCII, PyUnicode_DecodeUTF8
from cpython.object cimport PyObject_Repr
from libc.math cimport isfinite
from libc.string cimport memchr, memcpy

from decimal import Decimal as _PyDecimal

from .escaping import escape_string as _py_escape_string
from .escaping import escape_value as _escape_value
from .packets import MAX_FRAME as _MAX_FRAME_PY
from .packets import ProtocolError as _ProtocolError

cdef extern from "Python.h":
    double PyOS_string_to_double(const char *s, char **endptr, PyObject *exc) except? -1.0
    int PyObject_GC_IsTracked(object op)
    void PyObject_GC_UnTrack(void *op)
    bint PyUnicode_IS_ASCII(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    void *PyUnicode_DATA(object o)
    object PyUnicode_New(Py_ssize_t size, Py_UCS4 maxchar)
    int PyGC_Disable()
    int PyGC_Enable()

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
cdef object _Decimal = _PyDecimal
# The standard decoders of aiomysql.decoders, recognised by identity once registered.
cdef object _decode_decimal = None
cdef object _decode_date = None
cdef object _decode_datetime = None

# The kinds of the plan seen last: a result set's plan is reused for every batch.
cdef object _last_plan = None
cdef bytes _last_kinds = b""


def register_decoders(*, decode_decimal, decode_date, decode_datetime):
    """Name the DECIMAL, DATE and DATETIME decoders whose values are built in C."""
    global _decode_decimal, _decode_date, _decode_datetime, _last_plan
    _decode_decimal = decode_decimal
    _decode_date = decode_date
    _decode_datetime = decode_datetime
    _last_plan = None  # its kinds were worked out with the old names


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
    cdef long long v = 0
    cdef bint neg = n > 1 and p[0] == 45  # '-'
    if 0 < n - neg <= 18 and _digits(p + neg, n - neg, &v) == 0:
        return PyLong_FromLongLong(-v if neg else v)
    return conv(PyBytes_FromStringAndSize(<const char *>p, n))


# Powers of ten that a double holds exactly (10**22 is the last).
cdef double *_POW10 = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]


cdef extern from "float.h":
    int FLT_EVAL_METHOD


cdef inline int _exact_float(const unsigned char *p, Py_ssize_t n, double *out) noexcept:
    """Parse [-]digits[.digits][e[+-]digits] when the result is exact by Clinger's fast
    path: a mantissa below 2**53 and a power of ten up to 22, so one IEEE multiply or
    divide rounds it correctly (as float() would). 0 on success, -1 to fall back."""
    cdef Py_ssize_t i = 0
    cdef long long m = 0, e = 0
    cdef int ndigits = 0, frac = 0, edigits = 0
    cdef bint neg = False, eneg = False
    if FLT_EVAL_METHOD != 0:
        return -1  # x87 extended precision: double rounding could differ
    if i < n and (p[i] == 45 or p[i] == 43):  # '-', '+'
        neg = p[i] == 45
        i += 1
    while i < n and 48 <= p[i] <= 57:
        m = m * 10 + (p[i] - 48)
        ndigits += 1
        i += 1
    if i < n and p[i] == 46:  # '.'
        i += 1
        while i < n and 48 <= p[i] <= 57:
            m = m * 10 + (p[i] - 48)
            ndigits += 1
            frac += 1
            i += 1
    if ndigits == 0 or ndigits > 18:
        return -1
    if i < n and (p[i] == 101 or p[i] == 69):  # 'e', 'E'
        i += 1
        if i < n and (p[i] == 45 or p[i] == 43):
            eneg = p[i] == 45
            i += 1
        while i < n and 48 <= p[i] <= 57 and edigits < 4:
            e = e * 10 + (p[i] - 48)
            edigits += 1
            i += 1
        if edigits == 0:
            return -1
    if i != n or m >= (<long long>1 << 53):
        return -1
    e = (-e if eneg else e) - frac
    cdef double v = <double>m
    if 0 < e <= 22:
        v = v * _POW10[e]
    elif -22 <= e < 0:
        v = v / _POW10[-e]
    elif e != 0:
        return -1
    out[0] = -v if neg else v
    return 0


cdef object _decode_float(const unsigned char *p, Py_ssize_t n, object conv):
    cdef char buf[40]
    cdef char *stop = NULL
    cdef double v = 0.0
    cdef Py_ssize_t i
    cdef unsigned char c
    if _exact_float(p, n, &v) == 0:
        return v
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


cdef inline int _d2(const unsigned char *p) noexcept:
    """Two ASCII digits as a number, or -1."""
    cdef unsigned int a = p[0] - 48, b = p[1] - 48
    if a > 9 or b > 9:
        return -1
    return a * 10 + b


cdef inline int _d4(const unsigned char *p) noexcept:
    """Four ASCII digits as a number, or -1."""
    cdef int hi = _d2(p), lo = _d2(p + 2)
    if hi < 0 or lo < 0:
        return -1
    return hi * 100 + lo


cdef int *_MONTH_DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


cdef inline bint _valid_date(int y, int m, int d) noexcept:
    """What datetime.date accepts (so no exception to catch on the hot path)."""
    if y < 1 or m < 1 or m > 12 or d < 1:
        return False
    if d <= _MONTH_DAYS[m]:
        return True
    return m == 2 and d == 29 and y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


cdef object _decode_date_c(const unsigned char *p, Py_ssize_t n, object conv):
    cdef int y, m, d
    if n == 10 and p[4] == 45 and p[7] == 45:
        y = _d4(p)
        m = _d2(p + 5)
        d = _d2(p + 8)
        if _valid_date(y, m, d):  # -1 (not a digit) fails too
            return date_new(y, m, d)
    # zero or invalid date: decoders.decode_date returns the text
    return conv(PyBytes_FromStringAndSize(<const char *>p, n))


# Microseconds per unit of the last digit of an nf-digit fraction (nf = 0..6).
cdef long long *_FRACTION_SCALE = [1, 100000, 10000, 1000, 100, 10, 1]


cdef object _decode_datetime_c(const unsigned char *p, Py_ssize_t n, object conv):
    cdef int y, mo, d, h, mi, sec
    cdef long long us = 0
    cdef Py_ssize_t nf
    if (
        (n == 19 or (21 <= n <= 26 and p[19] == 46))
        and p[4] == 45 and p[7] == 45 and p[10] == 32 and p[13] == 58 and p[16] == 58
    ):
        y = _d4(p)
        mo = _d2(p + 5)
        d = _d2(p + 8)
        h = _d2(p + 11)
        mi = _d2(p + 14)
        sec = _d2(p + 17)
        nf = n - 20 if n > 19 else 0
        if (
            _valid_date(y, mo, d) and 0 <= h < 24 and 0 <= mi < 60 and 0 <= sec < 60
            and (nf == 0 or _digits(p + 20, nf, &us) == 0)
        ):
            return datetime_new(y, mo, d, h, mi, sec, <int>(us * _FRACTION_SCALE[nf]), None)
    # zero or invalid: decoders.decode_datetime returns the text
    return conv(PyBytes_FromStringAndSize(<const char *>p, n))


cdef object _new_decimal(object text):
    """Decimal(text), straight through the type's constructor (skips the generic call)."""
    cdef tuple args = PyTuple_New(1)
    Py_INCREF(text)
    PyTuple_SET_ITEM(args, 0, text)
    return (<PyTypeObject *>_Decimal).tp_new(_Decimal, <PyObject *>args, NULL)


# DECIMAL built from its digits. Decimal(str) goes text -> str object -> char buffer ->
# libmpdec's string parser. A DECIMAL column's text ("-123.45") is a sign, an integer
# coefficient and an exponent, so for up to 18 digits the Decimal object is allocated
# and filled in directly: the layout of _decimal's PyDecObject (Modules/_decimal in
# CPython, the same since 3.3: the object header, a cached hash, libmpdec's mpd_t and
# four words of coefficient kept in the object), with one 64-bit word of coefficient.
# Only turned on (at import, by _check_decimal_from_digits) when the size matches and
# values built so equal Decimal(str) in every respect for a set of samples; otherwise
# (the pure-Python _pydecimal, a 32-bit build, another layout) every value goes through
# Decimal(str) as before.
cdef extern from *:
    """
    #include <stdint.h>
    typedef struct {
        uint8_t flags;
        int64_t exp;
        int64_t digits;
        int64_t len;
        int64_t alloc;
        uint64_t *data;
    } aiomysql_mpd_t;
    typedef struct {
        PyObject_HEAD
        Py_hash_t hash;
        aiomysql_mpd_t dec;
        uint64_t data[4];
    } aiomysql_dec_object;
    """
    ctypedef struct aiomysql_mpd_t:
        unsigned char flags
        long long exp
        long long digits
        long long len
        long long alloc
        unsigned long long *data
    ctypedef struct aiomysql_dec_object:
        Py_ssize_t hash
        aiomysql_mpd_t dec
        unsigned long long data[4]

cdef extern from "Python.h":
    object PyType_GenericAlloc(PyTypeObject *t, Py_ssize_t nitems)

# libmpdec's flags: negative; the mpd_t and its coefficient words live in the object.
cdef enum:
    MPD_NEG = 1
    MPD_STATIC = 16
    MPD_STATIC_DATA = 32

cdef bint _decimal_digits_on = False


cdef object _decimal_from_digits(const unsigned char *p, Py_ssize_t n):
    """Decimal(text) for "[-]digits[.digits]" of at most 18 digits; None otherwise."""
    cdef Py_ssize_t i = 0, ndigits = 0, significant = 0, scale = 0
    cdef bint neg = False, dot = False
    cdef unsigned long long coef = 0
    cdef unsigned char c
    if n <= 0 or n > 20:
        return None
    if p[0] == 45:  # '-'
        neg = True
        i = 1
    while i < n:
        c = p[i]
        i += 1
        if c == 46 and not dot:  # '.'
            dot = True
            continue
        c -= 48
        if c > 9:
            return None
        coef = coef * 10 + c
        ndigits += 1
        significant += coef != 0  # digits from the first non-zero one on
        scale += dot
    if ndigits == 0 or ndigits > 18:
        return None
    cdef object dec = PyType_GenericAlloc(<PyTypeObject *>_Decimal, 0)
    cdef aiomysql_dec_object *d = <aiomysql_dec_object *><PyObject *>dec
    d.hash = -1
    d.dec.flags = MPD_STATIC | MPD_STATIC_DATA | (MPD_NEG if neg else 0)
    d.dec.exp = -scale
    d.dec.digits = significant if significant else 1  # zero has one digit
    d.dec.len = 1
    d.dec.alloc = 4
    d.dec.data = d.data
    d.data[0] = coef
    return dec


cdef inline object _decode_decimal_c(const unsigned char *p, Py_ssize_t n):
    cdef object value
    if _decimal_digits_on:
        value = _decimal_from_digits(p, n)
        if value is not None:
            return value
    return _new_decimal(PyUnicode_DecodeASCII(<const char *>p, n, NULL))


def _check_decimal_from_digits():
    """Turn the digits route on if values built by it are Decimal(str)'s, exactly."""
    global _decimal_digits_on
    import sys
    _decimal_digits_on = False
    c_decimal = sys.modules.get("_decimal")
    if (
        c_decimal is None
        or getattr(c_decimal, "Decimal", None) is not _Decimal
        or _Decimal.__basicsize__ != sizeof(aiomysql_dec_object)
        or sizeof(void *) != 8
    ):
        return False
    samples = (
        b"0", b"-0", b"0.00", b"-0.00", b"1", b"-1", b"123.45", b"-123.45", b".5", b"5.",
        b"0.05", b"10", b"100.000", b"999999999999999999", b"-99999999.9999999999",
        b"0.00000000000000001", b"12345678901234567.8",
    )
    cdef bytes text
    for text in samples:
        built = _decimal_from_digits(<const unsigned char *>PyBytes_AS_STRING(text), len(text))
        want = _Decimal(text.decode("ascii"))
        if (
            type(built) is not _Decimal
            or built.as_tuple() != want.as_tuple()
            or str(built) != str(want)
            or hash(built) != hash(want)
            or built != want
            or built + 1 != want + 1
            or -built != -want
            or built.adjusted() != want.adjusted()
            or built.is_signed() != want.is_signed()
        ):
            return False
    _decimal_digits_on = True
    return True


_check_decimal_from_digits()


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
        return _decode_decimal_c(p, n)
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
            raise _ProtocolError("row has fewer values than columns")
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
                raise _ProtocolError("row value runs past the end of its packet")
            n = buf[pos + 1] | buf[pos + 2] << 8
            pos += 3
        elif first == 0xFD:
            if pos + 4 > end:
                raise _ProtocolError("row value runs past the end of its packet")
            n = buf[pos + 1] | buf[pos + 2] << 8 | buf[pos + 3] << 16
            pos += 4
        elif first == 0xFE:
            if pos + 9 > end:
                raise _ProtocolError("row value runs past the end of its packet")
            n = (
                <unsigned long long>buf[pos + 1] | <unsigned long long>buf[pos + 2] << 8
                | <unsigned long long>buf[pos + 3] << 16 | <unsigned long long>buf[pos + 4] << 24
                | <unsigned long long>buf[pos + 5] << 32 | <unsigned long long>buf[pos + 6] << 40
                | <unsigned long long>buf[pos + 7] << 48 | <unsigned long long>buf[pos + 8] << 56
            )
            pos += 9
        else:
            raise _ProtocolError("invalid length prefix 0xff in row")
        if n > <unsigned long long>(end - pos):
            raise _ProtocolError("row value runs past the end of its packet")
        value = _value(kinds[i], buf + pos, <Py_ssize_t>n, plan[i])
        if untrack and kinds[i] == K_CALL and PyObject_GC_IsTracked(value):
            untrack = False
        Py_INCREF(value)
        PyTuple_SET_ITEM(row, i, value)
        pos += <Py_ssize_t>n
    if pos != end:
        raise _ProtocolError("row has more values than columns")
    if untrack:
        # Only atoms inside (bytes, str, numbers, dates, None): the row can never be part
        # of a reference cycle, so keep it out of the collector's young generation.
        PyObject_GC_UnTrack(<void *>row)
    return row


cdef const unsigned char *_contents(object data, Py_ssize_t *size) except NULL:
    """The bytes of a bytes or bytearray object (the core's receive buffer)."""
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


def decode_text_row(data, Py_ssize_t pos, Py_ssize_t end, tuple plan):
    """Decode one text-protocol row whose payload is ``data[pos:end]``."""
    cdef Py_ssize_t size = 0
    cdef const unsigned char *buf = _contents(data, &size)
    _check_span(size, pos, end)
    cdef bytes kinds = _plan_kinds(plan)
    return _decode_row(buf, pos, end, plan, <const unsigned char *>PyBytes_AS_STRING(kinds))


def decode_text_rows(data, Py_ssize_t pos, Py_ssize_t end, int seq, tuple plan, list rows):
    """Decode every complete single-frame row packet in ``data[pos:end]`` into ``rows``.

    Same contract as rows.decode_text_rows: stops before an incomplete packet, a packet
    of MAX_FRAME bytes or more, or a packet that is not a row; returns (pos, seq).
    """
    cdef Py_ssize_t size = 0
    cdef const unsigned char *buf = _contents(data, &size)
    _check_span(size, pos, end)
    cdef bytes kinds = _plan_kinds(plan)
    cdef const unsigned char *k = <const unsigned char *>PyBytes_AS_STRING(kinds)
    cdef Py_ssize_t length, start, stop
    cdef unsigned char first
    # The cyclic collector is paused while the batch's rows are built, when no Python code
    # can run meanwhile (no plan entry calls out: every value is an atom made in C, and
    # the GIL is held throughout), so nobody can observe the pause. Every row tuple counts
    # as an allocation for the collector, which would otherwise run a collection every
    # 700 rows in the middle of the batch; the collection they add up to runs at the next
    # allocation after it instead (deferred, never skipped, one per batch).
    cdef bint paused = False
    if memchr(k, K_CALL, PyBytes_GET_SIZE(kinds)) == NULL:
        paused = PyGC_Disable()
    try:
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
                raise _ProtocolError(f"packet sequence id {buf[pos + 3]}, expected {seq}")
            rows.append(_decode_row(buf, start, stop, plan, k))
            seq = (seq + 1) & 0xFF
            pos = stop
    finally:
        if paused:
            PyGC_Enable()
    return pos, seq


def packets_end(data, Py_ssize_t pos, Py_ssize_t end, Py_ssize_t count):
    """Where ``count`` frames from ``data[pos]`` end, or -1; same contract as
    packets.packets_end."""
    cdef Py_ssize_t size = 0, p = pos
    cdef const unsigned char *buf = _contents(data, &size)
    if pos < 0 or end > size:
        raise _ProtocolError(f"packet span {pos}:{end} outside a buffer of {size} bytes")
    while count > 0:
        count -= 1
        if end - p < 4:
            return -1
        p += 4 + (buf[p] | buf[p + 1] << 8 | buf[p + 2] << 16)
        if p > end:
            return -1
    return p


def read_packet(data, Py_ssize_t pos, int seq, Py_ssize_t max_packet, Py_ssize_t end=-1):
    """The logical packet at ``data[pos:end]``; same contract as packets.read_packet."""
    cdef Py_ssize_t size = 0
    cdef const unsigned char *buf = _contents(data, &size)
    cdef Py_ssize_t p = pos, length, total = 0, frames = 0, q, out_pos
    cdef bytes payload
    cdef char *out
    if end < 0:
        end = size
    if pos < 0 or end > size:
        raise _ProtocolError(f"packet span {pos}:{end} outside a buffer of {size} bytes")
    while True:
        if end - p < 4:
            return None, p - pos + 4, seq
        length = buf[p] | buf[p + 1] << 8 | buf[p + 2] << 16
        if buf[p + 3] != seq:
            raise _ProtocolError(f"packet sequence id {buf[p + 3]}, expected {seq}")
        total += length
        if total > max_packet:
            raise _ProtocolError(
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
        return PyBytes_FromStringAndSize(<const char *>buf + pos + 4, p - pos - 4), p, seq
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
    """Escape ``s`` for use between single quotes; same contract as escaping.escape_string."""
    if type(s) is str and PyUnicode_IS_ASCII(s):
        return _escape_ascii(s, no_backslash_escapes, False)
    # Non-ASCII text (lone surrogates are refused) or a str subclass: the reference.
    return _py_escape_string(s, no_backslash_escapes)


# The standard encoders of aiomysql.converters, recognised by identity once registered.
cdef object _enc_none = None, _enc_int = None, _enc_float = None
cdef object _enc_str = None, _enc_str_nb = None, _enc_bytes = None


def register_encoders(
    *, encode_none, encode_int, encode_float, encode_str, encode_str_no_backslash,
    encode_bytes
):
    """Name the encoders whose output escape_args writes itself for exact-type values."""
    global _enc_none, _enc_int, _enc_float, _enc_str, _enc_str_nb, _enc_bytes
    _enc_none = encode_none
    _enc_int = encode_int
    _enc_float = encode_float
    _enc_str = encode_str
    _enc_str_nb = encode_str_no_backslash
    _enc_bytes = encode_bytes


def escape_args(args, mapping):
    """Each of ``args`` as an SQL literal; same contract as escaping.escape_args."""
    cdef list out = []
    cdef bint exact_dict = type(mapping) is dict
    for value in args:
        cls = type(value)
        enc = (<dict>mapping).get(cls) if exact_dict else mapping.get(cls)
        if enc is None:
            out.append(_escape_value(value, mapping))
        elif cls is str and (enc is _enc_str or enc is _enc_str_nb) and PyUnicode_IS_ASCII(value):
            out.append(_escape_ascii(value, enc is _enc_str_nb, True))
        elif cls is int and enc is _enc_int:
            out.append(PyObject_Repr(value))
        elif cls is float and enc is _enc_float and isfinite(<double>value):
            text = PyObject_Repr(value)
            out.append(text if "e" in text else text + "e0")  # a DOUBLE literal
        elif enc is _enc_none:
            out.append("NULL")
        elif cls is bytes and enc is _enc_bytes:
            out.append("X'" + (<bytes>value).hex() + "'")
        else:
            out.append(enc(value, mapping))
    return tuple(out)


# --- a statement's whole reply (twin of fast_path.py) -------------------------------

include "_fast_path.pxi"
