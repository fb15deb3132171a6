"""A compressed connection whose bytes are corrupted on the way (the fault proxy): a typed
ProtocolError, the connection closed, never a hang or a wrong result."""

from __future__ import annotations

from typing import Any

import pytest
from fault_proxy import Action, Direction, Fault, FaultProxy

import aiomysql
from aiomysql.protocol.packets import ProtocolError

WIDE = "SELECT seq, REPEAT(CONCAT('row ', seq, ' of a wide text column; '), 40) FROM seq_1_to_500"


@pytest.mark.parametrize("offset", [7 + 2, 7 + 40, 7 + 300])
async def test_a_corrupted_compressed_packet_is_a_protocol_error(
    proxy: FaultProxy, proxied_kwargs: dict[str, Any], offset: int
) -> None:
    conn = await aiomysql.connect(**{**proxied_kwargs, "compress": True})
    # Inside the deflated data of the reply's first compressed packet (after its 7-byte
    # header; a header with a longer declared length would only make the client wait for
    # bytes that never come, as on an uncompressed connection).
    proxy.last.inject(Fault(Action.CORRUPT, Direction.TO_CLIENT, after=offset))
    async with conn.cursor() as cur:
        with pytest.raises(ProtocolError, match="zlib|compressed packet"):
            await cur.execute(WIDE)
    assert conn.closed
    conn.close()
