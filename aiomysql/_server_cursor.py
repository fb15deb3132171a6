"""Server-side cursors: an unbuffered prepared statement (``SSCursor`` with
``prepared=True``) is executed with CURSOR_TYPE_READ_ONLY and its rows read with
COM_STMT_FETCH, in batches of ``max(cursor.arraysize, MIN_FETCH_ROWS)`` rows.

Between two fetches the connection is idle: other statements may run on it meanwhile
(the server keeps the cursor). What ends a cursor before its last row: closing the SSCursor
or executing on it again (COM_STMT_RESET, answered by OK), executing the same statement
again from another cursor (the server closes the first cursor: its result ends there, with
aiomysql's "left incomplete" warning), COM_RESET_CONNECTION or a new connection. A statement
the cache pushes out, or one closed by its owner, while its cursor is open is closed on the
server only once the cursor is done (``PreparedStatements._flush_closes``).

A server that opens no cursor (a statement that cannot have one) streams the result as
usual: the rows already sent are the first batch.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from .errors import InterfaceError
from .protocol import events as ev
from .protocol.stmt_core import CURSOR_EXISTS, LAST_ROW_SENT
from .protocol.stmt_packets import com_stmt_fetch, com_stmt_reset

if TYPE_CHECKING:
    from ._statements import PreparedStatements
    from .protocol.results import Column
    from .result import Result

#: The fewest rows one COM_STMT_FETCH asks for: the default arraysize (1) would cost a
#: round trip per row.
MIN_FETCH_ROWS = 100
#: aiomysql's warning when a command comes while an unbuffered result is unread.
UNREAD_UNBUFFERED = "Previous unbuffered result was left incomplete"


class ServerCursor:
    """One open cursor: its statement, rows per fetch, and the end already read."""

    __slots__ = ("stmt_id", "columns", "rows", "end")

    def __init__(self, stmt_id: int, columns: list[Column], rows: int) -> None:
        self.stmt_id = stmt_id
        #: The result set's columns: the rows' decode plan (statements may run between).
        self.columns = columns
        self.rows = max(rows, MIN_FETCH_ROWS)
        #: The fetch reply that said the last row was sent, while its rows are handed out.
        self.end: ev.ResultSetEnd | None = None


async def open_cursor(channel: Any, result: Result, stmt_id: int, rows: int) -> None:
    """After an execute with a cursor, read to the header (``result``, unbuffered): the
    end of the reply says whether the server opened a cursor; else its rows stream."""
    statements: PreparedStatements = channel
    try:
        event = await channel.next_event()
    except BaseException:
        channel.abort_if_unsettled()
        core = channel.core
        if core is None or not core.streaming:
            result.complete = True
            channel._unbuffered = None
        raise
    if isinstance(event, ev.RowBatch):  # no cursor: these are the first streamed rows
        result.rows = event.rows
        return
    assert isinstance(event, ev.ResultSetEnd)
    channel._unbuffered = None
    if event.status & CURSOR_EXISTS and not event.status & LAST_ROW_SENT:
        statements._cursors[result] = ServerCursor(stmt_id, result.columns or [], rows)
        result.warning_count = event.warnings  # the execute's (the rows are made there)
        statements._cursor_stmts[stmt_id] = result
    else:
        _end(result, event)


async def fetch_rows(channel: Any, result: Result) -> list[tuple[Any, ...]]:
    """The next batch of an open cursor's rows (COM_STMT_FETCH); [] once it is done."""
    statements: PreparedStatements = channel
    state = statements._cursors.get(result)
    if state is None:
        raise InterfaceError(0, "this unbuffered result is no longer being read")
    if state.end is not None:
        _release(statements, result, state.end)
        return []
    core = channel.require_core()
    if not core.idle:
        await channel.settle()
    statements._flush_closes()
    request = core.send_fetch(com_stmt_fetch(state.stmt_id, state.rows), state.columns)
    rows: list[tuple[Any, ...]] = []
    try:
        statements._write(request)
        while True:
            event = await channel.next_event()
            if not isinstance(event, ev.RowBatch):
                break
            if rows:
                rows += event.rows
            else:
                rows = event.rows
    except BaseException:
        channel.abort_if_unsettled()  # mid-reply (cancelled, I/O): the connection closes
        _release(statements, result, None)
        raise
    assert isinstance(event, ev.ResultSetEnd)
    if event.status & LAST_ROW_SENT or not event.status & CURSOR_EXISTS:
        if not rows:
            _release(statements, result, event)
            return []
        state.end = event
    return rows


async def close_cursor(
    channel: Any, result: Result, warn: bool = False, reset: bool = True
) -> None:
    """End ``result``'s cursor before its last row (COM_STMT_RESET unless ``reset`` is
    False: the statement is executed again, which ends it); a no-op for a result without
    one. ``warn``: with aiomysql's "left incomplete" warning."""
    statements: PreparedStatements = channel
    state = statements._cursors.get(result)
    if state is None:
        return
    if warn:
        warnings.warn(UNREAD_UNBUFFERED, UserWarning, stacklevel=3)
    if state.end is not None or channel.closed or not reset:
        _release(statements, result, state.end)
        return
    try:
        await channel.command_ok(com_stmt_reset(state.stmt_id))
    finally:
        _release(statements, result, None)


def _release(statements: PreparedStatements, result: Result, end: ev.ResultSetEnd | None) -> None:
    """The cursor is done: the result is complete, a close held back for it goes out."""
    state = statements._cursors.pop(result, None)
    if end is not None:
        _end(result, end)
    result.complete = True
    if state is None:
        return
    statements._cursor_stmts.pop(state.stmt_id, None)
    if state.stmt_id in statements._close_later:
        statements._close_later.discard(state.stmt_id)
        statements._to_close.append(state.stmt_id)
        core = statements.core
        if core is not None and core.ready and statements.wire is not None:
            statements._flush_closes()


def _end(result: Result, end: ev.ResultSetEnd) -> None:
    result.warning_count = max(result.warning_count, end.warnings)
    result.server_status = end.status
    result.complete = True
