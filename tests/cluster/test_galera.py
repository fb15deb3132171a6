"""A real 3-node Galera cluster: node readiness in targeting, certification failures
turned into successes by retry_transaction, and a node killed under load.

The certification failure is sequenced, not raced: the first transaction on node 0
holds its update open until a conflicting transaction on node 1 has committed; Galera
then aborts the first one (1213), and retry_transaction runs it again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

import aiomysql
from aiomysql import retry_transaction
from aiomysql._targeting import HOST_STATES
from aiomysql.testing import TemporaryCluster


@pytest.fixture(scope="module")
def galera() -> Iterator[TemporaryCluster]:
    with TemporaryCluster("galera", nodes=3) as cluster:
        cluster.admin(
            0,
            f"CREATE TABLE {cluster.database}.counter (id INT PRIMARY KEY, n INT NOT NULL)",
            f"INSERT INTO {cluster.database}.counter VALUES (1, 0), (2, 0)",
            f"CREATE TABLE {cluster.database}.events "
            "(writer INT, seq INT, PRIMARY KEY (writer, seq))",
        )
        yield cluster


def _pool(cluster: TemporaryCluster, *nodes: int, **extra: Any) -> Any:
    hosts = [cluster.hosts[i] for i in nodes]
    kwargs = {**cluster.connect_kwargs(), "host": hosts, "connect_timeout": 5, **extra}
    return aiomysql.create_pool(minsize=0, maxsize=4, **kwargs)


async def _counter(cluster: TemporaryCluster, row: int) -> int:
    rows = await asyncio.to_thread(
        cluster.admin,
        0,
        "SET SESSION wsrep_sync_wait = 1",
        f"SELECT n FROM {cluster.database}.counter WHERE id = {row}",
    )
    return int(rows[0][0])


async def test_a_desynced_node_is_not_used(galera: TemporaryCluster) -> None:
    hosts = [galera.hosts[1], galera.hosts[0]]
    kwargs = {**galera.connect_kwargs(), "host": hosts}
    galera.admin(1, "SET GLOBAL wsrep_desync = ON")
    try:
        async with aiomysql.connect(**kwargs, target_session_attrs="read-write") as conn:
            assert conn.port == galera.gates[0].port
        with pytest.raises(aiomysql.OperationalError, match="not usable: Galera node"):
            async with aiomysql.connect(
                **{**kwargs, "host": hosts[:1]}, target_session_attrs="read-write"
            ):
                pass
    finally:
        galera.admin(1, "SET GLOBAL wsrep_desync = OFF")
        HOST_STATES.clear()
    galera.wait_synced()
    async with aiomysql.connect(**kwargs, target_session_attrs="read-write") as conn:
        assert conn.port == galera.gates[1].port


async def test_certification_failure_is_retried(galera: TemporaryCluster) -> None:
    counter = f"{galera.database}.counter"
    first_updated, second_committed = asyncio.Event(), asyncio.Event()
    calls = 0

    async def first(conn: aiomysql.Connection) -> None:
        nonlocal calls
        calls += 1
        await conn.query(f"UPDATE {counter} SET n = n + 1 WHERE id = 1")
        if calls == 1:
            first_updated.set()
            await second_committed.wait()  # node 1 commits a conflicting write meanwhile

    async def second(conn: aiomysql.Connection) -> None:
        await conn.query(f"UPDATE {counter} SET n = n + 1 WHERE id = 1")

    before = await _counter(galera, 1)
    async with _pool(galera, 0) as pool0, _pool(galera, 1) as pool1:
        task = asyncio.ensure_future(retry_transaction(pool0, first, backoff=0))
        await first_updated.wait()
        await retry_transaction(pool1, second)
        second_committed.set()
        await task
    assert calls == 2  # the certification failure (1213), then a success
    assert await _counter(galera, 1) == before + 2  # each transaction applied once


async def test_conflicting_writers_on_two_nodes(galera: TemporaryCluster) -> None:
    counter = f"{galera.database}.counter"
    per_writer = 25
    calls = 0

    async def increment(conn: aiomysql.Connection) -> None:
        nonlocal calls
        calls += 1
        await conn.query(f"UPDATE {counter} SET n = n + 1 WHERE id = 2")

    async def writer(pool: Any) -> None:
        for _ in range(per_writer):
            await retry_transaction(pool, increment, attempts=100, backoff=0.001)

    before = await _counter(galera, 2)
    async with _pool(galera, 0) as pool0, _pool(galera, 1) as pool1:
        await asyncio.gather(writer(pool0), writer(pool0), writer(pool1), writer(pool1))
    assert await _counter(galera, 2) == before + 4 * per_writer
    print(
        f"galera conflicting writers: {4 * per_writer} increments, {calls - 4 * per_writer} retried"
    )


async def test_killing_a_node_mid_load_loses_no_acknowledged_write(
    galera: TemporaryCluster,
) -> None:
    events = f"{galera.database}.events"
    acked: list[tuple[int, int]] = []
    failures = 0
    stop = False
    progress = asyncio.Event()

    async def writer(pool: Any, w: int) -> None:
        nonlocal failures
        seq = 0
        while not stop:
            seq += 1

            async def insert(conn: aiomysql.Connection, seq: int = seq) -> None:
                await conn.query(f"INSERT INTO {events} VALUES ({w}, {seq})")

            try:
                await retry_transaction(pool, insert, attempts=3, backoff=0.01)
                acked.append((w, seq))
            except aiomysql.Error:
                failures += 1  # not acknowledged (CommitUnknownError included)
                await asyncio.sleep(0.01)
            progress.set()

    async def until(count: int) -> None:
        async with asyncio.timeout(120):
            while len(acked) < count:
                progress.clear()
                await progress.wait()

    async with _pool(galera, 0, 1, 2, load_balance="random") as pool:
        tasks = [asyncio.ensure_future(writer(pool, w)) for w in range(4)]
        try:
            await until(40)
            killed_at = len(acked)
            started = time.monotonic()
            await asyncio.to_thread(galera.kill, 2)
            await until(killed_at + 40)
            resumed = time.monotonic() - started
        finally:
            stop = True
            await asyncio.gather(*tasks, return_exceptions=True)
        stats = pool.stats()
    rows = await asyncio.to_thread(
        galera.admin, 0, "SET SESSION wsrep_sync_wait = 1", f"SELECT writer, seq FROM {events}"
    )
    present = {(int(w), int(s)) for w, s in rows}
    assert not set(acked) - present
    assert (
        stats.hosts[galera.hosts[2]].role == "down" or stats.hosts[galera.hosts[2]].connect_failures
    )
    print(
        f"galera kill: {len(acked)} acknowledged, 0 lost, {failures} failed writes, "
        f"40 more acknowledged {resumed:.3f} s after the kill"
    )
