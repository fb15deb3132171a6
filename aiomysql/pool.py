"""Pool: a bounded set of connections handed out one task at a time, always clean."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sys
import time
import warnings
from collections.abc import Callable, Coroutine, Generator
from typing import Any

from ._context import AwaitableContext
from ._hosts import is_host_list
from ._pool_slots import Slot, SlotTable, State
from .connection import Connection, connect
from .errors import InterfaceError, OperationalError
from .hooks import pool_hooks
from .utils import _PoolConnectionContextManager

__all__ = ["Pool", "PoolClosedError", "PoolStats", "PoolTimeoutError", "create_pool"]

logger = logging.getLogger("aiomysql")

#: Makes the pool for a host list (``_cluster_pool`` sets it: it builds on this module).
cluster_pool_factory: Callable[..., AwaitableContext[Any]] | None = None

#: aiomysql's message for an acquire() on a closed pool.
CLOSED_MESSAGE = "Cannot acquire connection after closing pool"
#: aiomysql's warning for ``with await pool as conn`` (its text, missing space included).
AWAIT_POOL_DEPRECATED = (
    "with await pool as conn deprecated, useasync with pool.acquire() as conn instead"
)


class PoolClosedError(RuntimeError, InterfaceError):
    """The pool was closed: it hands out no more connections.

    A RuntimeError first, which is what aiomysql 0.3 raised here (with the same message):
    code that maps driver errors by their first base class (peewee) treats it as aiomysql's
    RuntimeError. Also an InterfaceError, for DB-API ``except`` clauses.
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


class Pool:
    """A connection pool; create it with ``await create_pool(...)``.

    It holds between ``minsize`` and ``maxsize`` connections (``maxsize=0``: no limit).
    ``acquire()`` hands out a free connection, opens one while there is room, or
    queues (first come, first served) until one is released.

    The bookkeeping (a slot per connection, the queue of acquires and who gets which
    slot) is the synchronous ``SlotTable`` of ``_pool_slots``; this class does the I/O.
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
            raise ValueError("minsize should be zero or greater")  # aiomysql's text
        if maxsize < 0:
            raise ValueError(f"maxsize must be 0 (no limit) or more, not {maxsize!r}")
        if maxsize and minsize > maxsize:
            raise ValueError("maxsize should be not less than minsize")  # aiomysql's text
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
        #: aiomysql.hooks: on_acquire/on_release (the other hooks go to the connections).
        self._hooks = pool_hooks(kwargs)
        self._conn_kwargs = dict(kwargs, echo=self._echo)

        # Bound on first use: create_pool() may be called outside the loop it runs on.
        self._bound_loop: asyncio.AbstractEventLoop | None = None
        self._slots = SlotTable(maxsize, self._too_old, self._spawn)
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
        return self._slots.size

    @property
    def freesize(self) -> int:
        """Connections ready to be handed out."""
        return self._slots.count(State.FREE)

    @property
    def closed(self) -> bool:
        """True once close() or terminate() was called: acquire() is refused."""
        return self._slots.closing

    def stats(self) -> PoolStats:
        """A snapshot of the pool's counters."""
        return dataclasses.replace(
            self._stats, opened=self._slots.opened, closed=self._slots.closed
        )

    # Private names other libraries read (read-only views of the slots):

    @property
    def _used(self) -> frozenset[Connection]:
        """Connections in use; peewee-async reads ``pool._used``."""
        return frozenset(self._slots.conns(State.IN_USE))

    @property
    def _free(self) -> tuple[Connection, ...]:
        """Free connections, longest idle first; tortoise-orm iterates ``pool._free``."""
        return tuple(self._slots.conns(State.FREE))

    @property
    def _loop(self) -> asyncio.AbstractEventLoop:
        """The loop the pool works on (upstream aiomysql has ``pool._loop``)."""
        if self._bound_loop is None:
            self._bound_loop = asyncio.get_running_loop()
        return self._bound_loop

    # -- acquiring -------------------------------------------------------------

    def acquire(self) -> AwaitableContext[Connection]:
        """A connection: ``conn = await pool.acquire()`` or ``async with pool.acquire() as conn``.

        The ``async with`` form releases the connection at the end of the block.
        """
        if self._hooks is not None:
            return AwaitableContext(
                self._hooks.acquiring(self, self._acquire_in_time()), self._release_on_exit
            )
        return AwaitableContext(self._acquire_in_time(), self._release_on_exit)

    async def _release_on_exit(self, conn: Connection, exc: BaseException | None) -> None:
        cleaning = self._release(conn)
        if cleaning is not None:
            await cleaning

    async def _acquire_in_time(self) -> Connection:
        # Fast path: a free connection and nobody queued ahead, no ping due: taken here,
        # synchronously (no future, no task, no loop iteration, no timer).
        if self._pre_ping_idle is None:
            slot = self._slots.take_free_now(self._minsize)
            if slot is not None:
                self._stats.acquired += 1
                return slot.conn  # type: ignore[return-value]  # a FREE slot has one
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
            f"maxsize {self._maxsize}, {len(self._slots.waiters)} other tasks waiting)",
        ) from None

    async def _acquire(self) -> Connection:
        self._check_open()
        if self._slots.size < self._minsize:
            try:
                await self._fill()
            except Exception as exc:
                if not self.freesize:
                    raise
                logger.info("pool: could not open a connection to keep minsize: %s", exc)
        slot = await self._claim()
        if slot.conn is not None:
            # No ping due: vetted without a coroutine (the common case under contention).
            if self._vet_now(slot) if self._pre_ping_idle is None else await self._vet(slot):
                self._stats.acquired += 1
                return slot.conn
            slot = self._replace(slot)
        conn = await self._open(slot)
        self._stats.acquired += 1
        return conn

    async def _claim(self) -> Slot:
        """Queue for a slot: an IN_USE one with a connection, or an OPENING one (room)."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Slot | None] = loop.create_future()
        self._slots.waiters.append(fut)
        self._slots.assign()
        if not fut.done():
            self._stats.waits += 1
            start = time.monotonic()  # a duration: any monotonic clock (one C call)
            try:
                await fut
            except BaseException:
                if fut.done() and not fut.cancelled():
                    self._give_back(fut.result())
                elif fut in self._slots.waiters:
                    self._slots.waiters.remove(fut)
                raise
            finally:
                self._stats.wait_time += time.monotonic() - start
        slot = fut.result()
        if slot is None:
            raise self._closed_error()
        return slot

    def _give_back(self, slot: Slot | None) -> None:
        """Pass on a slot a waiter was handed but cannot use (it was cancelled meanwhile)."""
        if slot is not None and slot.state is State.IN_USE:
            self._make_free(slot)
        elif slot is not None:  # room to open one, or a connection terminate() closed
            self._discard(slot)

    def _vet_now(self, slot: Slot) -> bool:
        """_vet() when no ping is due: whether the connection may be handed out."""
        conn = slot.conn
        assert conn is not None
        if self._slots.closing:  # closed while this acquire was under way
            self._discard(slot)
            raise self._closed_error()
        return not conn.closed and not self._too_old(slot)

    async def _vet(self, slot: Slot) -> bool:
        """Whether the connection of a slot that was free may be handed out."""
        conn = slot.conn
        assert conn is not None
        ok = not conn.closed and not self._too_old(slot)
        if ok and self._needs_ping(slot):
            try:
                await conn.ping(reconnect=False)
            except Exception as exc:
                logger.info("pool: dropping a connection that failed its ping: %s", exc)
                ok = False
            except BaseException:
                self._discard(slot)
                raise
        if self._slots.closing:  # closed while this acquire was under way
            self._discard(slot)
            raise self._closed_error()
        return ok

    def _replace(self, slot: Slot) -> Slot:
        """Close the connection of an unusable slot and reserve its room for a new one."""
        self._slots.dispose(slot)
        fresh = self._slots.new()
        self._slots.assign()
        return fresh

    async def _fill(self) -> None:
        """Open connections until the pool holds at least ``minsize``."""
        while self.size < self._minsize:
            self._check_open()
            slot = self._slots.new()
            await self._open(slot)
            self._make_free(slot)

    async def _open(self, slot: Slot) -> Connection:
        """Open the connection of an OPENING slot, which is then IN_USE.

        The slot is given up if opening fails or the pool was closed meanwhile.
        """
        try:
            self._check_open()
            conn = await connect(**self._conn_kwargs)
        except BaseException:
            self._discard(slot)
            raise
        self._slots.attach(slot, conn, self._loop.time())
        if self._slots.closing:
            self._discard(slot)
            raise self._closed_error()
        return conn

    # -- giving back -------------------------------------------------------------

    def release(self, conn: Connection) -> asyncio.Future[None]:
        """Give ``conn`` back to the pool (not a coroutine; the result may be awaited).

        A connection in a transaction is rolled back (with ``reset_on_release``, every
        connection is reset instead) in the background; awaiting the result waits for
        that. A closed or busy connection, or any once the pool is closed, is closed.
        """
        cleaning = self._release(conn)
        if cleaning is not None:
            return cleaning
        done: asyncio.Future[None] = self._loop.create_future()
        done.set_result(None)
        return done

    def _release(self, conn: Connection) -> asyncio.Future[None] | None:
        """release() without a future to await when there is nothing to wait for.

        Returns the clean-up (roll-back or reset) to await when one was started, else
        None: the connection is free again (or handed to the first waiter) or dropped.
        """
        slot = self._slots.of(conn)
        if slot is not None and slot.state is State.CLOSING and slot.task is None:
            self._discard(slot)  # terminate() closed it while it was in use
            return None
        if slot is None or slot.state is not State.IN_USE:
            raise InterfaceError(
                0, f"{conn!r} was not acquired from this pool, or was already released"
            )
        self._stats.released += 1
        if self._hooks is not None:
            self._hooks.released(self, conn)
        if self._slots.closing or conn.closed or conn.busy:
            self._discard(slot)
            return None
        # Further results left unread (a multi-statement): the clean-up reads and drops
        # them first (run_query settles), and any error among them drops the connection.
        if self._reset_on_release or conn.get_transaction_status() or not conn.channel.settled():
            self._slots.move(slot, State.CLEANING)
            task = slot.task = self._loop.create_task(self._clean(slot))
            return asyncio.shield(task)
        self._make_free(slot)
        return None

    async def _clean(self, slot: Slot) -> None:
        """Roll back (or reset) a released connection, then make it free again."""
        conn = slot.conn
        assert conn is not None
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
            slot.task = None
            if ok and slot.state is State.CLEANING and not conn.closed:
                self._make_free(slot)
            else:  # failed, or close() / terminate() closed it meanwhile
                self._discard(slot)

    def _make_free(self, slot: Slot) -> None:
        """Put a slot's connection back in the pool (or in the hands of the first waiter)."""
        conn = slot.conn
        assert conn is not None
        loop = self._bound_loop  # bound: the slot's connection was opened on it
        assert loop is not None
        slot.idle_since = loop.time()
        self._slots.move(slot, State.FREE)
        self._slots.assign()
        if slot.state is State.FREE:  # nobody waited: it stays idle
            conn._shrink_buffers()

    # -- closing ---------------------------------------------------------------

    async def clear(self) -> None:
        """Close all free connections; the next acquire() opens ``minsize`` again."""
        free = self._slots.in_state(State.FREE)
        for slot in free:
            self._slots.dispose(slot)
        self._slots.assign()
        await asyncio.gather(*(slot.task for slot in free if slot.task is not None))

    def close(self) -> None:
        """Refuse further acquire(); close free connections now, used ones on release.

        A plain method: it may be called from synchronous code, outside the loop.
        """
        if self._slots.closing:
            return
        self._slots.closing = True
        # Connections still rolling back after release are closed too: the server rolls
        # back a transaction whose connection closes, and a stalled link cannot then
        # keep wait_closed() waiting forever.
        for slot in self._slots.in_state(State.CLEANING):
            assert slot.conn is not None
            slot.conn.close()
        self._slots.assign()

    def terminate(self) -> None:
        """Close the pool and, at once, every connection in use as well.

        A plain method: it may be called from synchronous code, outside the loop.
        """
        self.close()
        for slot in self._slots.in_state(State.IN_USE, State.CLEANING):
            assert slot.conn is not None
            slot.conn.close()
            # In use: gone once released; cleaning: gone when its rollback task ends.
            self._slots.move(slot, State.CLOSING)
        self._slots.assign()

    async def wait_closed(self) -> None:
        """Wait until every connection is released and closed.

        Called on an open pool (without close() first), it closes the pool first.
        """
        self.close()
        await self._slots.drained()
        while tasks := self._slots.closing_tasks():
            await asyncio.gather(*tasks, return_exceptions=True)
        # Aborted transports drop their sockets in a callback scheduled for the next
        # loop iteration; let it run so nothing is left open when the caller's loop ends.
        await asyncio.sleep(0)

    async def __aenter__(self) -> Pool:
        return self

    def __await__(self) -> Generator[Any, None, _PoolConnectionContextManager]:
        """Deprecated ``with await pool as conn:`` (a DeprecationWarning, as in aiomysql)."""
        warnings.warn(AWAIT_POOL_DEPRECATED, DeprecationWarning, stacklevel=2)
        conn = yield from self.acquire().__await__()
        return _PoolConnectionContextManager(self, conn)

    def __enter__(self) -> None:
        raise RuntimeError('"yield from" should be used as context manager expression')

    def __exit__(self, *args: Any) -> None:
        """Never reached: __enter__ raises (the with statement needs both)."""

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        await self.wait_closed()

    # -- helpers ---------------------------------------------------------------

    def _check_open(self) -> None:
        if self._slots.closing:
            raise self._closed_error()

    def _closed_error(self) -> PoolClosedError:
        return PoolClosedError(CLOSED_MESSAGE)

    def _too_old(self, slot: Slot) -> bool:
        return self._recycle >= 0 and self._loop.time() - slot.born > self._recycle

    def _needs_ping(self, slot: Slot) -> bool:
        idle = self._pre_ping_idle
        return idle is not None and self._loop.time() - slot.idle_since >= idle

    def _discard(self, slot: Slot) -> None:
        """Close and forget a slot that left the pool, then let the next waiter in."""
        self._slots.dispose(slot)
        self._slots.assign()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """A task on the pool's loop (which need not be running: close() from sync code)."""
        return self._loop.create_task(coro)

    def __repr__(self) -> str:
        state = "closed" if self._slots.closing else "open"
        return (
            f"<aiomysql.Pool {state} size={self.size} free={self.freesize} "
            f"minsize={self._minsize} maxsize={self._maxsize}>"
        )


async def _create(pool: Pool) -> Pool:
    if pool._bound_loop is None:  # create_pool() was called outside the loop
        pool._bound_loop = asyncio.get_running_loop()
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
    compatibility and ignored. Sizes are checked here (``ValueError``). With a host list
    (``host=[...]`` or ``"db1,db2"``) it is a ``ClusterPool`` (see ``_cluster_pool``).
    """
    if cluster_pool_factory is not None and is_host_list(kwargs.get("host")):
        return cluster_pool_factory(
            minsize, maxsize, echo, pool_recycle, acquire_timeout=acquire_timeout,
            pre_ping_idle=pre_ping_idle, reset_on_release=reset_on_release, **kwargs,
        )  # fmt: skip
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
