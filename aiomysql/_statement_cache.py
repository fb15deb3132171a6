"""The pieces of the prepared-statement cache: the statement handle, the per-connection
LRU of them, and the placeholder rewriting (DB-API format/pyformat to ``?``)."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import ProgrammingError
from .protocol import events as ev
from .protocol.results import Column


class StatementHandle:
    """One statement prepared on the server: its id and what the server said of it."""

    __slots__ = ("sql", "stmt_id", "nparams", "params", "columns", "types", "generation", "live")

    def __init__(self, sql: bytes, prepared: ev.Prepared, generation: int) -> None:
        self.sql = sql
        self.stmt_id = prepared.stmt_id
        self.params: list[Column] = prepared.params
        self.nparams = len(prepared.params)
        self.columns: list[Column] = prepared.columns
        #: The parameter types sent last: the next execute resends them only if they differ.
        self.types: bytes | None = None
        #: The channel's connection generation it was prepared on.
        self.generation = generation
        #: True while the cache holds it (start_prepared's one check).
        self.live = False


class StatementCache:
    """A per-connection LRU of prepared statements, by SQL text."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[bytes, StatementHandle] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, sql: bytes) -> StatementHandle | None:
        """The statement prepared for ``sql``, now the most recently used; None if none."""
        handle = self._entries.get(sql)
        if handle is not None:
            self._entries.move_to_end(sql)
        return handle

    def touch(self, handle: StatementHandle) -> None:
        """Mark a live ``handle`` the most recently used."""
        self._entries.move_to_end(handle.sql)

    def put(self, handle: StatementHandle) -> list[StatementHandle]:
        """Keep ``handle``; returns the entries pushed out (to be closed on the server)."""
        old = self._entries.get(handle.sql)
        if old is not None and old is not handle:
            old.live = False
        self._entries[handle.sql] = handle
        self._entries.move_to_end(handle.sql)
        handle.live = True
        evicted = []
        while len(self._entries) > self.size:
            gone = self._entries.popitem(last=False)[1]
            gone.live = False
            evicted.append(gone)
        return evicted

    def discard(self, handle: StatementHandle) -> None:
        """Forget ``handle`` (the server no longer has it)."""
        if self._entries.get(handle.sql) is handle:
            del self._entries[handle.sql]
        handle.live = False

    def clear(self) -> None:
        """Forget every entry (the server forgot them: a new connection, a reset)."""
        for handle in self._entries.values():
            handle.live = False
        self._entries.clear()


class _NameRecorder:
    """What ``%(name)s`` formatting reads: a ``?`` per placeholder, names noted in order."""

    __slots__ = ("args", "values")

    def __init__(self, args: Mapping[Any, Any]) -> None:
        self.args = args
        self.values: list[Any] = []

    def __getitem__(self, key: Any) -> str:
        self.values.append(self.args[key])
        return "?"


_QMARKS: dict[int, tuple[str, ...]] = {}


def positional(sql: str, args: Any) -> tuple[str, Sequence[Any]]:
    """(SQL with ``?`` placeholders, the values in their order) for DB-API format/pyformat
    placeholders, by the very rules execute() formats them for the text protocol."""
    if args is None:
        return sql, ()
    try:
        if isinstance(args, (tuple, list)):
            marks = _QMARKS.get(len(args))
            if marks is None:
                marks = _QMARKS[len(args)] = ("?",) * len(args)
            return sql % marks, args
        if isinstance(args, Mapping):
            recorder = _NameRecorder(args)
            return sql % recorder, recorder.values
        return sql % ("?",), (args,)
    except KeyError as exc:
        raise ProgrammingError(f"no value for placeholder %({exc.args[0]})s in args") from None
    except (TypeError, ValueError) as exc:
        raise ProgrammingError(f"query placeholders do not match the arguments: {exc}") from None


_FORMAT_MARKS = re.compile(r"%%|%s")


def qmark_sql(sql: str) -> str:
    """``sql`` with ``%s`` placeholders turned into ``?`` (``%%`` into ``%``); ``?``
    placeholders are kept (both are accepted by Connection.prepare())."""
    if "%" not in sql:
        return sql
    return _FORMAT_MARKS.sub(lambda m: "%" if m.group() == "%%" else "?", sql)
