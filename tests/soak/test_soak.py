"""Bounded soak: 200 tasks per round through a pool of 10, behind the fault proxy, while a
chaos task cancels tasks, cuts links and stalls replies at random. Nothing may be lost.

CI runs ``AIOMYSQL_SOAK_ROUNDS`` rounds (default 15, some 10 s); set it higher (with
``--timeout=0``) for a longer run, and ``AIOMYSQL_SOAK_SEED`` to replay one. Run with
``-s`` to see the tally.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest

import aiomysql
from aiomysql.pool import Pool

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "faults"))
from fault_proxy import Action, Direction, Fault, FaultProxy  # noqa: E402

ROUNDS = int(os.environ.get("AIOMYSQL_SOAK_ROUNDS", "15"))
SEED = int(os.environ.get("AIOMYSQL_SOAK_SEED", str(random.randrange(1 << 32))))
TASKS = 200
POOL = 10
TASK_TIMEOUT = 2.0  # a task whose reply was stalled gives up after this
ROUND_BOUND = 90.0  # a round that takes longer has hung

pytestmark = pytest.mark.soak


@dataclass
class Tally:
    """What happened, for the assertions and the printed figure."""

    tasks: int = 0
    committed: int = 0
    in_doubt: int = 0  # COMMIT sent, reply lost: either outcome is allowed
    cancelled: int = 0  # tasks the chaos cancelled (and that ended cancelled)
    cuts: int = 0
    stalls: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    thread_ids: set[int] = field(default_factory=set)


async def direct(connect_kwargs: dict[str, Any]) -> aiomysql.Connection:
    return await aiomysql.connect(**connect_kwargs, autocommit=True)


async def worker(
    pool: Pool, tag: str, n: int, rng: random.Random, phase: dict[int, str], tally: Tally
) -> None:
    phase[n] = "start"
    async with asyncio.timeout(TASK_TIMEOUT), pool.acquire() as conn:
        tally.thread_ids.add(conn.thread_id())
        await conn.begin()
        async with conn.cursor() as cur:
            await cur.execute("INSERT INTO soak_rows (tag, n) VALUES (%s, %s)", (tag, n))
            await cur.execute("DO SLEEP(%s)", (rng.uniform(0, 0.02),))
            await cur.execute(
                "SELECT n, REPEAT('x', 2000) FROM soak_rows WHERE tag = %s LIMIT 20", (tag,)
            )
            await cur.fetchall()
        phase[n] = "committing"
        await conn.commit()
        phase[n] = "committed"


async def chaos(
    rng: random.Random, tasks: list[asyncio.Task[None]], proxy: FaultProxy, tally: Tally
) -> None:
    while True:
        await asyncio.sleep(rng.uniform(0.002, 0.015))
        roll = rng.random()
        if roll < 0.45:
            task = rng.choice(tasks)
            if not task.done():
                task.cancel()
        elif roll < 0.9:
            tally.cuts += proxy.cut_random(rng)
        elif proxy.links:
            rng.choice(proxy.links).inject(Fault(Action.STALL, Direction.TO_CLIENT))
            tally.stalls += 1


async def settle(pool: Pool) -> None:
    """Wait until background roll-backs are done and every connection is free again."""
    async with asyncio.timeout(ROUND_BOUND):
        while pool.freesize != pool.size:
            await asyncio.sleep(0.01)


async def not_poisoned(pool: Pool) -> None:
    """A clean statement works again once the dead are weeded out.

    Free connections whose link was cut (or stalled) while idle are only found out when
    used: the first use raises 2006 (or, stalled, needs a timeout) and the pool drops them.
    """
    for _ in range(POOL + 1):
        try:
            async with asyncio.timeout(TASK_TIMEOUT), pool.acquire() as conn:
                assert (await conn.run_query("SELECT 1")).rows == [(1,)]
                return
        except (TimeoutError, aiomysql.OperationalError):
            continue
    raise AssertionError("the pool hands out only broken connections")


async def run_round(
    pool: Pool, proxy: FaultProxy, tag: str, rng: random.Random, tally: Tally, base: int
) -> dict[int, str]:
    phase: dict[int, str] = {}
    tasks = [
        asyncio.create_task(worker(pool, tag, base + i, rng, phase, tally)) for i in range(TASKS)
    ]
    monkey = asyncio.create_task(chaos(rng, tasks, proxy, tally))
    async with asyncio.timeout(ROUND_BOUND):
        done, _ = await asyncio.wait(tasks)
    monkey.cancel()
    await asyncio.gather(monkey, return_exceptions=True)
    for task in done:
        if task.cancelled():
            tally.cancelled += 1
            tally.outcomes["cancelled"] += 1
            continue
        exc = task.exception()
        if exc is None:
            tally.outcomes["committed"] += 1
        elif isinstance(exc, TimeoutError):
            tally.outcomes["timed out"] += 1
        elif isinstance(exc, aiomysql.OperationalError | aiomysql.InterfaceError):
            tally.outcomes[f"{type(exc).__name__} {exc.args[0]}"] += 1
        else:
            raise AssertionError(f"a task ended with a foreign exception: {exc!r}") from exc
    tally.tasks += len(tasks)
    return phase


async def test_soak(connect_kwargs: dict[str, Any]) -> None:
    rng = random.Random(SEED)
    tag = uuid.uuid4().hex
    tally = Tally()
    checker = await direct(connect_kwargs)
    await checker.query(
        "CREATE TABLE IF NOT EXISTS soak_rows (id INT AUTO_INCREMENT PRIMARY KEY, "
        "tag CHAR(32) NOT NULL, n INT NOT NULL, UNIQUE KEY (tag, n)) ENGINE=InnoDB"
    )
    started = time.monotonic()
    async with FaultProxy(connect_kwargs["host"], connect_kwargs["port"]) as proxy:
        pool = await aiomysql.create_pool(
            minsize=2, maxsize=POOL, **proxy.connect_kwargs(connect_kwargs)
        )
        phases: dict[int, str] = {}
        for r in range(ROUNDS):
            phases |= await run_round(pool, proxy, tag, rng, tally, r * TASKS)
            await settle(pool)
            stats = pool.stats()
            assert stats.acquired == stats.released, stats
            assert stats.opened - stats.closed == pool.size <= POOL, (stats, pool.size)
        await not_poisoned(pool)
        pool.close()
        async with asyncio.timeout(ROUND_BOUND):
            await pool.wait_closed()
        stats = pool.stats()
        assert stats.opened == stats.closed and pool.size == 0, stats
        async with asyncio.timeout(10):  # every socket the pool opened is closed
            while proxy.links:
                await asyncio.sleep(0.01)

    result = await checker.run_query(f"SELECT n FROM soak_rows WHERE tag = '{tag}'")
    present = {row[0] for row in result.rows or ()}
    committed = {n for n, p in phases.items() if p == "committed"}
    in_doubt = {n for n, p in phases.items() if p == "committing"}
    tally.committed, tally.in_doubt = len(committed), len(in_doubt)
    assert committed <= present, f"committed rows lost: {sorted(committed - present)}"
    stray = present - committed - in_doubt
    assert not stray, f"rows never committed are visible: {sorted(stray)}"

    async with asyncio.timeout(30):  # the server has let go of every session
        ids = ",".join(str(i) for i in tally.thread_ids)
        while (
            await checker.run_query(
                f"SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID IN ({ids})"
            )
        ).rows != [(0,)]:
            await asyncio.sleep(0.05)
    await checker.ensure_closed()

    print(
        f"\nsoak: seed {SEED}, {ROUNDS} rounds, {tally.tasks} tasks in "
        f"{time.monotonic() - started:.1f} s; faults injected: {tally.cuts} cuts + "
        f"{tally.stalls} stalls ({proxy.accepted} connections opened); tasks cancelled: "
        f"{tally.cancelled}; rows checked: {len(present)} present = {tally.committed} "
        f"committed + {len(present) - tally.committed} of {tally.in_doubt} in doubt; "
        f"lost: 0; outcomes: {dict(tally.outcomes)}"
    )
    assert tally.cuts and tally.cancelled and tally.committed  # the chaos did happen
