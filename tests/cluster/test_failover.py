"""The replication failover test: writers and readers on one pool while the primary dies.

A semi-synchronous primary + replica. Writers insert through ``pool.acquire()``
(target read-write), readers read through ``pool.acquire(readonly=True)``. The test
kills the primary (SIGKILL), waits until readers have read after the kill, promotes
the replica (it first applies everything it received) and points the old primary's
address elsewhere (connections to it are refused): the pool must find the new
primary. Each step waits for a condition (writes acknowledged, reads done), not a
guessed time. The figures (detection time, write outage, longest read pause) are
measured and printed, not asserted against tight bounds.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator
from typing import Any

import pytest

import aiomysql
from aiomysql.testing import TemporaryCluster

#: Where the figures go (the README quotes a run); printed as well.
FIGURES = os.environ.get("AIOMYSQL_FAILOVER_FIGURES", "")
BOUND = 120.0  # a failover that needs longer than this has hung


@pytest.fixture(scope="module")
def cluster() -> Iterator[TemporaryCluster]:
    with TemporaryCluster("replication", replicas=1, semi_sync=True) as c:
        c.admin(
            0,
            f"CREATE TABLE {c.database}.writes (writer INT, seq INT, PRIMARY KEY (writer, seq))",
        )
        c.wait_replicated()
        yield c


class Load:
    """Writers and readers on one pool, recording what was acknowledged and when."""

    def __init__(self, pool: Any, database: str) -> None:
        self.pool = pool
        self.table = f"{database}.writes"
        self.acked: list[tuple[int, int, float]] = []  # writer, seq, when
        self.write_errors = 0
        self.reads: list[float] = []
        self.read_errors = 0
        self.stop = False
        self.changed = asyncio.Event()

    async def writer(self, writer: int) -> None:
        seq = 0
        while not self.stop:
            seq += 1
            try:
                async with self.pool.acquire() as conn:
                    async with conn.cursor() as cur:
                        await cur.execute(
                            f"INSERT INTO {self.table} VALUES (%s, %s)", (writer, seq)
                        )
                self.acked.append((writer, seq, time.monotonic()))
            except aiomysql.Error:
                self.write_errors += 1
                await asyncio.sleep(0.01)  # pacing only: the next try is what counts
            self.changed.set()

    async def reader(self) -> None:
        while not self.stop:
            try:
                async with self.pool.acquire(readonly=True) as conn:
                    async with conn.cursor() as cur:
                        await cur.execute(f"SELECT COUNT(*) FROM {self.table}")
                        await cur.fetchone()
                self.reads.append(time.monotonic())
            except aiomysql.Error:
                self.read_errors += 1
                await asyncio.sleep(0.01)
            self.changed.set()

    async def until(self, what: str, condition: Any) -> None:
        async with asyncio.timeout(BOUND):
            while not condition():
                self.changed.clear()
                await self.changed.wait()

    def longest_read_pause(self, start: float, end: float) -> float:
        marks = [start] + [t for t in self.reads if start <= t <= end] + [end]
        return max(b - a for a, b in zip(marks, marks[1:], strict=False))


async def test_replication_failover(cluster: TemporaryCluster) -> None:
    kwargs = cluster.connect_kwargs(
        target_session_attrs="read-write", autocommit=True, connect_timeout=5
    )
    async with aiomysql.create_pool(minsize=2, maxsize=8, **kwargs) as pool:
        load = Load(pool, cluster.database)
        tasks = [asyncio.ensure_future(load.writer(w)) for w in range(3)]
        tasks += [asyncio.ensure_future(load.reader()) for _ in range(2)]
        try:
            await load.until("writes flow", lambda: len(load.acked) >= 60)
            started = time.monotonic()
            await asyncio.to_thread(cluster.kill, 0)
            killed = time.monotonic()
            reads_before = len(load.reads)
            await load.until("reads go on", lambda: len(load.reads) >= reads_before + 10)
            await asyncio.to_thread(cluster.promote, 1)
            await asyncio.to_thread(cluster.point, 0, None)
            promoted = time.monotonic()
            await load.until(
                "writes resume", lambda: sum(t > promoted for _, _, t in load.acked) >= 60
            )
            ended = time.monotonic()
        finally:
            load.stop = True
            await asyncio.gather(*tasks, return_exceptions=True)
        stats = pool.stats()
    old, new = cluster.hosts
    # Every write acknowledged as committed is on the new primary.
    rows = await asyncio.to_thread(cluster.admin, 1, f"SELECT writer, seq FROM {load.table}")
    on_new_primary = {(int(w), int(s)) for w, s in rows}
    acked = {(w, s) for w, s, _ in load.acked}
    lost = acked - on_new_primary
    assert not lost, f"{len(lost)} acknowledged writes missing on the new primary"
    # Reads went on while the primary was down; writes resumed without a restart.
    assert len(load.reads) >= reads_before + 10
    first_write_after = min(t for _, _, t in load.acked if t > killed)
    # The per-host counters tell the story.
    assert stats.hosts[old].dropped_on_error + stats.hosts[old].connect_failures >= 1
    assert stats.hosts[new].role == "primary" and stats.hosts[new].role_changes >= 1
    figures = {
        "acknowledged_writes": len(acked),
        "writes_lost": len(lost),
        "write_errors": load.write_errors,
        "read_errors": load.read_errors,
        "write_outage_s": round(first_write_after - killed, 3),
        "detection_s": round(first_write_after - promoted, 3),
        "longest_read_pause_s": round(load.longest_read_pause(started, ended), 3),
        "hosts": {
            host: {
                "role": s.role,
                "acquired": s.acquired,
                "dropped_on_error": s.dropped_on_error,
                "connect_failures": s.connect_failures,
                "probes": s.probes,
                "role_changes": s.role_changes,
            }
            for host, s in stats.hosts.items()
        },
    }
    print("failover figures:", json.dumps(figures))
    if FIGURES:
        with open(FIGURES, "w") as f:
            json.dump(figures, f, indent=2)
