"""The one-step read of a prepared statement's reply (COM_STMT_EXECUTE), like fast_path's
for text replies: when the whole binary reply to the execute just sent is buffered, it is
an OK or a result set of the statement's known columns (MariaDB's metadata skip, or
definitions byte-identical to ones parsed before), and every row is a single frame, the
Result is filled straight from the buffer with the statement's binary plan. Otherwise None,
the core untouched: the general path (``next_event``) reads it, raises the server's errors,
parses new definitions and updates the statement's columns.

Pure-Python twin of the compiled ``_speedups.read_whole_binary`` (``_fast_path.pxi``);
``fast_path.read_whole_result`` calls it for binary replies. Each twin decodes the rows
with its own module's decoder (the compiled one with ``_binary_speedups``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..constants import CLIENT
from .binary_rows import decode_binary_rows as _decode_binary_rows
from .packets import MAX_FRAME

if TYPE_CHECKING:
    from .core import ClientCore

_DEPRECATE_EOF = CLIENT.DEPRECATE_EOF
_CACHE_METADATA = CLIENT.MARIADB_CLIENT_CACHE_METADATA


def read_whole_binary(core: ClientCore, result_type: type[Any]) -> Any:
    """The binary reply to the execute just sent, as a new ``result_type``, when all of it
    is buffered and of the common kind; else None, the core untouched. (The caller checked
    the state: RESULT or MORE_RESULTS, ``core._binary``.)"""
    known_columns = core._exec_columns
    if known_columns is None or core.session is not None:
        return None
    buf, pos, end, seq = core._buf, core._pos, core._end, core._seq
    if end - pos < 4 or buf[pos + 3] != seq:
        return None
    length = buf[pos] | buf[pos + 1] << 8 | buf[pos + 2] << 16
    start = pos + 4
    stop = start + length
    if length == 0 or length >= MAX_FRAME or stop > end:
        return None
    head = buf[start]
    seq = (seq + 1) & 0xFF
    if head == 0:  # OK (a statement without a result set)
        if length < 7 or buf[start + 1] >= 0xFB or buf[start + 2] >= 0xFB:
            return None
        status = buf[start + 3] | buf[start + 4] << 8
        result: Any = object.__new__(result_type)
        result.affected_rows = buf[start + 1]
        result.insert_id = buf[start + 2]
        result.warning_count = buf[start + 5] | buf[start + 6] << 8
        result.server_status = status
        result.message = (
            bytes(buf[start + 7 : stop]).decode("utf-8", "replace") if length > 7 else ""
        )
        result.columns = None
        result._description = None
        result.rows = None
        result.complete = True
        core._pos, core._seq, core._need = stop, seq, 4
        core._exec_columns = None
        core._finish(status)
        return result
    if head >= 0xFB:  # ERR, a long column count: the general path
        return None
    count = head
    caps = core.capabilities
    p = stop
    if caps & _CACHE_METADATA and length >= 2 and buf[start + 1] == 0:
        # MariaDB skipped the definitions: the statement's are the result's.
        if len(known_columns) != count:
            return None
        key = tuple(known_columns)
    else:
        first_seq = seq
        for _ in range(count):
            if end - p < 4:
                return None
            p += 4 + (buf[p] | buf[p + 1] << 8 | buf[p + 2] << 16)
            if p > end:
                return None
        known = core._span_cache.get((first_seq, bytes(buf[stop:p])))
        if known is None or len(known) != len(known_columns) or list(known) != known_columns:
            return None  # new or changed definitions: the general path records them
        key = known
        seq = (first_seq + count) & 0xFF
    if not caps & _DEPRECATE_EOF:  # the EOF after the (sent or skipped) definitions
        if end - p < 5 or buf[p + 3] != seq or buf[p + 4] != 0xFE:
            return None
        length = buf[p] | buf[p + 1] << 8 | buf[p + 2] << 16
        if length == 0 or length >= MAX_FRAME or p + 4 + length > end:
            return None
        p += 4 + length
        seq = (seq + 1) & 0xFF
    cached = core._binary_plans.get(key)
    if cached is None:
        return None
    plan, description = cached
    rows_start, rows_seq, nrows = p, seq, 0
    while True:
        if end - p < 4 or buf[p + 3] != seq:
            return None
        length = buf[p] | buf[p + 1] << 8 | buf[p + 2] << 16
        start = p + 4
        stop = start + length
        if length == 0 or length >= MAX_FRAME or stop > end:
            return None
        first = buf[start]
        if first == 0xFE:
            break
        if first != 0:
            return None  # the server's error (or garbage): the general path
        p = stop
        seq = (seq + 1) & 0xFF
        nrows += 1
    if caps & _DEPRECATE_EOF:
        if length < 7 or buf[start + 1] >= 0xFB or buf[start + 2] >= 0xFB:
            return None
        status = buf[start + 3] | buf[start + 4] << 8
        warnings = buf[start + 5] | buf[start + 6] << 8
    elif length >= 5:
        warnings = buf[start + 1] | buf[start + 2] << 8
        status = buf[start + 3] | buf[start + 4] << 8
    else:
        warnings = status = 0
    rows: list[tuple[Any, ...]] = []
    if nrows:
        try:
            _decode_binary_rows(buf, rows_start, p, rows_seq, plan, rows)
        except Exception:
            return None  # the general path decodes them again and raises its own error
        if len(rows) != nrows:
            return None
    core._pos, core._seq, core._need = stop, (seq + 1) & 0xFF, 4
    core._exec_columns = None
    core._finish(status)
    result = object.__new__(result_type)
    result.affected_rows = nrows
    result.insert_id = 0
    result.warning_count = warnings
    result.server_status = status
    result.message = ""
    result.columns = list(key)
    result._description = description or None
    result.rows = rows
    result.complete = True
    return result
