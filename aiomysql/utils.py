"""Names of aiomysql.utils and the escaping helpers aiomysql re-exports from PyMySQL."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._context import AwaitableContext, ReadyContext
from .converters import escape_item
from .converters import escape_string as _escape_string

__all__ = ["escape_dict", "escape_sequence", "escape_string"]

#: aiomysql's names for its awaitable context managers (the same objects here).
_ContextManager = AwaitableContext
_ConnectionContextManager = AwaitableContext
_PoolContextManager = AwaitableContext
_PoolAcquireContextManager = AwaitableContext
_SAConnectionContextManager = AwaitableContext
_TransactionContextManager = ReadyContext


class _PoolConnectionContextManager:
    """What the deprecated ``await pool`` gives: ``with ... as conn`` releases at the end."""

    __slots__ = ("_pool", "_conn")

    def __init__(self, pool: Any, conn: Any) -> None:
        self._pool = pool
        self._conn = conn

    def __enter__(self) -> Any:
        assert self._conn is not None
        return self._conn

    def __exit__(self, *exc: Any) -> None:
        try:
            self._pool.release(self._conn)
        finally:
            self._pool = self._conn = None


def escape_string(value: str, mapping: Mapping[Any, Any] | None = None) -> str:
    """``value`` with quotes and special characters backslash-escaped (no quotes around)."""
    return _escape_string(value)


def escape_sequence(
    val: Iterable[Any], charset: str, mapping: Mapping[Any, Any] | None = None
) -> str:
    """The items of ``val`` as SQL literals in parentheses: ``(1,'a',NULL)``."""
    return "(" + ",".join(escape_item(item, mapping) for item in val) + ")"


def escape_dict(
    val: Mapping[Any, Any], charset: str, mapping: Mapping[Any, Any] | None = None
) -> Any:
    """Refused, as in PyMySQL 1.1: a dict cannot be a query parameter."""
    raise TypeError("dict can not be used as parameter")
