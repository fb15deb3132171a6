"""The prepared-statement cursor: ``conn.cursor(prepared=True)`` mixes it in front of the
cursor class, so that execute() runs through the binary protocol and everything else
(fetching, dict rows, unbuffered reads) stays the class's own."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._channel import UNREAD_UNBUFFERED
from ._server_cursor import close_cursor
from ._statement_cache import StatementHandle
from ._statements import REPREPARE
from .cursors import Cursor
from .errors import Error, ProgrammingError
from .result import Result


class PreparedCursor(Cursor):
    """execute() as a server-side prepared statement (cached per connection).

    Differences from the text cursor: ``_last_executed`` is formatted only when read;
    arguments the binary protocol has no encoding for (a sequence for ``IN %s``, a type
    with a ``conv=`` encoder of the user's) and statements the server cannot prepare
    run as text.
    """

    #: (query, args) of the last prepared execute(): _last_executed formats them on demand.
    _prepared_run: tuple[str, Any] | None = None

    @property
    def _last_executed(self) -> str | None:
        query, run = self._executed, self._prepared_run
        if run is None or run[0] is not query or run[1] is None or self._connection is None:
            return query  # not from a prepared execute() (executemany's INSERT text...)
        return self._channel.format_query(run[0], run[1])

    async def _prepare_run(self) -> None:
        """What execute() does before every statement (as Cursor.execute does)."""
        if self._connection is None:
            raise ProgrammingError("Cursor closed")
        if self._result is not None and not self._channel.settled():
            if self._unbuffered and not self._result.complete:
                warnings.warn(UNREAD_UNBUFFERED, UserWarning, stacklevel=3)
            while await self.nextset():
                pass
        if self._unbuffered:
            await self._end_cursor(warn=True)
        self._result = None
        self._rows = None
        self._rownumber = 0
        self._description = None
        self._rowcount = -1

    async def _finish_run(self, result: Result) -> int:
        self._load(result)
        if result.warning_count and result.complete:
            await self._show_warnings(self._channel)
        return self._rowcount

    async def execute(
        self, query: str, args: Any = None, attributes: Mapping[str, Any] | None = None
    ) -> int:
        """Run ``query`` with ``args`` bound to its %s / %(name)s placeholders, as a
        prepared statement; with query ``attributes`` it runs as text (Cursor.execute)."""
        # The hot path, written out as Cursor.execute's is (no helper coroutines).
        if self._connection is None:
            raise ProgrammingError("Cursor closed")
        if attributes is not None:
            return await Cursor.execute(self, query, args, attributes)
        channel: Any = self._channel  # a Channel: start_prepared is not in the Protocol
        if channel.hooks is not None:  # aiomysql.hooks: this call, reported, unhooked
            return await channel.hooks.run(  # type: ignore[no-any-return]
                channel, "execute", query, args, PreparedCursor.execute, self
            )
        if self._result is not None and not channel.settled():
            if self._unbuffered and not self._result.complete:
                warnings.warn(UNREAD_UNBUFFERED, UserWarning, stacklevel=2)
            while await self.nextset():
                pass
        if self._unbuffered:  # rows per COM_STMT_FETCH; the last result's cursor ends
            await self._end_cursor(warn=True)
            channel.fetch_rows = self.arraysize
        self._executed = query
        self._prepared_run = (query, args)
        self._result = None
        self._rows = None
        self._rownumber = 0
        self._description = None
        self._rowcount = -1
        try:
            result = await channel.start_prepared(query, args, self._unbuffered)
        except Error as exc:
            if not exc.args or exc.args[0] not in REPREPARE or channel.closed:
                raise
            result = await channel.run_prepared(query, args, self._unbuffered, fresh=True)
        self._load(result)
        if result.warning_count and result.complete:
            await self._show_warnings(channel)
        return self._rowcount

    async def _end_cursor(self, warn: bool) -> None:
        """End the server-side cursor of the last result, if it is still open."""
        result = self._result
        if result is not None and not result.complete and self._connection is not None:
            await close_cursor(self._channel, result, warn)

    async def close(self) -> None:
        """Close the cursor; an open server-side cursor is ended (COM_STMT_RESET) first."""
        if self._unbuffered and self._connection is not None:
            await self._end_cursor(warn=False)
        await super().close()

    async def executemany(self, query: str, args: Iterable[Any]) -> int | None:
        """Run ``query`` once per item of ``args``: one bulk execute on MariaDB for INSERT,
        REPLACE, UPDATE and DELETE, else executes pipelined; as text when the values cannot
        be bound (as execute())."""
        channel: Any = self._get_channel()  # a Channel: run_prepared_many is not in the Protocol
        rows = list(args)
        if not rows:
            return None
        if channel.hooks is not None:
            return await channel.hooks.run(  # type: ignore[no-any-return]
                channel, "executemany", query, rows, PreparedCursor.executemany, self
            )
        await self._prepare_run()
        await channel.settle()  # what another cursor left unread
        self._executed = query
        self._prepared_run = (query, rows[-1])
        result = await channel.run_prepared_many(query, rows)
        if result is None:
            return await super().executemany(query, rows)
        return await self._finish_run(result)

    async def execute_handle(self, handle: StatementHandle, args: Sequence[Any]) -> int:
        """Run an explicitly prepared statement (``Connection.prepare()``) with ``args``."""
        await self._prepare_run()
        if self._unbuffered:
            self._channel.fetch_rows = self.arraysize  # type: ignore[attr-defined]
        self._executed = handle.sql.decode(self._channel.encoding, "replace")
        self._prepared_run = None
        channel: Any = self._channel  # a Channel: execute_handle is not in the Protocol
        result = await channel.execute_handle(handle, args, self._unbuffered)
        return await self._finish_run(result)
