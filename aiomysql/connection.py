"""Connection: the public API of one MySQL/MariaDB connection, over its channel."""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from . import _causal, converters
from ._channel import Channel, closed_error
from ._compat_shims import UpstreamPrivateNames
from ._context import AwaitableContext
from ._failover import open_target
from ._kill_query import spawn_kill_query, wait_for_kill_queries
from ._options import DEFAULT_CONNECT_TIMEOUT, parse_options
from ._prepared_cursor import PreparedCursor
from .charset import charset_by_id, charset_by_name, codec_errors
from .constants import CLIENT, COMMAND, CR, FIELD_TYPE, SERVER_STATUS
from .cursors import Cursor, make_cursor
from .errors import (
    DatabaseError,
    DataError,
    Error,
    ErrorClasses,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    Warning,
)
from .hooks import ConnectInfo, Hooks, QueryInfo, connection_hooks, resolve_hooks
from .log import logger
from .prepared import PreparedStatement
from .protocol import commands
from .protocol.session_track import SessionState
from .result import Result
from .utils import escape_string

#: Module-level names aiomysql.connection has (from PyMySQL).
DEFAULT_USER = ""
DEFAULT_CHARSET = "utf8mb4"
MAX_PACKET_LEN = 2**24 - 1
TEXT_TYPES = {
    FIELD_TYPE.BIT, FIELD_TYPE.BLOB, FIELD_TYPE.LONG_BLOB, FIELD_TYPE.MEDIUM_BLOB,
    FIELD_TYPE.STRING, FIELD_TYPE.TINY_BLOB, FIELD_TYPE.VAR_STRING, FIELD_TYPE.VARCHAR,
    FIELD_TYPE.GEOMETRY,
}  # fmt: skip
encoders = converters.encoders
decoders = converters.decoders


def escape_item(val: Any, charset: str | None = None, mapping: Any = None) -> str:
    """``val`` as an SQL literal, with PyMySQL's signature (``charset`` is unused: the
    literal is text; encoding happens when the statement is sent)."""
    return converters.escape_item(val, mapping)


def through(x: Any) -> Any:
    """The value unchanged (PyMySQL's identity converter)."""
    return x


class Connection(UpstreamPrivateNames, ErrorClasses):
    """One connection to a MySQL or MariaDB server. Create it with ``await connect(...)``."""

    def __init__(
        self,
        host: str | Sequence[Any] | None = None,
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
        multi_statements: bool = True,
        load_balance: str = "sequential",
        target_session_attrs: str = "any",
        connect_deadline: float | None = None,
        session_track: bool = False,
        hooks: Hooks | None = None,
        on_query_start: Callable[[QueryInfo], object] | None = None,
        on_query_end: Callable[[QueryInfo], object] | None = None,
        on_connect: Callable[[ConnectInfo], object] | None = None,
        hook_parameters: bool = False,
        compress: bool = False,
        compression_algorithms: Sequence[str] | None = None,
        zstd_compression_level: int = 3,
        prepared: bool | None = None,
        statement_cache_size: int = 100,
    ) -> None:
        if loop is not None:
            warnings.warn(
                "the loop argument is deprecated and ignored", DeprecationWarning, stacklevel=3
            )
        options = parse_options(
            host=host, user=user, password=password, db=db, port=port,
            unix_socket=unix_socket, charset=charset, sql_mode=sql_mode,
            read_default_file=read_default_file, conv=conv, use_unicode=use_unicode,
            client_flag=client_flag, init_command=init_command,
            connect_timeout=connect_timeout, read_default_group=read_default_group,
            autocommit=autocommit, echo=echo, local_infile=local_infile, ssl=ssl,
            auth_plugin=auth_plugin, program_name=program_name,
            server_public_key=server_public_key, max_allowed_packet=max_allowed_packet,
            database=database, connect_attrs=connect_attrs,
            kill_query_on_cancel=kill_query_on_cancel, read_timeout=read_timeout,
            write_timeout=write_timeout, allow_cleartext_password=allow_cleartext_password,
            multi_statements=multi_statements, load_balance=load_balance,
            target_session_attrs=target_session_attrs, connect_deadline=connect_deadline,
            session_track=session_track,
            compress=compress, compression_algorithms=compression_algorithms,
            zstd_compression_level=zstd_compression_level,
            prepared=prepared, statement_cache_size=statement_cache_size,
        )  # fmt: skip
        self._hooks = connection_hooks(self, resolve_hooks(
            hooks, on_query_start=on_query_start, on_query_end=on_query_end,
            on_connect=on_connect, parameters=hook_parameters,
        ))  # fmt: skip
        if self._hooks is not None and self._hooks.for_statements:
            options = options.replace(count_bytes=True)
        self._options = options
        #: The options naming the server of a host list this connection settled on.
        self._server = options
        self._cursorclass: type[Cursor] = cursorclass or Cursor
        #: What changes while connected; a reconnect logs in with the current values.
        self._db = options.db
        self._autocommit_mode = options.autocommit
        on_cancel = None
        if options.kill_query_on_cancel:
            on_cancel = self._kill_query
        self._channel = Channel(options, on_cancel)
        if self._hooks is not None and self._hooks.for_statements:
            self._channel.hooks = self._hooks
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last_usage = time.monotonic()

    # -- connecting ----------------------------------------------------------

    async def _connect(self) -> None:
        """Open the socket, log in and apply the session settings."""
        if self._hooks is not None:
            await self._hooks.run_connect(self, self._open)
        else:
            await self._open()

    async def _open(self) -> None:
        """_connect() without the on_connect hook."""
        self._loop = asyncio.get_running_loop()
        self._last_usage = time.monotonic()
        self._channel.close()
        core, wire, greeting, self._server = await open_target(self._options.replace(db=self._db))
        self._channel.attach(core, wire, greeting)
        try:
            await self._apply_session_settings()
        except BaseException:
            self._channel.close()
            raise

    def _kill_query(self, thread_id: int) -> None:
        spawn_kill_query(self._server.for_kill_query(), thread_id)

    async def _apply_session_settings(self) -> None:
        options, run = self._options, self._channel.run_query
        settings = []
        if options.charset.id >= 256:
            charset = options.charset
            settings.append(f"NAMES {charset.name} COLLATE {charset.collation}")
        if options.sql_mode is not None:
            settings.append(f"sql_mode={self.escape(options.sql_mode)}")
        if settings:
            await run("SET " + ", ".join(settings))
        if options.init_command is not None:
            await run(options.init_command)
            await self.commit()
        if self._autocommit_mode is not None:
            await self.autocommit(self._autocommit_mode)
        if options.session_track and self.session_state is not None:
            await run(_causal.tracking_sql(self.get_server_info()))

    def _shrink_buffers(self) -> None:
        """Give back receive-buffer memory a big result left (the pool calls this when
        the connection goes idle)."""
        self._channel.shrink_buffers()

    # -- statements (the channel runs them) -----------------------------------

    async def run_query(self, sql: str | bytes, unbuffered: bool = False) -> Result:
        """Send one COM_QUERY and read its first result (all rows unless ``unbuffered``)."""
        return await self._channel.run_query(sql, unbuffered)

    def send_query(self, sql: bytes) -> None:
        """Send one COM_QUERY without waiting: ``read_query_result()`` must come next.

        Lets a caller prepare its next statement while the server runs this one.
        """
        self._channel.send_query(sql)

    async def read_query_result(self) -> Result:
        """The (buffered) result of the statement ``send_query()`` sent."""
        return await self._channel.read_query_result()

    async def next_result(self, unbuffered: bool = False) -> Result | None:
        """Read the next result of a multi-result statement, None when there is none."""
        return await self._channel.next_result(unbuffered)

    async def read_unbuffered_rows(self, result: Result) -> list[tuple[Any, ...]]:
        """Next batch of rows of an unbuffered result; an empty list once it is complete."""
        return await self._channel.read_unbuffered_rows(result)

    async def discard_unbuffered(self) -> None:
        """Read and drop the rest of the unbuffered result being read, if any."""
        await self._channel.discard_unbuffered()

    # -- public API ----------------------------------------------------------

    @property
    def closed(self) -> bool:
        """True when the connection cannot be used (closed, lost or broken)."""
        return self._channel.closed

    @property
    def busy(self) -> bool:
        """True while a command is in flight or an unbuffered result is still being read.

        A connection that is not busy is between statements (a buffered statement's
        further result sets may still be pending; the next statement discards them).
        """
        return self._channel.busy

    def close(self) -> None:
        """Close at once (not a coroutine); a polite COM_QUIT is sent when the line is idle."""
        self._channel.close()

    async def ensure_closed(self) -> None:
        """Send COM_QUIT and wait for the server to close the connection."""
        await self._channel.ensure_closed()

    async def __aenter__(self) -> Connection:
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            self.close()
        else:
            await self.ensure_closed()

    def __del__(self, _warn: Callable[..., None] = warnings.warn) -> None:
        channel = getattr(self, "_channel", None)
        wire = channel.wire if channel is not None else None
        if wire is not None and wire.transport is not None and not wire.transport.is_closing():
            _warn(f"Unclosed connection {self!r}", ResourceWarning, source=self)
            try:
                wire.transport.abort()
            except RuntimeError:
                pass

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<aiomysql.Connection {state} {self._server.address}>"

    def cursor(self, *cursors: type[Cursor], prepared: bool | None = None) -> Any:
        """A new cursor (of ``cursors`` mixed together, or of the connection's cursorclass);
        ``prepared=True`` runs its statements as server-side prepared statements
        (default: connect()'s ``prepared``)."""
        self._last_usage = time.monotonic()
        if prepared is None:
            prepared = self._options.prepared
        if prepared:
            cursors = (PreparedCursor, *(cursors or (self._cursorclass,)))
        return make_cursor(self, cursors, self._cursorclass)

    async def prepare(self, sql: str) -> PreparedStatement:
        """Prepare ``sql`` (``?`` or ``%s`` placeholders) on the server: ``await
        stmt.execute(args)`` runs it and returns a cursor; ``await stmt.close()``."""
        return await PreparedStatement.create(self, sql)

    async def query(self, sql: str | bytes, unbuffered: bool = False) -> int:
        """Run ``sql`` and return the affected row count (aiomysql compatibility)."""
        result = await self._channel.run_query(sql, unbuffered)
        return result.affected_rows

    async def show_warnings(self) -> tuple[tuple[Any, ...], ...]:
        """The last statement's warnings as a tuple of (level, code, message) rows.

        The last statement's result (insert_id(), affected_rows()) is kept.
        """
        return tuple(await self._channel.show_warnings())

    async def autocommit(self, value: bool) -> None:
        """Turn autocommit on or off (a round trip only when it changes)."""
        self._autocommit_mode = bool(value)
        if bool(value) != self.get_autocommit():
            await self._channel.run_query(f"SET AUTOCOMMIT = {int(bool(value))}")

    @property
    def autocommit_mode(self) -> bool | None:
        """The autocommit mode asked for (connect()'s ``autocommit``, then autocommit())."""
        return self._autocommit_mode

    @autocommit_mode.setter
    def autocommit_mode(self, value: bool | None) -> None:
        self._autocommit_mode = value

    async def set_charset(self, charset: str) -> None:
        """SET NAMES ``charset``: the connection's character set from now on."""
        info = charset_by_name(charset.lower())
        await self._channel.run_query(f"SET NAMES {self.escape(info.name)}")
        self._options = self._options.replace(
            charset_name=info.name,
            charset=info,
            encoding=info.encoding,
            codec_errors=codec_errors(info.encoding),
        )
        self._channel.use_options(self._options)

    @property
    def last_usage(self) -> float:
        """When the connection was last opened or asked for a cursor (``time.monotonic()``,
        which is also the default asyncio loop's clock)."""
        return self._last_usage

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The event loop the connection was opened on."""
        return self._loop

    def get_autocommit(self) -> bool:
        """Whether the server says autocommit is on."""
        return bool(self._channel.server_status & SERVER_STATUS.SERVER_STATUS_AUTOCOMMIT)

    def get_transaction_status(self) -> bool:
        """Whether a transaction is open on the server."""
        return bool(self._channel.server_status & SERVER_STATUS.SERVER_STATUS_IN_TRANS)

    async def begin(self) -> None:
        """Start a transaction."""
        await self._channel.run_query("BEGIN")

    async def commit(self) -> None:
        """Commit the current transaction."""
        await self._channel.run_query("COMMIT")

    async def rollback(self) -> None:
        """Roll back the current transaction."""
        await self._channel.run_query("ROLLBACK")

    async def select_db(self, db: str) -> None:
        """Make ``db`` the default database (COM_INIT_DB)."""
        await self._channel.command_ok(commands.com_init_db(db.encode(self._options.encoding)))
        self._db = db

    async def ping(self, reconnect: bool = True) -> None:
        """Check the connection is alive; reconnect if it is not and ``reconnect`` is true."""
        if self.closed:
            if not reconnect:
                raise closed_error()
            await self._connect()
            reconnect = False
        try:
            await self._channel.command_ok(commands.com_ping())
        except Error:
            # Reconnect only a connection that is gone: one still open (a server error
            # left by an earlier statement, another task reading) keeps its session.
            if not reconnect or not self.closed:
                raise
            await self._connect()
            await self._channel.command_ok(commands.com_ping())

    async def kill(self, thread_id: int) -> None:
        """Ask the server to end the connection ``thread_id`` (KILL), as PyMySQL's kill()."""
        await self._channel.run_query(f"KILL {int(thread_id)}")

    async def reset_connection(self) -> None:
        """COM_RESET_CONNECTION: drop session state, then re-apply this connection's settings."""
        await self._channel.command_ok(commands.com_reset_connection())
        self._channel.forget_statements()  # the reset closed them on the server
        await self._apply_session_settings()

    def escape(self, obj: Any) -> str:
        """``obj`` as an SQL literal, for the connection's escaping mode."""
        return self._channel.escape(obj)

    def literal(self, obj: Any) -> str:
        """Alias of escape()."""
        return self.escape(obj)

    def escape_string(self, s: str) -> str:
        """``s`` escaped for use inside a quoted SQL string."""
        return converters.escape_string(s, self._channel.no_backslash_escapes())

    def insert_id(self) -> int:
        """The AUTO_INCREMENT id the last statement generated."""
        result = self._channel.last_result
        return result.insert_id if result is not None else 0

    def affected_rows(self) -> int:
        """Rows the last statement changed (or returned)."""
        result = self._channel.last_result
        return result.affected_rows if result is not None else 0

    def thread_id(self) -> int:
        """The server's id for this connection (for KILL and the process list)."""
        return self._channel.thread_id

    def get_server_info(self) -> str:
        """The server's version string (MariaDB's real one, without the 5.5.5- prefix)."""
        greeting = self._channel.greeting
        return greeting.server_version if greeting is not None else ""

    @property
    def server_version(self) -> str:
        """The server's version string."""
        return self.get_server_info()

    def character_set_name(self) -> str:
        """The connection's character set name."""
        return self._options.charset_name

    def get_proto_info(self) -> int:
        """The protocol version (always 10)."""
        greeting = self._channel.greeting
        return greeting.protocol_version if greeting is not None else 10

    def get_host_info(self) -> str:
        """Where the connection goes."""
        return (
            "Localhost via UNIX socket"
            if self._options.unix_socket
            else f"socket {self._server.host}:{self._server.port}"
        )

    @property
    def host(self) -> str:
        """Server host name (of a host list: the one connected to)."""
        return self._server.host

    @property
    def port(self) -> int:
        """Server port (of a host list: the connected host's)."""
        return self._server.port

    @property
    def unix_socket(self) -> str | None:
        """Unix socket path, if one is used."""
        return self._options.unix_socket

    @property
    def user(self) -> str:
        """The user name logged in as."""
        return self._options.user

    @property
    def db(self) -> str | None:
        """The default database."""
        return self._db

    @property
    def charset(self) -> str:
        """The connection's character set name."""
        return self._options.charset_name

    @property
    def encoding(self) -> str:
        """The Python codec used for text."""
        return self._options.encoding

    @property
    def echo(self) -> bool:
        """Whether statements are logged to the ``aiomysql`` logger."""
        return self._options.echo

    @property
    def encoders(self) -> dict[Any, Any]:
        """Python type -> SQL literal functions used for parameters."""
        return self._options.encoders

    @property
    def decoders(self) -> dict[int, Any]:
        """Field type -> value functions used for results."""
        return self._options.decoders

    @property
    def max_allowed_packet(self) -> int:
        """Largest statement the client will send."""
        return self._options.max_allowed_packet

    @property
    def local_infile(self) -> bool:
        """Whether LOAD DATA LOCAL INFILE is allowed."""
        return self._options.local_infile

    @property
    def last_result(self) -> Result | None:
        """The result of the most recent statement."""
        return self._channel.last_result

    @property
    def session_state(self) -> SessionState | None:
        """What session tracking (``session_track=True``) has reported; None without it."""
        core = self._channel.core
        return core.session if core is not None else None

    @property
    def last_gtid(self) -> str | None:
        """The GTID of this session's last committed transaction (``session_track=True``)."""
        state = self.session_state
        return state.last_gtid if state is not None else None

    async def wait_for_gtid(self, gtid: str, timeout: float) -> bool:
        """Wait until this server has applied ``gtid`` (a replica catching up with a write
        seen elsewhere): True once it has, False if ``timeout`` seconds passed first."""
        version = self.get_server_info()
        sql = _causal.wait_sql(version, gtid, timeout, self.escape)
        return await _causal.wait_for_gtid(self._channel.run_query, sql)

    @property
    def channel(self) -> Channel:
        """The statement channel cursors run on (not part of aiomysql's API)."""
        return self._channel


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


# Names aiomysql.connection re-exports from PyMySQL, for code that imports them here.
__all__ = [
    "CLIENT", "COMMAND", "CR", "DEFAULT_CHARSET", "DEFAULT_USER", "FIELD_TYPE",
    "MAX_PACKET_LEN", "TEXT_TYPES", "Connection", "DataError", "DatabaseError", "Error",
    "IntegrityError", "InterfaceError", "InternalError", "NotSupportedError",
    "OperationalError", "ProgrammingError", "Warning", "charset_by_id", "charset_by_name",
    "connect", "decoders", "encoders", "escape_item", "escape_string", "through",
    "logger", "wait_for_kill_queries",
]  # fmt: skip
