"""SSCursor with prepared statements: a server-side cursor read with COM_STMT_FETCH.

Every way of reading the rows gives what the buffered cursor gives; between fetches the
connection is idle, so other statements run meanwhile; ending a cursor early (closing it,
executing again, the same statement from another cursor) leaves the connection usable; an
open cursor's statement pushed out of the cache is closed only after the cursor is done.
"""

from __future__ import annotations

from typing import Any

import pytest

import aiomysql
from aiomysql import _server_cursor
from aiomysql.protocol import stmt_packets

ROWS = 250  # more than MIN_FETCH_ROWS: three fetches of 100
SQL = "SELECT seq, CONCAT('r', seq) FROM seq_1_to_1000 WHERE seq <= %s AND seq > %s"


def expected(n: int = ROWS, above: int = 0) -> list[tuple[int, str]]:
    return [(i, f"r{i}") for i in range(above + 1, n + 1)]


class FetchLog:
    """Counts the COM_STMT_FETCH / COM_STMT_RESET / COM_STMT_CLOSE a connection writes."""

    def __init__(self, conn: aiomysql.Connection) -> None:
        self.fetches: list[int] = []
        self.resets: list[int] = []
        self.closes: list[int] = []
        real_fetch = stmt_packets.com_stmt_fetch
        real_reset = stmt_packets.com_stmt_reset
        self._saved = (real_fetch, real_reset)

        def fetch(stmt_id: int, rows: int) -> bytes:
            self.fetches.append(rows)
            return real_fetch(stmt_id, rows)

        def reset(stmt_id: int) -> bytes:
            self.resets.append(stmt_id)
            return real_reset(stmt_id)

        _server_cursor.com_stmt_fetch = fetch  # type: ignore[assignment]
        _server_cursor.com_stmt_reset = reset  # type: ignore[assignment]

    def undo(self) -> None:
        _server_cursor.com_stmt_fetch, _server_cursor.com_stmt_reset = self._saved  # type: ignore[assignment]


@pytest.fixture
async def pconn(connect_kwargs: dict[str, Any]) -> Any:
    conn = await aiomysql.connect(**connect_kwargs, prepared=True, autocommit=True)
    try:
        yield conn
    finally:
        await conn.ensure_closed()


@pytest.fixture
def log(pconn: aiomysql.Connection) -> Any:
    spy = FetchLog(pconn)
    yield spy
    spy.undo()


def open_cursors(conn: aiomysql.Connection) -> int:
    return len(conn.channel._cursors)  # type: ignore[attr-defined]


async def test_every_way_of_reading_fetches_in_batches(
    pconn: aiomysql.Connection, log: FetchLog
) -> None:
    async with pconn.cursor(aiomysql.SSCursor) as cur:
        await cur.execute(SQL, (ROWS, 0))
        assert open_cursors(pconn) == 1 and pconn.busy  # a pool would not hand it on
        assert await cur.fetchone() == (1, "r1")
        assert await cur.fetchmany(3) == expected(4, 1)
        assert await cur.fetchall() == expected(above=4)
        assert await cur.fetchone() is None and await cur.fetchall() == []
        assert log.fetches == [100, 100, 100]  # 250 rows: the third reply says "last row"
        assert open_cursors(pconn) == 0 and not pconn.busy

        log.fetches.clear()
        cur.arraysize = 120
        await cur.execute(SQL, (ROWS, 0))
        got = [row async for row in cur]
        assert got == expected() and log.fetches == [120, 120, 120]

        await cur.execute(SQL, (ROWS, ROWS))  # no rows: the cursor's first fetch says so
        assert await cur.fetchall() == [] and open_cursors(pconn) == 0

    async with pconn.cursor(aiomysql.SSDictCursor) as dcur:
        await dcur.execute("SELECT seq AS n FROM seq_1_to_3 WHERE seq > %s", (0,))
        assert await dcur.fetchall() == [{"n": 1}, {"n": 2}, {"n": 3}]


async def test_buffered_prepared_cursor_opens_no_cursor(
    pconn: aiomysql.Connection, log: FetchLog
) -> None:
    async with pconn.cursor() as cur:
        await cur.execute(SQL, (ROWS, 0))
        assert list(await cur.fetchall()) == expected() and log.fetches == []


async def test_closing_mid_result_resets_and_connection_is_usable(
    pconn: aiomysql.Connection, log: FetchLog
) -> None:
    cur = await pconn.cursor(aiomysql.SSCursor)
    await cur.execute(SQL, (ROWS, 0))
    assert await cur.fetchone() == (1, "r1")
    await cur.close()
    assert len(log.resets) == 1 and log.fetches == [100]  # no rest read: COM_STMT_RESET
    assert open_cursors(pconn) == 0 and not pconn.closed
    async with pconn.cursor() as cur2:
        await cur2.execute("SELECT %s + 1", (1,))
        assert await cur2.fetchall() == ((2,),)

    # Executing again on the same cursor ends the old cursor (with aiomysql's warning).
    cur = await pconn.cursor(aiomysql.SSCursor)
    await cur.execute(SQL, (ROWS, 0))
    assert await cur.fetchone() == (1, "r1")
    with pytest.warns(UserWarning, match="left incomplete"):
        await cur.execute(SQL, (ROWS, 200))
    assert await cur.fetchall() == expected(above=200)
    await cur.close()


async def test_other_statements_run_while_a_cursor_is_open(pconn: aiomysql.Connection) -> None:
    cur = await pconn.cursor(aiomysql.SSCursor)
    other = await pconn.cursor(aiomysql.SSCursor)
    text = await pconn.cursor()
    await cur.execute(SQL, (ROWS, 0))
    first = [await cur.fetchone() for _ in range(150)]
    # A buffered text statement, a prepared one, and a second server-side cursor.
    await text.execute("SELECT 40 + 2")
    assert await text.fetchone() == (42,)
    await other.execute("SELECT seq FROM seq_1_to_1000 WHERE seq <= %s AND seq > %s", (120, 0))
    assert await other.fetchone() == (1,)
    assert open_cursors(pconn) == 2
    rest = await cur.fetchall()
    assert first + rest == expected()
    assert [r[0] for r in await other.fetchall()] == list(range(2, 121))
    await cur.close()
    await other.close()
    assert open_cursors(pconn) == 0


async def test_same_statement_from_another_cursor_ends_the_first(
    pconn: aiomysql.Connection,
) -> None:
    first = await pconn.cursor(aiomysql.SSCursor)
    second = await pconn.cursor(aiomysql.SSCursor)
    await first.execute(SQL, (ROWS, 0))
    assert await first.fetchone() == (1, "r1")
    with pytest.warns(UserWarning, match="left incomplete"):
        await second.execute(SQL, (ROWS, 10))  # the server closes the first cursor
    assert await second.fetchall() == expected(above=10)
    # The first one's batch already read is still handed out, then it ends.
    rest = await first.fetchall()
    assert rest == expected(100, 1)
    assert not pconn.closed and open_cursors(pconn) == 0
    await first.close()
    await second.close()


async def test_error_mid_fetch_keeps_the_connection(pconn: aiomysql.Connection) -> None:
    cur = await pconn.cursor(aiomysql.SSCursor)
    await cur.execute(SQL, (ROWS, 0))
    assert await cur.fetchone() == (1, "r1")
    stmt_id = pconn.channel._cursors[cur._result].stmt_id  # type: ignore[attr-defined]
    # The server forgets the statement under the cursor (as a proxy or a KILL might):
    # the next fetch gets the server's error, typed, and the connection stays usable.
    pconn.channel.wire.write(pconn.channel.core.send_no_reply(stmt_packets.com_stmt_close(stmt_id)))
    pconn.channel.statement_cache.clear()
    with pytest.raises(aiomysql.Error) as info:
        await cur.fetchall()
    assert info.value.args[0] in (1243, 1421)  # unknown statement / no open cursor
    assert open_cursors(pconn) == 0 and not pconn.closed
    await cur.execute(SQL, (5, 0))
    assert await cur.fetchall() == expected(5)
    await cur.close()


@pytest.mark.parametrize("cache_size", [1, 0])
async def test_an_evicted_statement_closes_after_its_cursor(
    connect_kwargs: dict[str, Any], cache_size: int
) -> None:
    async with aiomysql.connect(
        **connect_kwargs, prepared=True, statement_cache_size=cache_size
    ) as conn:
        cur = await conn.cursor(aiomysql.SSCursor)
        await cur.execute(SQL, (ROWS, 0))
        assert await cur.fetchone() == (1, "r1")
        other = await conn.cursor()
        await other.execute("SELECT %s * 2", (21,))  # pushes the cursor's statement out
        assert await other.fetchall() == ((42,),)
        channel: Any = conn.channel
        held = set(channel._close_later)
        assert len(held) == 1
        assert await cur.fetchall() == expected(above=1)  # still there on the server
        assert channel._close_later == set() and not channel._cursor_stmts
        await other.execute("SELECT %s * 2", (5,))  # the held-back close went out
        assert await other.fetchall() == ((10,),)
        result = await conn.run_query("SHOW SESSION STATUS LIKE 'Com_stmt_close'")
        assert result.rows and int(result.rows[0][1]) >= 1
        await cur.close()


async def test_a_pool_does_not_hand_on_a_connection_with_an_open_cursor(
    connect_kwargs: dict[str, Any],
) -> None:
    async with aiomysql.create_pool(minsize=1, maxsize=1, prepared=True, **connect_kwargs) as pool:
        conn = await pool.acquire()
        cur = await conn.cursor(aiomysql.SSCursor)
        await cur.execute(SQL, (ROWS, 0))
        assert await cur.fetchone() == (1, "r1")
        await pool.release(conn)  # the cursor was left open: the connection is dropped
        assert conn.closed
        async with pool.acquire() as fresh:
            assert fresh is not conn and not fresh.busy
            async with fresh.cursor(aiomysql.SSCursor) as cur2:
                await cur2.execute(SQL, (3, 0))
                assert await cur2.fetchall() == expected(3)
