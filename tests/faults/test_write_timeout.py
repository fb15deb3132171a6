"""write_timeout on a peer that stops reading: the proxy stops reading from the client while
the client sends a 64 MiB statement, so the client's socket buffers fill and its writes
wait. Structural: nothing the proxy holds is ever read, whatever the machine's speed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fault_proxy import Action, Direction, Fault, FaultProxy
from helpers import BOUND, fds_down_to, open_fds, session_gone

import aiomysql
from aiomysql.constants import CR

BIG = 64 * 1024 * 1024


async def test_write_timeout_fires_when_the_peer_stops_reading(
    proxied_kwargs: dict[str, Any], connect_kwargs: dict[str, Any], proxy: FaultProxy
) -> None:
    conn = await aiomysql.connect(**proxied_kwargs, write_timeout=0.5, max_allowed_packet=2 * BIG)
    thread_id = conn.thread_id()
    link = proxy.last
    fds = open_fds()
    # The proxy stops reading at the statement's first chunk (and never forwards it).
    link.inject(Fault(Action.STALL, Direction.TO_SERVER, when_client_sent=b"SELECT LENGTH"))
    sql = "SELECT LENGTH('" + "x" * BIG + "')"
    with pytest.raises(aiomysql.OperationalError) as info:
        async with asyncio.timeout(BOUND):  # only a safety net
            await conn.query(sql)
    del sql
    assert info.value.args[0] == CR.CR_SERVER_LOST, info.value
    assert "write timed out after 0.5 s (write_timeout)" in info.value.args[1]
    assert conn.closed
    with pytest.raises(aiomysql.InterfaceError):  # not reusable
        await conn.query("SELECT 1")
    # The driver closed its socket (and dropped its write buffer). The stalled proxy
    # reads nothing more, so it cannot see that: count this process's descriptors.
    await fds_down_to(fds - 1)
    assert link.sent[Direction.TO_SERVER] < BIG  # the statement never reached the server
    link.cut()  # the server was waiting for the rest of the packet: now it sees the end
    await session_gone(connect_kwargs, thread_id)


async def test_write_timeout_leaves_a_reading_peer_alone(
    proxied_kwargs: dict[str, Any], proxy: FaultProxy
) -> None:
    """The same statement through a proxy that reads: it runs, the connection stays."""
    conn = await aiomysql.connect(**proxied_kwargs, write_timeout=30, max_allowed_packet=2 * BIG)
    try:
        async with asyncio.timeout(60):
            result = await conn.run_query("SELECT LENGTH('" + "x" * BIG + "')")
        assert result.rows == [(BIG,)]
        assert (await conn.run_query("SELECT 1")).rows == [(1,)]
    finally:
        await conn.ensure_closed()
