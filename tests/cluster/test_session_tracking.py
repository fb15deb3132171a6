"""Session tracking and causal reads on a real primary and replica, and on a fake MySQL."""

from __future__ import annotations

import asyncio
from typing import Any

import mysql_packets as sp
import pytest
from fake_mysql_server import FakeConnection, FakeServer

import aiomysql
from aiomysql.constants import CLIENT
from aiomysql.protocol.packets import lenenc_bytes
from aiomysql.testing import TemporaryCluster


async def _execute(conn: aiomysql.Connection, sql: str, *args: Any) -> list[Any]:
    async with conn.cursor() as cur:
        await cur.execute(sql, args or None)
        return list(await cur.fetchall())


@pytest.fixture(scope="module")
def table(replication: TemporaryCluster) -> str:
    replication.admin(0, f"CREATE TABLE {replication.database}.causal (id INT PRIMARY KEY)")
    replication.wait_replicated()
    return f"{replication.database}.causal"


async def test_session_state_reports_gtid_schema_and_transaction(
    replication: TemporaryCluster, table: str
) -> None:
    kwargs = replication.node_kwargs(0, session_track=True, autocommit=True)
    async with aiomysql.connect(**kwargs) as conn:
        state = conn.session_state
        assert state is not None and state.schema == replication.database
        await _execute(conn, f"INSERT INTO {table} VALUES (1)")
        (server_gtid,) = (await _execute(conn, "SELECT @@last_gtid"))[0]
        assert conn.last_gtid == server_gtid and server_gtid.startswith("0-1-")
        await conn.begin()
        assert state.transaction_state is not None and state.transaction_state.startswith("T")
        await conn.rollback()
        await conn.select_db("mysql")
        assert state.schema == "mysql"
        await _execute(conn, f"DELETE FROM {table} WHERE id = 1")
        assert conn.last_gtid != server_gtid


async def test_without_session_track_nothing_is_tracked(replication: TemporaryCluster) -> None:
    async with aiomysql.connect(**replication.node_kwargs(0)) as conn:
        assert conn.session_state is None and conn.last_gtid is None


async def _waiting_on(replication: TemporaryCluster, node: int, what: str) -> None:
    """Return once a statement containing ``what`` is running on ``node`` (a condition
    polled on the server, not a guess at how long it takes)."""
    sql = (
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
        f"WHERE INFO LIKE '%{what}%' AND INFO NOT LIKE '%PROCESSLIST%'"
    )
    while not (await asyncio.to_thread(replication.admin, node, sql))[0][0]:
        await asyncio.sleep(0.01)


async def test_causal_read_waits_for_a_lagging_replica(
    replication: TemporaryCluster, table: str
) -> None:
    """The replica applies nothing (its SQL thread is stopped): a plain read misses the
    write, a read after wait_for_gtid() sees it once the replica catches up."""
    writer_kwargs = replication.node_kwargs(0, session_track=True, autocommit=True)
    replication.stall_replication(1)
    try:
        async with aiomysql.connect(**writer_kwargs) as writer:
            await _execute(writer, f"INSERT INTO {table} VALUES (2)")
            gtid = writer.last_gtid
        assert gtid
        async with aiomysql.connect(**replication.node_kwargs(1, autocommit=True)) as reader:
            assert await _execute(reader, f"SELECT id FROM {table} WHERE id = 2") == []
            assert await reader.wait_for_gtid(gtid, 0) is False  # not applied: no wait
            waiting = asyncio.ensure_future(reader.wait_for_gtid(gtid, 120))
            await _waiting_on(replication, 1, "MASTER_GTID_WAIT")
            assert not waiting.done()
            replication.resume_replication(1)
            assert await waiting is True
            assert await _execute(reader, f"SELECT id FROM {table} WHERE id = 2") == [(2,)]
    finally:
        replication.resume_replication(1)
        replication.admin(0, f"DELETE FROM {table} WHERE id = 2")
        replication.wait_replicated()


async def test_wait_for_gtid_checks_its_arguments(replication: TemporaryCluster) -> None:
    async with aiomysql.connect(**replication.node_kwargs(1)) as conn:
        with pytest.raises(aiomysql.ProgrammingError):
            await conn.wait_for_gtid("", 1)
        with pytest.raises(aiomysql.ProgrammingError):
            await conn.wait_for_gtid("0-1-1", -1)


# -- MySQL: session_track_gtids and WAIT_FOR_EXECUTED_GTID_SET, on the fake server ------

GTID = "3e11fa47-71ca-11e1-9e33-c80aa9429562:23"


def _mysql_script(c: FakeConnection) -> list[str]:
    """A MySQL 8 that tracks GTIDs: INSERT answers with a GTID entry (type 3, encoding
    0, lenenc set) in its OK; WAIT_FOR_EXECUTED_GTID_SET answers one row, 0."""
    hello = c.greet("mysql_native_password", caps=sp.SERVER_CAPS | CLIENT.SESSION_TRACK)
    assert hello.capabilities & CLIENT.SESSION_TRACK
    c.ok()
    seen: list[str] = []
    while True:
        c.seq = 0
        try:
            payload = c.recv()
        except (EOFError, OSError):
            return seen
        if payload[:1] == b"\x01":
            return seen
        sql = payload[1:].decode()
        seen.append(sql)
        if sql.startswith("INSERT"):
            block = b"\x03" + lenenc_bytes(b"\x00" + lenenc_bytes(GTID.encode()))
            status = 2 | 1 << 14  # autocommit, session state changed
            c.send(sp.ok(affected=1, status=status) + lenenc_bytes(b"") + lenenc_bytes(block))
        elif sql.startswith("SELECT WAIT_FOR_EXECUTED_GTID_SET"):
            c.send(b"\x01")
            c.send(sp.column("w", 8))
            c.send(sp.text_row(b"0"))
            c.send(sp.ok(header=0xFE))
        else:
            c.send(sp.ok())


async def test_mysql_gtid_tracking_and_wait() -> None:
    async with FakeServer(_mysql_script) as srv:
        async with aiomysql.connect(**srv.kwargs(session_track=True, autocommit=True)) as conn:
            await conn.query("INSERT INTO t VALUES (1)")
            assert conn.last_gtid == GTID
            assert await conn.wait_for_gtid(GTID, 2.5) is True
    (seen,) = srv.results
    assert "session_track_gtids = OWN_GTID" in seen[0]
    assert seen[-1] == f"SELECT WAIT_FOR_EXECUTED_GTID_SET('{GTID}', 2.5)"
