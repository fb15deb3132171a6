"""Scenario: connect() and the Connection: attributes, session state, transactions,
escaping, errors at connect and after close, multi-statements, set_charset."""

from __future__ import annotations

from typing import Any

from harness import Recorder, run

import aiomysql


async def attributes(rec: Recorder, conn: Any, kwargs: dict[str, Any]) -> None:
    for name in ("host", "port", "user", "db", "charset", "encoding", "echo", "closed",
                 "autocommit_mode", "unix_socket"):  # fmt: skip
        rec.note("attr." + name, getattr(conn, name))
    rec.note("get_autocommit", conn.get_autocommit())
    rec.note("get_transaction_status", conn.get_transaction_status())
    rec.note("character_set_name", conn.character_set_name())
    rec.note("get_proto_info", conn.get_proto_info())
    rec.note("server_version.type", type(conn.get_server_info()).__name__)
    rec.note("thread_id.type", type(conn.thread_id()).__name__)
    rec.note("loop.is_running", conn.loop.is_running())
    rec.note("last_usage.type", type(conn.last_usage).__name__)
    rec.note("repr.startswith", repr(conn).startswith("<aiomysql"))


async def escaping(rec: Recorder, conn: Any) -> None:
    for i, value in enumerate(["it's", 1, 1.5, None, True, b"\x00'", [1, "a"], (2,)]):
        await rec.step(f"escape.{i}", conn.escape, value)
        await rec.step(f"literal.{i}", conn.literal, value)
    await rec.step("escape_string", conn.escape_string, "a'b\\c\n")
    await rec.step("module.escape_string", aiomysql.escape_string, "a'b\n")
    await rec.step("module.escape_sequence", aiomysql.escape_sequence, (1, "x", None), "utf8")
    await rec.step("module.escape_dict", aiomysql.escape_dict, {"a": 1}, "utf8")


async def session(rec: Recorder, conn: Any) -> None:
    await rec.step("autocommit_on", conn.autocommit, True)
    rec.note("autocommit_mode.on", conn.autocommit_mode)
    rec.note("get_autocommit.on", conn.get_autocommit())
    await rec.step("autocommit_off", conn.autocommit, False)
    await rec.step("begin", conn.begin)
    rec.note("in_transaction", conn.get_transaction_status())
    await rec.step("query_insert", conn.query, "INSERT INTO compat_c (v) VALUES ('x')")
    rec.note("insert_id", conn.insert_id())
    rec.note("affected_rows", conn.affected_rows())
    await rec.step("rollback", conn.rollback)
    await rec.step("commit", conn.commit)
    await rec.step("query_select", conn.query, "SELECT 1")
    await rec.step("show_warnings_none", conn.show_warnings)
    await rec.step("ping", conn.ping)
    await rec.step("ping_no_reconnect", conn.ping, False)
    await rec.step("select_db_missing", conn.select_db, "compat_no_such_db")
    rec.note("db_after_failed_select", conn.db)
    await rec.step("set_charset", conn.set_charset, "utf8mb4")
    rec.note("charset_after_set", conn.charset)
    rec.note("encoding_after_set", conn.encoding)
    await rec.step("set_charset_bad", conn.set_charset, "no_such_charset")
    cur = await conn.cursor()
    await rec.step("multi_statements", cur.execute, "SELECT 1; SELECT 2")
    await rec.step("multi_fetch", cur.fetchall)
    await rec.step("multi_next", cur.nextset)
    await rec.step("multi_fetch2", cur.fetchall)
    await cur.close()
    await rec.step("cursor_bad_class", conn.cursor, dict)


async def closing(rec: Recorder, kwargs: dict[str, Any]) -> None:
    conn = await aiomysql.connect(**kwargs)
    cur = await conn.cursor()
    await rec.step("close", conn.close)
    rec.note("closed_after_close", conn.closed)
    await rec.effect("execute_after_close", cur.execute, "SELECT 1")
    await rec.effect("cursor_after_close", conn.cursor)
    await rec.effect("ping_after_close_no_reconnect", conn.ping, False)
    await rec.step("ensure_closed_twice", conn.ensure_closed)
    conn = await aiomysql.connect(**kwargs)
    await rec.step("ensure_closed", conn.ensure_closed)
    rec.note("closed_after_ensure_closed", conn.closed)
    async with aiomysql.connect(**kwargs) as conn:
        rec.note("async_with.closed_inside", conn.closed)
    rec.note("async_with.closed_after", conn.closed)
    conn = await aiomysql.connect(**kwargs)
    await rec.step("ping_reconnects", conn.ping)
    conn.close()
    await rec.step("ping_after_close_reconnects", conn.ping)
    rec.note("closed_after_reconnect", conn.closed)
    conn.close()


async def failures(rec: Recorder, kwargs: dict[str, Any]) -> None:
    await rec.effect("connect_unknown_db", aiomysql.connect, **{**kwargs, "db": "compat_no_db"})
    await rec.effect("connect_bad_password",
                     aiomysql.connect, **{**kwargs, "user": "compat_nobody", "password": "x"})
    await rec.effect("connect_bad_charset", aiomysql.connect, **{**kwargs, "charset": "nope"})


async def main(rec: Recorder, kwargs: dict[str, Any]) -> None:
    conn = await aiomysql.connect(**kwargs)
    async with conn.cursor() as cur:
        await cur.execute("DROP TABLE IF EXISTS compat_c")
        await cur.execute("CREATE TABLE compat_c (id INT AUTO_INCREMENT PRIMARY KEY, v TEXT)")
    await attributes(rec, conn, kwargs)
    await escaping(rec, conn)
    await session(rec, conn)
    async with conn.cursor() as cur:
        await cur.execute("DROP TABLE compat_c")
    await conn.ensure_closed()
    await closing(rec, kwargs)
    await failures(rec, kwargs)


if __name__ == "__main__":
    run(main)
