"""Engine: an aiomysql Pool handing out SAConnections, and create_engine()."""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from types import TracebackType
from typing import Any

from sqlalchemy.dialects.mysql.pymysql import MySQLDialect_pymysql
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.sql.compiler import Compiled

from .._context import AwaitableContext
from ..connection import Connection
from ..constants import CLIENT
from ..pool import Pool, create_pool
from .connection import SAConnection
from .exc import InvalidRequestError

__all__ = ["Engine", "create_engine", "make_dialect"]


def make_dialect(**kwargs: Any) -> Dialect:
    """The SQLAlchemy MySQL dialect aiomysql.sa compiles with (``pyformat`` parameters)."""
    kwargs.setdefault("paramstyle", "pyformat")
    return MySQLDialect_pymysql(**kwargs)


class Engine:
    """A pool of connections for SQLAlchemy Core; create it with ``create_engine()``."""

    def __init__(
        self,
        dialect: Dialect,
        pool: Pool,
        compiled_cache: MutableMapping[Any, Compiled] | None = None,
    ) -> None:
        self._dialect = dialect
        self._pool = pool
        self._compiled_cache = compiled_cache
        self._conns: dict[Connection, SAConnection] = {}

    @property
    def dialect(self) -> Dialect:
        """The SQLAlchemy dialect statements are compiled with."""
        return self._dialect

    @property
    def name(self) -> str:
        """The dialect's name (``mysql``)."""
        return str(self._dialect.name)

    @property
    def driver(self) -> str:
        """The driver's name (``aiomysql``)."""
        return "aiomysql"

    @property
    def pool(self) -> Pool:
        """The aiomysql Pool underneath."""
        return self._pool

    @property
    def minsize(self) -> int:
        """Connections kept open even when idle."""
        return self._pool.minsize

    @property
    def maxsize(self) -> int:
        """Most connections open at once."""
        return self._pool.maxsize

    @property
    def size(self) -> int:
        """Connections the engine holds (free and in use)."""
        return self._pool.size

    @property
    def freesize(self) -> int:
        """Connections ready to be handed out."""
        return self._pool.freesize

    @property
    def closed(self) -> bool:
        """True once close() or terminate() was called."""
        return self._pool.closed

    def acquire(self) -> AwaitableContext[SAConnection]:
        """An SAConnection: ``await engine.acquire()`` or ``async with engine.acquire()``."""
        return AwaitableContext(self._acquire(), _close_connection)

    async def _acquire(self) -> SAConnection:
        raw = await self._pool.acquire()
        conn = SAConnection(raw, self, self._dialect, self._compiled_cache)
        self._conns[raw] = conn
        return conn

    def release(self, conn: SAConnection) -> asyncio.Future[None]:
        """Give ``conn`` back (not a coroutine; the result may be awaited).

        A connection with an active transaction is refused (InvalidRequestError): end
        the transaction, or use ``await conn.close()``, which rolls it back.
        """
        if conn.in_transaction:
            raise InvalidRequestError("Cannot release a connection with an unfinished transaction")
        raw = conn.connection
        if raw is None:
            done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            done.set_result(None)
            return done
        conn._connection = None
        return self._release_now(raw)

    def _release_now(self, raw: Connection) -> asyncio.Future[None]:
        self._conns.pop(raw, None)
        return self._pool.release(raw)

    async def _release_raw(self, raw: Connection) -> None:
        await self._release_now(raw)

    def close(self) -> None:
        """Refuse further acquire(); free connections close now, used ones on release."""
        self._pool.close()

    def terminate(self) -> None:
        """Close the engine and every connection, in use or not, at once."""
        for conn in list(self._conns.values()):
            conn._connection = None
            conn._transaction = None
        self._conns.clear()
        self._pool.terminate()

    async def wait_closed(self) -> None:
        """Wait until every connection is released and closed."""
        await self._pool.wait_closed()

    async def __aenter__(self) -> Engine:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
        await self.wait_closed()

    def __repr__(self) -> str:
        return f"<aiomysql.sa.Engine size={self.size} free={self.freesize}>"


async def _close_connection(conn: SAConnection, exc: BaseException | None) -> None:
    await conn.close()


async def _close_engine(engine: Engine, exc: BaseException | None) -> None:
    engine.close()
    await engine.wait_closed()


async def _create(
    dialect: Dialect,
    compiled_cache: MutableMapping[Any, Compiled] | None,
    pool_args: dict[str, Any],
) -> Engine:
    pool = await create_pool(**pool_args)
    return Engine(dialect, pool, compiled_cache)


def create_engine(
    minsize: int = 1,
    maxsize: int = 10,
    loop: asyncio.AbstractEventLoop | None = None,
    dialect: Dialect | None = None,
    pool_recycle: float = -1,
    compiled_cache: MutableMapping[Any, Compiled] | None = None,
    **kwargs: Any,
) -> AwaitableContext[Engine]:
    """An Engine over a new pool: ``await create_engine(...)`` or ``async with``.

    Every other keyword goes to :func:`aiomysql.create_pool` (and so to ``connect``).
    ``CLIENT.FOUND_ROWS`` is added to ``client_flag`` so that an UPDATE's rowcount counts
    the rows it matched, as SQLAlchemy expects. ``compiled_cache``: a dict (or other
    mapping) to keep compiled statements in; statements are compiled afresh without it.
    ``loop`` is accepted for compatibility and ignored.
    """
    del loop
    kwargs["client_flag"] = int(kwargs.get("client_flag", 0)) | CLIENT.FOUND_ROWS
    pool_args = dict(kwargs, minsize=minsize, maxsize=maxsize, pool_recycle=pool_recycle)
    return AwaitableContext(
        _create(dialect or make_dialect(), compiled_cache, pool_args), _close_engine
    )
