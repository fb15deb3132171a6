"""Connection: drives the sans-IO protocol core over an asyncio transport."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import socket
import sys
import warnings
from collections.abc import Callable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any

from . import converters, optionfile, tls
from ._context import AwaitableContext
from ._version import __version__
from ._wire import Wire
from .charset import charset_by_name, codec_errors
from .constants import CLIENT, CR, SERVER_STATUS
from .decode_plan import build_text_plan
from .errors import Error, InterfaceError, OperationalError, ProgrammingError
from .local_infile import named_local_file
from .protocol import commands
from .protocol import events as ev
from .protocol.auth import AuthContext
from .protocol.core import ClientCore, State
from .protocol.handshake import Greeting
from .protocol.packets import ProtocolError
from .protocol.results import OkPacket
from .result import Result

if TYPE_CHECKING:
    from .cursors import Cursor

logger = logging.getLogger("aiomysql")

DEFAULT_CAPABILITIES = (
    CLIENT.LONG_PASSWORD
    | CLIENT.LONG_FLAG
    | CLIENT.PROTOCOL_41
    | CLIENT.TRANSACTIONS
    | CLIENT.SECURE_CONNECTION
    | CLIENT.MULTI_RESULTS
    | CLIENT.PS_MULTI_RESULTS
    | CLIENT.PLUGIN_AUTH
    | CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA
    | CLIENT.CONNECT_ATTRS
    | CLIENT.DEPRECATE_EOF
    | CLIENT.MARIADB_CLIENT_EXTENDED_METADATA
)

#: Seconds allowed for connecting and logging in unless connect_timeout says otherwise.
DEFAULT_CONNECT_TIMEOUT = 10.0

#: Size of each packet when streaming a file for LOAD DATA LOCAL INFILE.
INFILE_CHUNK = 1 << 16


# Core states as module globals for the per-statement paths: on Python 3.11 reading
# ``State.IDLE`` goes through EnumType.__getattr__ (no attribute cache), several times
# the cost of a global.
_IDLE = State.IDLE
_RESULT = State.RESULT
_ROWS = State.ROWS
_CLOSED = State.CLOSED
_BROKEN = State.BROKEN


def _check_timeout(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ProgrammingError(0, f"{name} must be a positive number of seconds or None")
    return float(value)


def _closed_error() -> InterfaceError:
    return InterfaceError(0, "Connection is not connected (it was closed or lost)")


class Connection:
    """One connection to a MySQL or MariaDB server. Create it with ``await connect(...)``."""

    def __init__(
        self,
        host: str | None = None,
        user: str | None = None,
        password: str | None = None,
        db: str | None = None,
        port: int | None = None,
        unix_socket: str | None = None,
        charset: str = "",
        sql_mode: str | None = None,
        read_default_file: str | None = None,
        conv: Mapping[Any, Any] | None = None,
        use_unicode: bool | None = None,
        client_flag: int = 0,
        cursorclass: type[Cursor] | None = None,
        init_command: str | None = None,
        connect_timeout: float | None = DEFAULT_CONNECT_TIMEOUT,
        read_default_group: str | None = None,
        autocommit: bool | None = False,
        echo: bool = False,
        local_infile: bool = False,
        loop: asyncio.AbstractEventLoop | None = None,
        ssl: Any = None,
        auth_plugin: str = "",
        program_name: str = "",
        server_public_key: bytes | None = None,
        max_allowed_packet: int = 16 * 1024 * 1024,
        database: str | None = None,
        connect_attrs: Mapping[str, str] | None = None,
        kill_query_on_cancel: bool = False,
        read_timeout: float | None = None,
        write_timeout: float | None = None,
        allow_cleartext_password: bool = False,
    ) -> None:
        if loop is not None:
            warnings.warn(
                "the loop argument is deprecated and ignored", DeprecationWarning, stacklevel=3
            )
        if read_default_file or read_default_group:
            # Option files fill in only what the arguments leave unset.
            cnf = optionfile.connection_defaults(read_default_file, read_default_group)
            host, port = host or cnf.get("host"), port or cnf.get("port")
            user = user or cnf.get("user")
            password = cnf.get("password", "") if password is None else password
            if db is None and database is None:
                db = cnf.get("database")
            unix_socket = unix_socket or cnf.get("unix_socket")
            charset = charset or cnf.get("charset", "")
            ssl = cnf.get("ssl") if ssl is None else ssl
            if "connect_timeout" in cnf and connect_timeout == DEFAULT_CONNECT_TIMEOUT:
                connect_timeout = cnf["connect_timeout"]
        from .cursors import Cursor

        self._ssl_context = tls.make_context(ssl)
        self._read_timeout = _check_timeout("read_timeout", read_timeout)
        self._write_timeout = _check_timeout("write_timeout", write_timeout)
        connect_timeout = _check_timeout("connect_timeout", connect_timeout)
        self._allow_cleartext = allow_cleartext_password
        self._host = host or "localhost"
        self._port = int(port) if port else 3306
        self._user = user or ""
        self._password = password or ""
        self._db = database if database is not None else db
        self._unix_socket = unix_socket
        self._charset_name = (charset or "utf8mb4").lower()
        self._charset = charset_by_name(self._charset_name)
        self._encoding = self._charset.encoding
        self._codec_errors = codec_errors(self._encoding)
        self._use_unicode = True if use_unicode is None else bool(use_unicode)
        self._sql_mode = sql_mode
        conv = converters.conversions if conv is None else conv
        self._encoders = {k: v for k, v in conv.items() if not isinstance(k, int)}
        self._decoders = {k: v for k, v in conv.items() if isinstance(k, int)}
        self._client_flag = client_flag
        self._cursorclass: type[Cursor] = cursorclass or Cursor
        self._init_command = init_command
        self._connect_timeout = connect_timeout
        self._autocommit_mode = autocommit
        self._echo = echo
        self._local_infile = local_infile
        self._auth_plugin = auth_plugin
        self._program_name = program_name
        self._server_public_key = server_public_key
        self._max_allowed_packet = max_allowed_packet
        self._connect_attrs = dict(connect_attrs or {})
        self._kill_query_on_cancel = kill_query_on_cancel
        self._core: ClientCore | None = None
        self._wire: Wire | None = None
        self._greeting: Greeting | None = None
        self._result: Result | None = None
        self._last_ok: OkPacket | None = None
        self._unbuffered: Result | None = None
        self._named_infile: bytes | None = None

    # -- connecting ----------------------------------------------------------

    async def _connect(self) -> None:
        """Open the socket, log in and apply the session settings."""
        if self._wire is not None:
            self.close()
        try:
            if self._connect_timeout:
                await asyncio.wait_for(self._open_and_login(), self._connect_timeout)
            else:
                await self._open_and_login()
        except asyncio.TimeoutError:
            self.close()
            raise OperationalError(
                CR.CR_CONN_HOST_ERROR,
                f"Can't connect to MySQL server on {self._address()} (timed out after "
                f"{self._connect_timeout} s)",
            ) from None
        except OSError as exc:
            self.close()
            raise OperationalError(
                CR.CR_CONN_HOST_ERROR, f"Can't connect to MySQL server on {self._address()} ({exc})"
            ) from exc
        except OperationalError as exc:
            self.close()
            if exc.args[0] != CR.CR_SERVER_LOST:
                raise
            raise OperationalError(
                CR.CR_SERVER_LOST,
                f"Lost connection to MySQL server on {self._address()} during the handshake "
                f"({exc.__cause__ or exc})",
            ) from exc
        except BaseException:
            self.close()
            raise
        try:
            await self._apply_session_settings()
        except BaseException:
            self.close()
            raise

    def _address(self) -> str:
        if self._unix_socket:
            return repr(self._unix_socket)
        return f"'{self._host}:{self._port}'"

    async def _open_and_login(self) -> None:
        loop = asyncio.get_running_loop()
        # The plan builder must not refer back to the Connection: the event loop keeps
        # the transport (and so the core) alive, and an unreferenced Connection must
        # still be collectable so that __del__ can warn about it.
        plan_builder = functools.partial(
            build_text_plan,
            encoding=self._encoding,
            use_unicode=self._use_unicode,
            decoders=self._decoders,
        )
        core = ClientCore(encoding=self._encoding, plan_builder=plan_builder)
        wire = Wire(core, loop)
        if self._unix_socket:
            await loop.create_unix_connection(lambda: wire, self._unix_socket)
        else:
            transport, _ = await loop.create_connection(lambda: wire, self._host, self._port)
            sock = transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._core, self._wire = core, wire
        try:
            greeting = await self._next_event()
        except ProtocolError as exc:
            raise OperationalError(
                CR.CR_SERVER_HANDSHAKE_ERR,
                f"The server on {self._address()} did not answer like a MySQL server: "
                f"{exc.args[1]}",
            ) from exc
        assert isinstance(greeting, Greeting)
        self._greeting = greeting
        if not greeting.capabilities & CLIENT.PROTOCOL_41:
            raise OperationalError(CR.CR_VERSION_ERROR, "The server is too old (no PROTOCOL_41)")
        capabilities = (DEFAULT_CAPABILITIES | self._client_flag) & greeting.capabilities
        capabilities |= CLIENT.PROTOCOL_41
        if self._db:
            capabilities |= CLIENT.CONNECT_WITH_DB
        if self._local_infile:
            capabilities |= CLIENT.LOCAL_FILES
        else:
            capabilities &= ~CLIENT.LOCAL_FILES
        charset_id = self._charset.id if self._charset.id < 256 else 45
        if self._ssl_context is not None:
            if not greeting.capabilities & CLIENT.SSL:
                raise OperationalError(
                    CR.CR_SSL_CONNECTION_ERROR,
                    f"TLS was required (ssl=...) but the server on {self._address()} does not "
                    "offer it; refusing to continue in plain text",
                )
            wire.write(core.ssl_request(capabilities, charset_id))
            assert wire.transport is not None
            wire.transport = await tls.start_tls(
                loop, wire.transport, wire, self._ssl_context, self._host, self._address()
            )
        auth = AuthContext(
            self._password.encode("utf-8"),
            secure_channel=bool(self._unix_socket or self._ssl_context),
            allow_cleartext=self._allow_cleartext,
            server_public_key=self._server_public_key,
        )
        wire.write(
            core.handshake_response(
                capabilities=capabilities,
                charset_id=charset_id,
                user=self._user.encode("utf-8"),
                database=self._db.encode("utf-8") if self._db else None,
                auth=auth,
                plugin_name=self._auth_plugin or None,
                attributes=self._attributes(),
            )
        )
        while True:
            event = await self._next_event()
            if isinstance(event, ev.SendData):
                wire.write(event.data)
            elif isinstance(event, ev.Authenticated):
                wire.read_timeout = self._read_timeout
                wire.write_timeout = self._write_timeout
                return

    def _attributes(self) -> dict[str, str]:
        attrs = {
            "_client_name": "aiomysql",
            "_client_version": __version__,
            "_pid": str(os.getpid()),
            "_os": sys.platform,
        }
        if self._program_name:
            attrs["program_name"] = self._program_name
        attrs.update(self._connect_attrs)
        return attrs

    async def _apply_session_settings(self) -> None:
        settings = []
        if self._charset.id >= 256:
            settings.append(f"NAMES {self._charset.name} COLLATE {self._charset.collation}")
        if self._sql_mode is not None:
            settings.append(f"sql_mode={self.escape(self._sql_mode)}")
        if settings:
            await self.run_query("SET " + ", ".join(settings))
        if self._init_command is not None:
            await self.run_query(self._init_command)
            await self.commit()
        if self._autocommit_mode is not None:
            await self.autocommit(self._autocommit_mode)

    # -- the event loop edge ---------------------------------------------------

    async def _next_event(self) -> ev.Event:
        core, wire = self._core, self._wire
        if core is None or wire is None:
            raise _closed_error()
        while True:
            event = core.next_event()
            if event is not ev.NEED_DATA:
                return event
            await wire.wait_data()

    def _write(self, data: bytes) -> None:
        if self._wire is None:
            raise _closed_error()
        self._wire.write(data)

    def _require_core(self) -> ClientCore:
        core, wire = self._core, self._wire
        if core is None or wire is None:
            raise _closed_error()
        state = core.state
        if state is _CLOSED or state is _BROKEN:
            raise _closed_error()
        if state is _IDLE and core.buffered():
            # The server spoke out of turn (e.g. an ERR before it drops an idle
            # connection): raise what it said rather than read it as the next reply.
            try:
                core.next_event()
            finally:
                self._force_close()
            raise ProtocolError("the server sent part of a packet while no command was running")
        if wire.lost is not None:
            self._force_close()
            raise OperationalError(
                CR.CR_SERVER_GONE_ERROR, f"MySQL server has gone away ({wire.lost})"
            )
        return core

    def _abort_if_unsettled(self) -> None:
        """After an interrupted command: a connection mid-conversation cannot be reused.

        Called from ``except`` blocks: when the exception being handled is a
        cancellation and ``kill_query_on_cancel`` is set, the server is also told (from
        a separate connection) to stop the statement, which closing the socket does not.
        """
        core = self._core
        if core is not None and core.state is not _IDLE:
            cancelled = isinstance(sys.exc_info()[1], asyncio.CancelledError)
            if cancelled and self._kill_query_on_cancel and core.state is not _BROKEN:
                _spawn_kill_query(self._kill_query_kwargs(), self.thread_id())
            self._force_close()

    def _kill_query_kwargs(self) -> dict[str, Any]:
        return {
            "host": self._host,
            "port": self._port,
            "user": self._user,
            "password": self._password,
            "unix_socket": self._unix_socket,
            "connect_timeout": self._connect_timeout or KILL_QUERY_TIMEOUT,
            "ssl": self._ssl_context,
            "allow_cleartext_password": self._allow_cleartext,
            "auth_plugin": self._auth_plugin,
            "server_public_key": self._server_public_key,
            "program_name": self._program_name,
            "autocommit": None,
        }

    def _shrink_buffers(self) -> None:
        """Give back receive-buffer memory a big result left (the pool calls this when
        the connection goes idle)."""
        if self._core is not None:
            self._core.shrink()

    def _force_close(self) -> None:
        core, wire = self._core, self._wire
        self._core = self._wire = None
        self._unbuffered = None
        if core is not None:
            core.abort()
        if wire is not None and wire.transport is not None:
            wire.transport.abort()

    # -- running statements ----------------------------------------------------

    async def run_query(self, sql: str | bytes, unbuffered: bool = False) -> Result:
        """Send one COM_QUERY and read its first result (all rows unless ``unbuffered``)."""
        core = self._require_core()
        if core.state is _RESULT:
            await self._discard_pending_results()
        self._send_query(core, sql)
        return await self._read_result(unbuffered)

    def _start_query(self, sql: str | bytes, unbuffered: bool) -> Coroutine[Any, Any, Result]:
        """run_query() for cursors, one coroutine layer thinner: on an idle connection the
        statement is sent now and the coroutine returned only reads its result.

        Otherwise run_query()'s own coroutine is returned (its checks raise its errors).
        Await the returned coroutine at once: the statement may already be on its way.
        """
        core, wire = self._core, self._wire
        if (
            core is None
            or wire is None
            or core.state is not _IDLE
            or core.buffered()
            or wire.lost is not None
        ):
            return self.run_query(sql, unbuffered)
        self._send_query(core, sql)
        return self._read_result(unbuffered)

    def _send_query(self, core: ClientCore, sql: str | bytes) -> None:
        """Encode ``sql`` and send it as COM_QUERY (the core must be idle)."""
        if isinstance(sql, str):
            try:
                sql = sql.encode(self._encoding, self._codec_errors)
            except UnicodeEncodeError as exc:
                raise ProgrammingError(
                    0, f"The statement cannot be encoded as {self._charset_name}: {exc}"
                ) from None
        if self._local_infile:
            self._named_infile = named_local_file(sql, self._no_backslash_escapes())
        if self._echo:
            logger.info("%s", sql.decode(self._encoding, "replace"))
        request = core.send_command(commands.com_query(sql))
        try:
            wire = self._wire
            if wire is None:
                raise _closed_error()
            wire.write(request)
        except BaseException:
            self._abort_if_unsettled()
            raise

    def send_query(self, sql: bytes) -> None:
        """Send one COM_QUERY without waiting: ``read_query_result()`` must come next.

        Lets a caller prepare its next statement while the server runs this one.
        """
        core = self._require_core()
        if core.state is not _IDLE:
            raise InterfaceError(0, "send_query() needs an idle connection")
        self._send_query(core, sql)

    async def read_query_result(self) -> Result:
        """The (buffered) result of the statement ``send_query()`` sent."""
        self._require_core()
        return await self._read_result(False)  # it closes the connection if it fails

    def _settled(self) -> bool:
        """True when nothing of an earlier statement is left to read (cheap, for cursors).

        Then a cursor's nextset() could only answer None: no command in flight, no
        result pending, nothing the server sent waiting to be read.
        """
        core = self._core
        return core is not None and core.state is _IDLE and not core.buffered()

    def _format_query(self, query: str, args: Any) -> str:
        """``query`` with ``args`` escaped into its placeholders, as cursors send it."""
        return converters.format_query(query, args, self._encoders, self._no_backslash_escapes())

    async def next_result(self, unbuffered: bool = False) -> Result | None:
        """Read the next result of a multi-result statement, None when there is none."""
        core = self._require_core()
        if core.state is _ROWS and self._unbuffered is not None:
            await self.discard_unbuffered()
        if core.state is not _RESULT:
            return None
        return await self._read_result(unbuffered)

    async def _discard_pending_results(self) -> None:
        while self._core is not None and self._core.state is _RESULT:
            await self.next_result()

    async def _read_result(self, unbuffered: bool) -> Result:
        """Read the next result of the running statement; a failure closes the connection
        unless the statement ended cleanly (an ERR from the server).

        One coroutine for the whole result (no _next_event layer): every await of a
        nested coroutine costs on each wake-up, and a point select wakes up per query.
        """
        try:
            core, wire = self._core, self._wire
            if core is None or wire is None:
                raise _closed_error()
            if not core.has_enough_data():  # the usual case: the server has not answered yet
                await wire.wait_data()
            event = core.next_event()
            while event is ev.NEED_DATA:
                await wire.wait_data()
                event = core.next_event()
            if not isinstance(event, ev.ResultSetHeader):
                if isinstance(event, ev.LocalInfileRequest):
                    event = await self._answer_local_infile(event.filename)
                if isinstance(event, OkPacket):
                    result = Result.from_ok(event)
                    self._result = result
                    self._last_ok = event
                    return result
                if not isinstance(event, ev.ResultSetHeader):
                    raise InterfaceError(0, f"unexpected protocol event {event!r}")
                core, wire = self._core, self._wire  # _answer_local_infile awaited
                assert core is not None and wire is not None
            result = Result(event.columns, event.description)
            self._result = result
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
                    self._end_result(result, event)
                    if rows is None:
                        rows = []
                    result.rows = rows
                    result.affected_rows = len(rows)
                    return result
        except BaseException:
            self._abort_if_unsettled()
            raise

    def _end_result(self, result: Result, end: ev.ResultSetEnd) -> None:
        result.warning_count = end.warnings
        result.server_status = end.status
        result.complete = True

    async def read_unbuffered_rows(self, result: Result) -> list[tuple[Any, ...]]:
        """Next batch of rows of an unbuffered result; an empty list once it is complete."""
        if result.complete:
            return []
        if result is not self._unbuffered:
            raise InterfaceError(0, "this unbuffered result is no longer being read")
        try:
            event = await self._next_event()
        except BaseException:
            self._abort_if_unsettled()
            raise
        if isinstance(event, ev.RowBatch):
            return event.rows
        assert isinstance(event, ev.ResultSetEnd)
        self._end_result(result, event)
        self._unbuffered = None
        return []

    async def discard_unbuffered(self) -> None:
        """Read and drop the rest of the unbuffered result being read, if any."""
        result = self._unbuffered
        while result is not None and not result.complete:
            await self.read_unbuffered_rows(result)
        self._unbuffered = None

    async def _answer_local_infile(self, requested: bytes) -> ev.Event:
        """Stream the requested file if it is the one the statement named; else refuse.

        Either way the exchange is completed (an empty packet ends the file) so the
        connection stays usable; a refusal is raised after the server's reply.
        """
        core, wire = self._core, self._wire
        assert core is not None and wire is not None
        named, self._named_infile = self._named_infile, None
        refusal = None
        if not self._local_infile:
            refusal = (
                f"The server asked for local file {requested!r}, but LOAD DATA LOCAL INFILE "
                "is disabled; connect with local_infile=True"
            )
        elif named is None or requested != named:
            refusal = (
                f"The server asked for local file {requested!r}, but the statement named "
                f"{named!r}; refused"
            )
        else:
            try:
                with open(os.fsdecode(requested), "rb") as f:
                    while chunk := f.read(INFILE_CHUNK):
                        wire.write(core.local_infile_chunk(chunk))
                        await wire.drain()
            except OSError as exc:
                refusal = f"Can't read local file {requested!r}: {exc}"
        wire.write(core.local_infile_done())
        event = await self._next_event()
        if refusal is not None:
            raise OperationalError(CR.CR_UNKNOWN_ERROR, refusal)
        return event

    async def _command_ok(self, payload: bytes) -> OkPacket:
        core = self._require_core()
        if core.state is _RESULT:
            await self._discard_pending_results()
        request = core.send_command(payload)
        try:
            self._write(request)
            event = await self._next_event()
        except BaseException:
            self._abort_if_unsettled()
            raise
        if not isinstance(event, OkPacket):
            self._force_close()
            raise OperationalError(CR.CR_MALFORMED_PACKET, "expected an OK packet")
        return event

    # -- public API ----------------------------------------------------------

    @property
    def closed(self) -> bool:
        """True when the connection cannot be used (closed, lost or broken)."""
        core, wire = self._core, self._wire
        return (
            core is None
            or core.state in (_CLOSED, _BROKEN)
            or (wire is not None and wire.lost is not None)
        )

    @property
    def busy(self) -> bool:
        """True while a command is in flight or an unbuffered result is still being read.

        A connection that is not busy is between statements (a buffered statement's
        further result sets may still be pending; the next statement discards them).
        """
        core = self._core
        return core is not None and core.state not in (_IDLE, _RESULT)

    def close(self) -> None:
        """Close at once (not a coroutine); a polite COM_QUIT is sent when the line is idle."""
        core, wire = self._core, self._wire
        self._core = self._wire = None
        self._unbuffered = None
        if wire is None or wire.transport is None:
            return
        if core is not None and core.state is _IDLE and wire.lost is None:
            try:
                wire.write(core.send_quit(commands.com_quit()))
            except Error:
                pass
        if core is not None:
            core.abort()
        wire.transport.close()

    async def ensure_closed(self) -> None:
        """Send COM_QUIT and wait for the server to close the connection."""
        core, wire = self._core, self._wire
        if wire is None or core is None:
            return
        if core.state is not _IDLE or wire.lost is not None:
            self._force_close()
            return
        self._core = self._wire = None
        wire.write(core.send_quit(commands.com_quit()))
        transport = wire.transport
        assert transport is not None
        transport.close()
        try:
            await asyncio.wait_for(wire.wait_closed(), 5)
        except (asyncio.TimeoutError, Error):
            transport.abort()

    async def __aenter__(self) -> Connection:
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            self.close()
        else:
            await self.ensure_closed()

    def __del__(self, _warn: Callable[..., None] = warnings.warn) -> None:
        wire = getattr(self, "_wire", None)
        if wire is not None and wire.transport is not None and not wire.transport.is_closing():
            _warn(f"Unclosed connection {self!r}", ResourceWarning, source=self)
            try:
                wire.transport.abort()
            except RuntimeError:
                pass

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<aiomysql.Connection {state} {self._address()}>"

    def cursor(self, *cursors: type[Cursor]) -> Any:
        """A new cursor (of ``cursors`` mixed together, or of the connection's cursorclass)."""
        from .cursors import make_cursor

        return make_cursor(self, cursors)

    async def query(self, sql: str | bytes, unbuffered: bool = False) -> int:
        """Run ``sql`` and return the affected row count (aiomysql compatibility)."""
        result = await self.run_query(sql, unbuffered)
        return result.affected_rows

    async def show_warnings(self) -> list[tuple[Any, ...]]:
        """The last statement's warnings as (level, code, message) rows (SHOW WARNINGS).

        The last statement's result (insert_id(), affected_rows()) is kept.
        """
        last, last_ok = self._result, self._last_ok
        result = await self.run_query("SHOW WARNINGS")
        self._result, self._last_ok = last, last_ok
        return list(result.rows or ())

    async def autocommit(self, value: bool) -> None:
        """Turn autocommit on or off (a round trip only when it changes)."""
        self._autocommit_mode = bool(value)
        if bool(value) != self.get_autocommit():
            await self.run_query(f"SET AUTOCOMMIT = {int(bool(value))}")

    def get_autocommit(self) -> bool:
        """Whether the server says autocommit is on."""
        return bool(self._server_status() & SERVER_STATUS.SERVER_STATUS_AUTOCOMMIT)

    def get_transaction_status(self) -> bool:
        """Whether a transaction is open on the server."""
        return bool(self._server_status() & SERVER_STATUS.SERVER_STATUS_IN_TRANS)

    def _server_status(self) -> int:
        return self._core.server_status if self._core is not None else 0

    async def begin(self) -> None:
        """Start a transaction."""
        await self.run_query("BEGIN")

    async def commit(self) -> None:
        """Commit the current transaction."""
        await self.run_query("COMMIT")

    async def rollback(self) -> None:
        """Roll back the current transaction."""
        await self.run_query("ROLLBACK")

    async def select_db(self, db: str) -> None:
        """Make ``db`` the default database (COM_INIT_DB)."""
        await self._command_ok(commands.com_init_db(db.encode(self._encoding)))
        self._db = db

    async def ping(self, reconnect: bool = True) -> None:
        """Check the connection is alive; reconnect if it is not and ``reconnect`` is true."""
        if self.closed:
            if not reconnect:
                raise _closed_error()
            await self._connect()
            reconnect = False
        try:
            await self._command_ok(commands.com_ping())
        except Error:
            if not reconnect:
                raise
            await self._connect()
            await self._command_ok(commands.com_ping())

    async def kill(self, thread_id: int) -> None:
        """Ask the server to end the connection ``thread_id`` (KILL), as PyMySQL's kill()."""
        await self.run_query(f"KILL {int(thread_id)}")

    async def reset_connection(self) -> None:
        """COM_RESET_CONNECTION: drop session state, then re-apply this connection's settings."""
        await self._command_ok(commands.com_reset_connection())
        await self._apply_session_settings()

    def escape(self, obj: Any) -> str:
        """``obj`` as an SQL literal, for the connection's escaping mode."""
        if isinstance(obj, str):
            return "'" + self.escape_string(obj) + "'"
        return converters.escape_item(
            obj, self._encoders, no_backslash_escapes=self._no_backslash_escapes()
        )

    def literal(self, obj: Any) -> str:
        """Alias of escape()."""
        return self.escape(obj)

    def escape_string(self, s: str) -> str:
        """``s`` escaped for use inside a quoted SQL string."""
        return converters.escape_string(s, self._no_backslash_escapes())

    def _no_backslash_escapes(self) -> bool:
        return bool(self._server_status() & SERVER_STATUS.SERVER_STATUS_NO_BACKSLASH_ESCAPES)

    def insert_id(self) -> int:
        """The AUTO_INCREMENT id the last statement generated."""
        return self._result.insert_id if self._result is not None else 0

    def affected_rows(self) -> int:
        """Rows the last statement changed (or returned)."""
        return self._result.affected_rows if self._result is not None else 0

    def thread_id(self) -> int:
        """The server's id for this connection (for KILL and the process list)."""
        return self._greeting.connection_id if self._greeting is not None else 0

    def get_server_info(self) -> str:
        """The server's version string (MariaDB's real one, without the 5.5.5- prefix)."""
        return self._greeting.server_version if self._greeting is not None else ""

    @property
    def server_version(self) -> str:
        """The server's version string."""
        return self.get_server_info()

    def character_set_name(self) -> str:
        """The connection's character set name."""
        return self._charset_name

    def get_proto_info(self) -> int:
        """The protocol version (always 10)."""
        return self._greeting.protocol_version if self._greeting is not None else 10

    def get_host_info(self) -> str:
        """Where the connection goes."""
        return (
            "Localhost via UNIX socket"
            if self._unix_socket
            else f"socket {self._host}:{self._port}"
        )

    @property
    def host(self) -> str:
        """Server host name."""
        return self._host

    @property
    def port(self) -> int:
        """Server port."""
        return self._port

    @property
    def unix_socket(self) -> str | None:
        """Unix socket path, if one is used."""
        return self._unix_socket

    @property
    def user(self) -> str:
        """The user name logged in as."""
        return self._user

    @property
    def db(self) -> str | None:
        """The default database."""
        return self._db

    @property
    def charset(self) -> str:
        """The connection's character set name."""
        return self._charset_name

    @property
    def encoding(self) -> str:
        """The Python codec used for text."""
        return self._encoding

    @property
    def echo(self) -> bool:
        """Whether statements are logged to the ``aiomysql`` logger."""
        return self._echo

    @property
    def encoders(self) -> dict[Any, Any]:
        """Python type -> SQL literal functions used for parameters."""
        return self._encoders

    @property
    def decoders(self) -> dict[int, Any]:
        """Field type -> value functions used for results."""
        return self._decoders

    @property
    def max_allowed_packet(self) -> int:
        """Largest statement the client will send."""
        return self._max_allowed_packet

    @property
    def local_infile(self) -> bool:
        """Whether LOAD DATA LOCAL INFILE is allowed."""
        return self._local_infile

    @property
    def last_result(self) -> Result | None:
        """The result of the most recent statement."""
        return self._result


#: Seconds the side connection that sends KILL QUERY after a cancellation may take.
KILL_QUERY_TIMEOUT = 10.0

# Side tasks sending KILL QUERY; referenced here so they are not collected mid-flight.
_kill_tasks: set[asyncio.Task[None]] = set()


def _spawn_kill_query(kwargs: dict[str, Any], thread_id: int) -> None:
    task = asyncio.get_running_loop().create_task(_kill_query(kwargs, thread_id))
    _kill_tasks.add(task)
    task.add_done_callback(_kill_tasks.discard)


async def _kill_query(kwargs: dict[str, Any], thread_id: int) -> None:
    """Open a short-lived connection and stop ``thread_id``'s statement (best effort)."""
    side = Connection(**kwargs)
    try:
        await asyncio.wait_for(side._connect(), KILL_QUERY_TIMEOUT)
        await asyncio.wait_for(side.run_query(f"KILL QUERY {int(thread_id)}"), KILL_QUERY_TIMEOUT)
    except (Error, asyncio.TimeoutError, OSError) as exc:
        # 1094 (unknown thread) just means the statement's connection is already gone.
        logger.info("kill_query_on_cancel: KILL QUERY %s failed: %s", thread_id, exc)
    finally:
        side.close()


async def wait_for_kill_queries() -> None:
    """Wait until every KILL QUERY sent after a cancellation has been answered."""
    while _kill_tasks:
        await asyncio.gather(*list(_kill_tasks), return_exceptions=True)


async def _connect(**kwargs: Any) -> Connection:
    conn = Connection(**kwargs)
    await conn._connect()
    return conn


async def _close_on_exit(conn: Connection, exc: BaseException | None) -> None:
    if exc is not None:
        conn.close()
    else:
        await conn.ensure_closed()


def connect(
    host: str | None = None,
    user: str | None = None,
    password: str | None = None,
    db: str | None = None,
    port: int | None = None,
    **kwargs: Any,
) -> AwaitableContext[Connection]:
    """Open a connection: ``conn = await connect(...)`` or ``async with connect(...) as conn``.

    Accepts every parameter of :class:`Connection`.
    """
    return AwaitableContext(
        _connect(host=host, user=user, password=password, db=db, port=port, **kwargs),
        _close_on_exit,
    )


__all__ = ["Connection", "connect"]
