"""The channel: one connection's wire and core, and the statement running on them.

It sends commands, reads their results (buffered or unbuffered), answers LOAD DATA
LOCAL INFILE, and closes the connection whenever an interrupted command leaves the
protocol state unknown. Cursors talk to it through :class:`StatementChannel`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sys
import warnings
from collections.abc import Callable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from . import converters
from ._io_errors import RUNNING, map_io_errors
from ._options import ConnectOptions
from ._server_cursor import fetch_rows
from ._statements_many import ManyStatements
from ._wire import Wire
from .binary_plan import binary_plan_builder
from .constants import CR, SERVER_STATUS
from .decode_plan import plan_builder
from .errors import Error, InterfaceError, OperationalError, ProgrammingError
from .local_infile import named_local_file, send_local_file
from .protocol import commands
from .protocol import events as ev
from .protocol._impl import query_packet, read_whole_result
from .protocol.core import ClientCore
from .protocol.handshake import Greeting
from .protocol.packets import ProtocolError
from .protocol.query_attributes import attributes_command, query_command
from .protocol.results import OkPacket
from .result import Result

if TYPE_CHECKING:
    from .hooks import QueryHooks

logger = logging.getLogger("aiomysql")

_NO_BACKSLASH_ESCAPES = SERVER_STATUS.SERVER_STATUS_NO_BACKSLASH_ESCAPES
#: aiomysql's warning when a command comes while an unbuffered result is unread.
UNREAD_UNBUFFERED = "Previous unbuffered result was left incomplete"


def closed_error() -> InterfaceError:
    """The error for using a connection that is closed or lost."""
    return InterfaceError(0, "Not connected")  # aiomysql's text


class StatementChannel(Protocol):
    """What a cursor needs from the connection it runs on (the channel's interface)."""

    @property
    def closed(self) -> bool: ...
    @property
    def last_result(self) -> Result | None: ...
    @property
    def encoding(self) -> str: ...
    @property
    def encoders(self) -> dict[Any, Any]: ...
    @property
    def max_allowed_packet(self) -> int: ...
    #: The statement hooks, when set and no hooked statement is running (aiomysql.hooks).
    hooks: QueryHooks | None

    def settled(self) -> bool: ...
    def no_backslash_escapes(self) -> bool: ...
    def format_query(self, query: str, args: Any) -> str: ...
    def escape(self, obj: Any) -> str: ...
    def start_query(self, sql: str | bytes, unbuffered: bool) -> Coroutine[Any, Any, Result]: ...
    async def settle(self) -> None: ...
    def send_query(self, sql: str | bytes) -> None: ...
    async def read_query_result(self) -> Result: ...
    async def next_result(self, unbuffered: bool = False) -> Result | None: ...
    async def read_unbuffered_rows(self, result: Result) -> list[tuple[Any, ...]]: ...
    async def discard_unbuffered(self) -> None: ...
    async def run_query_with_attributes(
        self, sql: str | bytes, attributes: Mapping[str, Any], unbuffered: bool
    ) -> Result: ...
    async def show_warnings(self) -> list[tuple[Any, ...]]: ...
    async def run_prepared(self, sql: str, args: Any, unbuffered: bool = False) -> Result: ...


class Channel(ManyStatements):
    """Runs commands over one connection; lives as long as its Connection, across
    reconnects (``attach`` gives it each new wire)."""

    def __init__(
        self, options: ConnectOptions, on_cancel: Callable[[int], None] | None = None
    ) -> None:
        self.options = options
        self.encoding = options.encoding
        self.encoders = options.encoders
        self.max_allowed_packet = options.max_allowed_packet
        self._codec_errors = options.codec_errors
        self._local_infile = options.local_infile
        self._echo = options.echo
        #: Called with the connection id when a cancellation interrupts a statement.
        self._on_cancel = on_cancel
        self._io_errors = map_io_errors(RUNNING, options.address)
        self.core: ClientCore | None = None
        self.wire: Wire | None = None
        self.greeting: Greeting | None = None
        self.last_result: Result | None = None
        self._unbuffered: Result | None = None
        self._named_infile: bytes | None = None
        self.hooks: QueryHooks | None = None
        self._init_statements(options)

    def use_options(self, options: ConnectOptions) -> None:
        """Encode statements and decode results by these options from now on (after
        SET NAMES)."""
        self.options = options
        self.encoding = options.encoding
        self._codec_errors = options.codec_errors
        if self.core is not None:
            builder = plan_builder(options.encoding, options.use_unicode, options.decoders)
            binary = binary_plan_builder(options.encoding, options.use_unicode, options.decoders)
            self.core.rebind(options.encoding, builder, binary)
            self.forget_statements()  # their SQL was encoded for the old charset

    def attach(self, core: ClientCore, wire: Wire, greeting: Greeting) -> None:
        """Run commands on this newly logged-in connection from now on (nothing of the
        previous connection's statements carries over)."""
        self.core, self.wire, self.greeting = core, wire, greeting
        self.__dict__.pop("_send_query", None)
        com_query = query_command(core.capabilities)
        if com_query is not commands.com_query:
            # CLIENT_QUERY_ATTRIBUTES (MySQL 8.0.23+) changes every COM_QUERY; elsewhere the
            # class's method runs, with nothing added to the statement's path.
            self._send_query = functools.partial(  # type: ignore[method-assign]
                Channel._send_query, self, com_query=com_query
            )
        options = self.options
        core.binary_plan_builder = binary_plan_builder(
            options.encoding, options.use_unicode, options.decoders
        )
        self.forget_statements()
        self.last_result = None
        self._unbuffered = None
        self._named_infile = None

    # -- what the connection is doing ----------------------------------------

    @property
    def closed(self) -> bool:
        """True when nothing can be sent (closed, lost or broken)."""
        core, wire = self.core, self.wire
        return core is None or not core.usable or (wire is not None and wire.lost is not None)

    @property
    def busy(self) -> bool:
        """True while a command is in flight or an unbuffered result is being read (also
        a prepared SSCursor's server-side cursor: a pool does not hand it on so)."""
        core = self.core
        return core is not None and (core.busy or bool(self._cursors))

    def settled(self) -> bool:
        """True when nothing of an earlier statement is left to read (cheap, for cursors)."""
        core = self.core
        return core is not None and core.ready

    @property
    def server_status(self) -> int:
        """The status flags of the server's last reply (0 when not connected)."""
        core = self.core
        return core.server_status if core is not None else 0

    @property
    def thread_id(self) -> int:
        """The server's id for this connection."""
        return self.greeting.connection_id if self.greeting is not None else 0

    def no_backslash_escapes(self) -> bool:
        """Whether the server's sql_mode has NO_BACKSLASH_ESCAPES (changes quoting)."""
        return bool(self.server_status & _NO_BACKSLASH_ESCAPES)

    def format_query(self, query: str, args: Any) -> str:
        """``query`` with ``args`` escaped into its placeholders, as cursors send it."""
        core = self.core  # no_backslash_escapes() inline: this runs once per statement
        status = core.server_status if core is not None else 0
        no_backslash_escapes = bool(status & _NO_BACKSLASH_ESCAPES)
        return converters.format_query(query, args, self.encoders, no_backslash_escapes)

    def escape(self, obj: Any) -> str:
        """``obj`` as an SQL literal, for the connection's escaping mode."""
        if isinstance(obj, str):
            return "'" + converters.escape_string(obj, self.no_backslash_escapes()) + "'"
        return converters.escape_item(
            obj, self.encoders, no_backslash_escapes=self.no_backslash_escapes()
        )

    def shrink_buffers(self) -> None:
        """Give back receive-buffer memory a big result left (when going idle in a pool)."""
        if self.core is not None:
            self.core.shrink()

    # -- events ----------------------------------------------------------------

    async def next_event(self) -> ev.Event:
        """The core's next event, waiting for the server's bytes as needed."""
        core, wire = self.core, self.wire
        if core is None or wire is None:
            raise closed_error()
        with self._io_errors:
            while True:
                event = core.next_event()
                if event is not ev.NEED_DATA:
                    return event
                await wire.wait_data()

    def require_core(self) -> ClientCore:
        """The core, when a command may be started; raises for a dead connection."""
        core, wire = self.core, self.wire
        if core is None or wire is None or not core.usable:
            raise closed_error()
        if core.out_of_turn:
            # The server spoke while no command ran (e.g. an ERR before it drops an
            # idle connection): raise what it said rather than read it as a reply.
            try:
                core.next_event()
            finally:
                self.force_close()
            raise ProtocolError("the server sent part of a packet while no command was running")
        if wire.lost is not None:
            self.force_close()
            raise OperationalError(
                CR.CR_SERVER_GONE_ERROR, f"MySQL server has gone away ({wire.lost})"
            )
        return core

    # -- closing -----------------------------------------------------------------

    def abort_if_unsettled(self) -> None:
        """After an interrupted command: a connection mid-conversation cannot be reused.

        Called from ``except`` blocks: when the exception being handled is a
        cancellation, ``on_cancel`` may tell the server (from a separate connection) to
        stop the statement, which closing the socket does not.
        """
        core = self.core
        if core is not None and not core.idle:
            cancelled = isinstance(sys.exc_info()[1], asyncio.CancelledError)
            if cancelled and self._on_cancel is not None and core.usable:
                self._on_cancel(self.thread_id)
            self.force_close()

    def force_close(self) -> None:
        """Drop the connection at once (the protocol state is unknown)."""
        core, wire = self.core, self.wire
        self.core = self.wire = None
        self._unbuffered = None
        if core is not None:
            core.abort()
        if wire is not None and wire.transport is not None:
            wire.transport.abort()

    def close(self) -> None:
        """Close at once; a polite COM_QUIT is sent when the line is idle."""
        core, wire = self.core, self.wire
        self.core = self.wire = None
        self._unbuffered = None
        if wire is None or wire.transport is None:
            return
        if core is not None and core.idle and wire.lost is None:
            try:
                wire.write(core.send_quit(commands.com_quit()))
            except Exception:  # the wire went away meanwhile: closing anyway
                pass
        if core is not None:
            core.abort()
        wire.transport.close()

    async def ensure_closed(self) -> None:
        """Send COM_QUIT and wait for the server to close the connection."""
        core, wire = self.core, self.wire
        if wire is None or core is None:
            return
        if not core.idle or wire.lost is not None:
            self.force_close()
            return
        self.core = self.wire = None
        wire.write(core.send_quit(commands.com_quit()))
        transport = wire.transport
        assert transport is not None
        transport.close()
        try:
            await asyncio.wait_for(wire.wait_closed(), 5)
        except (asyncio.TimeoutError, Error):
            transport.abort()

    # -- running statements ----------------------------------------------------

    async def run_query(self, sql: str | bytes, unbuffered: bool = False) -> Result:
        """Send one COM_QUERY and read its first result (all rows unless ``unbuffered``)."""
        if self.hooks is not None:  # a connection-level statement (commit(), query(), ...)
            return await self.hooks.run_query(self, sql, unbuffered)
        core = self.require_core()
        if not core.idle:
            await self.settle()
        self._send_query(core, sql)
        return await self._read_result(unbuffered)

    def start_query(self, sql: str | bytes, unbuffered: bool) -> Coroutine[Any, Any, Result]:
        """run_query() for cursors, one coroutine layer thinner: on a ready connection the
        statement is sent now and the coroutine returned only reads its result.

        Otherwise run_query()'s own coroutine is returned (its checks raise its errors).
        Await the returned coroutine at once: the statement may already be on its way.
        """
        core, wire = self.core, self.wire
        if core is None or wire is None or not core.ready or wire.lost is not None:
            return self.run_query(sql, unbuffered)
        self._send_query(core, sql)
        return self._read_result(unbuffered)

    def _send_query(
        self,
        core: ClientCore,
        sql: str | bytes,
        com_query: Callable[[bytes], bytes] = commands.com_query,
    ) -> None:
        """Encode ``sql`` and send it as COM_QUERY (the core must be idle)."""
        if isinstance(sql, str):
            try:
                sql = sql.encode(self.encoding, self._codec_errors)
            except UnicodeEncodeError as exc:
                raise ProgrammingError(
                    0, f"The statement cannot be encoded as {self.options.charset_name}: {exc}"
                ) from None
        if self._local_infile:
            self._named_infile = named_local_file(sql, self.no_backslash_escapes())
        if self._echo:
            logger.info("%s", sql.decode(self.encoding, "replace"))
        if com_query is commands.com_query:
            request = query_packet(core, sql)
        else:  # CLIENT_QUERY_ATTRIBUTES: every COM_QUERY carries the attribute header
            request = core.send_command(com_query(sql))
        try:
            wire = self.wire
            if wire is None:
                raise closed_error()
            wire.write(request)
        except BaseException as exc:
            self.abort_if_unsettled()
            self._io_errors.raise_for(exc)
            raise

    def send_query(self, sql: str | bytes) -> None:
        """Send one COM_QUERY without waiting: ``read_query_result()`` must come next.

        Lets a caller prepare its next statement while the server runs this one.
        """
        core = self.require_core()
        if not core.idle:
            raise InterfaceError(0, "send_query() needs an idle connection")
        self._send_query(core, sql)

    async def read_query_result(self) -> Result:
        """The (buffered) result of the statement ``send_query()`` sent."""
        self.require_core()
        return await self._read_result(False)  # it closes the connection if it fails

    async def next_result(self, unbuffered: bool = False) -> Result | None:
        """Read the next result of a multi-result statement, None when there is none."""
        core = self.require_core()
        if core.streaming and self._unbuffered is not None:
            await self.discard_unbuffered()
        if not core.results_pending:
            return None
        return await self._read_result(unbuffered)

    async def settle(self) -> None:
        """Read and drop what an earlier statement left unread (unbuffered rows, with
        aiomysql's warning; further results), so that a new command can be sent."""
        core = self.require_core()
        if core.streaming and self._unbuffered is not None:
            await self.drop_unread_rows()
        if core.results_pending:
            await self.discard_pending_results()

    async def drop_unread_rows(self) -> None:
        """A new command while an unbuffered result is unread: warn and drop the rest,
        as aiomysql does (UserWarning "Previous unbuffered result was left incomplete")."""
        warnings.warn(UNREAD_UNBUFFERED, UserWarning, stacklevel=4)
        await self.discard_unbuffered()

    async def discard_pending_results(self) -> None:
        """Read and drop the further results of the last statement, if any."""
        while self.core is not None and self.core.results_pending:
            await self.next_result()

    async def _read_result(self, unbuffered: bool) -> Result:
        """Read the next result of the running statement; a failure closes the connection
        unless the statement ended cleanly (an ERR from the server).

        One coroutine for the whole result (no next_event layer): every await of a
        nested coroutine costs on each wake-up, and a point select wakes up per query.
        """
        try:
            core, wire = self.core, self.wire
            if core is None or wire is None:
                raise closed_error()
            if not core.has_enough_data():  # usually: the server has not answered yet
                waiter = wire.data_waiter()
                if waiter is not None:
                    await waiter
                else:
                    await wire.wait_data()
            if not unbuffered:  # the common case in one step, when it is all here
                result = read_whole_result(core, Result)
                if result is not None:
                    self.last_result = result
                    return result  # type: ignore[no-any-return]
            event = core.next_event()
            while event is ev.NEED_DATA:
                await wire.wait_data()
                event = core.next_event()
            if not isinstance(event, ev.ResultSetHeader):
                if isinstance(event, ev.LocalInfileRequest):
                    event = await self._answer_local_infile(core, wire, event.filename)
                if isinstance(event, OkPacket):
                    result = Result.from_ok(event)
                    self.last_result = result
                    return result
                if not isinstance(event, ev.ResultSetHeader):
                    raise InterfaceError(0, f"unexpected protocol event {event!r}")
            result = Result(event.columns, event.description)
            self.last_result = result
            if unbuffered:
                result.rows = []
                self._unbuffered = result
                return result
            rows: list[tuple[Any, ...]] | None = None
            while True:
                event = core.next_event()
                if event is ev.NEED_DATA:
                    await wire.wait_data()
                elif isinstance(event, ev.RowBatch):
                    if rows is None:
                        rows = event.rows  # a fresh list per batch: ours to keep
                    else:
                        rows += event.rows
                else:
                    assert isinstance(event, ev.ResultSetEnd)
                    _end_result(result, event)
                    if rows is None:
                        rows = []
                    result.rows = rows
                    result.affected_rows = len(rows)
                    return result
        except BaseException as exc:
            self.abort_if_unsettled()
            self._io_errors.raise_for(exc)
            raise

    async def run_query_with_attributes(
        self, sql: str | bytes, attributes: Mapping[str, Any], unbuffered: bool = False
    ) -> Result:
        """run_query() sending query attributes with the statement (MySQL 8.0.23+).

        NotSupportedError on a server without them (MariaDB), before anything is sent;
        no attributes at all (an empty mapping) is a plain run_query() everywhere.
        """
        if not attributes:
            return await self.run_query(sql, unbuffered)
        core = self.require_core()
        server = f"this server ({self.greeting.server_version})" if self.greeting else "it"
        command = attributes_command(core.capabilities, attributes, self.encoding, server)
        if not core.idle:
            await self.settle()
        Channel._send_query(self, core, sql, command)
        return await self._read_result(unbuffered)

    async def read_unbuffered_rows(self, result: Result) -> list[tuple[Any, ...]]:
        """Next batch of rows of an unbuffered result; an empty list once it is complete."""
        if result.complete:
            return []
        if result is not self._unbuffered:
            return await fetch_rows(self, result)  # a server-side cursor's (or an error)
        try:
            event = await self.next_event()
        except BaseException:
            self.abort_if_unsettled()
            core = self.core
            if core is None or not core.streaming:
                # The result ended with the server's error (or the connection is gone):
                # no more rows will come, so nothing may wait for them.
                result.complete = True
                self._unbuffered = None
            raise
        if isinstance(event, ev.RowBatch):
            return event.rows
        assert isinstance(event, ev.ResultSetEnd)
        _end_result(result, event)
        self._unbuffered = None
        return []

    async def discard_unbuffered(self) -> None:
        """Read and drop the rest of the unbuffered result being read, if any."""
        result = self._unbuffered
        while result is not None and not result.complete:
            await self.read_unbuffered_rows(result)
        self._unbuffered = None

    async def _answer_local_infile(
        self, core: ClientCore, wire: Wire, requested: bytes
    ) -> ev.Event:
        """Send the requested file if the statement named it, else refuse; either way the
        exchange is completed so the connection stays usable, and a refusal is raised
        after the server's reply."""
        named, self._named_infile = self._named_infile, None
        refusal = await send_local_file(core, wire, requested, named, self._local_infile)
        event = await self.next_event()
        if refusal is not None:
            raise OperationalError(CR.CR_UNKNOWN_ERROR, refusal)
        return event

    async def command_ok(self, payload: bytes) -> OkPacket:
        """Run a command whose only answer is OK (COM_PING, COM_INIT_DB, ...)."""
        core = self.require_core()
        if not core.idle:
            await self.settle()
        request = core.send_command(payload)
        try:
            with self._io_errors:
                wire = self.wire
                if wire is None:
                    raise closed_error()
                wire.write(request)
            event = await self.next_event()
        except BaseException:
            self.abort_if_unsettled()
            raise
        if not isinstance(event, OkPacket):
            self.force_close()
            raise OperationalError(CR.CR_MALFORMED_PACKET, "expected an OK packet")
        return event

    async def show_warnings(self) -> list[tuple[Any, ...]]:
        """The last statement's warnings as (level, code, message) rows (SHOW WARNINGS);
        the last statement's result stays the last result."""
        last = self.last_result
        result = await self.run_query("SHOW WARNINGS")
        self.last_result = last
        return list(result.rows or ())


def _end_result(result: Result, end: ev.ResultSetEnd) -> None:
    result.warning_count = end.warnings
    result.server_status = end.status
    result.complete = True


def _implements_statement_channel(channel: Channel) -> StatementChannel:
    """Never called: mypy checks here that Channel offers what cursors type against."""
    return channel
