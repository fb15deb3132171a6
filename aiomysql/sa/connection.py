"""SAConnection: runs SQLAlchemy Core constructs (or SQL strings) on an aiomysql Connection."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Mapping, MutableMapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.sql.compiler import Compiled
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.expression import ColumnElement, Insert, UpdateBase

from .._context import AwaitableContext
from ..connection import Connection
from ..cursors import Cursor
from ..errors import Error as DriverError
from .exc import ArgumentError, InvalidRequestError, ResourceClosedError
from .result import ResultProxy
from .transaction import NestedTransaction, RootTransaction, Transaction, TwoPhaseTransaction

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["SAConnection"]

#: One group of values for a statement: positional (tuple) or named (dict).
_Group = tuple[Any, ...] | dict[str, Any]


class SAConnection:
    """A connection for SQLAlchemy Core statements; get one with ``Engine.acquire()``.

    ``execute()`` takes a SQLAlchemy construct (select, insert, update, delete, text,
    DDL) or a plain SQL string with ``%s`` / ``%(name)s`` placeholders.
    """

    def __init__(
        self,
        connection: Connection,
        engine: Engine | None,
        dialect: Dialect,
        compiled_cache: MutableMapping[Any, Compiled] | None = None,
    ) -> None:
        self._connection: Connection | None = connection
        self._engine = engine
        self._dialect = dialect
        self._compiled_cache = compiled_cache
        self._transaction: Transaction | None = None
        self._savepoint_seq = 0

    # -- properties ----------------------------------------------------------------

    @property
    def connection(self) -> Connection | None:
        """The underlying aiomysql Connection (None once closed)."""
        return self._connection

    @property
    def closed(self) -> bool:
        """True once close() was called or the underlying connection was lost."""
        return self._connection is None or self._connection.closed

    @property
    def in_transaction(self) -> bool:
        """True while a transaction begun on this connection is active."""
        return self._transaction is not None and self._transaction.is_active

    @property
    def dialect(self) -> Dialect:
        """The SQLAlchemy dialect statements are compiled with."""
        return self._dialect

    def _checked(self) -> Connection:
        conn = self._connection
        if conn is None:
            raise ResourceClosedError("This connection is closed")
        return conn

    # -- executing -----------------------------------------------------------------

    def execute(
        self, query: Any, *multiparams: Any, **params: Any
    ) -> AwaitableContext[ResultProxy]:
        """Run ``query`` and return its ResultProxy (``await`` it, or ``async with`` it to
        close the result at the end of the block).

        Values: ``execute(q, 1, 2)`` or ``execute(q, (1, 2))`` (positional),
        ``execute(q, {"a": 1})`` or ``execute(q, a=1)`` (named), ``execute(q, [{...},
        {...}])`` or several tuples/dicts (the statement runs once per group, as
        ``executemany``). Positional values fit a SQL string's ``%s`` placeholders, or an
        ``insert()``'s table columns in order.
        """
        return AwaitableContext(self._execute(query, multiparams, params), _close_result)

    async def scalar(self, query: Any, *multiparams: Any, **params: Any) -> Any:
        """The first column of the first row ``query`` returns (None without rows)."""
        result = await self._execute(query, multiparams, params)
        return await result.scalar()

    async def _execute(
        self, query: Any, multiparams: tuple[Any, ...], params: dict[str, Any]
    ) -> ResultProxy:
        conn = self._checked()
        if isinstance(query, str):
            sql, groups, columns = query, _plain_groups(multiparams, params), None
        elif isinstance(query, ClauseElement):
            sql, groups, columns = self._compile(query, multiparams, params)
        else:
            raise ArgumentError(
                f"execute() takes a SQL string or a SQLAlchemy construct, not {type(query)!r}"
            )
        cursor = await conn.cursor(Cursor)
        try:
            if len(groups) > 1:
                await cursor.executemany(sql, groups)
            else:
                await cursor.execute(sql, groups[0] if groups else None)
        except BaseException:
            with contextlib.suppress(DriverError):
                await cursor.close()
            raise
        return await ResultProxy(cursor, self._dialect, columns)._start()

    def _compile(
        self, query: ClauseElement, multiparams: tuple[Any, ...], params: dict[str, Any]
    ) -> tuple[str, list[_Group], list[ColumnElement[Any]] | None]:
        groups = _named_groups(query, multiparams, params)
        keys = sorted(groups[0]) if groups else []
        compiled = self._compiled(query, keys)
        binds: Mapping[str, Any] = getattr(compiled, "binds", {})
        if not binds and any(groups):
            raise ArgumentError(f"values were given for a statement without parameters: {query}")
        prefetch = list(getattr(compiled, "insert_prefetch", ()))
        prefetch += getattr(compiled, "update_prefetch", ())
        processors = self._bind_processors(binds)
        bound: list[_Group] = []
        for group in groups or [{}]:
            values = dict(compiled.construct_params(group) or {})
            for column in prefetch:
                if column.key not in group:
                    values[column.key] = _python_default(column, query, group)
            for name, process in processors.items():
                if name in values:
                    values[name] = process(values[name])
            bound.append(values)
        exported = getattr(query, "exported_columns", None)
        columns = list(exported) if exported is not None and len(exported) else None
        return compiled.string, bound, columns

    def _compiled(self, query: ClauseElement, keys: list[str]) -> Compiled:
        cache = self._compiled_cache
        cache_key = (query, tuple(keys))
        if cache is not None:
            found = cache.get(cache_key)
            if found is not None:
                return found
        options: dict[str, Any] = {"compile_kwargs": {"render_postcompile": True}}
        if isinstance(query, UpdateBase):
            options["column_keys"] = keys  # which columns an INSERT/UPDATE sets
        compiled = query.compile(dialect=self._dialect, **options)
        if cache is not None:
            cache[cache_key] = compiled
        return compiled

    def _bind_processors(self, binds: Mapping[str, Any]) -> dict[str, Any]:
        processors = {}
        for name, bind in binds.items():
            process = bind.type.dialect_impl(self._dialect).bind_processor(self._dialect)
            if process is not None:
                processors[name] = process
        return processors

    # -- transactions --------------------------------------------------------------

    def begin(self) -> AwaitableContext[Transaction]:
        """Start a transaction: ``async with conn.begin():`` or ``tx = await conn.begin()``.

        Inside an active transaction this returns a marker (see Transaction).
        """
        return AwaitableContext(self._begin(), _end_transaction_block)

    async def _begin(self) -> Transaction:
        self._checked()
        if self._transaction is not None and self._transaction.is_active:
            return Transaction(self, self._transaction)
        await self._run_sql("BEGIN")
        self._transaction = RootTransaction(self)
        return self._transaction

    def begin_nested(self) -> AwaitableContext[Transaction]:
        """Set a SAVEPOINT (or begin a transaction if none is open)."""
        return AwaitableContext(self._begin_nested(), _end_transaction_block)

    async def _begin_nested(self) -> Transaction:
        self._checked()
        outer = self._transaction
        if outer is None or not outer.is_active:
            return await self._begin()
        self._savepoint_seq += 1
        name = f"sa_savepoint_{self._savepoint_seq}"
        await self._run_sql(f"SAVEPOINT {name}")
        self._transaction = NestedTransaction(self, outer, name)
        return self._transaction

    def begin_twophase(self, xid: str | None = None) -> AwaitableContext[Transaction]:
        """Start an XA transaction with ``xid`` (a random one by default)."""
        return AwaitableContext(self._begin_twophase(xid), _end_transaction_block)

    async def _begin_twophase(self, xid: str | None) -> Transaction:
        self._checked()
        if self._transaction is not None and self._transaction.is_active:
            raise InvalidRequestError(
                "Cannot start a two-phase transaction while a transaction is in progress"
            )
        xid = xid if xid is not None else f"aiomysql_sa_{uuid.uuid4().hex}"
        await self._run_sql(f"XA START {self._xid_literal(xid)}")
        self._transaction = TwoPhaseTransaction(self, xid)
        return self._transaction

    async def recover_twophase(self) -> list[str]:
        """The xids of XA transactions prepared on the server and awaiting a verdict."""
        result = await self._execute("XA RECOVER", (), {})
        rows = await result.fetchall()
        return [
            row["data"].decode() if isinstance(row["data"], bytes) else row["data"] for row in rows
        ]

    async def commit_prepared(self, xid: str, *, is_prepared: bool = True) -> None:
        """Commit a prepared XA transaction (e.g. one found by recover_twophase())."""
        await self._finish_prepared("COMMIT", xid, is_prepared)

    async def rollback_prepared(self, xid: str, *, is_prepared: bool = True) -> None:
        """Roll back a prepared XA transaction."""
        await self._finish_prepared("ROLLBACK", xid, is_prepared)

    async def _finish_prepared(self, verb: str, xid: str, is_prepared: bool) -> None:
        conn = self._checked()
        if not is_prepared:
            raise ArgumentError(f"XA {verb} of another session needs a prepared transaction")
        if self.in_transaction or conn.get_transaction_status():
            raise InvalidRequestError(
                "Cannot finish a prepared XA transaction while this connection has a "
                "transaction open; commit or roll that back first"
            )
        # The server refuses XA COMMIT/ROLLBACK of another session's transaction
        # (XAER_OUTSIDE) while autocommit is off, even with no transaction open.
        autocommit = conn.get_autocommit()
        if not autocommit:
            await conn.autocommit(True)
        try:
            await self._run_sql(f"XA {verb} {self._xid_literal(xid)}")
        finally:
            if not autocommit and not conn.closed:
                await conn.autocommit(False)

    # used by the transaction classes

    def _xid_literal(self, xid: str) -> str:
        return self._checked().escape(str(xid))

    async def _run_sql(self, sql: str) -> None:
        await self._checked().query(sql)

    async def _end_transaction(self, tx: Transaction, sql: str) -> None:
        try:
            await self._run_sql(sql)
        except BaseException:
            if sql != "ROLLBACK":
                raise
            self._transaction = None  # the server ends a transaction whose line dropped
            raise
        self._transaction = None

    async def _end_savepoint(self, tx: NestedTransaction, sql: str) -> None:
        await self._run_sql(sql)
        self._transaction = tx._outer

    async def _end_twophase(self, tx: TwoPhaseTransaction, statements: list[str]) -> None:
        for sql in statements:
            await self._run_sql(sql)
        self._transaction = None

    # -- closing -------------------------------------------------------------------

    async def close(self) -> None:
        """Roll back an open transaction and give the connection back to the engine."""
        conn = self._connection
        if conn is None:
            return
        try:
            tx = self._transaction
            root = tx
            while root is not None and root._outer is not None:
                root = root._outer
            if root is not None and root.is_active and not conn.closed:
                with contextlib.suppress(DriverError):
                    await root.rollback()
        finally:
            self._transaction = None
            self._connection = None
            if self._engine is not None:
                await self._engine._release_raw(conn)

    async def __aenter__(self) -> SAConnection:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"<aiomysql.sa.SAConnection {'closed' if self.closed else 'open'}>"


async def _close_result(result: ResultProxy, exc: BaseException | None) -> None:
    await result.close()


async def _end_transaction_block(tx: Transaction, exc: BaseException | None) -> None:
    await tx.__aexit__(type(exc) if exc is not None else None, exc, None)


def _is_group(value: Any) -> bool:
    return isinstance(value, (Mapping, list, tuple))


def _as_group(value: Any) -> _Group:
    return dict(value) if isinstance(value, Mapping) else tuple(value)


def _groups(multiparams: tuple[Any, ...], params: dict[str, Any]) -> list[_Group]:
    """The value groups of an execute() call (see SAConnection.execute)."""
    if not multiparams:
        return [dict(params)] if params else []
    if len(multiparams) == 1:
        only = multiparams[0]
        if isinstance(only, Mapping):
            return [{**only, **params}]
        if isinstance(only, (list, tuple)):
            if only and all(_is_group(v) for v in only):
                groups = [_as_group(v) for v in only]
            else:
                groups = [tuple(only)]
        else:
            groups = [(only,)]
    elif all(_is_group(v) for v in multiparams):
        groups = [_as_group(v) for v in multiparams]
    else:
        groups = [tuple(multiparams)]
    if params:
        raise ArgumentError("give values either positionally or by keyword, not both")
    return groups


def _plain_groups(multiparams: tuple[Any, ...], params: dict[str, Any]) -> list[_Group]:
    return _groups(multiparams, params)


def _named_groups(
    query: ClauseElement, multiparams: tuple[Any, ...], params: dict[str, Any]
) -> list[dict[str, Any]]:
    """Value groups for a SQLAlchemy construct: each a dict of parameter names."""
    named: list[dict[str, Any]] = []
    for group in _groups(multiparams, params):
        if isinstance(group, dict):
            named.append(group)
        elif isinstance(query, Insert):
            columns = list(query.table.columns)
            if len(group) > len(columns):
                raise ArgumentError(
                    f"{len(group)} values given for a table of {len(columns)} columns"
                )
            named.append({c.key: v for c, v in zip(columns, group, strict=False)})
        else:
            raise ArgumentError(
                "positional values fit only SQL strings and insert(); use a dict or "
                "keywords for a SQLAlchemy construct's parameters"
            )
    if len(named) > 1 and set(map(frozenset, named)) != {frozenset(named[0])}:
        raise ArgumentError("every group of values must name the same parameters")
    if len(named) > 1 and not isinstance(query, UpdateBase):
        raise ArgumentError("several groups of values fit only insert/update/delete")
    return named


class _DefaultContext:
    """What a Python-side column default function sees as its ``context`` argument."""

    def __init__(self, statement: ClauseElement, parameters: dict[str, Any]) -> None:
        self.statement = statement
        self.current_parameters = parameters

    def get_current_parameters(self, isolate_multiinsert_groups: bool = True) -> dict[str, Any]:
        """The values given for the row being inserted or updated."""
        return self.current_parameters


def _python_default(column: Any, query: ClauseElement, group: dict[str, Any]) -> Any:
    """The value of a column's Python-side default (INSERT) or onupdate (UPDATE)."""
    default = (
        column.onupdate
        if isinstance(query, UpdateBase) and not isinstance(query, Insert)
        else column.default
    )
    if default is None:
        return None
    if getattr(default, "is_callable", False):
        return default.arg(_DefaultContext(query, group))
    if getattr(default, "is_scalar", False):
        return default.arg
    raise ArgumentError(f"column {column.key!r} has a default aiomysql.sa cannot compute")
