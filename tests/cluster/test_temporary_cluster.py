"""aiomysql.testing.TemporaryCluster itself: arguments, a node stopped and restarted,
gates that sever and re-point client connections."""

from __future__ import annotations

import pytest

import aiomysql
from aiomysql.testing import TemporaryCluster


def test_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="kind"):
        TemporaryCluster("sharded")
    with pytest.raises(ValueError, match="replica"):
        TemporaryCluster("replication", replicas=0)
    with pytest.raises(ValueError, match="two nodes"):
        TemporaryCluster("galera", nodes=1)


async def test_gates_sever_and_point(replication: TemporaryCluster) -> None:
    async with aiomysql.connect(**replication.node_kwargs(0)) as conn:
        replication.partition(0)
        try:
            with pytest.raises(aiomysql.OperationalError) as info:
                await conn.query("SELECT 1")
            assert info.value.args[0] in (2006, 2013)
            with pytest.raises(aiomysql.OperationalError):
                await aiomysql.connect(**replication.node_kwargs(0))
        finally:
            replication.heal(0)
    replication.point(0, 1)  # node 0's address now leads to the replica
    try:
        async with aiomysql.connect(**replication.node_kwargs(0)) as conn:
            async with conn.cursor() as cur:
                await cur.execute("SELECT @@server_id")
                assert await cur.fetchone() == (2,)
    finally:
        replication.point(0, 0)


def test_replica_stopped_and_restarted_catches_up(replication: TemporaryCluster) -> None:
    db = replication.database
    replication.stop_node(1)
    assert not replication.nodes[1].running
    replication.admin(0, f"CREATE TABLE {db}.while_down (a INT PRIMARY KEY)")
    replication.restart_node(1)
    assert replication.nodes[1].running
    replication.wait_replicated()
    assert replication.admin(1, f"SELECT COUNT(*) FROM {db}.while_down") == [(0,)]
    assert replication.admin(1, "SELECT @@read_only") == [(1,)]
