"""The common case of the per-statement path: a query sent, its whole reply read in one step.

``query_packet`` frames a COM_QUERY whose statement fits one frame without the
intermediate payload and frame objects of ``send_command``.

When everything the server sent in reply to the command just sent is buffered and the
reply is of the common kind (an OK packet, or a text result set whose column definitions
the core has parsed before; a binary reply: ``fast_path_binary``), ``read_whole_result`` reads
it at once: no event per packet, one result object filled straight from the buffer.
Otherwise it returns None and leaves the core untouched, and the caller reads the reply
event by event (``next_event``: the general path, which also raises the server's errors,
parses new column definitions and joins multi-frame packets). The state moves through the
core's ``_finish`` (so ``_to``): a reply read whole is one move from RESULT, as an OK
reply is; the column and row states the general path passes through are never observable
in between.

This is the pure-Python twin of the compiled ``_speedups.read_whole_result``
(``_fast_path.pxi``); ``_impl`` picks one. Both return None in exactly the same cases.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..constants import CLIENT, COMMAND
from .commands import com_query
from .fast_path_binary import read_whole_binary as _read_whole_binary
from .packets import MAX_FRAME
from .rows import decode_text_rows as _decode_text_rows
from .state import State

if TYPE_CHECKING:
    from .core import ClientCore

_IDLE = State.IDLE
_RESULT = State.RESULT
_MORE = State.MORE_RESULTS
_DEPRECATE_EOF = CLIENT.DEPRECATE_EOF


_COM_QUERY = COMMAND.COM_QUERY


def query_packet(core: ClientCore, sql: bytes) -> bytes:
    """Bytes of COM_QUERY carrying ``sql``; the core then waits for the reply (the same
    as ``core.send_command(com_query(sql))``, which it is for anything but an idle core
    and a statement under one frame)."""
    n = len(sql) + 1
    if core._state is not _IDLE or n >= MAX_FRAME:
        return core.send_command(com_query(sql))
    core._seq = 1  # the request's frame is sequence id 0
    core._binary = False
    core._to(_RESULT)
    return bytes((n & 0xFF, (n >> 8) & 0xFF, n >> 16, 0, _COM_QUERY)) + sql


def read_whole_result(core: ClientCore, result_type: type[Any]) -> Any:
    """The reply to the command just sent, as a new ``result_type`` (aiomysql.result.Result)
    when all of it is buffered and it is an OK or a result set of known columns; else None,
    the core untouched."""
    state = core._state
    if state is not _RESULT and state is not _MORE:
        return None
    if core._binary:  # a prepared statement's reply (fast_path_binary.py)
        return _read_whole_binary(core, result_type)
    if core.session is not None:
        return None  # OK packets carrying session state (session_track): the general path
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
    if head == 0:  # OK
        if length < 7 or buf[start + 1] >= 0xFB or buf[start + 2] >= 0xFB:
            return None  # counters of several bytes: the general path
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
        core._finish(status)
        return result
    if head >= 0xFB:  # ERR, LOCAL INFILE, a long column count: the general path
        return None
    count = head
    # The column definitions: known only by their exact bytes (and first sequence id).
    first_seq = seq
    p = stop
    for _ in range(count):
        if end - p < 4:
            return None
        p += 4 + (buf[p] | buf[p + 1] << 8 | buf[p + 2] << 16)
        if p > end:
            return None
    known = core._span_cache.get((first_seq, bytes(buf[stop:p])))
    if known is None:
        return None
    seq = (first_seq + count) & 0xFF
    deprecate_eof = core.capabilities & _DEPRECATE_EOF
    if not deprecate_eof:  # the EOF after the column definitions
        if end - p < 5 or buf[p + 3] != seq or buf[p + 4] != 0xFE:
            return None
        length = buf[p] | buf[p + 1] << 8 | buf[p + 2] << 16
        if length == 0 or length >= MAX_FRAME or p + 4 + length > end:
            return None
        p += 4 + length
        seq = (seq + 1) & 0xFF
    cached = core._plan_cache.get(known)
    if cached is None:
        return None
    plan, description = cached
    # The rows, up to the packet that ends them: all buffered, single-frame, in sequence.
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
        if first == 0xFF:
            return None  # the server's error ends the result: the general path raises it
        p = stop
        seq = (seq + 1) & 0xFF
        nrows += 1
    if deprecate_eof:  # an OK packet with header 0xFE
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
            _decode_text_rows(buf, rows_start, p, rows_seq, plan, rows)
        except Exception:
            return None  # the general path decodes them again and raises its own error
        if len(rows) != nrows:
            return None
    # Read whole, so the column and row states between are never observable: one move,
    # RESULT (or MORE_RESULTS) to IDLE or MORE_RESULTS, as for an OK reply.
    core._pos, core._seq, core._need = stop, (seq + 1) & 0xFF, 4
    core._finish(status)
    columns = list(known)
    result = object.__new__(result_type)
    result.affected_rows = nrows
    result.insert_id = 0
    result.warning_count = warnings
    result.server_status = status
    result.message = ""
    result.columns = columns
    result._description = description or None
    result.rows = rows
    result.complete = True
    return result
