"""target_session_attrs on a real primary and read-only replica."""

from __future__ import annotations

from typing import Any

import pytest

import aiomysql
from aiomysql._targeting import HOST_STATES, Role
from aiomysql.testing import TemporaryCluster


async def _port(cluster: TemporaryCluster, **kwargs: Any) -> int:
    async with aiomysql.connect(**cluster.connect_kwargs(**kwargs)) as conn:
        return conn.port


def _gate(cluster: TemporaryCluster, i: int) -> int:
    return cluster.gates[i].port


async def test_read_write_finds_the_primary_listed_second(replication: TemporaryCluster) -> None:
    hosts = list(reversed(replication.hosts))
    port = await _port(replication, host=hosts, target_session_attrs="read-write")
    assert port == _gate(replication, 0)
    assert await _port(replication, host=hosts, target_session_attrs="primary") == port


@pytest.mark.parametrize("target", ["read-only", "standby", "prefer-standby"])
async def test_standby_targets_find_the_replica(replication: TemporaryCluster, target: str) -> None:
    assert await _port(replication, target_session_attrs=target) == _gate(replication, 1)


async def test_any_takes_the_first(replication: TemporaryCluster) -> None:
    hosts = list(reversed(replication.hosts))
    assert await _port(replication, host=hosts) == _gate(replication, 1)


async def test_prefer_standby_falls_back_to_the_primary(replication: TemporaryCluster) -> None:
    replication.partition(1)
    try:
        assert await _port(replication, target_session_attrs="prefer-standby") == _gate(
            replication, 0
        )
        with pytest.raises(aiomysql.OperationalError) as info:
            await _port(replication, target_session_attrs="standby")
        message = info.value.args[1]
        assert "target_session_attrs='standby'" in message
        assert f"{replication.hosts[0]}: writable (not a standby)" in message
        assert f"{replication.hosts[1]}: (2013)" in message
    finally:
        replication.heal(1)


async def test_a_node_made_read_only_is_not_a_writer(replication: TemporaryCluster) -> None:
    replication.set_read_only(0)
    try:
        with pytest.raises(aiomysql.OperationalError) as info:
            await _port(replication, target_session_attrs="read-write")
        assert info.value.args[1].count(": read-only") == 2
    finally:
        replication.set_read_only(0, False)
    HOST_STATES.clear()
    assert await _port(replication, target_session_attrs="read-write") == _gate(replication, 0)


async def test_role_is_cached_and_a_stale_cache_is_rechecked(
    replication: TemporaryCluster,
) -> None:
    await _port(replication, target_session_attrs="read-write")
    primary = ("127.0.0.1", _gate(replication, 0))
    assert HOST_STATES.role(primary) == Role(read_only=False)
    # A cached role that went stale (the primary "was" read-only): the connect still
    # finds it, by probing the hosts the cache ruled out once nothing else fit.
    HOST_STATES.set_role(primary, Role(read_only=True))
    assert await _port(replication, target_session_attrs="read-write") == primary[1]
    assert HOST_STATES.role(primary) == Role(read_only=False)


async def test_app_user_is_refused_writes_on_the_replica(replication: TemporaryCluster) -> None:
    async with aiomysql.connect(**replication.node_kwargs(1)) as conn:
        async with conn.cursor() as cur:
            with pytest.raises(aiomysql.OperationalError) as info:
                await cur.execute("CREATE TABLE refused (a INT)")
    assert info.value.args[0] == 1290
