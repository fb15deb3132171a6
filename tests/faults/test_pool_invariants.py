"""The pool's accounting at every step of scripted sequences, the server held at exact points.

At each step: size == free + in use + opening + cleaning (the opening and cleaning counts
are what the script set up), and the connections opened minus those closed are the ones
the pool still holds. Opens are held with a gate in front of ``connect``; roll-backs are
held by stalling their reply in the fault proxy.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from fault_proxy import Action, Direction, Fault, FaultProxy
from helpers import BOUND

import aiomysql
from aiomysql.pool import Pool, PoolClosedError


def check(pool: Pool, *, opening: int = 0, cleaning: int = 0) -> None:
    """The pool's size adds up, and every connection it opened is held or closed."""
    in_use = len(pool._used)
    assert pool.size == pool.freesize + in_use + opening + cleaning, (
        pool,
        in_use,
        opening,
        cleaning,
    )
    stats = pool.stats()
    assert stats.opened - stats.closed == pool.size - opening, (pool, stats)


class Gate:
    """Stands in for ``connect`` in aiomysql.pool: each open waits until let through."""

    def __init__(self, real: Callable[..., Any]) -> None:
        self._real = real
        self.waiting = 0
        self._arrived = asyncio.Event()
        self._open = asyncio.Event()

    async def connect(self, **kwargs: Any) -> aiomysql.Connection:
        """Wait at the gate, then connect for real."""
        self.waiting += 1
        self._arrived.set()
        try:
            await self._open.wait()
        finally:
            self.waiting -= 1
        return await self._real(**kwargs)

    async def arrived(self, count: int) -> None:
        """Wait until ``count`` opens are held at the gate."""
        while self.waiting < count:
            self._arrived.clear()
            await self._arrived.wait()

    def let_through(self) -> None:
        """Let every held open (and every later one) go on."""
        self._open.set()


async def test_every_step_adds_up(
    proxied_kwargs: dict[str, Any], proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    pool = await aiomysql.create_pool(minsize=1, maxsize=3, autocommit=False, **proxied_kwargs)
    try:
        check(pool)
        a = await pool.acquire()
        link_a = proxy.last
        check(pool)

        gate = Gate(aiomysql.connect)
        monkeypatch.setattr(aiomysql.pool, "connect", gate.connect)
        b_task = asyncio.create_task(pool.acquire())
        await gate.arrived(1)
        assert (pool.size, pool.freesize) == (2, 0)
        check(pool, opening=1)
        gate.let_through()
        b = await b_task
        check(pool)

        # a is released inside a transaction: its ROLLBACK's reply is held back.
        await a.begin()
        link_a.inject(Fault(Action.STALL, Direction.TO_CLIENT, when_client_sent=b"ROLLBACK"))
        released_a = pool.release(a)
        assert pool.size == 2
        check(pool, cleaning=1)

        c = await pool.acquire()  # room for a third
        check(pool, cleaning=1)
        d_task = asyncio.create_task(pool.acquire())  # full: queued
        await asyncio.sleep(0)
        assert not d_task.done() and pool.stats().waits == 1
        check(pool, cleaning=1)

        # The link under the held roll-back is cut: a is dropped while cleaning, and
        # the queued acquire opens a connection in its place.
        link_a.cut()
        async with asyncio.timeout(BOUND):
            await released_a
            d = await d_task
        assert a.closed and d not in (a, b, c)
        assert pool.size == 3 and pool.stats().closed == 1
        check(pool)

        for conn in (b, c, d):
            pool.release(conn)
            check(pool)
        assert pool.size == pool.freesize == 3

        await pool.clear()
        check(pool)
        assert pool.size == 0
    finally:
        pool.terminate()
        await pool.wait_closed()
    check(pool)


async def test_failed_and_cancelled_opens_leave_no_slot(
    proxied_kwargs: dict[str, Any], proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    pool = await aiomysql.create_pool(minsize=0, maxsize=2, **proxied_kwargs)
    try:
        # The server's greeting is cut: the open fails, its slot is given up.
        for _ in range(3):
            proxy.arm_next(Fault(Action.CUT, Direction.TO_CLIENT))
            with pytest.raises(aiomysql.OperationalError):
                async with asyncio.timeout(BOUND):
                    await pool.acquire()
            check(pool)
            assert pool.size == 0

        # Opens held at the gate are cancelled: two opening, then none.
        gate = Gate(aiomysql.connect)
        monkeypatch.setattr(aiomysql.pool, "connect", gate.connect)
        tasks = [asyncio.create_task(pool.acquire()) for _ in range(3)]
        await gate.arrived(2)
        assert pool.size == 2 and pool.stats().waits == 1  # the third one queued
        check(pool, opening=2)
        tasks[0].cancel()  # its room goes to the queued third
        with pytest.raises(asyncio.CancelledError):
            await tasks[0]
        check(pool, opening=2)
        await gate.arrived(2)
        for task in tasks[1:]:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert all(isinstance(r, asyncio.CancelledError) for r in results)
        check(pool)
        assert pool.size == 0 and pool.stats().opened == 0

        # A queued acquire is cancelled: nothing changes but the queue.
        gate.let_through()
        held = [await pool.acquire(), await pool.acquire()]
        waiter = asyncio.create_task(pool.acquire())
        await asyncio.sleep(0)
        check(pool)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        check(pool)
        assert pool.size == 2
        for conn in held:
            pool.release(conn)
        check(pool)
        assert pool.size == pool.freesize == 2
    finally:
        pool.close()
        await pool.wait_closed()
    check(pool)
    assert pool.size == 0 and not pool._used and not pool._free


async def test_terminate_and_close_leave_nothing_behind(
    proxied_kwargs: dict[str, Any], proxy: FaultProxy
) -> None:
    pool = await aiomysql.create_pool(minsize=2, maxsize=4, autocommit=False, **proxied_kwargs)
    in_use = await pool.acquire()
    cleaning = await pool.acquire()
    link = proxy.last
    await cleaning.begin()
    link.inject(Fault(Action.STALL, Direction.TO_CLIENT, when_client_sent=b"ROLLBACK"))
    pool.release(cleaning)
    waiter = asyncio.create_task(pool.acquire())
    await asyncio.sleep(0)  # room left: it is opening a third
    check(pool, opening=1, cleaning=1)

    pool.terminate()
    assert pool.size == 1  # only the open under way is still counted
    assert in_use.closed and cleaning.closed
    with pytest.raises(PoolClosedError):
        async with asyncio.timeout(BOUND):
            await waiter
    assert pool.size == 0 and not pool._used and not pool._free
    async with asyncio.timeout(BOUND):
        await pool.wait_closed()
    await pool.release(in_use)  # allowed after terminate(), and does nothing
    with pytest.raises(aiomysql.InterfaceError):
        pool.release(in_use)
    stats = pool.stats()
    assert stats.opened == stats.closed
