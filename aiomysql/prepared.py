"""``Connection.prepare()``'s statement: prepared once on the server, executed many times."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._prepared_cursor import PreparedCursor
from ._statement_cache import StatementHandle
from .errors import ProgrammingError


class PreparedStatement:
    """A server-side prepared statement owned by the caller (not in the statement cache).

    ``await stmt.execute(args)`` runs it and returns a cursor holding the result;
    ``await stmt.close()`` frees it on the server (also ``async with``). After a
    reconnect it is prepared again on first use.
    """

    def __init__(self, connection: Any, handle: StatementHandle) -> None:
        self._connection = connection
        self._handle = handle
        self._closed = False

    @classmethod
    async def create(cls, connection: Any, sql: str) -> PreparedStatement:
        """Prepare ``sql`` (``?`` or ``%s`` placeholders) on ``connection``."""
        handle = await connection.channel.prepare_handle(sql)
        return cls(connection, handle)

    @property
    def sql(self) -> str:
        """The statement as prepared (``?`` placeholders)."""
        return self._handle.sql.decode(self._connection.encoding, "replace")

    @property
    def param_count(self) -> int:
        """How many ``?`` placeholders the statement has."""
        return self._handle.nparams

    @property
    def description(self) -> tuple[tuple[Any, ...], ...] | None:
        """The DB-API description of the statement's result set, None without one."""
        columns = self._handle.columns
        return tuple(c.description() for c in columns) if columns else None

    @property
    def closed(self) -> bool:
        """True once close() was called."""
        return self._closed

    async def execute(self, args: Any = ()) -> PreparedCursor:
        """Run the statement with ``args`` (a sequence, or one value for one placeholder);
        returns a cursor of the connection's cursor class holding the result."""
        if self._closed:
            raise ProgrammingError("the prepared statement is closed")
        values: Sequence[Any]
        if args is None:
            values = ()
        elif isinstance(args, (tuple, list)):
            values = args
        else:
            values = (args,)
        cursor: PreparedCursor = await self._connection.cursor(prepared=True)
        await cursor.execute_handle(self._handle, values)
        return cursor

    async def close(self) -> None:
        """Free the statement on the server (COM_STMT_CLOSE has no reply: nothing waits)."""
        if not self._closed:
            self._closed = True
            if not self._connection.closed:
                self._connection.channel.close_handle(self._handle)

    async def __aenter__(self) -> PreparedStatement:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
