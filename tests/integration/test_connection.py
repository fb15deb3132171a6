"""Connection behaviour against the real server: login, settings, errors, big packets."""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

import pytest
from held import HeldLock, cancel_when, time_out_when

import aiomysql
from aiomysql.constants import CLIENT, ER


async def test_connect_and_properties(connect_kwargs: dict[str, Any]) -> None:
    conn = await aiomysql.connect(**connect_kwargs)
    try:
        assert not conn.closed
        assert conn.host == connect_kwargs["host"]
        assert conn.port == connect_kwargs["port"]
        assert conn.user == connect_kwargs["user"]
        assert conn.db == "aiomysql_test"
        assert conn.charset == "utf8mb4"
        assert conn.character_set_name() == "utf8mb4"
        assert conn.encoding == "utf-8"
        assert conn.echo is False
        version = conn.get_server_info()
        assert not version.startswith("5.5.5-")
        assert version == conn.server_version
        async with conn.cursor() as cur:
            await cur.execute("SELECT VERSION(), CONNECTION_ID(), DATABASE()")
            server_version, thread_id, db = await cur.fetchone()
        assert server_version == version
        assert thread_id == conn.thread_id()
        assert db == "aiomysql_test"
    finally:
        await conn.ensure_closed()
    assert conn.closed


async def test_async_with_connect_closes(connect_kwargs: dict[str, Any]) -> None:
    async with aiomysql.connect(**connect_kwargs) as conn:
        async with conn.cursor() as cur:
            await cur.execute("SELECT 1")
            assert await cur.fetchone() == (1,)
    assert conn.closed


@pytest.mark.parametrize("host", ["", None])
async def test_empty_host_means_localhost(connect_kwargs: dict[str, Any], host: Any) -> None:
    connect_kwargs["host"] = host
    async with aiomysql.connect(**connect_kwargs) as conn:
        assert conn.host == "localhost"
        await conn.ping(reconnect=False)


async def test_database_alias(connect_kwargs: dict[str, Any]) -> None:
    db = connect_kwargs.pop("db")
    async with aiomysql.connect(database=db, **connect_kwargs) as conn:
        assert conn.db == db


async def test_wrong_password_is_operational_error_1045(connect_kwargs: dict[str, Any]) -> None:
    connect_kwargs["password"] = "definitely-wrong"
    with pytest.raises(aiomysql.OperationalError) as info:
        await aiomysql.connect(**connect_kwargs)
    assert info.value.args[0] == ER.ACCESS_DENIED_ERROR
    assert "Access denied" in info.value.args[1]


async def test_user_with_password_can_log_in(connect_kwargs: dict[str, Any]) -> None:
    async with aiomysql.connect(**connect_kwargs) as admin, admin.cursor() as cur:
        await cur.execute("CREATE USER IF NOT EXISTS 'pw_user'@'%' IDENTIFIED BY 'pässwörd €'")
        await cur.execute("GRANT ALL ON aiomysql_test.* TO 'pw_user'@'%'")
    connect_kwargs.update(user="pw_user", password="pässwörd €")
    async with aiomysql.connect(**connect_kwargs) as conn, conn.cursor() as cur:
        await cur.execute("SELECT CURRENT_USER()")
        (user,) = await cur.fetchone()
        assert user.startswith("pw_user@")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.timing
async def test_closed_port_is_operational_error_2003() -> None:
    with pytest.raises(aiomysql.OperationalError) as info:
        await aiomysql.connect(
            host="127.0.0.1", port=_closed_port(), user="root", connect_timeout=60
        )
    assert info.value.args[0] == 2003
    assert "timed out" not in info.value.args[1]  # refused at once, not the timeout


@pytest.mark.timing
async def test_silent_server_times_out_with_2003() -> None:
    """A listener that never sends a greeting: the connect_timeout must fire."""
    accepted: list[asyncio.StreamWriter] = []
    server = await asyncio.start_server(lambda r, w: accepted.append(w), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(aiomysql.OperationalError) as info:
            await aiomysql.connect(host="127.0.0.1", port=port, user="root", connect_timeout=0.5)
        assert info.value.args[0] == 2003
        assert "timed out after 0.5 s" in info.value.args[1]
    finally:
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_bad_sql_is_programming_error_and_connection_survives(
    connect_kwargs: dict[str, Any],
) -> None:
    async with aiomysql.connect(**connect_kwargs) as conn, conn.cursor() as cur:
        with pytest.raises(aiomysql.ProgrammingError) as info:
            await cur.execute("SELEKT 1")
        assert info.value.args[0] == ER.PARSE_ERROR
        assert "SELEKT" in info.value.args[1]
        await cur.execute("SELECT 2")
        assert await cur.fetchone() == (2,)


async def test_duplicate_key_is_integrity_error(connect_kwargs: dict[str, Any]) -> None:
    async with aiomysql.connect(**connect_kwargs) as conn, conn.cursor() as cur:
        await cur.execute("CREATE TEMPORARY TABLE dup (id INT PRIMARY KEY)")
        await cur.execute("INSERT INTO dup VALUES (1)")
        with pytest.raises(aiomysql.IntegrityError) as info:
            await cur.execute("INSERT INTO dup VALUES (1)")
        assert info.value.args[0] == ER.DUP_ENTRY


async def test_closed_connection_raises_interface_error(connect_kwargs: dict[str, Any]) -> None:
    conn = await aiomysql.connect(**connect_kwargs)
    cur = await conn.cursor()
    conn.close()
    assert conn.closed
    with pytest.raises(aiomysql.InterfaceError, match="Not connected"):
        await cur.execute("SELECT 1")
    with pytest.raises(aiomysql.InterfaceError):
        await conn.cursor()
    with pytest.raises(aiomysql.InterfaceError):
        await conn.ping(reconnect=False)
    conn.close()  # closing twice is harmless
    await conn.ensure_closed()


async def test_ping_reconnects(connect_kwargs: dict[str, Any]) -> None:
    conn = await aiomysql.connect(**connect_kwargs)
    first = conn.thread_id()
    conn.close()
    await conn.ping()
    assert not conn.closed
    assert conn.thread_id() != first
    await conn.ensure_closed()


async def test_a_cursor_made_before_a_reconnect_runs_on_the_new_connection(
    connect_kwargs: dict[str, Any],
) -> None:
    conn = await aiomysql.connect(**connect_kwargs)
    try:
        cur = await conn.cursor()
        first = conn.thread_id()
        conn.close()
        await conn.ping()  # reconnects
        await cur.execute("SELECT CONNECTION_ID()")
        assert await cur.fetchone() == (conn.thread_id(),)
        assert conn.thread_id() != first
    finally:
        await conn.ensure_closed()


async def test_busy_while_a_command_awaits_its_reply(connect_kwargs: dict[str, Any]) -> None:
    multi = CLIENT.MULTI_STATEMENTS
    async with aiomysql.connect(**connect_kwargs, client_flag=multi) as conn:
        assert not conn.busy
        conn.send_query(b"SELECT 1; SELECT 2")
        assert conn.busy  # sent, reply not read yet
        result = await conn.read_query_result()
        assert result.rows == [(1,)]
        assert not conn.busy  # the second result waits: between statements
        second = await conn.next_result()
        assert second is not None and second.rows == [(2,)]
        assert not conn.busy


async def test_server_side_kill_then_query_raises_operational_error(
    connect_kwargs: dict[str, Any],
) -> None:
    async with aiomysql.connect(**connect_kwargs) as killer:
        victim = await aiomysql.connect(**connect_kwargs)
        async with killer.cursor() as cur:
            await cur.execute("KILL %s", victim.thread_id())
        # Whether the server's close has reached us yet or not, the next call fails
        # cleanly: InterfaceError "not connected" once it has, 2013/2006 if it is noticed
        # mid-call (the codes SQLAlchemy treats as disconnects).
        with pytest.raises((aiomysql.OperationalError, aiomysql.InterfaceError)) as info:
            async with victim.cursor() as vcur:
                await vcur.execute("SELECT 1")
        if isinstance(info.value, aiomysql.OperationalError):
            assert info.value.args[0] in (2013, 2006, 1927, 4031)
        else:
            assert "Not connected" in str(info.value)
        assert victim.closed
        victim.close()


async def test_autocommit_begin_commit_rollback(connect_kwargs: dict[str, Any]) -> None:
    async with (
        aiomysql.connect(**connect_kwargs) as conn,
        aiomysql.connect(**connect_kwargs) as other,
    ):
        assert conn.get_autocommit() is False
        cur = await conn.cursor()
        await cur.execute("CREATE TABLE IF NOT EXISTS tx_test (v INT)")
        await cur.execute("DELETE FROM tx_test")
        await conn.commit()
        await conn.begin()
        await cur.execute("INSERT INTO tx_test VALUES (1)")
        assert conn.get_transaction_status()
        await conn.rollback()
        assert not conn.get_transaction_status()
        await cur.execute("INSERT INTO tx_test VALUES (2)")
        await conn.commit()
        ocur = await other.cursor()
        await ocur.execute("SELECT v FROM tx_test")
        assert await ocur.fetchall() == ((2,),)
        await conn.autocommit(True)
        assert conn.get_autocommit() is True
        await cur.execute("INSERT INTO tx_test VALUES (3)")
        await other.commit()  # end other's snapshot
        await ocur.execute("SELECT v FROM tx_test ORDER BY v")
        assert await ocur.fetchall() == ((2,), (3,))
        await other.commit()  # release other's metadata lock before the DROP
        await cur.execute("DROP TABLE tx_test")


async def test_autocommit_true_at_connect(connect_kwargs: dict[str, Any]) -> None:
    async with aiomysql.connect(autocommit=True, **connect_kwargs) as conn:
        assert conn.get_autocommit() is True
        async with conn.cursor() as cur:
            await cur.execute("SELECT @@autocommit")
            assert await cur.fetchone() == (1,)


async def test_select_db(connect_kwargs: dict[str, Any]) -> None:
    async with aiomysql.connect(**connect_kwargs) as conn:
        await conn.select_db("mysql")
        assert conn.db == "mysql"
        async with conn.cursor() as cur:
            await cur.execute("SELECT DATABASE()")
            assert await cur.fetchone() == ("mysql",)
        with pytest.raises(aiomysql.OperationalError) as info:  # as PyMySQL
            await conn.select_db("no_such_database_here")
        assert info.value.args[0] == ER.BAD_DB_ERROR
        assert conn.db == "mysql"


async def test_init_command_and_sql_mode(connect_kwargs: dict[str, Any]) -> None:
    async with (
        aiomysql.connect(
            init_command="SET @greeting = 'hi'", sql_mode="ANSI_QUOTES", **connect_kwargs
        ) as conn,
        conn.cursor() as cur,
    ):
        await cur.execute("SELECT @greeting, @@sql_mode")
        greeting, mode = await cur.fetchone()
        assert greeting == "hi"
        assert mode == "ANSI_QUOTES"


async def test_insert_id_and_affected_rows(connect_kwargs: dict[str, Any]) -> None:
    async with aiomysql.connect(**connect_kwargs) as conn, conn.cursor() as cur:
        await cur.execute("CREATE TEMPORARY TABLE ai (id INT AUTO_INCREMENT PRIMARY KEY, v INT)")
        await cur.execute("INSERT INTO ai (v) VALUES (10), (20), (30)")
        assert conn.affected_rows() == 3
        assert cur.rowcount == 3
        assert conn.insert_id() == 1
        await cur.execute("INSERT INTO ai (v) VALUES (40)")
        assert cur.lastrowid == 4 == conn.insert_id()
        await cur.execute("UPDATE ai SET v = v + 1 WHERE v > 15")
        assert cur.rowcount == 3


async def test_found_rows_flag_counts_matched_rows(connect_kwargs: dict[str, Any]) -> None:
    async with aiomysql.connect(client_flag=CLIENT.FOUND_ROWS, **connect_kwargs) as conn:
        async with conn.cursor() as cur:
            await cur.execute("CREATE TEMPORARY TABLE fr (v INT)")
            await cur.execute("INSERT INTO fr VALUES (1), (1)")
            await cur.execute("UPDATE fr SET v = 1")
            assert cur.rowcount == 2


async def test_20_mib_value_round_trips_over_split_packets(connect_kwargs: dict[str, Any]) -> None:
    value = bytes(range(256)) * (20 * 4096 + 3)
    text = "ü€" * (7 << 20)
    async with aiomysql.connect(**connect_kwargs) as conn, conn.cursor() as cur:
        await cur.execute("CREATE TEMPORARY TABLE big (b LONGBLOB, t LONGTEXT)")
        await cur.execute("INSERT INTO big VALUES (%s, %s)", (value, text))
        await cur.execute("SELECT b, t, LENGTH(b), CHAR_LENGTH(t) FROM big")
        b, t, nb, nt = await cur.fetchone()
        assert nb == len(value) and nt == len(text)
        assert b == value
        assert t == text
        await cur.execute("SELECT 1")
        assert await cur.fetchone() == (1,)


async def test_echo_logs_statements(
    connect_kwargs: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="aiomysql")
    async with aiomysql.connect(echo=True, **connect_kwargs) as conn:
        assert conn.echo is True
        async with conn.cursor() as cur:
            await cur.execute("SELECT %s AS marker", ("echo-me",))
    assert any("echo-me" in r.getMessage() for r in caplog.records if r.name == "aiomysql")


async def test_escape_and_literal(connect_kwargs: dict[str, Any]) -> None:
    async with aiomysql.connect(**connect_kwargs) as conn:
        assert conn.escape("it's") == "'it\\'s'"
        assert conn.literal(5) == "5"
        assert conn.escape(None) == "NULL"


@pytest.mark.timing
async def test_cancelled_query_closes_connection_never_half_read(
    connect_kwargs: dict[str, Any],
) -> None:
    conn = await aiomysql.connect(**connect_kwargs)
    cur = await conn.cursor()
    async with HeldLock(connect_kwargs) as lock:
        await cancel_when(lock.blocking(conn.thread_id()), cur.execute(lock.sql), "blocked")
    assert conn.closed
    with pytest.raises(aiomysql.InterfaceError):
        await cur.execute("SELECT 1")
    conn.close()


@pytest.mark.timing
async def test_timeout_mid_fetch_leaves_no_half_read_connection(
    connect_kwargs: dict[str, Any],
) -> None:
    conn = await aiomysql.connect(**connect_kwargs)
    cur = await conn.cursor()
    async with HeldLock(connect_kwargs) as lock:
        # Row 1 (larger than the server's network buffer) is sent; row 2 waits on the lock.
        sql = f"SELECT REPEAT('x', 100000) AS v UNION ALL {lock.sql}"
        with pytest.raises(asyncio.TimeoutError):
            await time_out_when(lock.blocking(conn.thread_id()), cur.execute(sql), "row 2")
    assert conn.closed
    conn.close()


async def test_multiple_statements_and_nextset(connect_kwargs: dict[str, Any]) -> None:
    async with (
        aiomysql.connect(client_flag=CLIENT.MULTI_STATEMENTS, **connect_kwargs) as conn,
        conn.cursor() as cur,
    ):
        await cur.execute("SELECT 1; SELECT 2, 3; DO 0")
        assert await cur.fetchall() == ((1,),)
        assert await cur.nextset()
        assert await cur.fetchall() == ((2, 3),)
        assert await cur.nextset()
        assert cur.description is None
        assert not await cur.nextset()
        await cur.execute("SELECT 4; SELECT 5")
        await cur.execute("SELECT 6")  # pending results are discarded first
        assert await cur.fetchall() == ((6,),)


async def test_unbuffered_result_is_dropped_by_the_next_statement(
    connect_kwargs: dict[str, Any],
) -> None:
    async with aiomysql.connect(**connect_kwargs) as conn:
        ss = await conn.cursor(aiomysql.SSCursor)
        await ss.execute("SELECT seq FROM seq_1_to_10000")
        assert await ss.fetchone() == (1,)
        assert conn.busy
        other = await conn.cursor()
        # As aiomysql: the rest is read and dropped, with a UserWarning.
        with pytest.warns(UserWarning, match="^Previous unbuffered result was left incomplete$"):
            await other.execute("SELECT 1")
        assert await other.fetchone() == (1,)
        assert not conn.busy
        with pytest.warns(UserWarning, match="left incomplete"):
            await ss.execute("SELECT seq FROM seq_1_to_10000")
            await conn.ping()  # COM_PING too
        assert not conn.busy


async def test_garbage_collected_open_connection_warns(connect_kwargs: dict[str, Any]) -> None:
    conn = await aiomysql.connect(**connect_kwargs)
    with pytest.warns(ResourceWarning, match="Unclosed connection"):
        del conn
        import gc

        gc.collect()


async def test_loop_argument_is_deprecated(connect_kwargs: dict[str, Any]) -> None:
    with pytest.warns(DeprecationWarning, match="loop"):
        conn = await aiomysql.connect(loop=asyncio.get_running_loop(), **connect_kwargs)
    await conn.ensure_closed()


async def test_kill_ends_another_connection(connect_kwargs: dict[str, Any]) -> None:
    async with aiomysql.connect(**connect_kwargs) as killer:
        victim = await aiomysql.connect(**connect_kwargs)
        await killer.kill(victim.thread_id())
        with pytest.raises((aiomysql.OperationalError, aiomysql.InterfaceError)):
            await victim.ping(reconnect=False)
        victim.close()
        with pytest.raises(aiomysql.OperationalError) as info:
            await killer.kill(999_999_999)
        assert info.value.args[0] == ER.NO_SUCH_THREAD
