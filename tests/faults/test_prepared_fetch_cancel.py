"""A server-side cursor (SSCursor, prepared=True) cancelled in the middle of a
COM_STMT_FETCH: the proxy withholds the fetch's reply, so the client is waiting for it
at a known point; cancelled there, the connection is closed (never half-read)."""

from __future__ import annotations

import struct
from typing import Any

import pytest
from fault_proxy import Action, Direction, Fault, FaultProxy
from held import cancel_when

import aiomysql

pytestmark = pytest.mark.timing


async def test_cancel_mid_fetch_closes_the_connection(
    proxied_kwargs: dict[str, Any], proxy: FaultProxy
) -> None:
    conn = await aiomysql.connect(**proxied_kwargs, prepared=True)
    try:
        cur = await conn.cursor(aiomysql.SSCursor)
        await cur.execute("SELECT seq FROM seq_1_to_1000 WHERE seq > %s", (0,))
        assert [await cur.fetchone() for _ in range(100)] == [(i,) for i in range(1, 101)]
        channel: Any = conn.channel
        (state,) = channel._cursors.values()
        fetch = b"\x1c" + struct.pack("<II", state.stmt_id, state.rows)
        fault = proxy.last.inject(Fault(Action.STALL, Direction.TO_CLIENT, when_client_sent=fetch))
        await cancel_when(lambda: fault.armed, cur.fetchone(), "the fetch's reply withheld")
        assert conn.closed and not channel._cursors
        with pytest.raises(aiomysql.InterfaceError):
            await cur.execute("SELECT %s", (1,))
    finally:
        conn.close()
