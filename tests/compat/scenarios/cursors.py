"""Scenario: the cursor classes: fetch methods and their types, attributes, errors,
warnings, executemany, callproc, multi-statements, an unread unbuffered result."""

from __future__ import annotations

from typing import Any

from harness import Recorder, run

import aiomysql

CLASSES = ["Cursor", "DictCursor", "SSCursor", "SSDictCursor", "DeserializationCursor"]


async def fetching(rec: Recorder, conn: Any) -> None:
    for name in CLASSES:
        cls = getattr(aiomysql.cursors, name)
        cur = await conn.cursor(cls)
        p = f"{name}."
        await rec.step(p + "fetch_before_execute", cur.fetchone)
        await rec.effect(p + "execute", cur.execute, "SELECT id, name FROM compat_t ORDER BY id")
        rec.note(p + "description", cur.description)
        rec.note(p + "rowcount", cur.rowcount)
        rec.note(p + "rownumber", cur.rownumber)
        rec.note(p + "arraysize", cur.arraysize)
        await rec.step(p + "fetchone", cur.fetchone)
        await rec.step(p + "fetchmany", cur.fetchmany)
        await rec.step(p + "fetchmany2", cur.fetchmany, 2)
        await rec.step(p + "scroll_back", cur.scroll, -1)
        await rec.step(p + "fetchall", cur.fetchall)
        await rec.step(p + "fetchall_again", cur.fetchall)
        await rec.step(p + "fetchone_end", cur.fetchone)
        rec.note(p + "rownumber_end", cur.rownumber)
        rec.note(p + "rowcount_end", cur.rowcount)
        await rec.step(p + "scroll_abs", cur.scroll, 0, "absolute")
        await rec.step(p + "scroll_bad", cur.scroll, 0, "sideways")
        await rec.step(p + "insert", cur.execute, "INSERT INTO compat_t (name) VALUES (%s)", ("z",))
        rec.note(p + "lastrowid", cur.lastrowid)
        rec.note(p + "insert_rowcount", cur.rowcount)
        rec.note(p + "insert_description", cur.description)
        await rec.step(p + "fetch_after_insert", cur.fetchall)
        await rec.step(p + "delete", cur.execute, "DELETE FROM compat_t WHERE name = 'z'")
        await rec.step(p + "close", cur.close)
        rec.note(p + "closed", cur.closed)
        await rec.step(p + "execute_closed", cur.execute, "SELECT 1")
        async with conn.cursor(cls) as cur:
            await cur.execute("SELECT id FROM compat_t ORDER BY id")
            rec.note(p + "async_for", [row async for row in cur])
    async with conn.cursor(aiomysql.cursors.DeserializationCursor) as cur:
        await rec.step("deser.json", cur.execute, "SELECT JSON_OBJECT('a', 1), '[1]'")
        await rec.step("deser.fetchall", cur.fetchall)
        await rec.step("deser.plain", cur.execute, "SELECT 1, 'x'")
        await rec.step("deser.plain_fetchall", cur.fetchall)


async def statements(rec: Recorder, conn: Any) -> None:
    cur = await conn.cursor()
    await rec.step("execute_args", cur.execute, "SELECT %s, %s, %s", (1, "it's", None))
    rec.note("last_executed.execute", cur._last_executed)
    await rec.step("execute_dict", cur.execute, "SELECT %(a)s", {"a": b"x\0"})
    rec.note("last_executed.execute_dict", cur._last_executed)
    for i, value in enumerate([1.5, 10**20, -0.0, True, "é", b"\xff", [1, 2]]):
        await rec.step(f"param.{i}", cur.execute, "SELECT %s", (value,))
        await rec.step(f"param.{i}.fetch", cur.fetchone)
    await rec.step("mogrify", cur.mogrify, "SELECT %s", ([1, 2],))
    await rec.step("executemany_insert", cur.executemany,
                   "INSERT INTO compat_t (name) VALUES (%s)", [("m1",), ("m2",), ("m3",)])
    rec.note("last_executed.executemany_insert", cur._last_executed)
    rec.note("executemany_insert.rowcount", cur.rowcount)
    rec.note("executemany_insert.lastrowid", cur.lastrowid)
    await rec.step("executemany_update", cur.executemany,
                   "UPDATE compat_t SET name = %s WHERE name = %s", [("n1", "m1"), ("n2", "m2")])
    rec.note("last_executed.executemany_update", cur._last_executed)
    rec.note("executemany_update.rowcount", cur.rowcount)
    insert = "INSERT INTO compat_t (name) VALUES (%s)"
    await rec.step("executemany_empty", cur.executemany, insert, [])
    await rec.step("callproc", cur.callproc, "compat_p", (2, 3))
    rec.note("last_executed.callproc", cur._last_executed)
    await rec.step("callproc_fetch", cur.fetchall)
    await rec.step("callproc_nextset", cur.nextset)
    await rec.step("callproc_nextset2", cur.nextset)
    await rec.step("multi", cur.execute, "SELECT 1; SELECT 2")
    await rec.step("multi_fetch1", cur.fetchall)
    await rec.step("multi_nextset", cur.nextset)
    await rec.step("multi_fetch2", cur.fetchall)
    await rec.step("multi_nextset_end", cur.nextset)
    await rec.step("syntax_error", cur.execute, "SELEKT 1")
    rec.note("last_executed.syntax_error", cur._last_executed)
    await rec.step("bad_field", cur.execute, "SELECT nope FROM compat_t")
    await rec.step("no_table", cur.execute, "SELECT 1 FROM compat_nope")
    await rec.step("dup_entry", cur.execute, "INSERT INTO compat_t (id, name) VALUES (1, 'x')")
    await rec.step("null_entry", cur.execute, "INSERT INTO compat_t (id, name) VALUES (99, NULL)")
    await rec.step("too_long", cur.execute, "INSERT INTO compat_t (name) VALUES (REPEAT('x', 50))")
    await rec.step("bad_param", cur.execute, "SELECT %s", (object(),))
    await rec.step("few_params", cur.execute, "SELECT %s, %s", (1,))
    await rec.step("warning", cur.execute, "SELECT CAST('1x' AS SIGNED)")
    await rec.step("warning_fetch", cur.fetchall)
    await rec.step("close", cur.close)


async def unbuffered(rec: Recorder, conn: Any) -> None:
    ss = await conn.cursor(aiomysql.SSCursor)
    await ss.execute("SELECT seq FROM seq_1_to_1000")
    await rec.step("ss.fetchone", ss.fetchone)
    other = await conn.cursor()
    await rec.step("ss.other_execute", other.execute, "SELECT 'next'")
    await rec.step("ss.other_fetch", other.fetchall)
    await ss.execute("SELECT seq FROM seq_1_to_1000")
    await rec.step("ss.fetchone_again", ss.fetchone)
    await rec.effect("ss.same_cursor_execute", ss.execute, "SELECT 7")
    await rec.step("ss.same_cursor_fetch", ss.fetchall)
    await ss.execute("SELECT seq FROM seq_1_to_1000")
    await rec.step("ss.ping_while_unread", conn.ping)
    await rec.step("ss.close", ss.close)


async def main(rec: Recorder, kwargs: dict[str, Any]) -> None:
    async with aiomysql.connect(**kwargs) as conn:
        async with conn.cursor() as cur:
            await cur.execute("DROP TABLE IF EXISTS compat_t")
            await cur.execute("DROP PROCEDURE IF EXISTS compat_p")
            await cur.execute(
                "CREATE TABLE compat_t (id INT AUTO_INCREMENT PRIMARY KEY,"
                " name VARCHAR(20) NOT NULL UNIQUE)"
            )
            await cur.execute("INSERT INTO compat_t (name) VALUES ('a'), ('b'), ('c'), ('d')")
            await cur.execute(
                "CREATE PROCEDURE compat_p(IN a INT, INOUT b INT)"
                " BEGIN SELECT a + b; SET b = a * b; END"
            )
            await conn.commit()
        await fetching(rec, conn)
        await statements(rec, conn)
        await unbuffered(rec, conn)
        async with conn.cursor() as cur:
            await cur.execute("DROP TABLE compat_t")
            await cur.execute("DROP PROCEDURE compat_p")


if __name__ == "__main__":
    run(main)
