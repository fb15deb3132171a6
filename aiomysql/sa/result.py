"""ResultProxy and RowProxy: rows of an aiomysql.sa statement, by index, name or column."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.sql.expression import ColumnElement

from .exc import InvalidRequestError, NoSuchColumnError, ResourceClosedError

if TYPE_CHECKING:
    from ..cursors import Cursor

__all__ = ["ResultMetaData", "ResultProxy", "RowProxy"]

_Processor = Callable[[Any], Any]
_AMBIGUOUS = -1


class ResultMetaData:
    """What is known about a result's columns: names, the SQLAlchemy columns they came
    from, and the type processors to apply. Built once per result, shared by its rows."""

    __slots__ = ("_names", "_by_name", "_by_column", "_columns", "processors")

    def __init__(
        self,
        description: Sequence[Sequence[Any]],
        columns: Sequence[ColumnElement[Any]] | None,
        dialect: Dialect,
    ) -> None:
        self._names = [str(d[0]) for d in description]
        self._by_name: dict[str, int] = {}
        for i, name in enumerate(self._names):
            self._by_name[name] = _AMBIGUOUS if name in self._by_name else i
        # Columns line up with the description only when the statement was compiled
        # by us from a SQLAlchemy construct that selects exactly these columns.
        if columns is not None and len(columns) != len(description):
            columns = None
        self._columns = list(columns or ())
        self._by_column = {id(col): i for i, col in enumerate(self._columns)}
        processors: list[_Processor | None] = []
        for i, col in enumerate(self._columns):
            impl = col.type.dialect_impl(dialect)
            processors.append(impl.result_processor(dialect, description[i][1]))
        self.processors: list[_Processor | None] | None = (
            processors if any(p is not None for p in processors) else None
        )

    @property
    def names(self) -> list[str]:
        """The column names, in order."""
        return list(self._names)

    def index(self, key: Any) -> int:
        """Position of ``key`` (a name or a SQLAlchemy column) in the row."""
        if isinstance(key, str):
            i = self._by_name.get(key)
        elif isinstance(key, ColumnElement):
            i = self._column_index(key)
        else:
            raise NoSuchColumnError(f"rows are indexed by int, str or column, not {key!r}")
        if i is None:
            raise NoSuchColumnError(f"Could not locate column in row for column {key!r}")
        if i == _AMBIGUOUS:
            raise InvalidRequestError(
                f"Ambiguous column name {key!r} in result set; use a label or the "
                "column object to tell the columns apart"
            )
        return i

    def _column_index(self, col: ColumnElement[Any]) -> int | None:
        i = self._by_column.get(id(col))
        if i is not None:
            return i
        related = [n for n, mine in enumerate(self._columns) if mine.shares_lineage(col)]
        if len(related) == 1:
            return related[0]
        name = getattr(col, "name", None)
        return self._by_name.get(name) if isinstance(name, str) else None

    def has_key(self, key: Any) -> bool:
        """Whether ``key`` names exactly one column of the row."""
        try:
            self.index(key)
        except InvalidRequestError:
            return False
        return True


class RowProxy:
    """One row: ``row[0]``, ``row["name"]``, ``row[table.c.name]`` or ``row.name``.

    Iterating gives the values (as aiomysql.sa did); ``keys()``, ``items()`` and
    ``dict(row)`` give the names too. A row equals the tuple of its values.
    """

    __slots__ = ("_meta", "_row")

    def __init__(self, meta: ResultMetaData, row: Sequence[Any]) -> None:
        self._meta = meta
        self._row = tuple(row)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, (int, slice)):
            return self._row[key]
        return self._row[self._meta.index(key)]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self[name]
        except NoSuchColumnError:
            raise AttributeError(f"row has no column named {name!r}") from None

    def __len__(self) -> int:
        return len(self._row)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._row)

    def __contains__(self, key: Any) -> bool:
        return self._meta.has_key(key)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RowProxy):
            return self._row == other._row
        if isinstance(other, (tuple, list)):
            return self._row == tuple(other)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(self._row)

    def __repr__(self) -> str:
        return repr(self._row)

    def as_tuple(self) -> tuple[Any, ...]:
        """The values as a plain tuple."""
        return self._row

    def keys(self) -> list[str]:
        """The column names."""
        return self._meta.names

    def values(self) -> list[Any]:
        """The values, in column order."""
        return list(self._row)

    def items(self) -> list[tuple[str, Any]]:
        """``(name, value)`` pairs in column order."""
        return list(zip(self._meta.names, self._row, strict=True))

    def get(self, key: Any, default: Any = None) -> Any:
        """The value for ``key``, or ``default`` when the row has no such column."""
        try:
            return self[key]
        except (NoSuchColumnError, IndexError):
            return default


class ResultProxy:
    """The result of ``SAConnection.execute()``; fetch rows with the awaitable methods
    or ``async for``. Closed (and its cursor released) once all rows are read."""

    def __init__(
        self,
        cursor: Cursor,
        dialect: Dialect,
        columns: Sequence[ColumnElement[Any]] | None = None,
    ) -> None:
        self._cursor: Cursor | None = cursor
        self._dialect = dialect
        self._rowcount = cursor.rowcount
        self._lastrowid = cursor.lastrowid
        description = cursor.description
        self._meta = (
            ResultMetaData(description, columns, dialect) if description is not None else None
        )
        self._closed = False
        self._exhausted = False

    async def _start(self) -> ResultProxy:
        if self._meta is None:
            self._exhausted = True
            await self._release_cursor()
        return self

    @property
    def dialect(self) -> Dialect:
        """The SQLAlchemy dialect the statement was compiled with."""
        return self._dialect

    @property
    def cursor(self) -> Cursor | None:
        """The driver cursor the rows come from (None once released)."""
        return self._cursor

    @property
    def rowcount(self) -> int:
        """Rows matched by an UPDATE/DELETE, inserted by an INSERT, or returned."""
        return self._rowcount

    @property
    def lastrowid(self) -> int | None:
        """The AUTO_INCREMENT id the statement generated."""
        return self._lastrowid

    @property
    def returns_rows(self) -> bool:
        """Whether the statement produced a result set."""
        return self._meta is not None

    @property
    def closed(self) -> bool:
        """True once close() was called or the rows were all read."""
        return self._closed or self._exhausted

    def keys(self) -> list[str]:
        """The column names (an empty list for a statement without rows)."""
        return self._meta.names if self._meta is not None else []

    async def close(self) -> None:
        """Release the cursor; later fetches raise ResourceClosedError."""
        self._closed = True
        await self._release_cursor()

    async def _release_cursor(self) -> None:
        cursor, self._cursor = self._cursor, None
        if cursor is not None:
            await cursor.close()

    def _check_rows(self) -> ResultMetaData:
        if self._meta is None:
            raise ResourceClosedError(
                "This result object does not return rows; it was closed automatically"
            )
        if self._closed:
            raise ResourceClosedError("This result object is closed")
        return self._meta

    def _wrap(self, meta: ResultMetaData, rows: Sequence[Sequence[Any]]) -> list[RowProxy]:
        procs = meta.processors
        if procs is None:
            return [RowProxy(meta, row) for row in rows]
        out = []
        for row in rows:
            values = [v if p is None else p(v) for p, v in zip(procs, row, strict=True)]
            out.append(RowProxy(meta, values))
        return out

    async def fetchone(self) -> RowProxy | None:
        """The next row, or None when there are no more (the result is then closed)."""
        meta = self._check_rows()
        if self._cursor is None:
            return None
        row = await self._cursor.fetchone()
        if row is None:
            await self._exhaust()
            return None
        return self._wrap(meta, (row,))[0]

    async def fetchmany(self, size: int | None = None) -> list[RowProxy]:
        """Up to ``size`` rows (the cursor's ``arraysize`` by default)."""
        meta = self._check_rows()
        if self._cursor is None:
            return []
        rows = await (self._cursor.fetchmany() if size is None else self._cursor.fetchmany(size))
        if not rows:
            await self._exhaust()
        return self._wrap(meta, rows)

    async def fetchall(self) -> list[RowProxy]:
        """All remaining rows; the result is closed afterwards."""
        meta = self._check_rows()
        if self._cursor is None:
            return []
        rows = await self._cursor.fetchall()
        await self._exhaust()
        return self._wrap(meta, rows)

    async def first(self) -> RowProxy | None:
        """The first row (None if there is none); the result is closed afterwards."""
        meta = self._check_rows()
        if self._cursor is None:
            return None
        try:
            row = await self._cursor.fetchone()
        finally:
            await self.close()
        return None if row is None else self._wrap(meta, (row,))[0]

    async def scalar(self) -> Any:
        """The first column of the first row (None if there is no row); closes the result."""
        row = await self.first()
        return None if row is None else row[0]

    async def _exhaust(self) -> None:
        self._exhausted = True
        await self._release_cursor()

    def __aiter__(self) -> ResultProxy:
        return self

    async def __anext__(self) -> RowProxy:
        row = await self.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<aiomysql.sa.ResultProxy {state} rowcount={self._rowcount}>"
