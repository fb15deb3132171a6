"""executemany() with prepared statements: the channel's bulk and pipelined runs.

``ManyStatements`` extends the channel's prepared-statement half (``_statements``). On
MariaDB, INSERT and REPLACE rows go in COM_STMT_BULK_EXECUTE packets (one per
``max_allowed_packet`` of rows, MariaDB KB "COM_STMT_BULK_EXECUTE": the types, then per
row and parameter an indicator byte and the value); other statements, and servers without
MARIADB_CLIENT_STMT_BULK_OPERATIONS, get COM_STMT_EXECUTEs written PIPELINE_DEPTH ahead of
the reply being read. A server error in the pipeline is raised after the replies already
on their way were read, so the connection stays usable; the executes sent before it ran.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ._statement_cache import StatementHandle, positional
from ._statements import LONG_DATA_MIN, PreparedStatements
from .constants import CLIENT, ER
from .errors import Error, InterfaceError, ProgrammingError
from .local_infile import named_local_file
from .log import logger
from .protocol._impl import bulk_execute_payloads, encode_params
from .protocol.core import ClientCore
from .protocol.packets import frame
from .protocol.results import OkPacket
from .protocol.stmt_packets import Unbindable, com_stmt_execute
from .result import Result

#: executemany(): COM_STMT_EXECUTEs written ahead of the reply being read.
PIPELINE_DEPTH = 32
#: Statements COM_STMT_BULK_EXECUTE runs (it refuses those that return rows).
_BULK_STATEMENT = re.compile(r"\s*(?:INSERT|REPLACE)\b", re.IGNORECASE)


class ManyStatements(PreparedStatements):
    """The channel's executemany() in the binary protocol (a mixin, as its base)."""

    async def run_prepared_many(self, sql: str, seq_of_args: list[Any]) -> Result | None:
        """executemany() as prepared statements: one COM_STMT_BULK_EXECUTE per packet's
        worth of rows on MariaDB (INSERT/REPLACE), else COM_STMT_EXECUTEs pipelined
        PIPELINE_DEPTH deep (also for what the bulk refuses: 1295, INSERT ... SELECT ?).
        None when the rows cannot be bound: the caller runs them as text. The result
        counts the affected rows of all of them."""
        core = self.require_core()
        if not core.idle:
            await self.settle()
        rows: list[Sequence[Any]] = []
        qmarked: str | None = None
        bindable = self._bindable
        for args in seq_of_args:
            marked, values = positional(sql, args)
            if qmarked is None:
                qmarked = marked
            elif marked != qmarked:
                return None
            for value in values:
                if type(value) not in bindable:
                    return None
            rows.append(values)
        assert qmarked is not None
        if self._echo:
            logger.info("%s", self.format_query(sql, seq_of_args[-1]))
        key = self._encode_sql(qmarked)
        if key in self._text_only:
            return None
        if self._local_infile and named_local_file(key, self.no_backslash_escapes()):
            return None
        handle, cached = await self._cached_handle(key)
        if handle is None:
            return None
        try:
            if self._can_bulk(handle, qmarked):
                try:
                    return await self._run_bulk(handle, rows)
                except Unbindable:
                    pass  # the values of a column change type: one execute per row
                except Error as exc:
                    # 1295: a statement the bulk refuses (INSERT ... SELECT ?), said before
                    # any row ran; the executes take it.
                    now = self.core
                    if exc.args[:1] != (ER.UNSUPPORTED_PS,) or now is None or not now.idle:
                        raise
            return await self._run_pipelined(handle, rows)
        finally:
            if not cached:
                self._to_close.append(handle.stmt_id)
                self._flush_closes()

    def _can_bulk(self, handle: StatementHandle, sql: str) -> bool:
        core = self.core
        return (
            core is not None
            and bool(core.capabilities & CLIENT.MARIADB_CLIENT_STMT_BULK_OPERATIONS)
            and handle.nparams > 0
            and not handle.columns
            and _BULK_STATEMENT.match(sql) is not None
        )

    async def _run_bulk(self, handle: StatementHandle, rows: list[Sequence[Any]]) -> Result:
        limit = max(self.options.max_allowed_packet - 1024, 1 << 16)
        try:
            payloads = bulk_execute_payloads(
                handle.stmt_id, rows, handle.nparams, self.encoding, self._codec_errors, limit
            )
        except UnicodeEncodeError as exc:
            raise ProgrammingError(
                0, f"A parameter cannot be encoded as {self.options.charset_name}: {exc}"
            ) from None
        handle.types = None  # the bulk bound its own types: the next execute sends them
        results = []
        for payload in payloads:
            core = self.require_core()
            request = core.send_execute(payload)
            self._write(request)
            results.append(await self._read_result(False))
        return _combined(results)

    async def _run_pipelined(self, handle: StatementHandle, rows: list[Sequence[Any]]) -> Result:
        if self._long_params_in(rows) or handle.generation != self._generation:
            return _combined([await self.execute_handle(handle, row) for row in rows])
        for row in rows:
            if len(row) != handle.nparams:
                raise ProgrammingError(
                    f"the statement has {handle.nparams} placeholder(s), {len(row)} value(s) given"
                )
        payloads = []
        encoding, errors = self.encoding, self._codec_errors
        try:
            for row in rows:
                types, nulls, data = encode_params(row, encoding, errors)
                send_types = types != handle.types
                handle.types = types
                payloads.append(com_stmt_execute(handle.stmt_id, types, nulls, data, send_types))
        except UnicodeEncodeError as exc:
            handle.types = None
            raise ProgrammingError(
                0, f"A parameter cannot be encoded as {self.options.charset_name}: {exc}"
            ) from None
        except BaseException:
            handle.types = None
            raise
        results: list[Result] = []
        error: BaseException | None = None
        sent = 0
        for i, payload in enumerate(payloads):
            while error is None and sent < len(payloads) and sent - i < PIPELINE_DEPTH:
                # Written ahead: each command starts at sequence id 0, as the core frames it.
                self._write(frame(payloads[sent], 0)[0])
                sent += 1
            if i >= sent:
                break  # after a server error nothing more was sent
            core = self.require_core_in_pipeline()
            # The core expects its reply now (the bytes were sent already).
            core.send_execute(payload, handle.columns)
            try:
                results.append(await self._read_result(False))
            except Error as exc:  # a server error: read the replies already on their way
                if error is None:
                    error = exc
                if self.core is None or not self.core.idle:
                    raise
        if error is not None:
            raise error
        return _combined(results)

    def require_core_in_pipeline(self) -> ClientCore:
        """The core between two pipelined commands (the next reply may be buffered already,
        which require_core() would take for the server speaking out of turn)."""
        core = self.core
        if core is None or not core.usable:
            raise InterfaceError(0, "Not connected")
        return core

    @staticmethod
    def _long_params_in(rows: list[Sequence[Any]]) -> bool:
        return any(
            isinstance(v, (str, bytes, bytearray, memoryview)) and len(v) >= LONG_DATA_MIN
            for row in rows
            for v in row
        )



def _combined(results: list[Result]) -> Result:
    """One result for executemany(): the last one's, counting every one's rows/warnings."""
    if not results:
        return Result.from_ok(_NO_ROWS)
    last = results[-1]
    if len(results) > 1:
        last.affected_rows = sum(r.affected_rows for r in results)
        last.warning_count = sum(r.warning_count for r in results)
    return last


_NO_ROWS = OkPacket(0, 0, 0, 0, "")


