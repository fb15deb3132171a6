"""BinlogStream: follow a server's binlog as typed events, exactly once across reconnects."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from types import TracebackType
from typing import Any

from .._channel import Channel
from .._io_errors import RUNNING, map_io_errors
from .._login import open_connection
from .._options import DEFAULT_CONNECT_TIMEOUT, parse_options
from .._wire import Wire
from ..charset import BINARY_CHARSET_ID, charset_by_id
from ..constants import CR, ER
from ..errors import OperationalError, ProgrammingError
from ..protocol import binlog_commands as cmd
from ..protocol import binlog_events as E
from ..protocol.binlog_decoder import BinlogDecoder
from ..protocol.core import ClientCore
from ..protocol.packets import ProtocolError
from ..protocol.results import parse_error
from ._position import Checkpoint, PositionTracker, parse_gtid_state

logger = logging.getLogger("aiomysql.replication")

#: Errors after which the stream reconnects and resumes (connection lost or refused,
#: server shutting down); anything else is raised to the consumer.
RETRYABLE = frozenset(
    {
        CR.CR_CONNECTION_ERROR,
        CR.CR_CONN_HOST_ERROR,
        CR.CR_SERVER_GONE_ERROR,
        CR.CR_SERVER_LOST,
        ER.SERVER_SHUTDOWN,
        ER.CON_COUNT_ERROR,
        ER.CONNECTION_KILLED,
    }
)
_ROW_CLASSES = {
    E.WriteRowsEvent: E.WRITE_ROWS,
    E.UpdateRowsEvent: E.UPDATE_ROWS,
    E.DeleteRowsEvent: E.DELETE_ROWS,
}


def encoding_of(collation: int) -> str | None:
    """The Python codec of a column's collation (None: binary, values stay bytes)."""
    if collation == BINARY_CHARSET_ID:
        return None
    try:
        return charset_by_id(collation).encoding
    except LookupError:
        return "utf-8"


def _row_types(only_events: tuple[type[E.BinlogEvent], ...] | None) -> frozenset[int] | None:
    """The rows event codes worth decoding for this event filter (None: all)."""
    if only_events is None:
        return None
    codes: set[int] = set()
    for cls, types in _ROW_CLASSES.items():
        if any(issubclass(cls, wanted) for wanted in only_events):
            codes.update(types)
    return frozenset(codes)


class BinlogStream:
    """An async iterator of binlog events over a replication connection.

    Start from ``resume_from`` (a Checkpoint), a file and position, a MariaDB GTID state
    (``gtid="0-1-42"``), a MySQL GTID set (``mysql_gtid_set``), or, by default, the
    server's current position. ``blocking=False`` ends the iteration at the end of the
    binlog. A lost connection or a restarted server is reconnected to (within
    ``reconnect_timeout`` seconds) and the stream resumes after the last event taken.
    """

    def __init__(
        self,
        *,
        host: str = "localhost",
        port: int = 3306,
        user: str = "root",
        password: str = "",
        unix_socket: str | None = None,
        ssl: Any = None,
        server_id: int,
        blocking: bool = True,
        resume_from: Checkpoint | str | None = None,
        log_file: str | None = None,
        log_pos: int | None = None,
        gtid: str | None = None,
        mysql_gtid_set: str | None = None,
        only_events: Iterable[type[E.BinlogEvent]] | None = None,
        only_tables: Iterable[str] | None = None,
        only_schemas: Iterable[str] | None = None,
        heartbeat: float | None = None,
        reconnect: bool = True,
        reconnect_timeout: float = 60.0,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        annotate_rows: bool = True,
    ) -> None:
        if not isinstance(server_id, int) or not 0 < server_id < 1 << 32:
            raise ProgrammingError(0, "server_id must be a positive 32-bit int, unique per replica")
        if isinstance(resume_from, str):
            resume_from = Checkpoint.loads(resume_from)
        if gtid is not None:
            parse_gtid_state(gtid)  # a bad GTID is the caller's error, raised now
        self._options = parse_options(
            host=host, user=user, password=password, db=None, port=port,
            unix_socket=unix_socket, charset="utf8mb4", sql_mode=None,
            read_default_file=None, conv=None, use_unicode=True, client_flag=0,
            init_command=None, connect_timeout=connect_timeout, read_default_group=None,
            autocommit=None, echo=False, local_infile=False, ssl=ssl, auth_plugin="",
            program_name="aiomysql.replication", server_public_key=None,
            max_allowed_packet=1 << 30, database=None, connect_attrs=None,
            kill_query_on_cancel=False, read_timeout=None, write_timeout=None,
            allow_cleartext_password=False,
        )  # fmt: skip
        self.server_id = server_id
        self.blocking = blocking
        self.heartbeat = heartbeat
        self.reconnect = reconnect
        self.reconnect_timeout = reconnect_timeout
        self.annotate_rows = annotate_rows
        self._only_events = tuple(only_events) if only_events is not None else None
        schemas = frozenset(only_schemas) if only_schemas is not None else None
        tables = frozenset(only_tables) if only_tables is not None else None
        self._table_filter = None
        if schemas is not None or tables is not None:

            def wanted(tm: E.TableMapEvent) -> bool:
                if schemas is not None and tm.schema not in schemas:
                    return False
                return tables is None or tm.table in tables or f"{tm.schema}.{tm.table}" in tables

            self._table_filter = wanted
        self._start = resume_from
        self._start_file = log_file
        self._start_pos = log_pos
        self._start_gtid = gtid if resume_from is None else None
        self._mysql_gtid_set = mysql_gtid_set
        self._use_gtid = gtid is not None or (
            resume_from is not None and resume_from.gtid is not None
        )
        self._tracker: PositionTracker | None = None
        self._decoder: BinlogDecoder | None = None
        self._core: ClientCore | None = None
        self._wire: Wire | None = None
        self._channel: Channel | None = None
        self._io_errors = map_io_errors(RUNNING, self._options.address)
        self._closed = False
        self._ended = False
        #: Number of times the stream connected (1 + reconnects), for monitoring.
        self.connections = 0
        #: The server's binlog checksum algorithm ("CRC32" or "NONE") once connected.
        self.checksum = ""

    # -- public ------------------------------------------------------------------

    async def checkpoint(self) -> Checkpoint:
        """The resume token for right after the last event taken."""
        if self._tracker is None:
            await self.connect()
        assert self._tracker is not None
        return self._tracker.checkpoint()

    async def connect(self) -> None:
        """Connect and start the dump now (iteration does it on first use otherwise)."""
        if self._closed:
            raise ProgrammingError(0, "the BinlogStream is closed")
        if self._core is None:
            await self._connect_retrying()

    async def close(self) -> None:
        """Close the replication connection; iteration then ends."""
        self._closed = True
        self._drop()

    async def __aenter__(self) -> BinlogStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __aiter__(self) -> BinlogStream:
        return self

    async def __anext__(self) -> E.BinlogEvent:
        only = self._only_events
        while True:
            if self._closed or self._ended:
                raise StopAsyncIteration
            core, decoder, tracker = self._core, self._decoder, self._tracker
            if core is None or decoder is None or tracker is None:
                await self._connect_retrying()
                continue
            packet = core.take_packet()
            if packet is None:
                try:
                    await self._wait_data()
                except OperationalError as exc:
                    await self._lost(exc)
                continue
            head = packet[0] if packet else -1
            if head != 0:
                try:
                    self._end_of_dump(packet)
                except OperationalError as exc:  # e.g. the server is shutting down
                    await self._lost(exc)
                continue
            try:
                event = decoder.decode(packet)
            except ProtocolError:
                self._drop()  # what follows a malformed event cannot be trusted
                raise
            deliver = tracker.event(decoder.type_code, decoder.log_pos, decoder.event_size, event)
            if event is None or not deliver:
                continue
            if only is not None and not isinstance(event, only):
                continue
            event.checkpoint = tracker.checkpoint()
            return event

    # -- connection --------------------------------------------------------------

    async def _wait_data(self) -> None:
        wire = self._wire
        assert wire is not None
        with self._io_errors:
            await wire.wait_data()

    def _end_of_dump(self, packet: bytes) -> None:
        """EOF (non-blocking dump at the end of the binlog) or the server's error."""
        if packet[:1] == b"\xfe" and len(packet) < 9:
            self._ended = True
            self._drop()
            return
        self._drop()
        if packet[:1] == b"\xff":
            raise parse_error(packet)
        raise OperationalError(CR.CR_MALFORMED_PACKET, f"unexpected dump packet {packet[:8]!r}")

    async def _lost(self, exc: OperationalError) -> None:
        """The connection failed: reconnect and resume, or raise."""
        self._drop()
        if self._closed:  # close() from another task cut the wait: just stop
            raise StopAsyncIteration
        if not self.reconnect or exc.args[0] not in RETRYABLE:
            raise exc
        logger.info("binlog stream lost its connection (%s); resuming", exc)
        await self._connect_retrying()

    async def _connect_retrying(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.reconnect_timeout
        delay = 0.02
        while True:
            try:
                await self._connect_once()
                return
            except OperationalError as exc:
                self._drop()
                retry = self.reconnect and exc.args[0] in RETRYABLE and self.connections
                if not retry or loop.time() + delay > deadline:
                    raise
                logger.info("binlog stream reconnect failed (%s); retrying", exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.5)

    def _drop(self) -> None:
        channel, self._channel = self._channel, None
        self._core = self._wire = None
        if channel is not None:
            channel.force_close()

    async def _query(self, sql: str) -> list[tuple[Any, ...]]:
        channel = self._channel
        assert channel is not None
        result = await channel.run_query(sql)
        return list(result.rows or [])

    async def _connect_once(self) -> None:
        options = self._options
        core, wire, greeting = await open_connection(options)
        channel = Channel(options)
        channel.attach(core, wire, greeting)
        self._channel = channel
        self.connections += 1
        mariadb = greeting.is_mariadb
        rows = await self._query("SELECT @@global.binlog_checksum")
        self.checksum = str(rows[0][0]).upper() if rows else "NONE"
        await self._query("SET @master_binlog_checksum = @@global.binlog_checksum")
        if mariadb:
            await self._query("SET @mariadb_slave_capability = 4")
        if self.heartbeat:
            await self._query(f"SET @master_heartbeat_period = {int(self.heartbeat * 1e9)}")
        if self._tracker is None:
            self._tracker = PositionTracker(await self._starting_point(mariadb))
        start = self._tracker.rewind()
        await channel.command_ok(cmd.com_register_slave(self.server_id))
        flags = 0 if self.blocking else cmd.BINLOG_DUMP_NON_BLOCK
        if mariadb and self.annotate_rows:
            flags |= cmd.BINLOG_SEND_ANNOTATE_ROWS_EVENT
        if self._use_gtid and mariadb and start.gtid is not None:
            await self._query(f"SET @slave_connect_state = {channel.escape(start.gtid)}")
            await self._query("SET @slave_gtid_strict_mode = 0")
            await self._query("SET @slave_gtid_ignore_duplicates = 0")
            payload = cmd.com_binlog_dump(self.server_id, b"", 4, flags)
        elif self._mysql_gtid_set is not None and self.connections == 1 and start.skip == 0:
            payload = cmd.com_binlog_dump_gtid(
                self.server_id, self._mysql_gtid_set, b"", 4, flags & cmd.BINLOG_DUMP_NON_BLOCK
            )
        else:
            payload = cmd.com_binlog_dump(
                self.server_id, start.log_file.encode("utf-8"), start.log_pos, flags
            )
        self._decoder = BinlogDecoder(
            self.checksum == "CRC32",
            self._table_filter,
            _row_types(self._only_events),
            encoding_of,
        )
        if self.heartbeat:
            wire.read_timeout = self.heartbeat * 2 + 1.0  # two beats missed: dead
        with self._io_errors:
            wire.write(core.send_command(payload))
        self._core, self._wire = core, wire

    async def _starting_point(self, mariadb: bool) -> Checkpoint:
        """Where the first connection starts: the given position, or the current one."""
        if self._start is not None:
            return self._start
        gtid = self._start_gtid
        if self._start_file is not None:
            pos = self._start_pos or 4
            if mariadb and gtid is None:
                gtid = await self._gtid_at(self._start_file, pos)
            return Checkpoint(self._start_file, pos, gtid)
        if gtid is not None or self._mysql_gtid_set is not None:
            return Checkpoint("", 4, gtid)
        rows = await self._query("SHOW MASTER STATUS")
        if not rows:
            raise OperationalError(
                CR.CR_UNKNOWN_ERROR, "the server has no binlog (start it with log_bin)"
            )
        file, pos = str(rows[0][0]), int(rows[0][1])
        return Checkpoint(file, pos, await self._gtid_at(file, pos) if mariadb else None)

    async def _gtid_at(self, file: str, pos: int) -> str | None:
        """MariaDB's GTID state at a binlog position (None when it cannot say)."""
        channel = self._channel
        assert channel is not None
        found = await self._query(f"SELECT BINLOG_GTID_POS({channel.escape(file)}, {int(pos)})")
        return None if not found or found[0][0] is None else str(found[0][0])
