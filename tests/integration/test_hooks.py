"""aiomysql.hooks on the real server: which hooks run, in what order, with what they say."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pool_support import MakePool

import aiomysql
from aiomysql import ConnectInfo, Hooks, PoolInfo, QueryInfo
from aiomysql.pool import PoolTimeoutError


class Recorder:
    """Hooks that write down every call: (kind, info) in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def start(self, info: QueryInfo) -> None:
        assert info.duration is None and info.error is None
        self.calls.append(("start", info))

    def end(self, info: QueryInfo) -> None:
        self.calls.append(("end", info))

    def connect(self, info: ConnectInfo) -> None:
        self.calls.append(("connect", info))

    def acquire(self, info: PoolInfo) -> None:
        self.calls.append(("acquire", info))

    def release(self, info: PoolInfo) -> None:
        self.calls.append(("release", info))

    def hooks(self, **extra: Any) -> dict[str, Any]:
        return dict(on_query_start=self.start, on_query_end=self.end, on_connect=self.connect,
                    **extra)  # fmt: skip

    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.calls]

    def ends(self) -> list[QueryInfo]:
        return [info for kind, info in self.calls if kind == "end"]

    def statements(self) -> list[tuple[str, str, str]]:
        return [(kind, info.method, info.statement) for kind, info in self.calls
                if kind in ("start", "end")]  # fmt: skip


@pytest.fixture
async def rec_conn(
    connect_kwargs: dict[str, Any],
) -> AsyncIterator[tuple[Recorder, aiomysql.Connection]]:
    rec = Recorder()
    conn = await aiomysql.connect(**connect_kwargs, autocommit=True, **rec.hooks())
    try:
        yield rec, conn
    finally:
        conn.close()


async def test_one_start_and_one_end_per_execute_in_order(
    rec_conn: tuple[Recorder, aiomysql.Connection],
) -> None:
    rec, conn = rec_conn
    assert rec.kinds() == ["connect"]  # the session settings are part of the connect
    connected = rec.calls[0][1]
    assert connected.connection is conn and connected.error is None and connected.duration > 0
    rec.calls.clear()
    async with conn.cursor() as cur:
        await cur.execute("SELECT 1 UNION SELECT 2 UNION SELECT %s", (3,))
        assert await cur.fetchall() == ((1,), (2,), (3,))
        await cur.execute("DO 1")
    assert rec.statements() == [
        ("start", "execute", "SELECT 1 UNION SELECT 2 UNION SELECT %s"),
        ("end", "execute", "SELECT 1 UNION SELECT 2 UNION SELECT %s"),
        ("start", "execute", "DO 1"),
        ("end", "execute", "DO 1"),
    ]
    first, second = rec.ends()
    assert rec.calls[0][1] is first  # the start and end hooks share the info object
    assert first.connection is conn
    assert first.rows == 3 and first.rowcount == 3 and first.error is None
    assert second.rows is None and second.rowcount == 0
    # Durations: measured on a monotonic clock, one statement after the other.
    assert first.duration is not None and second.duration is not None
    assert first.duration >= 0 and second.duration >= 0
    assert second.start >= first.start + first.duration
    # Bytes: the request is the statement (formatted) plus a 5-byte header and command.
    assert first.bytes_sent == len(b"SELECT 1 UNION SELECT 2 UNION SELECT 3") + 5
    assert second.bytes_sent == len(b"DO 1") + 5
    assert first.bytes_received > second.bytes_received > 0


async def test_parameters_only_on_opt_in(connect_kwargs: dict[str, Any]) -> None:
    for opt_in in (False, True):
        rec = Recorder()
        extra = {"hook_parameters": True} if opt_in else {}
        async with aiomysql.connect(**connect_kwargs, **rec.hooks(), **extra) as conn:
            async with conn.cursor() as cur:
                await cur.execute("SELECT %s, %s", ("secret", 2))
                await cur.executemany("SELECT %s", [(1,), (2,)])
        parameters = [info.parameters for info in rec.ends()]
        if opt_in:
            assert parameters == [("secret", 2), [(1,), (2,)]]
        else:
            assert parameters == [None, None]
        assert rec.ends()[0].statement == "SELECT %s, %s"  # the template, never the values


async def test_error_reaches_the_end_hook_and_connection_stays_usable(
    rec_conn: tuple[Recorder, aiomysql.Connection],
) -> None:
    rec, conn = rec_conn
    async with conn.cursor() as cur:
        with pytest.raises(aiomysql.ProgrammingError) as raised:
            await cur.execute("SELEC 1")
        (end,) = rec.ends()
        assert end.error is raised.value and isinstance(end.error, aiomysql.ProgrammingError)
        assert end.error.args[0] == 1064
        assert end.rows is None and end.duration is not None
        await cur.execute("SELECT 1")
        assert rec.ends()[-1].error is None and rec.ends()[-1].rows == 1


async def test_executemany_callproc_and_connection_methods_once_each(
    rec_conn: tuple[Recorder, aiomysql.Connection],
) -> None:
    rec, conn = rec_conn
    async with conn.cursor() as cur:
        await cur.execute("CREATE TEMPORARY TABLE hk (id INT)")
        await cur.executemany("INSERT INTO hk VALUES (%s)", [(i,) for i in range(5)])
        await cur.execute("CREATE PROCEDURE hk_proc(IN a INT) BEGIN SELECT a * 2; END")
        rec.calls.clear()
        await cur.callproc("hk_proc", (21,))
        assert await cur.fetchall() == ((42,),)
        await cur.execute("DROP PROCEDURE hk_proc")
    await conn.begin()
    await conn.commit()
    await conn.rollback()
    await conn.query("SELECT 1")
    await conn.autocommit(False)
    await conn.ping()  # not a statement: no hook
    assert rec.statements() == [
        ("start", "callproc", "hk_proc"), ("end", "callproc", "hk_proc"),
        ("start", "execute", "DROP PROCEDURE hk_proc"),
        ("end", "execute", "DROP PROCEDURE hk_proc"),
        ("start", "query", "BEGIN"), ("end", "query", "BEGIN"),
        ("start", "query", "COMMIT"), ("end", "query", "COMMIT"),
        ("start", "query", "ROLLBACK"), ("end", "query", "ROLLBACK"),
        ("start", "query", "SELECT 1"), ("end", "query", "SELECT 1"),
        ("start", "query", "SET AUTOCOMMIT = 0"), ("end", "query", "SET AUTOCOMMIT = 0"),
    ]  # fmt: skip
    callproc = rec.ends()[0]
    assert callproc.rows == 1 and callproc.bytes_sent > 0


async def test_executemany_is_one_statement(
    rec_conn: tuple[Recorder, aiomysql.Connection],
) -> None:
    rec, conn = rec_conn
    async with conn.cursor() as cur:
        await cur.execute("CREATE TEMPORARY TABLE hk_many (id INT)")
        rec.calls.clear()
        assert await cur.executemany("INSERT INTO hk_many VALUES (%s)", [(1,), (2,), (3,)]) == 3
        assert await cur.executemany("UPDATE hk_many SET id = id WHERE id = %s", [(1,), (2,)]) == 0
    assert rec.kinds() == ["start", "end", "start", "end"]
    insert, update = rec.ends()
    assert (insert.method, insert.batch_size, insert.rowcount, insert.rows) == (
        "executemany", 3, 3, None,
    )  # fmt: skip
    assert update.batch_size == 2


async def test_warnings_select_is_part_of_the_statement(
    rec_conn: tuple[Recorder, aiomysql.Connection],
) -> None:
    rec, conn = rec_conn
    async with conn.cursor() as cur:
        with pytest.warns(aiomysql.Warning):
            await cur.execute("SELECT CAST('1x' AS SIGNED)")
    assert rec.statements() == [
        ("start", "execute", "SELECT CAST('1x' AS SIGNED)"),
        ("end", "execute", "SELECT CAST('1x' AS SIGNED)"),
    ]


async def test_cancellation_reaches_the_end_hook(
    rec_conn: tuple[Recorder, aiomysql.Connection],
) -> None:
    rec, conn = rec_conn
    started = asyncio.Event()
    rec_start = rec.start

    def start(info: QueryInfo) -> None:
        rec_start(info)
        started.set()

    conn.channel.hooks.on_start = start  # type: ignore[union-attr]
    cur = await conn.cursor()
    task = asyncio.create_task(cur.execute("SELECT SLEEP(5)"))
    await started.wait()  # the statement has started: the task waits for its result
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    (end,) = rec.ends()
    assert isinstance(end.error, asyncio.CancelledError) and end.duration is not None
    assert conn.closed  # a statement interrupted mid-way closes the connection


async def test_a_hook_that_raises_is_logged_and_the_statement_goes_on(
    connect_kwargs: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    def broken(info: Any) -> None:
        raise RuntimeError("hook bug")

    caplog.set_level(logging.ERROR, logger="aiomysql")
    async with aiomysql.connect(
        **connect_kwargs, on_query_start=broken, on_query_end=broken, on_connect=broken
    ) as conn:
        async with conn.cursor() as cur:
            await cur.execute("SELECT 7")
            assert await cur.fetchone() == (7,)
    raised = [r for r in caplog.records if r.exc_info and "hook bug" in str(r.exc_info[1])]
    assert len(raised) == 3  # on_connect, then the start and end hooks of SELECT 7


async def test_bad_hooks_are_refused_when_connecting(connect_kwargs: dict[str, Any]) -> None:
    async def coroutine_hook(info: Any) -> None:
        pass

    with pytest.raises(TypeError, match="coroutine function"):
        await aiomysql.connect(**connect_kwargs, on_query_end=coroutine_hook)
    with pytest.raises(TypeError, match="must be a callable"):
        await aiomysql.connect(**connect_kwargs, on_query_start="print")
    with pytest.raises(TypeError, match="aiomysql.Hooks"):
        await aiomysql.connect(**connect_kwargs, hooks={"on_query_start": print})
    with pytest.raises(TypeError):  # a pool's hook is not a connection's keyword
        await aiomysql.connect(**connect_kwargs, on_acquire=print)


async def test_on_connect_on_failure_and_on_reconnect(connect_kwargs: dict[str, Any]) -> None:
    rec = Recorder()
    with pytest.raises(aiomysql.OperationalError) as raised:
        await aiomysql.connect(**{**connect_kwargs, "password": "wrong"}, **rec.hooks())
    ((kind, info),) = rec.calls
    assert kind == "connect" and info.error is raised.value
    rec.calls.clear()
    conn = await aiomysql.connect(**connect_kwargs, on_connect=rec.connect)
    try:
        conn.close()
        await conn.ping()  # reconnects
        assert [(k, i.error) for k, i in rec.calls] == [("connect", None), ("connect", None)]
        assert conn.channel.hooks is None  # only on_connect: statements are not hooked
    finally:
        conn.close()


async def test_hooks_object_and_combine(connect_kwargs: dict[str, Any]) -> None:
    first, second = Recorder(), Recorder()
    hooks = Hooks.combine(
        Hooks(on_query_end=first.end), Hooks(on_query_end=second.end, parameters=True), None
    )
    assert hooks.parameters
    async with aiomysql.connect(**connect_kwargs, hooks=hooks, on_query_start=first.start) as c:
        await c.query("SELECT 1")
    assert first.kinds() == ["start", "end"] and second.kinds() == ["end"]
    assert first.ends()[0] is second.ends()[0]


async def test_no_hooks_no_counting(connect_kwargs: dict[str, Any]) -> None:
    async with aiomysql.connect(**connect_kwargs) as conn:
        assert conn.channel.hooks is None
        assert type(conn.channel.wire).__name__ == "Wire"


async def test_pool_hooks_acquire_release_and_connection_hooks(make_pool: MakePool) -> None:
    rec = Recorder()
    pool = await make_pool(
        minsize=1, maxsize=1, **rec.hooks(on_acquire=rec.acquire, on_release=rec.release)
    )
    assert rec.kinds() == ["connect"]  # minsize's connection
    async with pool.acquire() as conn:
        await conn.query("SELECT 1")
    assert rec.kinds() == ["connect", "acquire", "start", "end", "release"]
    acquired, released = rec.calls[1][1], rec.calls[4][1]
    assert acquired.pool is pool and acquired.connection is conn and acquired.error is None
    assert released.connection is conn and released.duration >= rec.calls[3][1].duration
    stats = pool.stats()
    assert stats.acquired == 1 and stats.released == 1


@pytest.mark.timing
async def test_pool_on_acquire_reports_a_timeout(make_pool: MakePool) -> None:
    rec = Recorder()
    pool = await make_pool(minsize=1, maxsize=1, acquire_timeout=0.05,
                           hooks=Hooks(on_acquire=rec.acquire))  # fmt: skip
    held = await pool.acquire()
    with pytest.raises(PoolTimeoutError) as raised:
        await pool.acquire()
    assert [(k, i.connection, i.error) for k, i in rec.calls] == [
        ("acquire", held, None), ("acquire", None, raised.value),
    ]  # fmt: skip
    pool.release(held)


async def test_hooks_fire_through_sqlalchemy(connect_kwargs: dict[str, Any]) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    kw = connect_kwargs
    sa_url = f"mysql+aiomysql://{kw['user']}:{kw['password']}@{kw['host']}:{kw['port']}/{kw['db']}"
    rec = Recorder()
    engine = create_async_engine(sa_url, connect_args=rec.hooks(hook_parameters=True))
    try:
        async with engine.connect() as sa_conn:
            rec.calls.clear()
            result = await sa_conn.execute(text("SELECT :x + 1"), {"x": 41})
            assert result.scalar() == 42
    finally:
        await engine.dispose()
    ends = [i for i in rec.ends() if i.statement.startswith("SELECT %s")]
    assert len(ends) == 1 and ends[0].rows == 1 and ends[0].parameters == (41,)


async def test_start_hook_comment_is_sent_and_a_failing_format_still_ends(
    connect_kwargs: dict[str, Any],
) -> None:
    rec = Recorder()

    def start(info: QueryInfo) -> None:
        info.comment = "app='hooks'"

    processlist = "SELECT INFO FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()"
    async with aiomysql.connect(**connect_kwargs, on_query_start=start,
                                on_query_end=rec.end) as conn:  # fmt: skip
        async with conn.cursor() as cur:
            await cur.execute(processlist + " AND %s", (1,))
            assert await cur.fetchone() == (f"{processlist} AND 1 /*app='hooks'*/",)
            await cur.execute(processlist + ";")
            assert await cur.fetchone() == (f"{processlist} /*app='hooks'*/",)
            with pytest.raises(aiomysql.ProgrammingError):
                await cur.execute("SELECT %s, %s", (1,))  # too few parameters
        await conn.query("DO 1")
    assert [i.statement for i in rec.ends()] == [
        processlist + " AND %s", processlist + ";", "SELECT %s, %s", "DO 1",
    ]  # fmt: skip
    assert isinstance(rec.ends()[2].error, aiomysql.ProgrammingError)
    assert rec.ends()[3].bytes_sent == len(b"DO 1 /*app='hooks'*/") + 5


def test_byte_counts_on_uvloop(connect_kwargs: dict[str, Any]) -> None:
    """uvloop binds the protocol's buffer_updated when the connection is made: the
    counting wire must be the protocol from the start."""
    import uvloop

    rec = Recorder()

    async def main() -> None:
        async with aiomysql.connect(**connect_kwargs, on_query_end=rec.end) as conn:
            async with conn.cursor() as cur:
                await cur.execute("SELECT REPEAT('x', 100000)")

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main())
    (end,) = rec.ends()
    assert end.bytes_sent == len(b"SELECT REPEAT('x', 100000)") + 5
    assert 100_000 < end.bytes_received < 100_200


async def test_unbuffered_and_dict_cursors(
    rec_conn: tuple[Recorder, aiomysql.Connection],
) -> None:
    rec, conn = rec_conn
    async with conn.cursor(aiomysql.SSCursor) as ss:
        await ss.execute("SELECT 1 UNION SELECT 2")
        assert await ss.fetchall() == [(1,), (2,)]
    async with conn.cursor(aiomysql.DictCursor) as dc:
        await dc.execute("SELECT 1 AS a")
        assert await dc.fetchall() == [{"a": 1}]
    unbuffered, dicts = rec.ends()
    assert unbuffered.rows is None and unbuffered.rowcount == -1  # rows read later
    assert dicts.rows == 1 and dicts.statement == "SELECT 1 AS a"
