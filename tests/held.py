"""Hold work at an exact point, then cancel it there: no test races work against a clock.

A test that cancels (or times out) a statement first makes sure *where* the statement is:
the server reports it blocked on a lock we hold (:class:`HeldLock`) or sleeping, or the
fault proxy has stalled the stream at a known byte. Only then is the task cancelled or its
``asyncio.timeout`` expired (:func:`cancel_when`, :func:`time_out_when`). Waiting for such
a point polls a condition that is bound to become true; the only clock involved is
:data:`BOUND`, a safety net against a hang that a passing run never reaches.
"""

from __future__ import annotations

import asyncio
import inspect
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import aiomysql

#: Upper bound on waiting for a point that must come: only reached when something hangs.
BOUND = 30.0

Ready = Callable[[], "bool | Awaitable[bool]"]


async def until(ready: Ready, what: str, *, work: asyncio.Future[Any] | None = None) -> None:
    """Wait until ``ready()`` holds (polled). With ``work``: fail at once should the work
    end before reaching the point, since then the point can never come."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + BOUND
    while True:
        result = ready()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if work is not None and work.done():
            detail = work.exception() if not work.cancelled() else "cancelled"
            raise AssertionError(f"the work ended before {what}: {detail!r}")
        if loop.time() > deadline:
            raise AssertionError(f"never reached: {what} (waited {BOUND} s)")
        await asyncio.sleep(0.005)


async def cancel_when(ready: Ready, work: Awaitable[Any], what: str) -> None:
    """Run ``work`` in a task, cancel it exactly once ``ready()`` holds, and check it ends
    cancelled (raises ``AssertionError`` if it finished instead)."""
    task = asyncio.ensure_future(work)
    try:
        await until(ready, what, work=task)
    except BaseException:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        raise
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and getattr(current, "cancelling", lambda: 0)():
            raise  # the test itself is being cancelled
        return
    raise AssertionError(f"cancelled at {what}, yet the work finished normally")


async def time_out_when(ready: Ready, work: Awaitable[Any], what: str) -> None:
    """Await ``work`` under an ``asyncio.timeout`` that expires exactly once ``ready()``
    holds; raises the ``TimeoutError`` that the timeout raises (3.10: wait_for's)."""

    async def timed() -> None:
        async with asyncio.timeout(None) as scope:  # type: ignore[attr-defined,unused-ignore]
            scopes.append(scope)
            await work

    scopes: list[Any] = []
    if not hasattr(asyncio, "timeout"):  # Python 3.10: a cancel turned into TimeoutError
        await cancel_when(ready, work, what)
        raise asyncio.TimeoutError(what)

    def started_and_ready() -> bool | Awaitable[bool]:
        return bool(scopes) and ready()

    task = asyncio.ensure_future(timed())
    try:
        await until(started_and_ready, what, work=task)
    except BaseException:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        raise
    scopes[0].reschedule(asyncio.get_running_loop().time())
    await task
    raise AssertionError(f"timed out at {what}, yet the work finished normally")


class ServerWatch:
    """A side connection that reports what the server is doing for a given session."""

    def __init__(self, connect_kwargs: dict[str, Any]) -> None:
        self._kwargs = connect_kwargs
        self._conn: aiomysql.Connection | None = None

    async def __aenter__(self) -> ServerWatch:
        self._conn = await aiomysql.connect(**self._kwargs, autocommit=True)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._conn is not None:
            await self._conn.ensure_closed()

    async def state(self, thread_id: int) -> tuple[str, str] | None:
        """(COMMAND, STATE) of session ``thread_id``, None once the session is gone."""
        assert self._conn is not None
        result = await self._conn.run_query(
            f"SELECT COMMAND, STATE FROM information_schema.PROCESSLIST WHERE ID = {int(thread_id)}"
        )
        if not result.rows:
            return None
        command, state = result.rows[0]
        return str(command), str(state or "")

    def in_state(self, thread_id: int, state: str) -> Callable[[], Awaitable[bool]]:
        """A ``ready`` condition: the session runs a statement now in server state ``state``
        ('User sleep' in SLEEP(), 'User lock' waiting in GET_LOCK())."""

        async def check() -> bool:
            now = await self.state(thread_id)
            # "Execute": a prepared statement (the AIOMYSQL_TEST_PREPARED=1 pass).
            return now is not None and now[0] in ("Query", "Execute") and now[1] == state

        return check

    def lock_waiting(self, thread_id: int) -> Callable[[], Awaitable[bool]]:
        """A ``ready`` condition: the session's transaction waits for an InnoDB row lock."""

        async def check() -> bool:
            assert self._conn is not None
            result = await self._conn.run_query(
                "SELECT 1 FROM information_schema.INNODB_TRX "
                f"WHERE trx_mysql_thread_id = {int(thread_id)} AND trx_state = 'LOCK WAIT'"
            )
            return bool(result.rows)

        return check


class HeldLock:
    """A named user lock held by a side connection until :meth:`release` (or exit).

    ``self.sql`` (``SELECT GET_LOCK(...)``) run on any other session blocks on the server
    until the lock is released; :meth:`blocking` tells when a session is waiting in it.
    """

    def __init__(self, connect_kwargs: dict[str, Any]) -> None:
        self._kwargs = connect_kwargs
        self.name = "held_" + uuid.uuid4().hex[:16]
        self.sql = f"SELECT GET_LOCK('{self.name}', 3600)"
        #: Waits for the lock like ``sql``, then lets go of it at once, so that sessions
        #: which live on (in a pool) do not hold it against the next waiter.
        self.pass_sql = f"SELECT GET_LOCK('{self.name}', 3600), RELEASE_LOCK('{self.name}')"
        self._owner: aiomysql.Connection | None = None
        self.watch = ServerWatch(connect_kwargs)

    async def __aenter__(self) -> HeldLock:
        self._owner = await aiomysql.connect(**self._kwargs, autocommit=True)
        got = await self._owner.run_query(f"SELECT GET_LOCK('{self.name}', 0)")
        assert got.rows == [(1,)], got.rows
        await self.watch.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.release()
        await self.watch.__aexit__()

    def blocking(self, thread_id: int) -> Callable[[], Awaitable[bool]]:
        """A ``ready`` condition: session ``thread_id`` waits for this lock on the server."""
        return self.watch.in_state(thread_id, "User lock")

    def waiting(self, count: int) -> Callable[[], Awaitable[bool]]:
        """A ``ready`` condition: ``count`` sessions wait for this lock on the server."""

        async def check() -> bool:
            conn = self.watch._conn
            assert conn is not None
            result = await conn.run_query(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
                f"WHERE STATE = 'User lock' AND INFO LIKE '%{self.name}%'"
            )
            return bool(result.rows) and result.rows[0][0] == count

        return check

    async def release(self) -> None:
        """Let go of the lock: a session blocked in ``self.sql`` gets it and goes on."""
        if self._owner is not None:
            owner, self._owner = self._owner, None
            try:
                await owner.run_query(f"DO RELEASE_LOCK('{self.name}')")
            finally:
                await owner.ensure_closed()


__all__ = ["BOUND", "HeldLock", "ServerWatch", "cancel_when", "time_out_when", "until"]
