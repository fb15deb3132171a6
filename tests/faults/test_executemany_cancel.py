"""executemany() cancelled while its multi-row statements are in flight, at exact points.

The proxy holds back the server's replies from a chosen byte on: statement ``k`` has run
on the server (its reply has begun), the client waits for that reply, and nothing after
it can be sent. Only then does the caller's timeout expire. The connection must end closed
(never half-read), and exactly the statements the server ran are committed, each whole.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from fault_proxy import Action, Direction, Fault, FaultProxy
from held import time_out_when
from helpers import direct

import aiomysql

pytestmark = pytest.mark.timing

#: A client-side packet limit that splits ROWS into several statements (~250 KB each).
PACKET = 256 * 1024
ROWS = [(i, f"{i:08d}" + "n" * 50) for i in range(12_000)]


def ok_replies(stream: bytes) -> list[tuple[int, int]]:
    """(bytes on the wire, affected rows) of each OK packet in ``stream``."""
    replies = []
    pos = 0
    while pos < len(stream):
        length = int.from_bytes(stream[pos : pos + 3], "little")
        payload = stream[pos + 4 : pos + 4 + length]
        assert payload[0] == 0x00, payload[:16]  # one OK packet per statement
        first = payload[1]
        if first < 0xFB:
            affected = first
        else:
            width = {0xFC: 2, 0xFD: 3, 0xFE: 8}[first]
            affected = int.from_bytes(payload[2 : 2 + width], "little")
        replies.append((4 + length, affected))
        pos += 4 + length
    return replies


@pytest.mark.text_protocol("it holds the n-th multi-row INSERT's reply; prepared: one bulk")
@pytest.mark.parametrize(
    ("statement", "reply_bytes"),
    [(0, 0), (1, 0), (1, 6), (-1, 0), (-1, 5)],
    ids=[
        "first-before-reply",
        "second-before-reply",
        "second-mid-reply",
        "last-before-reply",
        "last-mid-reply",
    ],
)
async def test_cancelled_while_statements_are_in_flight(
    proxied_kwargs: dict[str, Any],
    connect_kwargs: dict[str, Any],
    proxy: FaultProxy,
    statement: int,
    reply_bytes: int,
) -> None:
    table = "em_cancel_" + uuid.uuid4().hex[:12]
    sql = f"INSERT INTO {table} (id, name) VALUES (%s, %s)"
    checker = await direct(connect_kwargs)
    await checker.query(f"CREATE TABLE {table} (id INT PRIMARY KEY, name VARCHAR(64))")
    conn = await aiomysql.connect(**proxied_kwargs, autocommit=True, max_allowed_packet=PACKET)
    try:
        link = proxy.last
        cur = await conn.cursor()
        # A clean run first, recorded: one OK reply per statement, its size and row count.
        link.recording = bytearray()
        assert await cur.executemany(sql, ROWS) == len(ROWS)
        replies, link.recording = ok_replies(bytes(link.recording)), None
        assert len(replies) >= 3 and sum(n for _, n in replies) == len(ROWS)
        await cur.execute(f"DELETE FROM {table}")

        k = statement % len(replies)
        held_from = sum(size for size, _ in replies[:k]) + reply_bytes
        fault = link.inject(Fault(Action.STALL, Direction.TO_CLIENT, after=held_from))
        point = f"reply of statement {k} held after {reply_bytes} bytes"
        with pytest.raises(asyncio.TimeoutError):
            await time_out_when(lambda: fault.fired, cur.executemany(sql, ROWS), point)
        assert conn.closed  # cancelled mid-reply: closed, never left half-read
        with pytest.raises(aiomysql.InterfaceError):
            await conn.query("SELECT 1")

        # Statements 0..k ran on the server (autocommit), each whole; none after k was sent.
        expected = sum(n for _, n in replies[: k + 1])
        result = await checker.run_query(f"SELECT COUNT(*), MIN(id), MAX(id) FROM {table}")
        assert result.rows == [(expected, 0, expected - 1)]
    finally:
        conn.close()
        await checker.query(f"DROP TABLE {table}")
        await checker.ensure_closed()
