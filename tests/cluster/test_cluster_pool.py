"""create_pool(host=[...]) on a real primary and replica: the read/write split, the
fallbacks, causal reads through the pool, errors that drop connections, per-host stats."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import aiomysql
from aiomysql import ClusterPool
from aiomysql._targeting import HOST_STATES
from aiomysql.testing import TemporaryCluster


def _pool(cluster: TemporaryCluster, **extra: Any) -> Any:
    kwargs = cluster.connect_kwargs(target_session_attrs="read-write", autocommit=True)
    return aiomysql.create_pool(**{"minsize": 1, "maxsize": 4, **kwargs, **extra})


async def _query(conn: aiomysql.Connection, sql: str) -> list[Any]:
    async with conn.cursor() as cur:
        await cur.execute(sql)
        return list(await cur.fetchall())


@pytest.fixture(scope="module")
def table(replication: TemporaryCluster) -> str:
    replication.admin(0, f"CREATE TABLE {replication.database}.pooled (id INT PRIMARY KEY)")
    replication.wait_replicated()
    return f"{replication.database}.pooled"


async def test_read_write_split_and_stats(replication: TemporaryCluster) -> None:
    primary, replica = replication.hosts
    async with _pool(replication) as pool:
        assert isinstance(pool, ClusterPool)
        async with pool.acquire() as conn:
            assert conn.port == replication.gates[0].port
        async with pool.acquire(readonly=True) as conn:
            assert conn.port == replication.gates[1].port
            assert (await _query(conn, "SELECT @@read_only")) == [(1,)]
        stats = pool.stats()
        assert set(stats.hosts) == {primary, replica}
        assert stats.hosts[primary].role == "primary"
        assert stats.hosts[replica].role == "replica"
        assert stats.acquired == sum(h.acquired for h in stats.hosts.values()) >= 2
        assert stats.hosts[replica].acquired == 1
        assert pool.size == stats.opened - stats.closed
    assert pool.closed and pool.size == 0


async def test_readonly_falls_back_to_the_primary(replication: TemporaryCluster) -> None:
    async with _pool(replication) as pool:
        replication.partition(1)
        try:
            async with pool.acquire(readonly=True) as conn:
                assert conn.port == replication.gates[0].port
            assert pool.stats().hosts[replication.hosts[1]].connect_failures >= 1
        finally:
            replication.heal(1)
        async with pool.acquire(readonly=True) as conn:
            assert conn.port == replication.gates[1].port


async def test_strict_standby_pool_refuses_without_replica(replication: TemporaryCluster) -> None:
    # pre_ping_idle=0: the free replica connection the partition cut is found dead at once.
    kwargs = {"target_session_attrs": "standby", "minsize": 0, "pre_ping_idle": 0}
    async with _pool(replication, **kwargs) as pool:
        async with pool.acquire() as conn:
            assert conn.port == replication.gates[1].port
        replication.partition(1)
        try:
            with pytest.raises(aiomysql.OperationalError, match="writable"):
                await pool.acquire()
        finally:
            replication.heal(1)


async def test_min_gtid_read_through_the_pool(replication: TemporaryCluster, table: str) -> None:
    async with _pool(replication, session_track=True, gtid_wait_timeout=0.05) as pool:
        replication.stall_replication(1)
        try:
            async with pool.acquire() as conn:
                await _query(conn, f"INSERT INTO {table} VALUES (1)")
                gtid = conn.last_gtid
            assert gtid
            # The replica cannot apply it (stalled): the read goes to the primary.
            async with pool.acquire(readonly=True, min_gtid=gtid) as conn:
                assert conn.port == replication.gates[0].port
                assert await _query(conn, f"SELECT id FROM {table}") == [(1,)]
        finally:
            replication.resume_replication(1)
    async with _pool(replication, gtid_wait_timeout=120) as pool:
        replication.stall_replication(1)
        try:
            async with pool.acquire() as conn:
                await _query(conn, f"INSERT INTO {table} VALUES (2)")
            gtid = replication.gtid_position(0)
            read = asyncio.ensure_future(_read_after(pool, gtid, table))
            while not await asyncio.to_thread(_someone_waits, replication):
                await asyncio.sleep(0.01)
            assert not read.done()
            replication.resume_replication(1)
            port, rows = await read
            assert port == replication.gates[1].port and (2,) in rows
        finally:
            replication.resume_replication(1)


def _someone_waits(cluster: TemporaryCluster) -> bool:
    sql = (
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
        "WHERE INFO LIKE 'SELECT MASTER_GTID_WAIT%'"
    )
    return bool(cluster.admin(1, sql)[0][0])


async def _read_after(pool: Any, gtid: str, table: str) -> tuple[int, list[Any]]:
    async with pool.acquire(readonly=True, min_gtid=gtid) as conn:
        return conn.port, await _query(conn, f"SELECT id FROM {table}")


async def test_read_only_error_drops_the_connection(
    replication: TemporaryCluster, table: str
) -> None:
    primary = replication.hosts[0]
    async with _pool(replication) as pool:
        async with pool.acquire() as conn:
            assert conn.port == replication.gates[0].port
        replication.set_read_only(0)
        try:
            with pytest.raises(aiomysql.OperationalError) as info:
                async with pool.acquire() as conn:
                    await _query(conn, f"INSERT INTO {table} VALUES (100)")
            assert info.value.args[0] == 1290
            assert conn.closed
            stats = pool.stats().hosts[primary]
            assert stats.dropped_on_error == 1 and stats.role == "replica"
            with pytest.raises(aiomysql.OperationalError, match="read-only"):
                await pool.acquire()
        finally:
            replication.set_read_only(0, False)
        HOST_STATES.forget(("127.0.0.1", replication.gates[0].port))
        async with pool.acquire() as conn:
            assert conn.port == replication.gates[0].port
        assert pool.stats().hosts[primary].role_changes >= 1


async def test_pool_arguments_are_checked(replication: TemporaryCluster) -> None:
    with pytest.raises(aiomysql.ProgrammingError):
        _pool(replication, target_session_attrs="leader")
    with pytest.raises(TypeError):
        _pool(replication, no_such_argument=1)
