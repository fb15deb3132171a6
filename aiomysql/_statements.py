"""Server-side prepared statements for the channel: the statement cache and the runs.

``PreparedStatements`` is mixed into ``Channel``. A statement's SQL (placeholders turned
into ``?``) is prepared once per connection and kept in an LRU cache of
``statement_cache_size`` entries; an entry pushed out is closed on the server
(COM_STMT_CLOSE, which has no reply, goes out ahead of the next command). The cache is
forgotten when the server forgets the statements: a new connection, COM_RESET_CONNECTION.
A statement the server no longer knows (1243) or wants re-prepared (1615) is prepared
again and run once more, transparently.

What the binary protocol cannot say as the text protocol does goes as text instead:
arguments of a type it has no encoding for (sequences for ``IN %s``, types with an
encoder of the user's), and statements the server cannot prepare (1295) or parse (1064:
multi-statements; a real syntax error then comes from the text run, unchanged), or
servers and proxies without COM_STMT_PREPARE (1047).
"""

from __future__ import annotations

import re
from collections.abc import Coroutine, Sequence
from typing import TYPE_CHECKING, Any

from . import converters
from ._server_cursor import ServerCursor, close_cursor, open_cursor
from ._statement_cache import (
    StatementCache,
    StatementHandle,
    positional,
    qmark_sql,
)
from .constants import CLIENT, ER
from .errors import Error, InterfaceError, OperationalError, ProgrammingError
from .local_infile import named_local_file
from .log import logger
from .protocol import events as ev
from .protocol._impl import encode_params, execute_payload
from .protocol.stmt_packets import (
    BINDABLE,
    CURSOR_TYPE_NO_CURSOR,
    CURSOR_TYPE_READ_ONLY,
    LAST_PREPARED,
    Unbindable,
    com_stmt_close,
    com_stmt_execute,
    com_stmt_prepare,
    com_stmt_send_long_data,
)
from .result import Result

if TYPE_CHECKING:
    from ._io_errors import map_io_errors
    from ._options import ConnectOptions
    from ._wire import Wire
    from .protocol.core import ClientCore

#: Errors meaning the server no longer has the statement as prepared: prepare again.
REPREPARE = frozenset({ER.UNKNOWN_STMT_HANDLER, ER.NEED_REPREPARE})
#: Prepare errors after which the statement runs as text (see the module docstring).
TEXT_INSTEAD = frozenset({ER.UNSUPPORTED_PS, ER.PARSE_ERROR, ER.UNKNOWN_COM_ERROR})
#: str/bytes values at least this long go ahead with COM_STMT_SEND_LONG_DATA.
LONG_DATA_MIN = 1 << 20
LONG_DATA_CHUNK = 1 << 20
_TEXT_ONLY_MAX = 256
#: What makes a ``?`` possibly not a placeholder: quotes, comments.
_NOT_PLAIN = re.compile(rb"['\"`#]|--|/\*")


class PreparedStatements:
    """The prepared-statement half of Channel (a mixin: the channel's core and wire)."""

    if TYPE_CHECKING:
        core: ClientCore | None
        wire: Wire | None
        options: ConnectOptions
        encoding: str
        encoders: dict[Any, Any]
        last_result: Result | None
        _codec_errors: str
        _echo: bool
        _local_infile: bool

        def no_backslash_escapes(self) -> bool: ...

        _io_errors: map_io_errors

        def require_core(self) -> ClientCore: ...
        async def settle(self) -> None: ...
        def abort_if_unsettled(self) -> None: ...
        async def run_query(self, sql: str | bytes, unbuffered: bool = False) -> Result: ...
        async def _read_result(self, unbuffered: bool) -> Result: ...
        def format_query(self, query: str, args: Any) -> str: ...

    def _init_statements(self, options: ConnectOptions) -> None:
        self._statements = StatementCache(options.statement_cache_size)
        #: Bumped whenever the server forgets the statements (handles of older ones are stale).
        self._generation = 0
        #: Statement ids to close before the next command (COM_STMT_CLOSE has no reply).
        self._to_close: list[int] = []
        #: (SQL as given, argument count) -> its cached statement, for start_prepared().
        self._by_text: dict[tuple[str, int], StatementHandle] = {}
        #: SQL the server would not prepare: run as text without asking again.
        self._text_only: set[bytes] = set()
        #: Python types bound in binary: ours, unless conv= gave them an encoder of its own.
        self._bindable = frozenset(
            t for t in BINDABLE if options.encoders.get(t) is converters.encoders.get(t)
        )
        #: Open server-side cursors (_server_cursor.py): by result, and result by statement.
        self._cursors: dict[Result, ServerCursor] = {}
        self._cursor_stmts: dict[int, Result] = {}
        #: Statements to close once their open cursor is done.
        self._close_later: set[int] = set()
        #: Rows per COM_STMT_FETCH of the next cursor (the executing SSCursor's arraysize).
        self.fetch_rows = 1

    def forget_statements(self) -> None:
        """The server dropped every prepared statement (new connection, reset)."""
        self._statements.clear()
        self._by_text.clear()
        self._to_close.clear()
        self._generation += 1
        for result in self._cursors:
            result.complete = True
        self._cursors.clear()
        self._cursor_stmts.clear()
        self._close_later.clear()

    @property
    def statement_cache(self) -> StatementCache:
        """The connection's statement cache (for diagnostics and tests)."""
        return self._statements

    # -- running ---------------------------------------------------------------

    def start_prepared(self, sql: str, args: Any, unbuffered: bool) -> Coroutine[Any, Any, Result]:
        """run_prepared() for cursors, one coroutine layer thinner (as start_query()): a
        statement already in the cache, on a ready connection, with plain arguments, is
        sent now and the coroutine returned only reads its result. Await it at once.

        A server error that says the statement is gone (REPREPARE) comes out of it: the
        caller runs ``run_prepared(..., fresh=True)`` then.
        """
        core, wire = self.core, self.wire
        if (
            core is None
            or wire is None
            or not core.ready
            or wire.lost is not None
            or type(args) is not tuple
            or self._to_close
            or self._echo
            or unbuffered  # a server-side cursor (_execute)
        ):
            return self.run_prepared(sql, args, unbuffered)
        handle = self._by_text.get((sql, len(args)))
        if handle is None or not handle.live:
            return self.run_prepared(sql, args, unbuffered)
        bindable = self._bindable
        for value in args:
            kind = type(value)
            if kind not in bindable or (
                (kind is str or kind is bytes) and len(value) >= LONG_DATA_MIN
            ):
                return self.run_prepared(sql, args, unbuffered)
        try:
            payload, handle.types = execute_payload(
                handle.stmt_id, args, self.encoding, self._codec_errors, handle.types
            )
        except UnicodeEncodeError:
            return self.run_prepared(sql, args, unbuffered)  # raises it, typed
        self._statements._entries.move_to_end(handle.sql)  # touch(), without the call
        request = core.send_execute(payload, handle.columns)
        try:
            wire.write(request)
        except BaseException as exc:
            self.abort_if_unsettled()
            self._io_errors.raise_for(exc)
            raise
        return self._read_result(unbuffered)

    async def run_prepared(
        self, sql: str, args: Any, unbuffered: bool = False, fresh: bool = False
    ) -> Result:
        """Run ``sql`` with ``args`` (format/pyformat placeholders) as a prepared statement
        through the cache; as text when the binary protocol cannot say it the same way.
        ``fresh``: prepare it again first (the server said the cached one is gone)."""
        core = self.require_core()
        if not core.idle:
            await self.settle()
        if self._echo:
            logger.info("%s", sql if args is None else self.format_query(sql, args))
        qmarked, values = positional(sql, args)
        bindable = self._bindable
        for value in values:
            if type(value) not in bindable:
                return await self._run_as_text(sql, args, unbuffered)
        key = self._encode_sql(qmarked)
        if self._local_infile and named_local_file(key, self.no_backslash_escapes()):
            # LOAD DATA LOCAL INFILE: the text path names (and so allows) the file.
            return await self._run_as_text(sql, args, unbuffered)
        if key in self._text_only:
            return await self._run_as_text(sql, args, unbuffered)
        if fresh:
            stale = self._statements.get(key)
            if stale is not None:
                self.close_handle(stale)
        elif (
            not unbuffered  # an unbuffered run opens a cursor: _execute
            and self._statements.get(key) is None
            and self._can_pipeline(key, values)
        ):
            pipelined = await self._prepare_and_execute(key, values, unbuffered)
            if pipelined is None:
                return await self._run_as_text(sql, args, unbuffered)
            new_handle, result = pipelined
            if new_handle.live and type(args) is tuple:
                self._by_text[(sql, len(args))] = new_handle
            return result
        handle, cached = await self._cached_handle(key)
        if handle is None:
            return await self._run_as_text(sql, args, unbuffered)
        if cached and type(args) is tuple:  # start_prepared() finds it by the SQL as given
            by_text = self._by_text
            if len(by_text) >= 4 * self._statements.size + 16:
                by_text.clear()
            by_text[(sql, len(args))] = handle
        try:
            return await self.execute_handle(handle, values, unbuffered)
        except Unbindable:
            return await self._run_as_text(sql, args, unbuffered)
        finally:
            if not cached:
                self._to_close.append(handle.stmt_id)
                self._flush_closes()

    def _can_pipeline(self, key: bytes, values: Sequence[Any]) -> bool:
        """Whether PREPARE and EXECUTE may go together (MariaDB's statement id -1): the
        server must be MariaDB, and every ``?`` in the SQL a placeholder (no quotes or
        comments, where a ``?`` would not be one: the execute carries one value per ``?``
        before the server has counted them)."""
        core = self.core
        return (
            core is not None
            and bool(core.capabilities & CLIENT.MARIADB_CLIENT_STMT_BULK_OPERATIONS)
            and key.count(b"?") == len(values)
            and _NOT_PLAIN.search(key) is None
            and not self._long_params(values)
        )

    async def _prepare_and_execute(
        self, key: bytes, values: Sequence[Any], unbuffered: bool
    ) -> tuple[StatementHandle, Result] | None:
        """COM_STMT_PREPARE and COM_STMT_EXECUTE (statement id 0xFFFFFFFF: the one just
        prepared) in one write, their replies read in turn: one round trip for a new
        statement. None when it should run as text (the prepare was refused so)."""
        core = self.require_core()
        self._flush_closes()
        try:
            types, nulls, data = encode_params(values, self.encoding, self._codec_errors)
        except UnicodeEncodeError as exc:
            raise ProgrammingError(
                0, f"A parameter cannot be encoded as {self.options.charset_name}: {exc}"
            ) from None
        execute = com_stmt_execute(LAST_PREPARED, types, nulls, data, True)
        self._write(core.send_prepare(com_stmt_prepare(key), execute))
        try:
            with self._io_errors:
                wire = self.wire
                if wire is None:
                    raise InterfaceError(0, "Not connected")
                event = core.next_event()
                while event is ev.NEED_DATA:
                    await wire.wait_data()
                    event = core.next_event()
        except BaseException:
            self.abort_if_unsettled()
            raise
        if isinstance(event, ev.PrepareFailed):
            try:  # the execute's own reply: an error too (no statement to run)
                await self._read_result(False)
            except Error:
                pass
            error = event.error
            if error.args[:1] and error.args[0] in TEXT_INSTEAD and core.idle:
                self._text_only.add(key)
                return None
            raise error
        if not isinstance(event, ev.Prepared):
            self.abort_if_unsettled()
            raise OperationalError(0, f"unexpected reply to COM_STMT_PREPARE: {event!r}")
        handle = StatementHandle(key, event, self._generation)
        handle.types = types
        cached = self._statements.size > 0
        if cached:
            for old in self._statements.put(handle):
                self._to_close.append(old.stmt_id)
        try:
            return handle, await self._read_result(unbuffered)
        finally:
            if not cached:
                self._to_close.append(handle.stmt_id)
            self._flush_closes()  # and the statement the cache pushed out

    async def _cached_handle(self, key: bytes) -> tuple[StatementHandle | None, bool]:
        """(the prepared statement for ``key``, whether the cache keeps it); (None, False)
        when it should run as text."""
        handle = self._statements.get(key)
        if handle is not None:
            return handle, True
        handle = await self._prepare(key)
        if handle is None:
            return None, False
        cached = self._statements.size > 0
        if cached:
            for old in self._statements.put(handle):
                self._to_close.append(old.stmt_id)
        return handle, cached

    def _write(self, request: bytes) -> None:
        try:
            wire = self.wire
            if wire is None:
                raise InterfaceError(0, "Not connected")
            wire.write(request)
        except BaseException as exc:
            self.abort_if_unsettled()
            self._io_errors.raise_for(exc)
            raise

    def _encode_sql(self, sql: str) -> bytes:
        try:
            return sql.encode(self.encoding, self._codec_errors)
        except UnicodeEncodeError as exc:
            raise ProgrammingError(
                0, f"The statement cannot be encoded as {self.options.charset_name}: {exc}"
            ) from None

    async def _run_as_text(self, sql: str, args: Any, unbuffered: bool) -> Result:
        return await self.run_query(
            sql if args is None else self.format_query(sql, args), unbuffered
        )

    async def prepare_handle(self, sql: str) -> StatementHandle:
        """Prepare ``sql`` (``?`` or ``%s`` placeholders) outside the cache, for
        Connection.prepare(): the caller owns it and closes it."""
        core = self.require_core()
        if not core.idle:
            await self.settle()
        key = self._encode_sql(qmark_sql(sql))
        handle = await self._prepare(key, text_instead=False)
        assert handle is not None
        return handle

    def close_handle(self, handle: StatementHandle) -> None:
        """Close ``handle`` on the server (at once when idle, else before the next
        command); a handle of an earlier connection is simply dropped."""
        if handle.generation == self._generation and handle.stmt_id >= 0:
            self._statements.discard(handle)
            self._to_close.append(handle.stmt_id)
            handle.stmt_id = -1
            core = self.core
            if core is not None and core.ready:
                self._flush_closes()

    async def execute_handle(
        self, handle: StatementHandle, values: Sequence[Any], unbuffered: bool = False
    ) -> Result:
        """Execute a prepared statement with ``values``; a handle the server lost (a new
        connection, 1243, 1615) is prepared again and the execute retried once."""
        if handle.generation != self._generation or handle.stmt_id < 0:
            await self._reprepare(handle)
        try:
            return await self._execute(handle, values, unbuffered)
        except Error as exc:
            if not exc.args or exc.args[0] not in REPREPARE or self.core is None:
                raise
        await self._reprepare(handle)
        return await self._execute(handle, values, unbuffered)

    async def _reprepare(self, handle: StatementHandle) -> None:
        fresh = await self._prepare(handle.sql, text_instead=False)
        assert fresh is not None
        if handle.generation == self._generation and handle.stmt_id >= 0:
            self._to_close.append(handle.stmt_id)  # 1615: the old one is still there
        in_cache = self._statements.get(handle.sql) is handle
        handle.stmt_id, handle.params, handle.columns = fresh.stmt_id, fresh.params, fresh.columns
        handle.nparams, handle.types, handle.generation = fresh.nparams, None, fresh.generation
        if in_cache:
            for old in self._statements.put(handle):
                self._to_close.append(old.stmt_id)

    def _flush_closes(self) -> None:
        """Write the pending COM_STMT_CLOSEs (the core must be idle)."""
        core, wire = self.core, self.wire
        if not self._to_close or core is None or wire is None or not core.ready:
            return
        ids, self._to_close = self._to_close, []
        if self._cursor_stmts:  # a statement whose cursor is open closes after it
            later = [i for i in ids if i in self._cursor_stmts]
            if later:
                self._close_later.update(later)
                ids = [i for i in ids if i not in self._cursor_stmts]
                if not ids:
                    return
        with self._io_errors:
            wire.write(b"".join(core.send_no_reply(com_stmt_close(i)) for i in ids))

    async def _prepare(self, sql: bytes, text_instead: bool = True) -> StatementHandle | None:
        """COM_STMT_PREPARE ``sql``; None when it should run as text instead."""
        core = self.require_core()
        self._flush_closes()
        request = core.send_prepare(com_stmt_prepare(sql))
        try:
            with self._io_errors:
                wire = self.wire
                if wire is None:
                    raise InterfaceError(0, "Not connected")
                wire.write(request)
                event = core.next_event()
                while event is ev.NEED_DATA:
                    await wire.wait_data()
                    event = core.next_event()
        except Error as exc:
            if core.idle and text_instead and exc.args and exc.args[0] in TEXT_INSTEAD:
                if len(self._text_only) >= _TEXT_ONLY_MAX:
                    self._text_only.clear()
                self._text_only.add(sql)
                return None
            self.abort_if_unsettled()
            raise
        except BaseException:
            self.abort_if_unsettled()
            raise
        if not isinstance(event, ev.Prepared):
            self.abort_if_unsettled()
            raise OperationalError(0, f"unexpected reply to COM_STMT_PREPARE: {event!r}")
        return StatementHandle(sql, event, self._generation)

    async def _execute(
        self, handle: StatementHandle, values: Sequence[Any], unbuffered: bool
    ) -> Result:
        if len(values) != handle.nparams:
            raise ProgrammingError(
                f"the statement has {handle.nparams} placeholder(s), {len(values)} value(s) given"
            )
        core = self.require_core()
        if not core.idle:
            await self.settle()
        open_result = self._cursor_stmts.get(handle.stmt_id) if self._cursor_stmts else None
        if open_result is not None:  # executing it again would end its cursor: say so
            await close_cursor(self, open_result, warn=True, reset=False)
        self._flush_closes()
        encoding, errors = self.encoding, self._codec_errors
        long_params = self._long_params(values)
        try:
            types, nulls, data = encode_params(values, encoding, errors, long_params)
            request = b"".join(
                core.send_no_reply(com_stmt_send_long_data(handle.stmt_id, i, chunk))
                for i in sorted(long_params)
                for chunk in _chunks(values[i], encoding, errors)
            )
        except UnicodeEncodeError as exc:
            raise ProgrammingError(
                0, f"A parameter cannot be encoded as {self.options.charset_name}: {exc}"
            ) from None
        send_types = types != handle.types
        flags = CURSOR_TYPE_READ_ONLY if unbuffered else CURSOR_TYPE_NO_CURSOR
        request += core.send_execute(
            com_stmt_execute(handle.stmt_id, types, nulls, data, send_types, flags),
            handle.columns,
        )
        handle.types = types
        self._write(request)
        result = await self._read_result(unbuffered)
        if unbuffered and result.columns is not None and not result.complete:
            await open_cursor(self, result, handle.stmt_id, self.fetch_rows)
        return result

    @staticmethod
    def _long_params(values: Sequence[Any]) -> frozenset[int]:
        long = [
            i
            for i, v in enumerate(values)
            if isinstance(v, (str, bytes, bytearray, memoryview)) and len(v) >= LONG_DATA_MIN
        ]
        return frozenset(long) if long else frozenset()


def _chunks(value: Any, encoding: str, errors: str) -> list[bytes]:
    """A long value's bytes in COM_STMT_SEND_LONG_DATA pieces."""
    data = value.encode(encoding, errors) if isinstance(value, str) else bytes(value)
    return [data[i : i + LONG_DATA_CHUNK] for i in range(0, len(data), LONG_DATA_CHUNK)] or [b""]
