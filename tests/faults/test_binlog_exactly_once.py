"""The CDC promise: while a writer commits numbered transactions, the binlog stream is
cut by the fault proxy, the server is restarted and the consumer itself restarts from
its saved checkpoints, several times; the consumer still sees every transaction exactly
once, whole and in order.

Nothing here waits on the clock: the writer's rounds, the cuts (a byte count into the
stream), the restarts and the consumer restarts happen in a fixed order, and the end is
a condition (every transaction seen). Wherever a cut lands, the assertions must hold.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest
from binlog_support import DB, binlog_server, open_writer, position, server_kwargs
from fault_proxy import Action, Direction, Fault, FaultProxy

import aiomysql
from aiomysql.protocol import binlog_commands as cmd
from aiomysql.replication import BinlogStream, Checkpoint, GtidEvent, WriteRowsEvent, XidEvent

__all__ = ["binlog_server"]

ROUNDS = 9
PER_ROUND = 12
STATEMENTS = 3  # rows events per transaction, so that cuts land inside transactions


async def _commit(writer: aiomysql.Connection, first: int, count: int) -> None:
    async with writer.cursor() as cur:
        for n in range(first, first + count):
            await cur.execute("BEGIN")
            for k in range(STATEMENTS):
                await cur.execute(f"INSERT INTO {DB}.eo VALUES (%s, %s)", (n, k))
            await cur.execute("COMMIT")


class Consumer:
    """Applies transactions as a CDC consumer would: rows collected per transaction and
    applied at its commit, with the checkpoint saved alongside."""

    def __init__(self, kwargs: dict[str, Any], start: Checkpoint) -> None:
        self.kwargs = kwargs
        self.token = start
        self.applied: list[int] = []
        self.rows: list[tuple[int, int]] = []
        self.pending: list[tuple[int, int]] = []
        self.in_txn = False
        self.changed = asyncio.Condition()
        self.connections = 0
        self.starts = 0

    async def run(self) -> None:
        self.starts += 1
        stream = BinlogStream(
            **self.kwargs,
            server_id=777,
            resume_from=self.token.dumps(),
            only_tables=[f"{DB}.eo"],
            reconnect_timeout=300,
        )
        try:
            async for event in stream:
                self.take(event)
                self.token = event.checkpoint  # saved with the state it goes with
                async with self.changed:
                    self.changed.notify_all()
        finally:
            self.connections += stream.connections
            await stream.close()

    def take(self, event: Any) -> None:
        if isinstance(event, GtidEvent):
            assert not self.in_txn, "a transaction started inside another"
            self.in_txn = True
        elif isinstance(event, WriteRowsEvent):
            assert self.in_txn
            self.pending.extend(event.rows)
        elif isinstance(event, XidEvent):
            assert self.in_txn
            numbers = {n for n, _ in self.pending}
            assert len(numbers) == 1, f"not one whole transaction: {self.pending}"
            assert [k for _, k in self.pending] == list(range(STATEMENTS)), self.pending
            self.applied.append(numbers.pop())
            self.rows.extend(self.pending)
            self.pending = []
            self.in_txn = False


async def test_every_transaction_exactly_once_through_cuts_and_restarts(
    binlog_server: Any,
) -> None:
    rng = random.Random(18)
    writer = await open_writer(binlog_server)
    async with writer.cursor() as cur:
        await cur.execute(f"CREATE TABLE {DB}.eo (n INT, k INT, PRIMARY KEY (n, k))")
        await cur.execute("SELECT @@gtid_binlog_pos")
        (gtid,) = await cur.fetchone()
    file, pos = await position(writer)
    async with FaultProxy(binlog_server.host, binlog_server.port) as proxy:
        consumer = Consumer(
            {"host": proxy.host, "port": proxy.port, "user": "root", "password": ""},
            Checkpoint(file, pos, gtid),
        )
        task = asyncio.create_task(consumer.run())
        restarts = cuts = 0
        try:
            for r in range(ROUNDS):
                await _commit(writer, r * PER_ROUND + 1, PER_ROUND)
                action = r % 3
                if action == 0 and proxy.links:
                    # Cut the stream a little way into what it is receiving or will receive.
                    proxy.last.inject(
                        Fault(Action.CUT, Direction.TO_CLIENT, after=rng.randrange(1, 3000))
                    )
                    cuts += 1
                elif action == 1:
                    writer.close()
                    await asyncio.to_thread(binlog_server.restart)
                    restarts += 1
                    writer = await open_writer(binlog_server)
                else:
                    # The consumer process "restarts": resumes from its saved checkpoint.
                    task.cancel()
                    await asyncio.gather(task, return_exceptions=True)
                    task = asyncio.create_task(consumer.run())
            total = ROUNDS * PER_ROUND
            async with consumer.changed:
                await consumer.changed.wait_for(
                    lambda: len(consumer.applied) >= total or task.done()
                )
            if task.done():
                task.result()  # raise what stopped the consumer
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            writer.close()
    assert consumer.applied == list(range(1, total + 1))
    assert consumer.rows == [(n, k) for n in range(1, total + 1) for k in range(STATEMENTS)]
    assert restarts == 3 and cuts == 3 and consumer.starts == 4
    assert proxy.faults_fired >= 1
    assert consumer.connections > consumer.starts  # the stream reconnected by itself


async def test_a_cut_inside_a_transaction_resumes_inside_it(binlog_server: Any) -> None:
    """Deterministic: three ~20 kB rows events in one transaction, the stream cut 30 kB
    into the dump (inside the second one); the events after the reconnect are exactly
    the ones a direct read gives, none twice, none missing."""
    writer = await open_writer(binlog_server)
    async with writer.cursor() as cur:
        await cur.execute(f"CREATE TABLE {DB}.cut (id INT PRIMARY KEY, b MEDIUMBLOB)")
    file, pos = await position(writer)
    async with writer.cursor() as cur:
        await cur.execute("BEGIN")
        for i in range(3):
            await cur.execute(f"INSERT INTO {DB}.cut VALUES (%s, REPEAT('x', 20000))", (i,))
        await cur.execute("COMMIT")
    writer.close()
    direct = BinlogStream(**server_kwargs(binlog_server), server_id=778, blocking=False,
                          log_file=file, log_pos=pos)  # fmt: skip
    expected = [(type(e).__name__, e.log_pos) async for e in direct if e.log_pos]
    await direct.close()
    assert [k for k, _ in expected].count("WriteRowsEvent") == 3
    async with FaultProxy(binlog_server.host, binlog_server.port) as proxy:
        # Counting starts at the server's first byte after the dump command.
        dump = cmd.com_binlog_dump(779, file.encode(), pos, 0x03)
        proxy.arm_next(Fault(Action.CUT, Direction.TO_CLIENT, after=30_000, when_client_sent=dump))
        kwargs = proxy.connect_kwargs(server_kwargs(binlog_server))
        stream = BinlogStream(**kwargs, server_id=779, blocking=False, log_file=file, log_pos=pos)
        got = [(type(e).__name__, e.log_pos) async for e in stream if e.log_pos]
        await stream.close()
        assert proxy.faults_fired == 1
    assert stream.connections == 2
    assert got == expected


@pytest.mark.timing
async def test_a_silent_server_is_left_after_two_missed_heartbeats(binlog_server: Any) -> None:
    """The link stalls (no byte reaches the client, the socket stays open): with
    heartbeat=0.2 the stream gives the connection up after its read timeout, reconnects
    and delivers what was committed meanwhile, once."""
    writer = await open_writer(binlog_server)
    async with writer.cursor() as cur:
        await cur.execute(f"CREATE TABLE {DB}.quiet (id INT PRIMARY KEY)")
    async with FaultProxy(binlog_server.host, binlog_server.port) as proxy:
        kwargs = proxy.connect_kwargs(server_kwargs(binlog_server))
        stream = BinlogStream(**kwargs, server_id=780, heartbeat=0.2)
        first = await stream.__anext__()  # connected and reading: stall it now
        assert first.log_pos == 0
        proxy.last.inject(Fault(Action.STALL, Direction.TO_CLIENT))
        async with writer.cursor() as cur:
            await cur.execute(f"INSERT INTO {DB}.quiet VALUES (1)")
        rows = []
        async for event in stream:
            if isinstance(event, WriteRowsEvent) and event.table == "quiet":
                rows.extend(event.rows)
                break
        await stream.close()
    writer.close()
    assert rows == [(1,)]
    assert stream.connections >= 2 and proxy.accepted >= 2
