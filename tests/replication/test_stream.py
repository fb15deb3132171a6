"""BinlogStream against a real MariaDB: positioning (file/pos, GTID, now, checkpoints),
blocking and non-blocking dumps, heartbeats, filters, checksums, server errors."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from binlog_support import DB, events_between, position, server_kwargs

import aiomysql
from aiomysql.protocol import binlog_decoder
from aiomysql.replication import (
    AnnotateRowsEvent,
    BinlogStream,
    Checkpoint,
    DeleteRowsEvent,
    FormatDescriptionEvent,
    GtidEvent,
    HeartbeatEvent,
    QueryEvent,
    RotateEvent,
    TableMapEvent,
    UpdateRowsEvent,
    WriteRowsEvent,
    XidEvent,
)


async def _table(writer: aiomysql.Connection, name: str) -> None:
    async with writer.cursor() as cur:
        await cur.execute(f"CREATE TABLE {DB}.{name} (id INT PRIMARY KEY, v VARCHAR(10))")


async def _txn(writer: aiomysql.Connection, table: str, first: int, count: int = 3) -> None:
    """One transaction of ``count`` INSERT statements (ids first, first + 1, ...)."""
    async with writer.cursor() as cur:
        await cur.execute("BEGIN")
        for i in range(first, first + count):
            await cur.execute(f"INSERT INTO {DB}.{table} VALUES (%s, %s)", (i, f"v{i}"))
        await cur.execute("COMMIT")


def _key(event: Any) -> tuple[str, int]:
    return type(event).__name__, event.log_pos


def _real(events: list[Any]) -> list[Any]:
    """Without what the server makes up for each dump (the first Rotate, the FDE)."""
    return [e for e in events if e.log_pos and not isinstance(e, FormatDescriptionEvent)]


async def test_a_transaction_is_decoded_in_order(
    writer: aiomysql.Connection, binlog_server: Any
) -> None:
    await _table(writer, "seq")
    start = await position(writer)
    await _txn(writer, "seq", 1)
    events = await events_between(binlog_server, start)
    kinds = [type(e) for e in events]
    assert kinds[:2] == [RotateEvent, FormatDescriptionEvent]
    assert events[0].next_file == start[0] and events[0].position == start[1]
    assert events[1].checksum == 1  # CRC32, verified on every event
    body = kinds[2:]
    assert body[0] is GtidEvent and body[-1] is XidEvent
    assert body.count(WriteRowsEvent) == 3 and body.count(TableMapEvent) == 3
    assert body.count(AnnotateRowsEvent) == 3
    rows = [row for e in events if isinstance(e, WriteRowsEvent) for row in e.rows]
    assert rows == [(1, "v1"), (2, "v2"), (3, "v3")]
    positions = [e.log_pos for e in _real(events)]
    assert positions == sorted(positions)
    # Every event's checkpoint: inside the transaction, its start and events taken.
    gtid = events[2]
    assert gtid.checkpoint.skip == 1 and gtid.checkpoint.log_pos == start[1]
    assert events[-1].checkpoint == Checkpoint(
        start[0], events[-1].log_pos, events[-1].checkpoint.gtid, 0
    )
    assert events[-1].checkpoint.gtid.endswith(f"-{gtid.seq_no}")


async def test_resume_from_every_checkpoint_gives_exactly_the_rest(
    writer: aiomysql.Connection, binlog_server: Any
) -> None:
    await _table(writer, "resume")
    start = await position(writer)
    await _txn(writer, "resume", 1)
    async with writer.cursor() as cur:
        await cur.execute(f"UPDATE {DB}.resume SET v = 'u' WHERE id < 3")
        await cur.execute(f"DELETE FROM {DB}.resume WHERE id = 3")
    events = await events_between(binlog_server, start)
    real = _real(events)
    assert len(real) > 10
    for i, event in enumerate(real):
        token = event.checkpoint.dumps()  # through its string form, as a consumer stores it
        stream = BinlogStream(
            **server_kwargs(binlog_server), server_id=902, blocking=False, resume_from=token
        )
        rest = _real([e async for e in stream])
        await stream.close()
        assert [_key(e) for e in rest] == [_key(e) for e in real[i + 1 :]], f"after event {i}"


async def test_mariadb_gtid_positioning(writer: aiomysql.Connection, binlog_server: Any) -> None:
    await _table(writer, "bygtid")
    async with writer.cursor() as cur:
        await cur.execute("SELECT @@gtid_binlog_pos")
        (state,) = await cur.fetchone()
    await _txn(writer, "bygtid", 1, count=1)
    await _txn(writer, "bygtid", 2, count=1)
    stream = BinlogStream(**server_kwargs(binlog_server), server_id=903, blocking=False, gtid=state)
    events = [e async for e in stream]
    await stream.close()
    gtids = [e for e in events if isinstance(e, GtidEvent)]
    rows = [row for e in events if isinstance(e, WriteRowsEvent) for row in e.rows]
    assert rows == [(1, "v1"), (2, "v2")]
    assert len(gtids) == 2 and gtids[0].seq_no + 1 == gtids[1].seq_no
    assert events[-1].checkpoint.gtid.endswith(f"-{gtids[1].seq_no}")


async def test_blocking_stream_from_now_waits_for_new_events(
    writer: aiomysql.Connection, binlog_server: Any
) -> None:
    await _table(writer, "live")
    async with BinlogStream(
        **server_kwargs(binlog_server), server_id=904, only_events=[WriteRowsEvent, XidEvent]
    ) as stream:
        await stream.connect()  # "now" is fixed here, before the insert below
        await _txn(writer, "live", 7, count=1)
        first = await stream.__anext__()
        second = await stream.__anext__()
    assert isinstance(first, WriteRowsEvent) and first.rows == [(7, "v7")]
    assert isinstance(second, XidEvent)
    assert (await stream.checkpoint()) == second.checkpoint


async def test_heartbeats_arrive_while_idle(binlog_server: Any) -> None:
    async with BinlogStream(
        **server_kwargs(binlog_server), server_id=905, heartbeat=0.05, only_events=[HeartbeatEvent]
    ) as stream:
        beat = await stream.__anext__()
    assert isinstance(beat, HeartbeatEvent) and beat.log_file.startswith("binlog.")


async def test_filters_skip_rows_before_decoding(
    writer: aiomysql.Connection, binlog_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _table(writer, "keep")
    await _table(writer, "drop_me")
    start = await position(writer)
    await _txn(writer, "keep", 1, count=1)
    await _txn(writer, "drop_me", 1, count=2)
    async with writer.cursor() as cur:
        await cur.execute(f"UPDATE {DB}.keep SET v = 'k'")
        await cur.execute(f"DELETE FROM {DB}.keep")
    decoded: list[int] = []
    real_decode = binlog_decoder.decode_rows

    def counting(data: bytes, pos: int, end: int, plan: Any, *rest: Any) -> list[Any]:
        decoded.append(len(plan))
        return real_decode(data, pos, end, plan, *rest)

    monkeypatch.setattr(binlog_decoder, "decode_rows", counting)
    events = await events_between(binlog_server, start, only_tables=[f"{DB}.keep"])
    tables = {(e.schema, e.table) for e in events if isinstance(e, (TableMapEvent, WriteRowsEvent))}
    assert tables == {(DB, "keep")}
    assert len(decoded) == 3  # the insert, update and delete of `keep` only
    events = await events_between(binlog_server, start, only_schemas=["nope"])
    assert not any(isinstance(e, (TableMapEvent, WriteRowsEvent, UpdateRowsEvent)) for e in events)
    decoded.clear()
    events = await events_between(
        binlog_server, start, only_events=[UpdateRowsEvent, GtidEvent, QueryEvent]
    )
    assert {type(e) for e in events} <= {UpdateRowsEvent, GtidEvent, QueryEvent}
    assert [type(e) for e in events].count(UpdateRowsEvent) == 1
    assert len(decoded) == 1  # inserts and deletes were never decoded
    assert not any(isinstance(e, DeleteRowsEvent) for e in events)


async def test_without_checksums(writer: aiomysql.Connection, binlog_server: Any) -> None:
    await _table(writer, "nocrc")
    async with writer.cursor() as cur:
        await cur.execute("SET GLOBAL binlog_checksum = 'NONE'")  # rotates the binlog
    try:
        start = await position(writer)
        await _txn(writer, "nocrc", 1, count=2)
        events = await events_between(binlog_server, start)
    finally:
        async with writer.cursor() as cur:
            await cur.execute("SET GLOBAL binlog_checksum = 'CRC32'")
    assert events[1].checksum == 0
    rows = [row for e in events if isinstance(e, WriteRowsEvent) for row in e.rows]
    assert rows == [(1, "v1"), (2, "v2")]


async def test_a_position_the_server_does_not_have_is_its_error(binlog_server: Any) -> None:
    stream = BinlogStream(
        **server_kwargs(binlog_server), server_id=906, blocking=False, log_file="binlog.999999"
    )
    with pytest.raises(aiomysql.OperationalError) as info:
        await stream.__anext__()
    assert info.value.args[0] == 1236  # ER_MASTER_FATAL_ERROR_READING_BINLOG, not retried
    await stream.close()


async def test_bad_arguments(binlog_server: Any) -> None:
    with pytest.raises(aiomysql.ProgrammingError):
        BinlogStream(server_id=0)
    with pytest.raises(ValueError):
        BinlogStream(server_id=1, resume_from="{not a token")
    with pytest.raises(ValueError):
        BinlogStream(server_id=1, gtid="1-2")


async def test_close_from_another_task_ends_the_iteration(binlog_server: Any) -> None:
    stream = BinlogStream(**server_kwargs(binlog_server), server_id=907)
    seen: list[Any] = []
    caught_up = asyncio.Event()

    async def consume() -> None:
        async for event in stream:
            seen.append(event)
            if isinstance(event, FormatDescriptionEvent):
                caught_up.set()  # from here on it waits for new events

    task = asyncio.create_task(consume())
    await caught_up.wait()
    await stream.close()
    await task  # ends: no reconnect, no error
    assert isinstance(seen[-1], FormatDescriptionEvent)
    assert stream.connections == 1
