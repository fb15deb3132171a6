"""Pool: a bounded set of connections handed out one task at a time, always clean."""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import logging
import sys
from collections import deque
from typing import Any

from ._context import AwaitableContext
from .connection import Connection, connect
from .errors import InterfaceError, OperationalError

__all__ = ["Pool", "PoolClosedError", "PoolStats", "PoolTimeoutError", "create_pool"]

logger = logging.getLogger("aiomysql")


class PoolClosedError(InterfaceError, RuntimeError):
    """The pool was closed: it hands out no more connections.

    Also a RuntimeError, which is what aiomysql 0.3 raised in this case.
    """


class PoolTimeoutError(OperationalError, asyncio.TimeoutError):
    """No connection could be handed out within the pool's ``acquire_timeout``.

    Catch it as ``asyncio.TimeoutError`` (what ``asyncio.wait_for(pool.acquire(), t)``
    raises) or as the DB-API ``OperationalError``.
    """

    __str__ = BaseException.__str__  # not OSError's "[Errno 0] ..." form


@dataclasses.dataclass
class PoolStats:
    """Counters since the pool was created; ``Pool.stats()`` returns a copy."""

    #: Connections opened by the pool.
    opened: int = 0
    #: Connections the pool closed or dropped (recycled, dead, broken, pool closing).
    closed: int = 0
    #: Connections handed out by acquire().
    acquired: int = 0
    #: Connections given back with release() (including by ``async with``).
    released: int = 0
    #: acquire() calls that found the pool exhausted and had to queue.
    waits: int = 0
    #: Seconds spent queued, summed over all waits.
    wait_time: float = 0.0
    #: acquire() calls that failed with PoolTimeoutError.
    timeouts: int = 0


class _Signal(enum.Enum):
    """What a queued acquire() is woken with, when it is not a connection."""

    SLOT = "a slot was freed and reserved (counted in _opening) for the woken waiter"
    CLOSED = "the pool was closed"


_Handoff = Connection | _Signal


class Pool:
    """A connection pool; create it with ``await create_pool(...)``.

    It holds between ``minsize`` and ``maxsize`` connections (``maxsize=0``: no limit).
    ``acquire()`` hands out a free connection, opens one while there is room, or
    queues (first come, first served) until one is released.
    """

    def __init__(
        self,
        minsize: int = 1,
        maxsize: int = 10,
        echo: bool = False,
        pool_recycle: float = -1,
        loop: asyncio.AbstractEventLoop | None = None,
        *,
        acquire_timeout: float | None = None,
        pre_ping_idle: float | None = None,
        reset_on_release: bool = False,
        **kwargs: Any,
    ) -> None:
        del loop  # accepted for compatibility with aiomysql 0.3, ignored
        if minsize < 0:
            raise ValueError(f"minsize must be 0 or more, not {minsize!r}")
        if maxsize < 0:
            raise ValueError(f"maxsize must be 0 (no limit) or more, not {maxsize!r}")
        if maxsize and minsize > maxsize:
            raise ValueError(f"minsize ({minsize}) must not be greater than maxsize ({maxsize})")
        if acquire_timeout is not None and acquire_timeout <= 0:
            raise ValueError(f"acquire_timeout must be positive or None, not {acquire_timeout!r}")
        if pre_ping_idle is not None and pre_ping_idle < 0:
            raise ValueError(f"pre_ping_idle must be 0 or more, or None, not {pre_ping_idle!r}")
        self._minsize = minsize
        self._maxsize = maxsize
        self._echo = bool(echo)
        self._recycle = pool_recycle
        self._acquire_timeout = acquire_timeout
        self._pre_ping_idle = pre_ping_idle
        self._reset_on_release = reset_on_release
        self._conn_kwargs = dict(kwargs, echo=self._echo)

        self._free: deque[Connection] = deque()
        self._used: set[Connection] = set()
        self._cleaning: dict[Connection, asyncio.Task[None]] = {}
        self._opening = 0
        self._terminated: set[Connection] = set()
        self._born: dict[Connection, float] = {}
        self._idle_since: dict[Connection, float] = {}
        self._waiters: deque[asyncio.Future[_Handoff]] = deque()
        self._closers: set[asyncio.Task[None]] = set()
        self._drained: asyncio.Future[None] | None = None
        self._closing = False
        self._stats = PoolStats()

    # -- properties ----------------------------------------------------------

    @property
    def echo(self) -> bool:
        """Whether the pool's connections log their statements to the ``aiomysql`` logger."""
        return self._echo

    @property
    def minsize(self) -> int:
        """Connections kept open even when idle."""
        return self._minsize

    @property
    def maxsize(self) -> int:
        """Most connections open at once; 0 means no limit."""
        return self._maxsize

    @property
    def size(self) -> int:
        """Connections the pool holds: free, in use (or being cleaned) and being opened."""
        return len(self._free) + len(self._used) + len(self._cleaning) + self._opening

    @property
    def freesize(self) -> int:
        """Connections ready to be handed out."""
        return len(self._free)

    @property
    def closed(self) -> bool:
        """True once close() or terminate() was called: acquire() is refused."""
        return self._closing

    def stats(self) -> PoolStats:
        """A snapshot of the pool's counters."""
        return dataclasses.replace(self._stats)

    # -- acquiring -------------------------------------------------------------

    def acquire(self) -> AwaitableContext[Connection]:
        """A connection: ``conn = await pool.acquire()`` or ``async with pool.acquire() as conn``.

        The ``async with`` form releases the connection at the end of the block.
        """
        return AwaitableContext(self._acquire_in_time(), self._release_on_exit)

    async def _release_on_exit(self, conn: Connection, exc: BaseException | None) -> None:
        await self.release(conn)

    async def _acquire_in_time(self) -> Connection:
        delay = self._acquire_timeout
        if delay is None:
            return await self._acquire()
        if sys.version_info >= (3, 11):
            scope = asyncio.timeout(delay)
            try:
                async with scope:
                    return await self._acquire()
            except TimeoutError:
                if not scope.expired():
                    raise
        else:
            task = asyncio.current_task()
            assert task is not None
            fired = False

            def expire() -> None:
                nonlocal fired
                fired = True
                task.cancel()

            handle = asyncio.get_running_loop().call_later(delay, expire)
            try:
                return await self._acquire()
            except asyncio.CancelledError:
                if not fired:
                    raise
            finally:
                handle.cancel()
        self._stats.timeouts += 1
        raise PoolTimeoutError(
            0,
            f"no connection available within {delay} s (pool size {self.size}, "
            f"maxsize {self._maxsize}, {len(self._waiters)} other tasks waiting)",
        ) from None

    async def _acquire(self) -> Connection:
        self._check_open()
        try:
            await self._fill()
        except Exception as exc:
            if not self._free:
                raise
            logger.info("pool: could not open a connection to keep minsize: %s", exc)
        conn, fresh = await self._obtain()
        if not fresh and not await self._vet(conn):
            conn = self._adopt(await self._open_slot())
        if self._closing:  # closed while this acquire was under way
            self._drop_in_use(conn)
            self._maybe_drained()
            raise self._closed_error()
        self._stats.acquired += 1
        return conn

    async def _obtain(self) -> tuple[Connection, bool]:
        """A connection now counted as used, and whether it was just opened."""
        self._check_open()
        conn = self._pop_free()
        if conn is not None:
            return conn, False
        if self._has_room():
            self._opening += 1
            return self._adopt(await self._open_slot()), True
        got = await self._wait()
        if isinstance(got, Connection):
            return got, False
        if got is _Signal.CLOSED:
            raise self._closed_error()
        return self._adopt(await self._open_slot()), True

    def _pop_free(self) -> Connection | None:
        while self._free:
            conn = self._free.popleft()
            if conn.closed or self._too_old(conn):
                self._dispose(conn)
                continue
            self._used.add(conn)
            return conn
        return None

    async def _vet(self, conn: Connection) -> bool:
        """Whether ``conn`` may be handed out; if not, its slot is turned into an opening one."""
        ok = not conn.closed and not self._too_old(conn)
        if ok and self._needs_ping(conn):
            try:
                await conn.ping(reconnect=False)
            except Exception as exc:
                logger.info("pool: dropping a connection that failed its ping: %s", exc)
                ok = False
            except BaseException:
                self._drop_in_use(conn)
                self._slot_freed()
                raise
        if not ok:
            self._drop_in_use(conn)
            self._opening += 1
        return ok

    def _drop_in_use(self, conn: Connection) -> None:
        if conn in self._used:
            self._dispose(conn)
        else:  # terminate() already closed and counted it
            self._forget(conn)

    async def _wait(self) -> _Handoff:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[_Handoff] = loop.create_future()
        self._waiters.append(fut)
        self._stats.waits += 1
        start = loop.time()
        try:
            return await fut
        except BaseException:
            if fut.done() and not fut.cancelled():
                self._give_back(fut.result())
            elif fut in self._waiters:
                self._waiters.remove(fut)
            raise
        finally:
            self._stats.wait_time += loop.time() - start

    def _give_back(self, got: _Handoff) -> None:
        """Pass on what a waiter was handed but cannot use (it was cancelled meanwhile)."""
        if isinstance(got, Connection):
            if got in self._used:
                self._used.discard(got)
                self._put_free(got)
            else:  # terminate() already closed and counted it
                self._forget(got)
        elif got is _Signal.SLOT:
            self._opening -= 1
            self._slot_freed()

    async def _fill(self) -> None:
        """Open connections until the pool holds at least ``minsize``."""
        while self.size < self._minsize:
            self._check_open()
            self._opening += 1
            conn = await self._open_slot()
            self._put_free(conn)

    async def _open_slot(self) -> Connection:
        """Open a connection into a slot already counted in ``_opening``.

        The slot is given up if opening fails or the pool was closed meanwhile.
        """
        try:
            self._check_open()
            conn = await connect(**self._conn_kwargs)
        except BaseException:
            self._opening -= 1
            self._slot_freed()
            raise
        self._opening -= 1
        self._stats.opened += 1
        now = asyncio.get_running_loop().time()
        self._born[conn] = self._idle_since[conn] = now
        if self._closing:
            self._dispose(conn)
            self._slot_freed()
            raise self._closed_error()
        return conn

    # -- giving back -------------------------------------------------------------

    def release(self, conn: Connection) -> asyncio.Future[None]:
        """Give ``conn`` back to the pool (not a coroutine; the result may be awaited).

        A connection in a transaction is rolled back (with ``reset_on_release``, every
        connection is reset instead) in the background; awaiting the result waits for
        that. A closed or busy connection, or any once the pool is closed, is closed.
        """
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        done.set_result(None)
        if conn in self._terminated:
            self._terminated.discard(conn)
            return done
        if conn not in self._used:
            raise InterfaceError(
                0, f"{conn!r} was not acquired from this pool, or was already released"
            )
        self._used.discard(conn)
        self._stats.released += 1
        if self._closing or conn.closed or conn.busy:
            self._dispose(conn)
            self._slot_freed()
            return done
        if self._reset_on_release or conn.get_transaction_status():
            task = loop.create_task(self._clean(conn))
            self._cleaning[conn] = task
            return asyncio.shield(task)
        self._put_free(conn)
        return done

    async def _clean(self, conn: Connection) -> None:
        """Roll back (or reset) a released connection, then make it free again."""
        ok = False
        try:
            if self._reset_on_release:
                await conn.reset_connection()
            else:
                await conn.rollback()
            ok = True
        except Exception as exc:
            logger.info("pool: dropping a connection that failed to roll back: %s", exc)
        finally:
            if self._cleaning.pop(conn, None) is not None:  # else terminate() took it
                if ok and not self._closing and not conn.closed:
                    self._put_free(conn)
                else:
                    self._dispose(conn)
                    self._slot_freed()

    def _put_free(self, conn: Connection) -> None:
        """Hand ``conn`` to the first waiter, or keep it free."""
        if self._closing:
            self._dispose(conn)
            self._slot_freed()
            return
        self._idle_since[conn] = asyncio.get_running_loop().time()
        while self._waiters:
            fut = self._waiters.popleft()
            if not fut.done():
                self._used.add(conn)
                fut.set_result(conn)
                return
        conn._shrink_buffers()
        self._free.append(conn)

    def _slot_freed(self) -> None:
        """A connection left the pool: let the first waiter open one in its place."""
        while self._waiters and not self._closing:
            fut = self._waiters.popleft()
            if not fut.done():
                self._opening += 1
                fut.set_result(_Signal.SLOT)
                return
        self._maybe_drained()

    # -- closing ---------------------------------------------------------------

    async def clear(self) -> None:
        """Close all free connections; the next acquire() opens ``minsize`` again."""
        conns = list(self._free)
        self._free.clear()
        for conn in conns:
            self._forget(conn)
            self._stats.closed += 1
        await asyncio.gather(*(conn.ensure_closed() for conn in conns))

    def close(self) -> None:
        """Refuse further acquire(); close free connections now, used ones on release."""
        if self._closing:
            return
        self._closing = True
        while self._waiters:
            fut = self._waiters.popleft()
            if not fut.done():
                fut.set_result(_Signal.CLOSED)
        while self._free:
            self._dispose(self._free.popleft())
        # Connections still rolling back after release are closed too: the server rolls
        # back a transaction whose connection closes, and a stalled link cannot then
        # keep wait_closed() waiting forever.
        for conn in list(self._cleaning):
            conn.close()
        self._maybe_drained()

    def terminate(self) -> None:
        """Close the pool and, at once, every connection in use as well."""
        self.close()
        for conn in list(self._used):
            self._forget(conn)
            self._stats.closed += 1
            conn.close()
            self._terminated.add(conn)
        for conn in list(self._cleaning):
            self._forget(conn)
            self._stats.closed += 1
            conn.close()
        self._cleaning.clear()
        self._maybe_drained()

    async def wait_closed(self) -> None:
        """Wait until every connection is released and closed.

        Called on an open pool (without close() first), it closes the pool first.
        """
        self.close()
        loop = asyncio.get_running_loop()
        while self._used or self._cleaning or self._opening:
            if self._drained is None or self._drained.done():
                self._drained = loop.create_future()
            await asyncio.shield(self._drained)
        while self._closers:
            await asyncio.gather(*list(self._closers), return_exceptions=True)
        # Aborted transports drop their sockets in a callback scheduled for the next
        # loop iteration; let it run so nothing is left open when the caller's loop ends.
        await asyncio.sleep(0)

    async def __aenter__(self) -> Pool:
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        await self.wait_closed()

    # -- helpers ---------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closing:
            raise self._closed_error()

    def _closed_error(self) -> PoolClosedError:
        return PoolClosedError(0, "Cannot acquire a connection: the pool is closed")

    def _has_room(self) -> bool:
        return not self._maxsize or self.size < self._maxsize

    def _adopt(self, conn: Connection) -> Connection:
        self._used.add(conn)
        return conn

    def _too_old(self, conn: Connection) -> bool:
        if self._recycle < 0:
            return False
        age = asyncio.get_running_loop().time() - self._born.get(conn, 0.0)
        return age > self._recycle

    def _needs_ping(self, conn: Connection) -> bool:
        if self._pre_ping_idle is None:
            return False
        idle = asyncio.get_running_loop().time() - self._idle_since.get(conn, 0.0)
        return idle >= self._pre_ping_idle

    def _forget(self, conn: Connection) -> None:
        self._used.discard(conn)
        self._terminated.discard(conn)
        self._born.pop(conn, None)
        self._idle_since.pop(conn, None)

    def _dispose(self, conn: Connection) -> None:
        """Close a connection the pool no longer counts (politely when it is idle)."""
        self._forget(conn)
        self._stats.closed += 1
        if conn.closed:
            return
        if conn.busy:
            conn.close()
            return
        task = asyncio.get_running_loop().create_task(conn.ensure_closed())
        self._closers.add(task)
        task.add_done_callback(self._closers.discard)

    def _maybe_drained(self) -> None:
        drained = self._drained
        if drained is None or drained.done():
            return
        if not (self._used or self._cleaning or self._opening):
            drained.set_result(None)

    def __repr__(self) -> str:
        state = "closed" if self._closing else "open"
        return (
            f"<aiomysql.Pool {state} size={self.size} free={self.freesize} "
            f"minsize={self._minsize} maxsize={self._maxsize}>"
        )


async def _create(pool: Pool) -> Pool:
    try:
        await pool._fill()
    except BaseException:
        await pool.wait_closed()
        raise
    return pool


async def _close_on_exit(pool: Pool, exc: BaseException | None) -> None:
    await pool.wait_closed()


def create_pool(
    minsize: int = 1,
    maxsize: int = 10,
    echo: bool = False,
    pool_recycle: float = -1,
    loop: asyncio.AbstractEventLoop | None = None,
    *,
    acquire_timeout: float | None = None,
    pre_ping_idle: float | None = None,
    reset_on_release: bool = False,
    **kwargs: Any,
) -> AwaitableContext[Pool]:
    """A pool with ``minsize`` connections open: ``await create_pool(...)`` or ``async with``.

    Every other keyword goes to :func:`aiomysql.connect`. ``loop`` is accepted for
    compatibility and ignored. Sizes are checked here (``ValueError``).
    """
    pool = Pool(
        minsize,
        maxsize,
        echo,
        pool_recycle,
        loop,
        acquire_timeout=acquire_timeout,
        pre_ping_idle=pre_ping_idle,
        reset_on_release=reset_on_release,
        **kwargs,
    )
    return AwaitableContext(_create(pool), _close_on_exit)
