"""The driver through the fault proxy: handshake, mid-result, mid-large-packet, COMMIT.

Each test asserts the exact error, that nothing hangs (every faulty step is bounded by
``asyncio.timeout``), and, where rows are written, what a second connection sees.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fault_proxy import Action, Direction, Fault, FaultProxy
from held import time_out_when, until
from helpers import BOUND, committed, gone, insert, make_table

import aiomysql
from aiomysql.constants import CR
from aiomysql.protocol.packets import MAX_FRAME, ProtocolError

BIG = 20 * 1024 * 1024  # one row value larger than a 16 MiB frame: two frames
BIG_SQL = f"SELECT REPEAT('a', {BIG}) AS big"


def lost(exc: BaseException) -> bool:
    return isinstance(exc, aiomysql.OperationalError) and exc.args[0] == CR.CR_SERVER_LOST


async def assert_unusable(conn: aiomysql.Connection) -> None:
    """Every call on a connection whose protocol state was lost raises, none hangs."""
    assert conn.closed
    calls = [
        lambda: conn.query("SELECT 1"),
        lambda: conn.commit(),
        lambda: conn.rollback(),
        lambda: conn.begin(),
        lambda: conn.ping(reconnect=False),
        lambda: conn.select_db("mysql"),
        lambda: conn.autocommit(True),
        lambda: conn.reset_connection(),
        lambda: conn.next_result(),
    ]
    for call in calls:
        with pytest.raises(aiomysql.InterfaceError):
            async with asyncio.timeout(BOUND):
                await call()
    with pytest.raises(aiomysql.InterfaceError):
        conn.cursor()
    conn.close()
    await conn.ensure_closed()


# -- the handshake ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        Fault(Action.CUT, Direction.TO_CLIENT, after=10),  # inside the greeting
        Fault(Action.CUT, Direction.TO_SERVER, after=0),  # the handshake response
        Fault(Action.CUT, Direction.TO_CLIENT, after=0, when_client_sent=b"aiomysql"),
    ],
    ids=["greeting", "handshake-response", "auth-reply"],
)
async def test_cut_during_handshake_raises_lost(
    proxied_kwargs: dict[str, Any], proxy: FaultProxy, fault: Fault
) -> None:
    proxy.arm_next(fault)
    with pytest.raises(aiomysql.OperationalError) as info:
        async with asyncio.timeout(BOUND):
            await aiomysql.connect(**proxied_kwargs)
    assert lost(info.value), info.value
    assert proxy.faults_fired == 1 and not proxy.links


async def test_corrupt_greeting_raises_protocol_error(
    proxied_kwargs: dict[str, Any], proxy: FaultProxy
) -> None:
    proxy.arm_next(Fault(Action.CORRUPT, Direction.TO_CLIENT, after=4))  # protocol version
    with pytest.raises(aiomysql.OperationalError) as info:
        async with asyncio.timeout(BOUND):
            await aiomysql.connect(**proxied_kwargs)
    assert info.value.args[0] == CR.CR_SERVER_HANDSHAKE_ERR  # not a MySQL greeting
    link = proxy._all_links[-1]
    await gone(link.closed)


@pytest.mark.timing
async def test_stalled_greeting_hits_connect_timeout(
    proxied_kwargs: dict[str, Any], proxy: FaultProxy
) -> None:
    proxy.arm_next(Fault(Action.STALL, Direction.TO_CLIENT, after=0))
    with pytest.raises(aiomysql.OperationalError) as info:
        async with asyncio.timeout(BOUND):
            await aiomysql.connect(**proxied_kwargs, connect_timeout=0.5)
    assert info.value.args[0] == CR.CR_CONN_HOST_ERROR
    await gone(proxy._all_links[-1].closed)


# -- mid-result -------------------------------------------------------------------------


async def test_cut_mid_result_raises_lost_then_every_call_fails(
    proxied_kwargs: dict[str, Any], proxy: FaultProxy
) -> None:
    conn = await aiomysql.connect(**proxied_kwargs)
    proxy.last.inject(
        Fault(Action.CUT, Direction.TO_CLIENT, after=300_000, when_client_sent=b"REPEAT")
    )
    with pytest.raises(aiomysql.OperationalError) as info:
        async with asyncio.timeout(BOUND), conn.cursor() as cur:
            await cur.execute("SELECT REPEAT('x', 1000000) AS v UNION ALL SELECT 'y'")
    assert lost(info.value), info.value
    await assert_unusable(conn)


async def test_cut_mid_rows_of_unbuffered_cursor(
    proxied_kwargs: dict[str, Any], proxy: FaultProxy
) -> None:
    conn = await aiomysql.connect(**proxied_kwargs)
    cur = await conn.cursor(aiomysql.SSCursor)
    await cur.execute("SELECT REPEAT('x', 200000) FROM mysql.help_topic LIMIT 100")
    assert (await cur.fetchone()) is not None
    proxy.last.cut()
    with pytest.raises(aiomysql.OperationalError) as info:
        async with asyncio.timeout(BOUND):
            await cur.fetchall()
    assert lost(info.value), info.value
    await assert_unusable(conn)


async def test_corrupt_sequence_id_mid_result_raises_protocol_error(
    proxied_kwargs: dict[str, Any], proxy: FaultProxy
) -> None:
    conn = await aiomysql.connect(**proxied_kwargs)
    # Byte 3 of the reply is the first packet's sequence id.
    proxy.last.inject(
        Fault(Action.CORRUPT, Direction.TO_CLIENT, after=3, when_client_sent=b"SELECT 42")
    )
    with pytest.raises(ProtocolError):
        async with asyncio.timeout(BOUND), conn.cursor() as cur:
            await cur.execute("SELECT 42")
    await assert_unusable(conn)


@pytest.mark.timing
async def test_corrupt_length_mid_result_is_bounded_by_a_timeout(
    proxied_kwargs: dict[str, Any], proxy: FaultProxy
) -> None:
    """A length byte made larger than what follows: the driver waits for bytes that never
    come. asyncio.timeout (or wait_for) ends the wait and the connection is closed."""
    conn = await aiomysql.connect(**proxied_kwargs)
    fault = proxy.last.inject(
        Fault(Action.CORRUPT, Direction.TO_CLIENT, after=0, when_client_sent=b"SELECT 43")
    )
    cur = await conn.cursor()
    # Expired once the corrupted length is through: the bytes it announces never come.
    with pytest.raises(TimeoutError):
        await time_out_when(lambda: fault.fired, cur.execute("SELECT 43"), "corrupt length in")
    await assert_unusable(conn)


# -- mid-large-packet -------------------------------------------------------------------


async def test_cut_mid_large_packet_raises_lost(
    proxied_kwargs: dict[str, Any], proxy: FaultProxy
) -> None:
    conn = await aiomysql.connect(**proxied_kwargs)
    for after in (MAX_FRAME // 2, MAX_FRAME + 1000):  # inside the first, then second frame
        link = proxy.last
        link.inject(Fault(Action.CUT, Direction.TO_CLIENT, after=after, when_client_sent=b"REPEAT"))
        with pytest.raises(aiomysql.OperationalError) as info:
            async with asyncio.timeout(BOUND), conn.cursor() as cur:
                await cur.execute(BIG_SQL)
        assert lost(info.value), info.value
        await assert_unusable(conn)
        conn = await aiomysql.connect(**proxied_kwargs)
    async with asyncio.timeout(BOUND), conn.cursor() as cur:  # unfaulted: it does work
        await cur.execute(BIG_SQL)
        assert len((await cur.fetchone())[0]) == BIG
    await conn.ensure_closed()


@pytest.mark.text_protocol("it locates the row's frames in the text reply's byte layout")
async def test_corrupt_second_frame_header_of_large_packet(
    proxied_kwargs: dict[str, Any], proxy: FaultProxy
) -> None:
    conn = await aiomysql.connect(**proxied_kwargs)
    link = proxy.last
    # Learn where the row's second frame header lies by recording one clean reply.
    link.recording = bytearray()
    async with conn.cursor() as cur:
        await cur.execute(BIG_SQL)
    reply, link.recording = bytes(link.recording), None
    pos = 0
    for _ in range(2):  # column count, column definition
        pos += 4 + int.from_bytes(reply[pos : pos + 3], "little")
    assert reply[pos : pos + 3] == b"\xff\xff\xff"  # the row: a full first frame
    seq_of_second = pos + 4 + MAX_FRAME + 3
    link.inject(
        Fault(Action.CORRUPT, Direction.TO_CLIENT, after=seq_of_second, when_client_sent=b"REP")
    )
    with pytest.raises(ProtocolError):
        async with asyncio.timeout(BOUND), conn.cursor() as cur:
            await cur.execute(BIG_SQL)
    await assert_unusable(conn)


@pytest.mark.timing
async def test_stall_mid_large_packet_then_timeout_closes(
    proxied_kwargs: dict[str, Any], proxy: FaultProxy
) -> None:
    conn = await aiomysql.connect(**proxied_kwargs)
    fault = proxy.last.inject(
        Fault(Action.STALL, Direction.TO_CLIENT, after=MAX_FRAME + 5, when_client_sent=b"REP")
    )
    cur = await conn.cursor()
    with pytest.raises(TimeoutError):
        await time_out_when(lambda: fault.fired, cur.execute(BIG_SQL), "stalled in frame 2")
    await assert_unusable(conn)


# -- COMMIT -------------------------------------------------------------------------------


async def open_tx(proxied_kwargs: dict[str, Any], tag: str) -> aiomysql.Connection:
    conn = await aiomysql.connect(**proxied_kwargs)
    await conn.begin()
    await insert(conn, tag, 1)
    await insert(conn, tag, 2)
    return conn


async def test_commit_reply_lost_raises_and_the_server_has_committed(
    proxied_kwargs: dict[str, Any], connect_kwargs: dict[str, Any], proxy: FaultProxy
) -> None:
    tag = await make_table(connect_kwargs)
    conn = await open_tx(proxied_kwargs, tag)
    proxy.last.inject(Fault(Action.CUT, Direction.TO_CLIENT, when_client_sent=b"COMMIT"))
    with pytest.raises(aiomysql.OperationalError) as info:
        async with asyncio.timeout(BOUND):
            await conn.commit()
    assert lost(info.value), info.value  # never reported as success
    await assert_unusable(conn)
    # The outcome is in doubt for the client; the server did commit.
    assert await committed(connect_kwargs, tag) == [1, 2]


async def test_commit_never_reaching_the_server_raises_and_nothing_is_committed(
    proxied_kwargs: dict[str, Any], connect_kwargs: dict[str, Any], proxy: FaultProxy
) -> None:
    tag = await make_table(connect_kwargs)
    conn = await open_tx(proxied_kwargs, tag)
    link = proxy.last
    link.inject(Fault(Action.CUT, Direction.TO_SERVER, when_client_sent=b"COMMIT"))
    with pytest.raises(aiomysql.OperationalError) as info:
        async with asyncio.timeout(BOUND):
            await conn.commit()
    assert lost(info.value), info.value
    await assert_unusable(conn)
    assert await committed(connect_kwargs, tag) == []


@pytest.mark.timing
async def test_commit_reply_stalled_then_timeout_closes(
    proxied_kwargs: dict[str, Any], connect_kwargs: dict[str, Any], proxy: FaultProxy
) -> None:
    tag = await make_table(connect_kwargs)
    conn = await open_tx(proxied_kwargs, tag)
    fault = proxy.last.inject(Fault(Action.STALL, Direction.TO_CLIENT, when_client_sent=b"COMMIT"))
    # Expired once the server's reply is held by the proxy: the server has committed.
    with pytest.raises(TimeoutError):
        await time_out_when(lambda: fault.fired, conn.commit(), "COMMIT's reply held")
    await assert_unusable(conn)
    assert await committed(connect_kwargs, tag) == [1, 2]


@pytest.mark.timing
async def test_commit_reply_delayed_still_succeeds(
    proxied_kwargs: dict[str, Any], connect_kwargs: dict[str, Any], proxy: FaultProxy
) -> None:
    tag = await make_table(connect_kwargs)
    conn = await open_tx(proxied_kwargs, tag)
    proxy.last.inject(
        Fault(Action.DELAY, Direction.TO_CLIENT, seconds=0.3, when_client_sent=b"COMMIT")
    )
    async with asyncio.timeout(BOUND):
        await conn.commit()
    assert not conn.closed and proxy.faults_fired == 1
    assert await committed(connect_kwargs, tag) == [1, 2]
    await conn.ensure_closed()


@pytest.mark.text_protocol("the fault waits for the bytes 'INSERT'; a cached execute has none")
async def test_cut_mid_transaction_leaves_no_row(
    proxied_kwargs: dict[str, Any], connect_kwargs: dict[str, Any], proxy: FaultProxy
) -> None:
    tag = await make_table(connect_kwargs)
    conn = await open_tx(proxied_kwargs, tag)
    proxy.last.inject(Fault(Action.CUT, Direction.TO_SERVER, when_client_sent=b"INSERT"))
    with pytest.raises(aiomysql.OperationalError) as info:
        async with asyncio.timeout(BOUND):
            await insert(conn, tag, 3)
    assert lost(info.value), info.value
    await assert_unusable(conn)
    assert await committed(connect_kwargs, tag) == []


# -- lost while idle ------------------------------------------------------------------------


async def test_idle_connection_cut_first_call_raises_gone_away(
    proxied_kwargs: dict[str, Any], proxy: FaultProxy
) -> None:
    conn = await aiomysql.connect(**proxied_kwargs)
    cur = await conn.cursor()
    link = proxy.last
    link.cut()
    await asyncio.sleep(0.05)  # let the client see the reset
    with pytest.raises(aiomysql.OperationalError) as info:
        async with asyncio.timeout(BOUND):
            await cur.execute("SELECT 1")
    assert info.value.args[0] in (CR.CR_SERVER_GONE_ERROR, CR.CR_SERVER_LOST)
    await assert_unusable(conn)


async def test_pool_drops_connections_lost_through_the_proxy(
    proxied_kwargs: dict[str, Any], proxy: FaultProxy
) -> None:
    async with aiomysql.create_pool(minsize=2, maxsize=2, **proxied_kwargs) as pool:
        dead = await pool.acquire()
        proxy.cut_all()
        with pytest.raises(aiomysql.OperationalError):
            async with asyncio.timeout(BOUND):
                await dead.query("SELECT 1")
        pool.release(dead)
        assert pool.size == 1 and pool.stats().closed == 1
        for _ in range(3):
            async with asyncio.timeout(BOUND), pool.acquire() as conn:
                if conn.closed:  # the other one, cut while idle, is only seen now
                    continue
                try:
                    await conn.query("SELECT 1")
                except aiomysql.OperationalError:
                    assert conn.closed
        async with asyncio.timeout(BOUND), pool.acquire() as conn:
            await conn.query("SELECT 2")
        stats = pool.stats()
        assert stats.opened - stats.closed == pool.size
        assert stats.acquired == stats.released


# -- the driver's own timeouts ------------------------------------------------------------


@pytest.mark.timing
@pytest.mark.parametrize("after", [0, 100_000], ids=["before-reply", "mid-result"])
async def test_read_timeout_ends_a_stall_without_a_caller_timeout(
    proxied_kwargs: dict[str, Any], proxy: FaultProxy, after: int
) -> None:
    conn = await aiomysql.connect(**proxied_kwargs, read_timeout=0.5)
    proxy.last.inject(
        Fault(Action.STALL, Direction.TO_CLIENT, after=after, when_client_sent=b"REPEAT")
    )
    with pytest.raises(aiomysql.OperationalError) as info:
        async with asyncio.timeout(BOUND), conn.cursor() as cur:  # only a safety net
            await cur.execute("SELECT REPEAT('x', 1000000)")
    assert lost(info.value), info.value
    await assert_unusable(conn)


@pytest.mark.timing
async def test_pool_wait_closed_is_bounded_when_a_release_rollback_stalls(
    proxied_kwargs: dict[str, Any], proxy: FaultProxy
) -> None:
    """With read_timeout set, the background roll-back of a released connection whose
    link stalls gives up, so wait_closed() returns (without it, see the README)."""
    pool = await aiomysql.create_pool(minsize=1, maxsize=1, read_timeout=0.5, **proxied_kwargs)
    conn = await pool.acquire()
    await conn.begin()
    await conn.query("SELECT 1")
    proxy.last.inject(Fault(Action.STALL, Direction.TO_CLIENT))
    pool.release(conn)
    pool.close()
    async with asyncio.timeout(BOUND):
        await pool.wait_closed()
    stats = pool.stats()
    assert stats.opened == stats.closed == 1


@pytest.mark.timing
async def test_pool_close_ends_a_stalled_release_rollback_without_read_timeout(
    proxied_kwargs: dict[str, Any], proxy: FaultProxy
) -> None:
    """close() closes connections still rolling back after release (the server rolls back
    a closed connection's transaction), so wait_closed() cannot hang on a stalled link
    even without read_timeout."""
    pool = await aiomysql.create_pool(minsize=1, maxsize=1, **proxied_kwargs)
    conn = await pool.acquire()
    await conn.begin()
    await conn.query("SELECT 1")
    fault = proxy.last.inject(Fault(Action.STALL, Direction.TO_CLIENT))
    pool.release(conn)
    await until(lambda: fault.fired, "the roll-back's reply held by the proxy")
    assert not conn.closed  # the roll-back is waiting on the stalled link
    pool.close()
    async with asyncio.timeout(BOUND):
        await pool.wait_closed()
    stats = pool.stats()
    assert stats.opened == stats.closed == 1
    assert conn.closed
