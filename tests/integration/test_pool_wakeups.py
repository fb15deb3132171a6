"""The pool's hand-offs, counted: a free connection is taken without suspending, and under
contention each release wakes exactly one waiter, the longest queued (no thundering herd).

Wake-ups are counted, never timed: ``WakeCounter`` records every callback the loop is asked
to schedule while it is installed, and which of the watched tasks each one resumes.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from held import until
from pool_support import MakePool, select

import aiomysql
from aiomysql.pool import Pool


class WakeCounter:
    """Counts what the running loop schedules: every call_soon, tasks made, futures made,
    and the wake-ups of the watched tasks (a task resumes through a scheduled callback
    bound to it)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.watched: set[asyncio.Task[Any]] = set()
        self.wakes: Counter[asyncio.Task[Any]] = Counter()
        self.order: list[asyncio.Task[Any]] = []
        self.scheduled = self.tasks = self.futures = 0

    @contextmanager
    def installed(self) -> Iterator[WakeCounter]:
        loop: Any = self.loop
        call_soon, create_task, create_future = (
            loop.call_soon,
            loop.create_task,
            loop.create_future,
        )

        def counting_call_soon(callback: Any, *args: Any, **kwargs: Any) -> Any:
            self.scheduled += 1
            task = getattr(callback, "__self__", None)
            if task in self.watched:
                self.wakes[task] += 1
                self.order.append(task)
            return call_soon(callback, *args, **kwargs)

        def counting_create_task(*args: Any, **kwargs: Any) -> Any:
            self.tasks += 1
            return create_task(*args, **kwargs)

        def counting_create_future() -> Any:
            self.futures += 1
            return create_future()

        loop.call_soon = counting_call_soon
        loop.create_task = counting_create_task
        loop.create_future = counting_create_future
        try:
            yield self
        finally:
            del loop.call_soon, loop.create_task, loop.create_future


async def queued(pool: Pool, count: int) -> None:
    """Wait until ``count`` acquires are queued in ``pool``."""
    await until(lambda: pool.stats().waits >= count, f"{count} acquires queued")


async def test_free_connection_is_taken_without_suspending(make_pool: MakePool) -> None:
    pool = await make_pool(minsize=1, maxsize=1)
    acquiring = pool.acquire()
    try:  # drive the acquire by hand: it must finish on its first step
        acquiring.send(None)
        raise AssertionError("acquire() of a free connection suspended")
    except StopIteration as stop:
        conn = stop.value
    assert isinstance(conn, aiomysql.Connection) and pool.freesize == 0
    assert pool.release(conn).done() and pool.freesize == 1

    counter = WakeCounter(asyncio.get_running_loop())
    with counter.installed():
        for _ in range(3):
            async with pool.acquire() as again:
                assert again is conn
    # Nothing scheduled on the loop, no task, no future: no loop iteration is needed.
    assert (counter.scheduled, counter.tasks, counter.futures) == (0, 0, 0)
    stats = pool.stats()
    assert (stats.acquired, stats.released, stats.waits) == (4, 4, 0)


async def test_each_release_wakes_exactly_the_first_waiter(make_pool: MakePool) -> None:
    pool = await make_pool(minsize=2, maxsize=2)
    held = [await pool.acquire(), await pool.acquire()]
    got: list[tuple[int, aiomysql.Connection]] = []
    gates = [asyncio.Event() for _ in range(6)]

    async def waiter(i: int) -> None:
        async with pool.acquire() as conn:
            got.append((i, conn))
            await gates[i].wait()

    counter = WakeCounter(asyncio.get_running_loop())
    tasks = [asyncio.create_task(waiter(i)) for i in range(6)]
    await queued(pool, 6)
    counter.watched.update(tasks)
    with counter.installed():
        pool.release(held[0])  # one connection: one waiter woken, the first
        assert counter.order == [tasks[0]]
        pool.release(held[1])
        assert counter.order == [tasks[0], tasks[1]]
        await until(lambda: len(got) == 2, "two waiters holding connections")
        for i in range(2, 6):  # each release from now on hands over to the next in line
            gates[i - 2].set()
            await until(lambda i=i: len(got) == i + 1, f"waiter {i} holding a connection")
            assert counter.order[-1] is tasks[i] and len(got) == i + 1
        gates[4].set()
        gates[5].set()
        await asyncio.gather(*tasks)
    assert [i for i, _ in got] == list(range(6))  # first come, first served
    # Each waiter was resumed once to take its connection and once by its gate: never
    # woken for nothing.
    assert list(dict.fromkeys(counter.order)) == tasks  # first woken in queue order
    assert all(counter.wakes[t] == 2 for t in tasks), counter.wakes  # hand-off + its gate
    assert {id(conn) for _, conn in got} == {id(c) for c in held}
    assert pool.size == pool.freesize == 2 and pool.stats().waits == 6


async def test_release_with_rollback_does_not_hold_up_another_connection(
    make_pool: MakePool,
) -> None:
    """A connection released in a transaction is rolled back in the background; a clean
    connection released meanwhile goes to the first waiter at once."""
    pool = await make_pool(minsize=2, maxsize=2, autocommit=False)
    dirty, clean = await pool.acquire(), await pool.acquire()
    await dirty.begin()
    assert await select(dirty, "SELECT 1") == (1,) and dirty.get_transaction_status()
    first = asyncio.create_task(pool.acquire())
    second = asyncio.create_task(pool.acquire())
    await queued(pool, 2)
    counter = WakeCounter(asyncio.get_running_loop())
    counter.watched.update((first, second))
    with counter.installed():
        rolling_back = pool.release(dirty)  # cleaning: no waiter can have it yet
        assert counter.tasks == 1 and counter.order == []
        pool.release(clean)  # handed over at once, the roll-back still to run
        assert counter.order == [first] and not rolling_back.done()
        assert await first is clean
        await rolling_back  # then the rolled-back one goes to the next in line
        assert await second is dirty and not dirty.get_transaction_status()
    assert counter.wakes[first] == counter.wakes[second] == 1
    pool.release(clean)
    pool.release(dirty)
    assert pool.size == pool.freesize == 2


async def test_cancelled_waiter_is_skipped_without_waking_the_others(make_pool: MakePool) -> None:
    pool = await make_pool(minsize=1, maxsize=1)
    held = await pool.acquire()
    tasks = [asyncio.create_task(pool.acquire()) for _ in range(3)]
    await queued(pool, 3)
    tasks[0].cancel()
    await asyncio.gather(tasks[0], return_exceptions=True)
    counter = WakeCounter(asyncio.get_running_loop())
    counter.watched.update(tasks[1:])
    with counter.installed():
        pool.release(held)
        assert counter.order == [tasks[1]]  # the next live waiter, and only it
        assert await tasks[1] is held
        pool.release(held)
        assert counter.order == [tasks[1], tasks[2]]
        assert await tasks[2] is held
    pool.release(held)
    assert pool.size == pool.freesize == 1
