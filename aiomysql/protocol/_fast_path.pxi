# Included by _speedups.pyx: the compiled twin of fast_path.read_whole_result (same
# cases, same moves of the core's state); it shares that module's row decoder.

from cpython.unicode cimport PyUnicode_DecodeUTF8 as _utf8

from ..constants import CLIENT as _CLIENT
from ..constants import COMMAND as _COMMAND
from .commands import com_query as _com_query
from .state import State as _State

cdef object _ST_IDLE = _State.IDLE
cdef object _ST_RESULT = _State.RESULT
cdef object _ST_MORE = _State.MORE_RESULTS
cdef unsigned long long _DEPRECATE_EOF = _CLIENT.DEPRECATE_EOF


cdef tuple _NO_ARGS = ()


cdef object _new_instance(object cls):
    """object.__new__(cls), through the type's own slot (no argument parsing)."""
    return (<PyTypeObject *>cls).tp_new(cls, <PyObject *>_NO_ARGS, NULL)


# The result's fields, in the order _make_result takes them.
cdef tuple _RESULT_FIELDS = (
    "affected_rows", "insert_id", "warning_count", "server_status", "message",
    "columns", "_description", "rows", "complete",
)
cdef object _setters_of = None  # the result type _setters belong to
cdef list _setters = []  # its slot descriptor per field (None: set by setattr)


cdef object _slot_descriptor(object cls, str name):
    """cls's __slots__ member descriptor for name, or None (a plain attribute, a property)."""
    for klass in cls.__mro__:
        found = klass.__dict__.get(name)
        if found is not None:
            return found if type(found).__name__ == "member_descriptor" else None
    return None


cdef object _make_result(object cls, tuple values):
    """A new cls (no __init__) with the fields of _RESULT_FIELDS set to values: through the
    slots' descriptors directly (no attribute lookup per field), else by setattr."""
    global _setters_of, _setters
    if cls is not _setters_of:
        _setters = [_slot_descriptor(cls, name) for name in _RESULT_FIELDS]
        _setters_of = cls
    obj = _new_instance(cls)
    cdef Py_ssize_t i
    for i in range(9):
        setter = _setters[i]
        if setter is None:
            setattr(obj, _RESULT_FIELDS[i], values[i])
        else:
            setter_type = type(setter)
            (<PyTypeObject *>setter_type).tp_descr_set(setter, obj, values[i])
    return obj


cdef inline Py_ssize_t _frame_len(const unsigned char *buf, Py_ssize_t p) noexcept:
    return buf[p] | buf[p + 1] << 8 | buf[p + 2] << 16


cdef unsigned char _COM_QUERY_BYTE = _COMMAND.COM_QUERY


def query_packet(core, bytes sql):
    """Bytes of COM_QUERY carrying ``sql``; same contract as fast_path.query_packet."""
    cdef Py_ssize_t n = PyBytes_GET_SIZE(sql) + 1
    if core._state is not _ST_IDLE or n >= MAX_FRAME:
        return core.send_command(_com_query(sql))
    core._seq = 1
    core._binary = False
    core._to(_ST_RESULT)
    cdef bytes out = PyBytes_FromStringAndSize(NULL, n + 4)
    cdef unsigned char *o = <unsigned char *>PyBytes_AS_STRING(out)
    o[0] = n & 0xFF
    o[1] = (n >> 8) & 0xFF
    o[2] = n >> 16
    o[3] = 0
    o[4] = _COM_QUERY_BYTE
    memcpy(o + 5, PyBytes_AS_STRING(sql), n - 1)
    return out


def read_whole_result(core, result_type):
    """The reply to the command just sent, as a new ``result_type`` when all of it is
    buffered and it is an OK or a result set of known columns; else None, the core
    untouched. Same contract as fast_path.read_whole_result."""
    state = core._state
    if state is not _ST_RESULT and state is not _ST_MORE:
        return None
    if core._binary:  # a prepared statement's reply
        return read_whole_binary(core, result_type)
    if core.session is not None:
        return None  # OK packets carrying session state (session_track): the general path
    data = core._buf
    cdef Py_ssize_t size = 0
    cdef const unsigned char *buf = _contents(data, &size)
    cdef Py_ssize_t pos = core._pos, end = core._end
    cdef int seq = core._seq
    cdef Py_ssize_t length, start, stop, p, rows_start, nrows = 0, i = 0
    cdef int first_seq, count, head, status, warnings
    cdef bint deprecate_eof
    if pos < 0 or end > size or pos > end:
        return None
    if end - pos < 4 or buf[pos + 3] != seq:
        return None
    length = _frame_len(buf, pos)
    start = pos + 4
    stop = start + length
    if length == 0 or length >= MAX_FRAME or stop > end:
        return None
    head = buf[start]
    seq = (seq + 1) & 0xFF
    if head == 0:  # OK
        if length < 7 or buf[start + 1] >= 0xFB or buf[start + 2] >= 0xFB:
            return None
        status = buf[start + 3] | buf[start + 4] << 8
        if length > 7:
            message = _utf8(<const char *>buf + start + 7, length - 7, b"replace")
        else:
            message = ""
        result = _make_result(result_type, (
            buf[start + 1], buf[start + 2], buf[start + 5] | buf[start + 6] << 8, status,
            message, None, None, None, True,
        ))
        core._pos = stop
        core._seq = seq
        core._need = 4
        core._finish(status)
        return result
    if head >= 0xFB:
        return None
    count = head
    first_seq = seq
    p = stop
    while i < count:
        if end - p < 4:
            return None
        p += 4 + _frame_len(buf, p)
        if p > end:
            return None
        i += 1
    key = (first_seq, PyBytes_FromStringAndSize(<const char *>buf + stop, p - stop))
    known = (<dict?>core._span_cache).get(key)
    if known is None:
        return None
    seq = (first_seq + count) & 0xFF
    cdef unsigned long long caps = core.capabilities
    deprecate_eof = (caps & _DEPRECATE_EOF) != 0
    if not deprecate_eof:
        if end - p < 5 or buf[p + 3] != seq or buf[p + 4] != 0xFE:
            return None
        length = _frame_len(buf, p)
        if length == 0 or length >= MAX_FRAME or p + 4 + length > end:
            return None
        p += 4 + length
        seq = (seq + 1) & 0xFF
    cached = (<dict?>core._plan_cache).get(known)
    if cached is None:
        return None
    plan = (<tuple?>cached)[0]
    description = (<tuple>cached)[1]
    rows_start = p
    while True:
        if end - p < 4 or buf[p + 3] != seq:
            return None
        length = _frame_len(buf, p)
        start = p + 4
        stop = start + length
        if length == 0 or length >= MAX_FRAME or stop > end:
            return None
        head = buf[start]
        if head == 0xFE:
            break
        if head == 0xFF:
            return None
        p = stop
        seq = (seq + 1) & 0xFF
        nrows += 1
    if deprecate_eof:
        if length < 7 or buf[start + 1] >= 0xFB or buf[start + 2] >= 0xFB:
            return None
        status = buf[start + 3] | buf[start + 4] << 8
        warnings = buf[start + 5] | buf[start + 6] << 8
    elif length >= 5:
        warnings = buf[start + 1] | buf[start + 2] << 8
        status = buf[start + 3] | buf[start + 4] << 8
    else:
        warnings = status = 0
    cdef list rows = []
    cdef bytes kinds
    cdef Py_ssize_t q, rlen
    if nrows:
        kinds = _plan_kinds(<tuple?>plan)
        q = rows_start
        try:
            while q < p:
                rlen = _frame_len(buf, q)
                rows.append(
                    _decode_row(buf, q + 4, q + 4 + rlen, <tuple>plan,
                                <const unsigned char *>PyBytes_AS_STRING(kinds))
                )
                q += 4 + rlen
        except Exception:
            return None  # the general path decodes them again and raises its own error
    core._pos = stop
    core._seq = (seq + 1) & 0xFF
    core._need = 4
    core._finish(status)  # one move, as in fast_path.py
    columns = list(known)
    return _make_result(result_type, (
        nrows, 0, warnings, status, "", columns, description or None, rows, True,
    ))


cdef unsigned long long _CACHE_METADATA = _CLIENT.MARIADB_CLIENT_CACHE_METADATA
cdef object _decode_binary_rows = None


def read_whole_binary(core, result_type):
    """The binary reply to the execute just sent, as a new ``result_type``, when all of it
    is buffered and of the common kind; else None, the core untouched. Same contract as
    fast_path_binary.read_whole_binary."""
    global _decode_binary_rows
    if _decode_binary_rows is None:
        from ._binary_speedups import decode_binary_rows
        _decode_binary_rows = decode_binary_rows
    known_columns = core._exec_columns
    if known_columns is None or core.session is not None:
        return None
    data = core._buf
    cdef Py_ssize_t size = 0
    cdef const unsigned char *buf = _contents(data, &size)
    cdef Py_ssize_t pos = core._pos, end = core._end
    cdef int seq = core._seq
    cdef Py_ssize_t length, start, stop, p, rows_start, nrows = 0, i = 0
    cdef int first_seq, rows_seq, count, head, status, warnings
    if pos < 0 or end > size or pos > end:
        return None
    if end - pos < 4 or buf[pos + 3] != seq:
        return None
    length = _frame_len(buf, pos)
    start = pos + 4
    stop = start + length
    if length == 0 or length >= MAX_FRAME or stop > end:
        return None
    head = buf[start]
    seq = (seq + 1) & 0xFF
    if head == 0:  # OK
        if length < 7 or buf[start + 1] >= 0xFB or buf[start + 2] >= 0xFB:
            return None
        status = buf[start + 3] | buf[start + 4] << 8
        if length > 7:
            message = _utf8(<const char *>buf + start + 7, length - 7, b"replace")
        else:
            message = ""
        result = _make_result(result_type, (
            buf[start + 1], buf[start + 2], buf[start + 5] | buf[start + 6] << 8, status,
            message, None, None, None, True,
        ))
        core._pos = stop
        core._seq = seq
        core._need = 4
        core._exec_columns = None
        core._finish(status)
        return result
    if head >= 0xFB:
        return None
    count = head
    cdef unsigned long long caps = core.capabilities
    p = stop
    if (caps & _CACHE_METADATA) != 0 and length >= 2 and buf[start + 1] == 0:
        if len(<list?>known_columns) != count:
            return None
        key = tuple(known_columns)
    else:
        first_seq = seq
        while i < count:
            if end - p < 4:
                return None
            p += 4 + _frame_len(buf, p)
            if p > end:
                return None
            i += 1
        known = (<dict?>core._span_cache).get(
            (first_seq, PyBytes_FromStringAndSize(<const char *>buf + stop, p - stop))
        )
        if known is None or len(<tuple?>known) != len(<list?>known_columns):
            return None
        if list(known) != known_columns:
            return None
        key = known
        seq = (first_seq + count) & 0xFF
    if (caps & _DEPRECATE_EOF) == 0:
        if end - p < 5 or buf[p + 3] != seq or buf[p + 4] != 0xFE:
            return None
        length = _frame_len(buf, p)
        if length == 0 or length >= MAX_FRAME or p + 4 + length > end:
            return None
        p += 4 + length
        seq = (seq + 1) & 0xFF
    cached = (<dict?>core._binary_plans).get(key)
    if cached is None:
        return None
    plan = (<tuple?>cached)[0]
    description = (<tuple>cached)[1]
    rows_start = p
    rows_seq = seq
    while True:
        if end - p < 4 or buf[p + 3] != seq:
            return None
        length = _frame_len(buf, p)
        start = p + 4
        stop = start + length
        if length == 0 or length >= MAX_FRAME or stop > end:
            return None
        head = buf[start]
        if head == 0xFE:
            break
        if head != 0:
            return None
        p = stop
        seq = (seq + 1) & 0xFF
        nrows += 1
    if (caps & _DEPRECATE_EOF) != 0:
        if length < 7 or buf[start + 1] >= 0xFB or buf[start + 2] >= 0xFB:
            return None
        status = buf[start + 3] | buf[start + 4] << 8
        warnings = buf[start + 5] | buf[start + 6] << 8
    elif length >= 5:
        warnings = buf[start + 1] | buf[start + 2] << 8
        status = buf[start + 3] | buf[start + 4] << 8
    else:
        warnings = status = 0
    cdef list rows = []
    if nrows:
        try:
            _decode_binary_rows(data, rows_start, p, rows_seq, plan, rows)
        except Exception:
            return None
        if len(rows) != nrows:
            return None
    core._pos = stop
    core._seq = (seq + 1) & 0xFF
    core._need = 4
    core._exec_columns = None
    core._finish(status)
    return _make_result(result_type, (
        nrows, 0, warnings, status, "", list(key), description or None, rows, True,
    ))
