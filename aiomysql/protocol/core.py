"""The client side of the MySQL protocol as a state machine: feed bytes, pull events.

The states and the moves between them are in ``state.py``; this class is the only
writer of its state, through ``_to()``, which checks each move against that table.
"""

from __future__ import annotations

from collections.abc import Callable

from ..constants import CLIENT, CR, ER, SERVER_STATUS
from ..errors import Error, InterfaceError, ProgrammingError
from . import events as ev
from ._impl import decode_text_row, decode_text_rows, packets_end, read_packet
from .auth import AuthContext, AuthPlugin
from .auth_plugins import plugin_for
from .handshake import Greeting, handshake_response, parse_greeting, ssl_request
from .packets import (
    MAX_FRAME,
    MAX_PACKET_LIMIT,
    ProtocolError,
    Reader,
    frame,
    read_packet_in_place,
)
from .receive_buffer import ReceiveBuffer
from .results import (
    EOF_HEADER,
    ERR_HEADER,
    LOCAL_INFILE_HEADER,
    OK_HEADER,
    Column,
    Description,
    describe,
    parse_column,
    parse_eof,
    parse_error,
    parse_ok,
)
from .rows import Plan
from .state import DEAD, TRANSITIONS, State

_COLUMN_CACHE_SIZE = 1024
#: A server greeting is well under this; a longer first packet means a non-MySQL peer.
MAX_GREETING = 1 << 14


def _default_plan(columns: list[Column]) -> Plan:
    return (None,) * len(columns)


# The states the per-statement path sets, as module globals: reading an Enum member
# through its class costs ~0.1 us on Python 3.11.
_IDLE = State.IDLE
_RESULT = State.RESULT
_MORE = State.MORE_RESULTS
_COLUMNS = State.COLUMNS
_ROWS = State.ROWS
# Tuples, not the table's frozensets: membership by identity is about twice as fast.
_TRANSITIONS = {state: tuple(targets) for state, targets in TRANSITIONS.items()}


class ClientCore(ReceiveBuffer):
    """A sans-IO MySQL client connection: ``receive_data`` bytes, then ``next_event``."""

    def __init__(
        self,
        *,
        encoding: str = "utf-8",
        max_packet: int = MAX_PACKET_LIMIT,
        plan_builder: Callable[[list[Column]], Plan] = _default_plan,
    ) -> None:
        self._state = State.GREETING
        self.encoding = encoding
        self.max_packet = max_packet
        self.plan_builder = plan_builder
        self.capabilities = 0
        self.server_status = 0
        self.greeting: Greeting | None = None
        self.columns: list[Column] = []
        ReceiveBuffer.__init__(self)
        self._seq = 0
        self._ncols = 0
        self._plan: Plan = ()
        self._auth_ctx = AuthContext(b"")
        self._plugin: AuthPlugin | None = None
        # Statements that return the same column definitions get the same Column
        # objects (keyed by the raw packet) and so the same decode plan.
        self._column_cache: dict[bytes, Column] = {}
        self._plan_cache: dict[tuple[Column, ...], tuple[Plan, Description]] = {}
        self._span_cache: dict[tuple[int, bytes], tuple[Column, ...]] = {}
        #: The reply being read is in the binary protocol (a prepared statement's); the
        #: text-only one-step path (fast_path.py) leaves such replies to the general path.
        self._binary = False

    def rebind(self, encoding: str, plan_builder: Callable[[list[Column]], Plan]) -> None:
        """Decode with this encoding and plan builder from now on (after SET NAMES); the
        cached column definitions and plans were made for the old ones."""
        self.encoding = encoding
        self.plan_builder = plan_builder
        self._column_cache.clear()
        self._plan_cache.clear()
        self._span_cache.clear()

    # -- state ---------------------------------------------------------------

    def _to(self, new: State) -> None:
        """The one writer of the state: a move the table in state.py does not list is a
        bug in the caller, refused before it can corrupt the conversation."""
        if new not in _TRANSITIONS[self._state]:
            raise InterfaceError(
                0, f"internal error: no move from {self._state.value} to {new.value}"
            )
        self._state = new

    @property
    def state(self) -> State:
        """Where the conversation is (read-only; for tests and diagnostics)."""
        return self._state

    @property
    def usable(self) -> bool:
        """False once closed or broken: nothing more can be sent or read."""
        return self._state not in DEAD

    @property
    def idle(self) -> bool:
        """Between commands: no command in flight, no result pending."""
        return self._state is _IDLE

    @property
    def ready(self) -> bool:
        """Idle with nothing unread: a new command may be sent now."""
        return self._state is _IDLE and self._end == self._pos

    @property
    def out_of_turn(self) -> bool:
        """Idle, yet bytes arrived: the server spoke while no command was running."""
        return self._state is _IDLE and self._end != self._pos

    @property
    def results_pending(self) -> bool:
        """A statement's further results (multi-statement or CALL) wait to be read."""
        return self._state is _MORE

    @property
    def streaming(self) -> bool:
        """An unbuffered result's rows are being read."""
        return self._state is _ROWS

    @property
    def busy(self) -> bool:
        """Not between statements: a command is in flight, a result is being read, or
        the conversation is over (closed or broken)."""
        state = self._state
        return state is not _IDLE and state is not _MORE

    def _take(self, start: int, stop: int) -> bytes:
        return bytes(memoryview(self._buf)[start:stop])

    def _read_packet(self) -> bytes | None:
        """One whole logical packet (frames joined), or None until it has all arrived."""
        if self._end - self._pos < self._need:  # buffered()
            return None
        payload, pos, seq = read_packet(self._buf, self._pos, self._seq, self.max_packet, self._end)
        if payload is None:
            self._need = pos  # bytes needed from self._pos
            return None
        self._pos = pos
        self._seq = seq
        self._need = 4
        return payload

    # -- output --------------------------------------------------------------

    def _frame(self, payload: bytes) -> bytes:
        out, self._seq = frame(payload, self._seq)
        return out

    def ssl_request(self, capabilities: int, charset_id: int) -> bytes:
        """Bytes of the SSLRequest; send them, then upgrade the transport to TLS."""
        self._expect(State.HANDSHAKE)
        self.capabilities = capabilities | CLIENT.SSL
        return self._frame(ssl_request(capabilities, self.max_packet, charset_id))

    def handshake_response(
        self,
        *,
        capabilities: int,
        charset_id: int,
        user: bytes,
        database: bytes | None,
        auth: AuthContext,
        plugin_name: str | None = None,
        attributes: dict[str, str] | None = None,
    ) -> bytes:
        """Bytes of HandshakeResponse41, answering the greeting's challenge."""
        self._expect(State.HANDSHAKE)
        assert self.greeting is not None
        self.capabilities = capabilities | (self.capabilities & CLIENT.SSL)
        self._auth_ctx = auth
        name = plugin_name or self.greeting.auth_plugin or "mysql_native_password"
        self._plugin = plugin_for(name, auth)
        try:
            response = self._plugin.start(self.greeting.auth_data)
            payload = handshake_response(
                self.capabilities,
                self.max_packet,
                charset_id,
                user,
                response,
                database,
                name,
                attributes,
            )
        except ProtocolError:  # the greeting's challenge was malformed (found by fuzzing)
            self._to(State.BROKEN)
            raise
        except ValueError as exc:  # e.g. an auth response too long for this server's caps
            self._to(State.BROKEN)
            raise InterfaceError(0, f"Cannot answer the server's greeting: {exc}") from exc
        self._to(State.AUTH)
        return self._frame(payload)

    def send_command(self, payload: bytes) -> bytes:
        """Bytes of a command packet; the core then waits for its response."""
        if self._state is not _IDLE:
            raise self._out_of_sync()
        self._seq = 0
        self._binary = False
        self._to(_RESULT)
        return self._frame(payload)

    def send_quit(self, payload: bytes) -> bytes:
        """Bytes of COM_QUIT; the connection is closed afterwards whatever its state."""
        self._seq = 0
        self._to(State.CLOSED)
        return self._frame(payload)

    def local_infile_chunk(self, chunk: bytes) -> bytes:
        """Bytes carrying one piece of the requested file (under one frame in size)."""
        self._expect(State.INFILE)
        if not chunk or len(chunk) >= MAX_FRAME:
            raise ValueError("a LOCAL INFILE chunk must be 1 to 16 MiB - 2 bytes long")
        return self._frame(chunk)

    def local_infile_done(self) -> bytes:
        """Bytes of the empty packet that ends the file; the server then answers."""
        self._expect(State.INFILE)
        self._to(State.RESULT)
        return self._frame(b"")

    def abort(self) -> None:
        """Mark the protocol state unknown: nothing more can be sent or read."""
        if self._state is not State.CLOSED:
            self._to(State.BROKEN)

    def _expect(self, state: State) -> None:
        if self._state is not state:
            raise self._out_of_sync()

    def _out_of_sync(self) -> Error:
        if self._state in DEAD:
            return InterfaceError(0, "Connection is not usable (closed or broken)")
        return ProgrammingError(
            CR.CR_COMMANDS_OUT_OF_SYNC,
            f"Command out of sync: the previous result is still being read ({self._state.value})",
        )

    # -- events --------------------------------------------------------------

    def next_event(self) -> ev.Event:
        """The next thing that happened, NEED_DATA if more bytes are needed first."""
        try:
            while True:
                result = self._HANDLERS[self._state](self)
                if result is not None:
                    return result
        except ProtocolError:
            self._to(State.BROKEN)
            raise
        except Error:
            raise
        except (ValueError, IndexError, ArithmeticError, TypeError) as exc:
            self._to(State.BROKEN)
            raise ProtocolError(f"could not decode what the server sent ({exc!r})") from exc

    def _on_greeting(self) -> ev.Event | None:
        if self.buffered() >= 4:
            self._check_greeting_head()
        payload = self._read_packet()
        if payload is None:
            return ev.NEED_DATA
        if payload[:1] == bytes((ERR_HEADER,)):
            self._to(State.CLOSED)
            raise parse_error(payload)
        self.greeting = parse_greeting(payload)
        self.server_status = self.greeting.status
        self._to(State.HANDSHAKE)
        return self.greeting

    def _check_greeting_head(self) -> None:
        """Refuse a peer that is not a MySQL server at once, not after waiting for a
        bogus length: a greeting is small and has sequence id 0."""
        head = self._take(self._pos, self._pos + 8)
        length = head[0] | head[1] << 8 | head[2] << 16
        limit = min(MAX_GREETING, self.max_packet)
        if head[3] != 0:
            raise ProtocolError(f"not a MySQL server greeting (it starts {bytes(head)!r})")
        if length > limit:
            raise ProtocolError(
                f"a greeting of {length} bytes exceeds the limit of {limit}: "
                f"not a MySQL server (it starts {bytes(head)!r})"
            )

    def _on_auth(self) -> ev.Event | None:
        payload = self._read_packet()
        if payload is None:
            return ev.NEED_DATA
        if not payload:
            raise ProtocolError("empty packet during authentication")
        head = payload[0]
        if head == OK_HEADER:
            ok = parse_ok(payload)
            self.server_status = ok.status
            self._to(State.IDLE)
            return ev.Authenticated(ok)
        if head == ERR_HEADER:
            self._to(State.CLOSED)
            raise parse_error(payload)
        if head == EOF_HEADER:
            r = Reader(payload, 1)
            if not r.remaining():
                raise ProtocolError("old-style auth switch (mysql_old_password) not supported")
            name = r.null_terminated(required=False).decode("ascii", "replace")
            # Raw: whether a trailing NUL belongs to the data depends on the plugin
            # (native adds one to its 20 bytes; ed25519's 32-byte nonce may end in 0).
            data = r.rest()
            self._plugin = plugin_for(name, self._auth_ctx)
            return ev.SendData(self._frame(self._plugin.start(data)))
        if head == 0x01 and self._plugin is not None:
            reply = self._plugin.more(payload[1:])
            return None if reply is None else ev.SendData(self._frame(reply))
        raise ProtocolError(f"unexpected packet 0x{head:02x} during authentication")

    def _on_result(self) -> ev.Event | None:
        if self._end - self._pos >= 4 and self._buf[self._pos + 3] != self._seq:
            return self._early_reply()
        payload = self._read_packet()
        if payload is None:
            return ev.NEED_DATA
        if not payload:
            raise ProtocolError("empty response packet")
        head = payload[0]
        if head == OK_HEADER:
            ok = parse_ok(payload)
            self._finish(ok.status)
            return ok
        if head == ERR_HEADER:
            error = parse_error(payload)
            # The server hangs up after refusing a packet over its max_allowed_packet.
            too_large = error.args[0] == ER.NET_PACKET_TOO_LARGE
            self._to(State.BROKEN if too_large else _IDLE)
            raise error
        if head == LOCAL_INFILE_HEADER:
            self._to(State.INFILE)
            return ev.LocalInfileRequest(payload[1:])
        count = head if head < 0xFB else Reader(payload).lenenc_int()  # length-encoded
        if not count or count > 4096:
            raise ProtocolError(f"invalid column count {count}")
        self._ncols = count
        self.columns = []
        self._to(_COLUMNS)
        return None

    def _early_reply(self) -> ev.Event:
        """A reply whose sequence id is not the one after the request's last frame.

        A server that refuses a request over its max_allowed_packet answers ERR 1153 after
        the first frame's header (sequence id 1), while the rest of the request may still
        be on its way, and hangs up: raise that error, not a sequence-id complaint, and
        leave the connection broken (the stream is no longer in step).
        """
        buf, pos = self._buf, self._pos
        length = buf[pos] | buf[pos + 1] << 8 | buf[pos + 2] << 16
        wrong_seq = ProtocolError(f"packet sequence id {buf[pos + 3]}, expected {self._seq}")
        if length > 0xFFFF:  # not an ERR packet
            raise wrong_seq
        if self._end - pos - 4 < length:
            self._need = 4 + length
            return ev.NEED_DATA
        payload = self._take(pos + 4, pos + 4 + length)
        if payload[:1] != bytes((ERR_HEADER,)):
            raise wrong_seq
        self._to(State.BROKEN)
        raise parse_error(payload)

    @property
    def _extended_metadata(self) -> bool:
        return bool(self.capabilities & CLIENT.MARIADB_CLIENT_EXTENDED_METADATA)

    def _on_columns(self) -> ev.Event | None:
        span = None
        if not self.columns:
            span = self._column_span()
            if span is not None:
                known = self._span_cache.get(span)
                if known is not None:
                    # The same definitions, byte for byte and from the same sequence id,
                    # as a result already parsed (and seq-checked): take them whole.
                    self._pos += len(span[1])
                    self._seq = (self._seq + self._ncols) & 0xFF
                    self.columns = list(known)
                    return self._after_columns()
        cache = self._column_cache
        while len(self.columns) < self._ncols:
            payload = self._read_packet()
            if payload is None:
                return ev.NEED_DATA
            column = cache.get(payload)
            if column is None:
                if payload[:1] in (b"\xfe", b"\xff"):
                    raise ProtocolError("result set ended inside its column definitions")
                column = parse_column(payload, self.encoding, self._extended_metadata)
                if len(cache) >= _COLUMN_CACHE_SIZE:
                    cache.clear()
                    self._plan_cache.clear()
                    self._span_cache.clear()
                cache[payload] = column
            self.columns.append(column)
        if span is not None:
            if len(self._span_cache) >= _COLUMN_CACHE_SIZE:
                self._span_cache.clear()
            self._span_cache[span] = tuple(self.columns)
        return self._after_columns()

    def _column_span(self) -> tuple[int, bytes] | None:
        """(first sequence id, raw bytes) of all the column definitions, when every one of
        them is buffered already; None otherwise."""
        start = self._pos
        stop = packets_end(self._buf, start, self._end, self._ncols)
        return None if stop < 0 else (self._seq, self._take(start, stop))

    def _after_columns(self) -> ev.Event | None:
        if self.capabilities & CLIENT.DEPRECATE_EOF:
            return self._start_rows()
        self._to(State.COLUMNS_EOF)
        return None

    def _on_columns_eof(self) -> ev.Event | None:
        payload = self._read_packet()
        if payload is None:
            return ev.NEED_DATA
        if payload[:1] != bytes((EOF_HEADER,)):
            raise ProtocolError("expected EOF after column definitions")
        return self._start_rows()

    def _start_rows(self) -> ev.Event:
        key = tuple(self.columns)
        cached = self._plan_cache.get(key)
        if cached is None:
            cached = self._plan_cache[key] = (self.plan_builder(self.columns), describe(key))
        self._plan, description = cached
        self._to(_ROWS)
        return ev.ResultSetHeader(self.columns, description)

    def _on_rows(self) -> ev.Event | None:
        if self._end - self._pos < self._need:
            return ev.NEED_DATA
        rows: list[tuple[object, ...]] = []
        self._pos, self._seq = decode_text_rows(
            self._buf, self._pos, self._end, self._seq, self._plan, rows
        )
        if rows:
            self._need = 4
            return ev.RowBatch(rows)
        buf, pos = self._buf, self._pos
        if self._end - pos >= 4 and buf[pos] == buf[pos + 1] == buf[pos + 2] == 0xFF:
            # A row of 16 MiB or more, in several frames: decoded where it lies.
            span, pos, seq = read_packet_in_place(buf, pos, self._seq, self.max_packet, self._end)
            if span is None:
                self._need = pos
                return ev.NEED_DATA
            self._pos, self._seq, self._need = pos, seq, 4
            return ev.RowBatch([decode_text_row(buf, span[0], span[1], self._plan)])
        payload = self._read_packet()
        if payload is None:
            return ev.NEED_DATA
        if not payload:
            raise ProtocolError("empty packet in a result set")
        head = payload[0]
        if head == EOF_HEADER and len(payload) < MAX_FRAME:
            if self.capabilities & CLIENT.DEPRECATE_EOF:
                ok = parse_ok(payload)
                warnings, status = ok.warnings, ok.status
            else:
                warnings, status = parse_eof(payload)
            self._finish(status)
            return ev.ResultSetEnd(warnings, status)
        if head == ERR_HEADER:
            self._to(_IDLE)
            raise parse_error(payload)
        return ev.RowBatch([decode_text_row(payload, 0, len(payload), self._plan)])

    def _on_idle(self) -> ev.Event | None:
        payload = self._read_packet()
        if payload is None:
            return ev.NEED_DATA
        self._to(State.BROKEN)
        if payload[:1] == bytes((ERR_HEADER,)):
            raise parse_error(payload)
        raise ProtocolError("the server sent data while no command was running")

    def _on_dead(self) -> ev.Event | None:
        raise self._out_of_sync()

    def _on_waiting_for_caller(self) -> ev.Event | None:
        return ev.NEED_DATA if not self.buffered() else self._on_unexpected()

    def _on_unexpected(self) -> ev.Event | None:
        raise ProtocolError(f"the server sent data out of turn ({self._state.value})")

    def _finish(self, status: int) -> None:
        self.server_status = status
        more = status & SERVER_STATUS.SERVER_MORE_RESULTS_EXISTS
        self._to(_MORE if more else _IDLE)

    _HANDLERS: dict[State, Callable[[ClientCore], ev.Event | None]] = {
        State.GREETING: _on_greeting,
        State.HANDSHAKE: _on_waiting_for_caller,
        State.AUTH: _on_auth,
        State.IDLE: _on_idle,
        State.RESULT: _on_result,
        State.MORE_RESULTS: _on_result,
        State.COLUMNS: _on_columns,
        State.COLUMNS_EOF: _on_columns_eof,
        State.ROWS: _on_rows,
        State.INFILE: _on_waiting_for_caller,
        State.CLOSED: _on_dead,
        State.BROKEN: _on_dead,
    }
