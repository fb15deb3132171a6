"""The binary-protocol half of the sans-IO client: prepare replies, binary result rows.

``StatementCore`` is mixed into ``ClientCore``: it adds the COM_STMT_* output methods and
the handlers of the PREPARE state and of binary rows. It uses the core's buffer, sequence
id and state writer; the core calls into it only for binary commands, so the text
protocol's per-statement path does not change.

COM_STMT_PREPARE's reply (MySQL internals manual, "COM_STMT_PREPARE Response"): 0x00,
statement id u32, column count u16, parameter count u16, a filler byte, warnings u16;
then one definition per parameter and one per column, each group followed by an EOF
packet unless CLIENT_DEPRECATE_EOF was agreed. An ERR instead of 0x00 means the server
refused the statement.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..constants import CLIENT, SERVER_STATUS
from ..errors import Error
from . import events as ev
from ._impl import decode_binary_row, decode_binary_rows
from .binary_rows import K_LENENC, BinaryPlan, kind_of
from .packets import MAX_FRAME, ProtocolError, Reader, frame, read_packet_in_place
from .results import (
    EOF_HEADER,
    ERR_HEADER,
    OK_HEADER,
    Column,
    Description,
    describe,
    parse_column,
    parse_eof,
    parse_error,
    parse_ok,
)
from .state import State

if TYPE_CHECKING:
    from .rows import Plan


def default_binary_plan(columns: list[Column]) -> BinaryPlan:
    """A plan without decoders: strings and decimals stay bytes (for the bare core)."""
    return tuple((kind_of(c), None, c.decimals) for c in columns)


class PrepareReader:
    """Reads the packets of one COM_STMT_PREPARE reply; ``feed`` returns the Prepared
    event after the last one, None before."""

    __slots__ = ("_eof", "_encoding", "_extended", "stmt_id", "_nparams", "_ncols",
                 "_warnings", "params", "columns", "_step", "started")  # fmt: skip

    def __init__(self, deprecate_eof: bool, encoding: str, extended: bool) -> None:
        self._eof = not deprecate_eof
        self._encoding = encoding
        self._extended = extended
        self.stmt_id = self._nparams = self._ncols = self._warnings = 0
        self.params: list[Column] = []
        self.columns: list[Column] = []
        self._step = 0  # 0 head, 1 params, 2 params EOF, 3 columns, 4 columns EOF
        #: True once the head (0x00 and the counts) was read.
        self.started = False

    def feed(self, payload: bytes) -> ev.Prepared | None:
        """Take the next packet of the reply."""
        if self._step == 0:
            if len(payload) < 9 or payload[0] != OK_HEADER:
                raise ProtocolError("malformed COM_STMT_PREPARE reply")
            r = Reader(payload, 1)
            self.stmt_id = r.u32()
            self._ncols = r.u16()
            self._nparams = r.u16()
            r.skip(1)
            self._warnings = r.u16() if r.remaining() >= 2 else 0
            if self._ncols > 4096 or self._nparams > 65535:
                raise ProtocolError("invalid counts in a COM_STMT_PREPARE reply")
            self.started = True
            self._step = 1
        elif self._step == 1:
            self.params.append(self._column(payload))
        elif self._step == 3:
            self.columns.append(self._column(payload))
        else:
            if payload[:1] != bytes((EOF_HEADER,)) or len(payload) >= 9:
                raise ProtocolError("expected EOF after definitions in a prepare reply")
            self._step += 1
        return self._advance()

    def _column(self, payload: bytes) -> Column:
        if payload[:1] in (b"\xfe", b"\xff"):
            raise ProtocolError("a prepare reply ended inside its definitions")
        return parse_column(payload, self._encoding, self._extended)

    def _advance(self) -> ev.Prepared | None:
        """Skip steps with nothing to read; the event once everything was read."""
        while True:
            step = self._step
            if step == 1 and len(self.params) == self._nparams:
                self._step = 2 if self._eof and self._nparams else 3
            elif step == 3 and len(self.columns) == self._ncols:
                self._step = 4 if self._eof and self._ncols else 5
            elif step == 5:
                return ev.Prepared(self.stmt_id, self.params, self.columns, self._warnings)
            else:
                return None


class StatementCore:
    """COM_STMT_* for ClientCore (a mixin: the core's buffer, sequence id and state)."""

    if TYPE_CHECKING:
        _state: State
        _seq: int
        _pos: int
        _end: int
        _need: int
        _buf: bytearray
        _ncols: int
        _plan: Plan
        columns: list[Column]
        capabilities: int
        encoding: str
        max_packet: int

        def _to(self, new: State) -> None: ...
        def _expect(self, state: State) -> None: ...
        def _read_packet(self) -> bytes | None: ...
        def _frame(self, payload: bytes) -> bytes: ...
        def _finish(self, status: int) -> None: ...
        def send_command(self, payload: bytes) -> bytes: ...

    def _init_statements(self) -> None:
        #: True while the running command's results are binary (COM_STMT_EXECUTE/FETCH).
        self._binary = False
        self._prepare: PrepareReader | None = None
        self._then_execute = False
        #: Column definitions -> binary decode plan; set by the channel like plan_builder.
        self.binary_plan_builder: Callable[[list[Column]], BinaryPlan] = default_binary_plan
        self._binary_plans: dict[tuple[Column, ...], tuple[BinaryPlan, Description]] = {}
        self._bplan: BinaryPlan = ()
        #: The running execute's statement columns (see send_execute), None when unknown.
        self._exec_columns: list[Column] | None = None

    def _rebind_statements(self, builder: Callable[[list[Column]], BinaryPlan] | None) -> None:
        if builder is not None:
            self.binary_plan_builder = builder
        self._binary_plans.clear()

    # -- output --------------------------------------------------------------

    def send_no_reply(self, payload: bytes) -> bytes:
        """Bytes of a command the server does not answer (COM_STMT_CLOSE,
        COM_STMT_SEND_LONG_DATA); the core stays idle."""
        self._expect(State.IDLE)
        out, _ = frame(payload, 0)
        return out

    def send_prepare(self, payload: bytes, execute: bytes | None = None) -> bytes:
        """Bytes of COM_STMT_PREPARE, and of a COM_STMT_EXECUTE sent right behind it
        (MariaDB's statement id 0xFFFFFFFF: the statement just prepared) when given."""
        self._expect(State.IDLE)
        self._seq = 0
        self._prepare = PrepareReader(
            bool(self.capabilities & CLIENT.DEPRECATE_EOF),
            self.encoding,
            bool(self.capabilities & CLIENT.MARIADB_CLIENT_EXTENDED_METADATA),
        )
        self._then_execute = execute is not None
        self._to(State.PREPARE)
        out = self._frame(payload)
        if execute is not None:
            out += frame(execute, 0)[0]
        return out

    def send_execute(self, payload: bytes, columns: list[Column] | None = None) -> bytes:
        """Bytes of COM_STMT_EXECUTE (or COM_STMT_BULK_EXECUTE): its result set's rows
        are binary. (send_command's steps, written out: a per-statement path.)

        ``columns``: the statement's column definitions as last received, a list the core
        uses when MariaDB skips sending them (MARIADB_CLIENT_CACHE_METADATA) and updates
        in place when it sends changed ones.
        """
        if self._state is not State.IDLE:
            self._expect(State.IDLE)  # raises the out-of-sync error
        self._to(State.RESULT)
        self._binary = True
        self._exec_columns = columns
        out, self._seq = frame(payload, 0)
        return out

    def send_fetch(self, payload: bytes, columns: list[Column] | None = None) -> bytes:
        """Bytes of COM_STMT_FETCH: binary rows of the open cursor follow, then EOF.

        ``columns``: the cursor's result set columns (its header's), whose decode plan the
        rows take; other statements may have run since the header. None: the last plan.
        """
        self._expect(State.IDLE)
        self._seq = 0
        out = self._frame(payload)
        if columns is not None:
            self.columns = columns
            key = tuple(columns)
            known = self._binary_plans.get(key)
            if known is None:
                known = self._new_binary_plan(key)
            self._bplan = known[0]
        self._binary = True
        self._to(State.ROWS)
        self._need = 4
        return out

    # -- the PREPARE state ---------------------------------------------------

    def _on_prepare(self) -> ev.Event | None:
        reader = self._prepare
        assert reader is not None
        while True:
            payload = self._read_packet()
            if payload is None:
                return ev.NEED_DATA
            if not reader.started and payload[:1] == bytes((ERR_HEADER,)):
                error = parse_error(payload)
                return self._prepare_failed(error)
            done = reader.feed(payload)
            if done is not None:
                self._prepare = None
                if self._then_execute:
                    self._then_execute = False
                    self._seq = 1
                    self._binary = True
                    self._exec_columns = done.columns  # the execute's, if metadata is skipped
                    self._to(State.RESULT)
                else:
                    self._to(State.IDLE)
                return done

    def _prepare_failed(self, error: Error) -> ev.Event:
        self._prepare = None
        if self._then_execute:
            # The pipelined execute gets its own reply (an ERR): the caller reads it.
            self._then_execute = False
            self._seq = 1
            self._binary = True
            self._to(State.RESULT)
            return ev.PrepareFailed(error)
        self._to(State.IDLE)
        raise error

    # -- binary result sets --------------------------------------------------

    def _metadata_skipped(self, payload: bytes) -> bool:
        """Whether a binary result's column count packet says the definitions are not
        sent (MariaDB 10.6+, MARIADB_CLIENT_CACHE_METADATA: a byte after the count, 0);
        the statement's known columns are taken then."""
        if not self.capabilities & CLIENT.MARIADB_CLIENT_CACHE_METADATA:
            return False
        first = payload[0]
        size = 1 if first < 0xFB else 3 if first == 0xFC else 4 if first == 0xFD else 9
        if len(payload) <= size or payload[size] != 0:
            return False
        known = self._exec_columns
        if known is None or len(known) != self._ncols:
            raise ProtocolError("the server skipped column definitions the client lacks")
        self.columns = list(known)
        return True

    def _remember_columns(self) -> None:
        """Keep the first result set's definitions as the statement's (for the next
        execute whose metadata the server skips); later result sets do not count."""
        known = self._exec_columns
        if known is not None:
            if known != self.columns:
                known[:] = self.columns
            self._exec_columns = None

    def _new_binary_plan(self, key: tuple[Column, ...]) -> tuple[BinaryPlan, Description]:
        if len(self._binary_plans) >= 1024:
            self._binary_plans.clear()
        cached = (self.binary_plan_builder(list(key)), describe(key))
        self._binary_plans[key] = cached
        return cached

    def _on_binary_rows(self) -> ev.Event | None:
        if self._end - self._pos < self._need:
            return ev.NEED_DATA
        rows: list[tuple[Any, ...]] = []
        self._pos, self._seq = decode_binary_rows(
            self._buf, self._pos, self._end, self._seq, self._bplan, rows
        )
        if rows:
            self._need = 4
            return ev.RowBatch(rows)
        buf, pos = self._buf, self._pos
        if self._end - pos >= 4 and buf[pos] == buf[pos + 1] == buf[pos + 2] == 0xFF:
            span, pos, seq = read_packet_in_place(buf, pos, self._seq, self.max_packet, self._end)
            if span is None:
                self._need = pos
                return ev.NEED_DATA
            self._pos, self._seq, self._need = pos, seq, 4
            return ev.RowBatch([decode_binary_row(buf, span[0], span[1], self._bplan)])
        payload = self._read_packet()
        if payload is None:
            return ev.NEED_DATA
        if not payload:
            raise ProtocolError("empty packet in a result set")
        head = payload[0]
        if head == EOF_HEADER and len(payload) < MAX_FRAME:
            if self.capabilities & CLIENT.DEPRECATE_EOF and len(payload) > 5:
                ok = parse_ok(payload)
                warnings, status = ok.warnings, ok.status
            else:
                warnings, status = parse_eof(payload)
            self._finish(status)
            return ev.ResultSetEnd(warnings, status)
        if head == ERR_HEADER:
            self._to(State.IDLE)
            raise parse_error(payload)
        return ev.RowBatch([decode_binary_row(payload, 0, len(payload), self._bplan)])


#: Status bit of the EOF after a cursor's column definitions / its fetched rows.
CURSOR_EXISTS = SERVER_STATUS.SERVER_STATUS_CURSOR_EXISTS
LAST_ROW_SENT = SERVER_STATUS.SERVER_STATUS_LAST_ROW_SENT
__all__ = ["CURSOR_EXISTS", "K_LENENC", "LAST_ROW_SENT", "PrepareReader", "StatementCore"]
