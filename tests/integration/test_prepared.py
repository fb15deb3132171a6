"""Server-side prepared statements against a real server: every column type gives the
same Python value as the text protocol, parameters bind the same way, the statement cache
stays bounded and survives what makes the server forget statements."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

import pytest

import aiomysql
from aiomysql import _channel, _statement_cache
from aiomysql.protocol.stmt_packets import com_stmt_close

D = datetime.date
DT = datetime.datetime
TD = datetime.timedelta

#: (column type, SQL literals stored in it): edge values, NULLs, zero and invalid dates.
COLUMNS: list[tuple[str, list[str]]] = [
    ("TINYINT", ["-128", "127", "0", "NULL"]),
    ("TINYINT UNSIGNED", ["255", "0", "1", "NULL"]),
    ("SMALLINT", ["-32768", "32767", "0", "NULL"]),
    ("SMALLINT UNSIGNED", ["65535", "0", "7", "NULL"]),
    ("MEDIUMINT", ["-8388608", "8388607", "0", "NULL"]),
    ("MEDIUMINT UNSIGNED", ["16777215", "0", "5", "NULL"]),
    ("INT", ["-2147483648", "2147483647", "0", "NULL"]),
    ("INT UNSIGNED", ["4294967295", "0", "3", "NULL"]),
    ("BIGINT", ["-9223372036854775808", "9223372036854775807", "0", "NULL"]),
    ("BIGINT UNSIGNED", ["18446744073709551615", "0", "9", "NULL"]),
    ("FLOAT", ["1.1", "-3.4e38", "1e-10", "NULL"]),
    ("DOUBLE", ["0.1", "-1.7976931348623157e308", "5e-324", "NULL"]),
    ("DECIMAL(30,10)", ["12345678901234567890.0123456789", "-0.5", "0", "NULL"]),
    ("DECIMAL(5,0)", ["99999", "-99999", "0", "NULL"]),
    ("DATE", ["'2024-02-29'", "'0000-00-00'", "'2020-02-30'", "NULL"]),
    ("DATETIME", ["'2024-02-29 23:59:59'", "'0000-00-00 00:00:00'",
                  "'9999-12-31 00:00:00'", "NULL"]),
    ("DATETIME(6)", ["'2024-01-02 03:04:05.000006'", "'0000-00-00 00:00:00'",
                     "'2024-01-02 00:00:00'", "NULL"]),
    ("DATETIME(3)", ["'2024-01-02 03:04:05.123'", "'2020-02-30 01:02:03.5'",
                     "'1000-01-01 00:00:00'", "NULL"]),
    ("TIMESTAMP(2) NULL", ["'2024-01-02 03:04:05.12'", "'0000-00-00 00:00:00'",
                           "'1999-12-31 23:59:59'", "NULL"]),
    ("TIME", ["'838:59:59'", "'-838:59:59'", "'00:00:00'", "NULL"]),
    ("TIME(6)", ["'-00:00:00.000001'", "'23:59:59.999999'", "'-100:00:01.5'", "NULL"]),
    ("YEAR", ["2024", "0", "1901", "NULL"]),
    ("CHAR(5)", ["'abc'", "''", "'ünï'", "NULL"]),
    ("VARCHAR(300)", ["'héllo wörld'", "''", "REPEAT('x', 300)", "NULL"]),
    ("VARBINARY(10)", ["x'00ff10'", "''", "'abc'", "NULL"]),
    ("TEXT", ["REPEAT('é', 1000)", "''", "'a'", "NULL"]),
    ("BLOB", ["x'000102'", "REPEAT(x'ff', 60000)", "''", "NULL"]),
    ("LONGBLOB", ["REPEAT('z', 70000)", "x'00'", "''", "NULL"]),
    ("BIT(12)", ["b'101010101010'", "b'0'", "b'111111111111'", "NULL"]),
    ("ENUM('a','b','ç')", ["'a'", "'ç'", "'b'", "NULL"]),
    ("SET('x','y','z')", ["'x,z'", "''", "'y'", "NULL"]),
    ("JSON", ["'{\"a\": [1, 2.5, null, \"é\"]}'", "'[]'", "'\"s\"'", "NULL"]),
    ("POINT", ["ST_GeomFromText('POINT(1 2)')", "ST_GeomFromText('POINT(-1.5 0)')",
               "ST_GeomFromText('POINT(0 0)')", "NULL"]),
    ("UUID", ["'123e4567-e89b-12d3-a456-426614174000'", "'00000000-0000-0000-0000-000000000000'",
              "'ffffffff-ffff-ffff-ffff-ffffffffffff'", "NULL"]),
    ("INET6", ["'::1'", "'2001:db8::ff00:42:8329'", "'::'", "NULL"]),
]  # fmt: skip


def assert_same(actual: Any, expected: Any) -> None:
    """Equal values of exactly the same type (Decimal: the same digits, too)."""
    assert type(actual) is type(expected), (actual, expected)
    assert actual == expected, (actual, expected)
    if isinstance(expected, Decimal):
        assert actual.as_tuple() == expected.as_tuple(), (actual, expected)


def assert_rows_same(actual: Any, expected: Any) -> None:
    assert len(actual) == len(expected)
    for got_row, want_row in zip(actual, expected, strict=True):
        for got, want in zip(got_row, want_row, strict=True):
            assert_same(got, want)


async def typed_table(conn: aiomysql.Connection) -> str:
    """A table with one column per COLUMNS entry and one row per literal position."""
    table = "ps_types_" + uuid.uuid4().hex[:12]
    cols = ", ".join(f"c{i} {sql_type}" for i, (sql_type, _) in enumerate(COLUMNS))
    async with conn.cursor() as cur:
        await cur.execute("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'")
        await cur.execute(f"CREATE TABLE {table} (id INT PRIMARY KEY, {cols})")
        for row in range(4):
            values = ", ".join(literals[row] for _, literals in COLUMNS)
            await cur.execute(f"INSERT INTO {table} VALUES ({row}, {values})")
    return table


async def both_ways(
    conn: aiomysql.Connection, sql: str, args: Any = None, *cursors: Any
) -> tuple[Any, Any, Any, Any]:
    """(text rows, prepared rows, text description, prepared description) of one query."""
    async with conn.cursor(*cursors) as text:
        await text.execute(sql, args)
        text_rows = await text.fetchall()
    async with conn.cursor(*cursors, prepared=True) as prepared:
        await prepared.execute(sql, args)
        prepared_rows = await prepared.fetchall()
    return text_rows, prepared_rows, text.description, prepared.description


async def test_every_column_type_decodes_as_the_text_protocol_does(
    conn: aiomysql.Connection,
) -> None:
    table = await typed_table(conn)
    try:
        text, prepared, text_desc, prepared_desc = await both_ways(
            conn, f"SELECT * FROM {table} WHERE id >= %s ORDER BY id", (0,)
        )
        assert len(text) == 4
        assert_rows_same(prepared, text)
        assert prepared_desc == text_desc
        # Spot checks that the comparison compares what it should.
        by_type = {sql_type: i + 1 for i, (sql_type, _) in enumerate(COLUMNS)}
        assert prepared[1][by_type["DATE"]] == "0000-00-00"
        assert prepared[2][by_type["DATE"]] == "2020-02-30"
        assert prepared[0][by_type["TIME"]] == TD(hours=838, minutes=59, seconds=59)
        assert prepared[1][by_type["TIME"]] == -TD(hours=838, minutes=59, seconds=59)
        assert prepared[1][by_type["DATETIME(6)"]] == "0000-00-00 00:00:00.000000"
        assert prepared[0][by_type["FLOAT"]] == 1.1
        assert prepared[3] == (3,) + (None,) * len(COLUMNS)
    finally:
        await conn.query(f"DROP TABLE {table}")


async def test_unbuffered_and_dict_cursors_decode_the_same(conn: aiomysql.Connection) -> None:
    table = await typed_table(conn)
    try:
        for cls in (aiomysql.SSCursor, aiomysql.DictCursor):
            text, prepared, _, _ = await both_ways(
                conn, f"SELECT * FROM {table} ORDER BY id", None, cls
            )
            assert prepared == text
    finally:
        await conn.query(f"DROP TABLE {table}")


async def test_conv_decoders_get_the_same_text(connect_kwargs: dict[str, Any]) -> None:
    conv = dict(aiomysql.converters.conversions)
    seen: list[str] = []

    def spy(value: str) -> str:
        seen.append(value)
        return "<" + value + ">"

    for code in (3, 8, 5, 10, 11, 12, 246):  # LONG, LONGLONG, DOUBLE, DATE, TIME, DATETIME, DECIMAL
        conv[code] = spy
    del conv[13]  # YEAR without a decoder: the text bytes, as for text results
    async with aiomysql.connect(**connect_kwargs, conv=conv) as conn:
        sql = (
            "SELECT CAST(%s AS SIGNED), 2147483647, CAST(1.5 AS DOUBLE), DATE('2024-01-02'), "
            "CAST('-01:02:03.5' AS TIME(1)), CAST('2024-01-02 03:04:05' AS DATETIME), 1.25"
        )
        text, prepared, _, _ = await both_ways(conn, sql, (5,))
        assert prepared == text
        assert text[0][0] == "<5>"
        async with conn.cursor() as cur:
            await cur.execute("CREATE TEMPORARY TABLE ps_year (y YEAR)")
            await cur.execute("INSERT INTO ps_year VALUES (2024), (NULL)")
        text, prepared, _, _ = await both_ways(conn, "SELECT y FROM ps_year WHERE 1 = %s", (1,))
        assert prepared == text == ((b"2024",), (None,))


PARAMS: list[Any] = [
    None, 0, -1, 2**63 - 1, -(2**63), 2**64 - 1, 2**70, True, False, 1.5, -2.25e-300,
    Decimal("12345.678900"), Decimal("-0.001"), "", "héllo ☃", "a'b\\c", b"", b"\x00\xff'\\",
    bytearray(b"ba"), memoryview(b"mv"), D(2024, 2, 29), DT(2024, 1, 2, 3, 4, 5),
    DT(2024, 1, 2, 3, 4, 5, 6), datetime.time(1, 2, 3), datetime.time(23, 59, 59, 999999),
    TD(hours=-5, seconds=1), TD(days=30, microseconds=7), uuid.UUID(int=12345),
]  # fmt: skip


PARAM_IDS = [f"{type(v).__name__}-{i}" for i, v in enumerate(PARAMS)]


@pytest.mark.parametrize("value", PARAMS, ids=PARAM_IDS)
async def test_parameters_bind_as_the_text_protocol_does(
    conn: aiomysql.Connection, value: Any
) -> None:
    sql = "SELECT %s, %s IS NULL, CONCAT('', %s), %s = %s"
    args = (value, value, value, value, value)
    text, prepared, text_desc, prepared_desc = await both_ways(conn, sql, args)
    assert_rows_same(prepared, text)


async def test_parameters_store_the_same_values(conn: aiomysql.Connection) -> None:
    table = "ps_store_" + uuid.uuid4().hex[:12]
    await conn.query(
        f"CREATE TABLE {table} (k INT, i BIGINT, u BIGINT UNSIGNED, f DOUBLE, d DECIMAL(20,6), "
        "s VARCHAR(50), b VARBINARY(50), dt DATETIME(6), da DATE, t TIME(6), j JSON)"
    )
    row = (
        -(2**62), 2**64 - 1, 0.1, Decimal("3.141593"), "ünï'\"\\", b"\x00\x01'\\",
        DT(2024, 1, 2, 3, 4, 5, 6), D(1999, 12, 31), TD(hours=-838), '{"a": 1}',
    )  # fmt: skip
    try:
        async with conn.cursor() as cur:
            await cur.execute(f"INSERT INTO {table} VALUES (1, {', '.join(['%s'] * 10)})", row)
        async with conn.cursor(prepared=True) as cur:
            await cur.execute(f"INSERT INTO {table} VALUES (2, {', '.join(['%s'] * 10)})", row)
            assert cur.rowcount == 1
            await cur.execute(f"SELECT * FROM {table} WHERE k = %s", (1,))
            first = await cur.fetchall()
            await cur.execute(f"SELECT * FROM {table} WHERE k = %s", (2,))
            second = await cur.fetchall()
        assert first[0][1:] == second[0][1:]
        assert second[0][1:] == row
    finally:
        await conn.query(f"DROP TABLE {table}")


async def test_a_blob_over_16_mib_goes_as_long_data_and_comes_back(
    conn: aiomysql.Connection,
) -> None:
    table = "ps_blob_" + uuid.uuid4().hex[:12]
    big = bytes(range(256)) * (17 * 4096 + 3)  # 17 MiB and a bit: a multi-frame row
    text_value = "é" * (9 * 1024 * 1024)  # 18 MiB of UTF-8
    await conn.query(f"CREATE TABLE {table} (id INT, b LONGBLOB, t LONGTEXT)")
    try:
        async with conn.cursor(prepared=True) as cur:
            await cur.execute(f"INSERT INTO {table} VALUES (%s, %s, %s)", (1, big, text_value))
            await cur.execute(f"SELECT id, b, t, LENGTH(b) FROM {table} WHERE id = %s", (1,))
            (row,) = await cur.fetchall()
        assert row[0] == 1 and row[3] == len(big)
        assert row[1] == big
        assert row[2] == text_value
    finally:
        await conn.query(f"DROP TABLE {table}")


async def test_server_errors_are_typed(conn: aiomysql.Connection) -> None:
    table = "ps_err_" + uuid.uuid4().hex[:12]
    await conn.query(f"CREATE TABLE {table} (id INT PRIMARY KEY)")
    try:
        async with conn.cursor(prepared=True) as cur:
            await cur.execute(f"INSERT INTO {table} VALUES (%s)", (1,))
            with pytest.raises(aiomysql.IntegrityError) as dup:
                await cur.execute(f"INSERT INTO {table} VALUES (%s)", (1,))
            assert dup.value.args[0] == 1062
            with pytest.raises(aiomysql.ProgrammingError) as missing:
                await cur.execute("SELECT * FROM no_such_table_here WHERE id = %s", (1,))
            assert missing.value.args[0] == 1146
            with pytest.raises(aiomysql.ProgrammingError):
                await cur.execute("SELECT %s, %s", (1,))  # too few arguments
            with pytest.raises(aiomysql.ProgrammingError):
                await cur.execute("SELECT %s", (float("nan"),))
            await cur.execute("SELECT %s", (2,))  # the connection is still fine
            assert await cur.fetchall() == ((2,),)
    finally:
        await conn.query(f"DROP TABLE {table}")


async def test_what_cannot_be_prepared_runs_as_text(connect_kwargs: dict[str, Any]) -> None:
    conv = dict(aiomysql.converters.conversions)
    conv[Decimal] = lambda value, mapping: "'custom'"
    async with aiomysql.connect(**connect_kwargs, conv=conv, prepared=True) as conn:
        async with conn.cursor() as cur:
            await cur.execute("SELECT 2 IN %s", ((1, 2, 3),))  # a sequence: IN (...)
            assert await cur.fetchall() == ((1,),)
            await cur.execute("SELECT 1; SELECT 2")  # not preparable: multi-statement
            assert await cur.fetchall() == ((1,),)
            assert await cur.nextset()
            assert await cur.fetchall() == ((2,),)
            await cur.execute("SELECT %s", (Decimal(1),))  # conv= has its own encoder
            assert await cur.fetchall() == (("custom",),)
            with pytest.raises(aiomysql.ProgrammingError) as syntax:
                await cur.execute("SELEC %s", (1,))  # a real syntax error stays one
            assert syntax.value.args[0] == 1064
        assert len(conn.channel.statement_cache) == 0


async def test_connection_prepare(conn: aiomysql.Connection) -> None:
    async with await conn.prepare("SELECT ? + 1, %s, '%%?'") as stmt:
        assert stmt.param_count == 2
        assert stmt.sql == "SELECT ? + 1, ?, '%?'"
        assert stmt.description is not None and len(stmt.description) == 3
        for i in range(3):
            cur = await stmt.execute((i, "x"))
            assert await cur.fetchall() == ((i + 1, "x", "%?"),)
        with pytest.raises(aiomysql.ProgrammingError):
            await stmt.execute((1,))
    assert stmt.closed
    with pytest.raises(aiomysql.ProgrammingError):
        await stmt.execute((1, 2))
    assert len(conn.channel.statement_cache) == 0  # not cached: its caller owns it


async def test_statement_survives_reconnect_and_reset(conn: aiomysql.Connection) -> None:
    stmt = await conn.prepare("SELECT ?")
    async with conn.cursor(prepared=True) as cur:
        await cur.execute("SELECT %s + 0", (1,))
        assert len(conn.channel.statement_cache) == 1
        await conn.reset_connection()
        assert len(conn.channel.statement_cache) == 0
        await cur.execute("SELECT %s + 0", (1,))
        assert await cur.fetchall() == ((1,),)
    assert await (await stmt.execute(5)).fetchall() == ((5,),)
    conn.close()
    await conn.ping()  # reconnects
    assert await (await stmt.execute(6)).fetchall() == ((6,),)
    await stmt.close()


async def test_a_statement_the_server_lost_is_prepared_again(conn: aiomysql.Connection) -> None:
    async with conn.cursor(prepared=True) as cur:
        await cur.execute("SELECT %s * 2", (2,))
        (handle,) = conn.channel.statement_cache._entries.values()
        # Close it on the server behind the cache's back: the next execute gets 1243.
        core, wire = conn.channel.core, conn.channel.wire
        assert core is not None and wire is not None
        wire.write(core.send_no_reply(com_stmt_close(handle.stmt_id)))
        old_id = handle.stmt_id
        await cur.execute("SELECT %s * 2", (4,))
        assert await cur.fetchall() == ((8,),)
        assert handle.stmt_id != old_id


async def prepared_count(conn: aiomysql.Connection) -> int:
    result = await conn.run_query("SHOW GLOBAL STATUS LIKE 'Prepared_stmt_count'")
    assert result.rows is not None
    return int(result.rows[0][1])


@pytest.mark.parametrize("cache_size", [10, 0])
async def test_prepared_stmt_count_stays_bounded(
    connect_kwargs: dict[str, Any], cache_size: int
) -> None:
    async with aiomysql.connect(**connect_kwargs) as watch:
        before = await prepared_count(watch)
        async with aiomysql.connect(
            **connect_kwargs, prepared=True, statement_cache_size=cache_size
        ) as conn:
            async with conn.cursor() as cur:
                for i in range(2000):  # 40 distinct statements, 2000 executions
                    await cur.execute(f"SELECT %s + {i % 40}", (i,))
                    assert (await cur.fetchone())[0] == i + i % 40
                async with conn.cursor(aiomysql.SSCursor) as ss:
                    await ss.execute("SELECT %s + 1000", (1,))  # unbuffered: closed later
                    assert await ss.fetchall() == [(1001,)]
                await cur.execute("SELECT %s + 1001", (1,))
            assert len(conn.channel.statement_cache) == cache_size
            during = await prepared_count(watch)
            assert during - before <= cache_size
        assert await prepared_count(watch) <= before + cache_size


async def test_cache_size_is_checked() -> None:
    with pytest.raises(aiomysql.ProgrammingError):
        aiomysql.Connection(statement_cache_size=-1)
    assert _statement_cache.StatementCache(3).size == 3


async def session_status(conn: aiomysql.Connection, name: str) -> int:
    result = await conn.run_query(f"SHOW SESSION STATUS LIKE '{name}'")
    assert result.rows is not None
    return int(result.rows[0][1]) if result.rows else 0


async def test_executemany_insert_is_one_bulk_execute(conn: aiomysql.Connection) -> None:
    table = "ps_bulk_" + uuid.uuid4().hex[:12]
    await conn.query(
        f"CREATE TABLE {table} (id INT PRIMARY KEY AUTO_INCREMENT, n BIGINT, s VARCHAR(40), "
        "f DOUBLE, d DATETIME(6))"
    )
    rows = [
        (None, i, None if i % 7 == 0 else f"row {i} é'", i / 3, DT(2024, 1, 1, 0, 0, i % 60, i))
        for i in range(5000)
    ]
    try:
        async with conn.cursor(prepared=True) as cur:
            executes = await session_status(conn, "Com_stmt_execute")
            count = await cur.executemany(
                f"INSERT INTO {table} (id, n, s, f, d) VALUES (%s, %s, %s, %s, %s)", rows
            )
            assert count == cur.rowcount == 5000
            assert cur.lastrowid == 1  # the batch's first id, as for a multi-row INSERT
            # One COM_STMT_BULK_EXECUTE: not 5000 executes.
            assert await session_status(conn, "Com_stmt_execute") - executes <= 1
        async with conn.cursor() as text:
            await text.execute(f"SELECT n, s, f, d FROM {table} ORDER BY id")
            stored = await text.fetchall()
        assert stored == tuple(row[1:] for row in rows)
    finally:
        await conn.query(f"DROP TABLE {table}")


async def test_executemany_bulk_splits_by_max_allowed_packet(
    connect_kwargs: dict[str, Any],
) -> None:
    async with aiomysql.connect(
        **connect_kwargs, prepared=True, max_allowed_packet=128 * 1024, autocommit=True
    ) as conn:
        async with conn.cursor() as cur:
            await cur.execute("CREATE TEMPORARY TABLE ps_split (id INT PRIMARY KEY, s TEXT)")
            rows = [(i, "x" * 1000) for i in range(500)]  # ~500 KB: four or five payloads
            assert await cur.executemany("INSERT INTO ps_split VALUES (%s, %s)", rows) == 500
            await cur.execute("SELECT COUNT(*), SUM(LENGTH(s)) FROM ps_split")
            assert await cur.fetchone() == (500, Decimal(500_000))


async def test_executemany_other_statements_are_pipelined(conn: aiomysql.Connection) -> None:
    table = "ps_pipe_" + uuid.uuid4().hex[:12]
    await conn.query(f"CREATE TABLE {table} (id INT PRIMARY KEY, v INT)")
    try:
        async with conn.cursor(prepared=True) as cur:
            await cur.executemany(f"INSERT INTO {table} VALUES (%s, 0)", [(i,) for i in range(100)])
            updates = await session_status(conn, "Com_update")
            n = await cur.executemany(
                f"UPDATE {table} SET v = %s WHERE id = %s", [(i * 2, i) for i in range(100)]
            )
            assert n == 99  # changed rows: id 0 keeps v = 0
            assert await session_status(conn, "Com_update") - updates == 100
            # A column whose values change type cannot be one bulk: executes instead.
            n = await cur.executemany(
                f"INSERT INTO {table} VALUES (%s, %s)", [(1000, 1), (1001, "2"), (1002, None)]
            )
            assert n == 3
            # INSERT ... SELECT: the bulk refuses it (1295): executes instead.
            n = await cur.executemany(f"INSERT INTO {table} SELECT %s, 5", [(2000,), (2001,)])
            assert n == 2
            await cur.execute(f"SELECT SUM(v), COUNT(*) FROM {table}")
            assert await cur.fetchone() == (Decimal(sum(i * 2 for i in range(100)) + 3 + 10), 105)
            # A sequence value (IN %s) cannot be bound: the whole executemany runs as text.
            n = await cur.executemany(
                f"DELETE FROM {table} WHERE id IN %s", [((2000, 2001),), ((1000,),)]
            )
            assert n == 3
    finally:
        await conn.query(f"DROP TABLE {table}")


async def test_executemany_error_mid_pipeline_leaves_connection_usable(
    conn: aiomysql.Connection,
) -> None:
    table = "ps_pipe_err_" + uuid.uuid4().hex[:12]
    await conn.query(f"CREATE TABLE {table} (id INT PRIMARY KEY, v INT)")
    try:
        async with conn.cursor(prepared=True) as cur:
            await cur.executemany(f"INSERT INTO {table} VALUES (%s, 0)", [(1,), (2,)])
            with pytest.raises(aiomysql.IntegrityError):  # id 2 becomes 1: a duplicate
                await cur.executemany(
                    f"UPDATE {table} SET id = %s WHERE id = %s", [(10, 5), (1, 2), (20, 30)]
                )
            assert not conn.busy and conn.channel.settled()
            await cur.execute(f"SELECT id FROM {table} ORDER BY id")
            assert await cur.fetchall() == ((1,), (2,))
            # The bulk's error: a duplicate in the batch.
            with pytest.raises(aiomysql.IntegrityError):
                await cur.executemany(f"INSERT INTO {table} VALUES (%s, 0)", [(3,), (1,)])
            await cur.execute("SELECT %s", (1,))
            assert await cur.fetchall() == ((1,),)
    finally:
        await conn.query(f"DROP TABLE {table}")


async def test_unchanged_metadata_is_not_resent(
    conn: aiomysql.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MariaDB 10.6+ skips the column definitions of an execute when unchanged; after an
    ALTER TABLE it sends the new ones, and the rows follow them."""
    core = conn.channel.core
    assert core is not None
    if not core.capabilities & aiomysql.constants.CLIENT.MARIADB_CLIENT_CACHE_METADATA:
        pytest.skip("the server has no MARIADB_CLIENT_CACHE_METADATA")
    skipped: list[bool] = []
    real = core._metadata_skipped

    def spy(payload: bytes) -> bool:
        skipped.append(real(payload))
        return skipped[-1]

    core._metadata_skipped = spy  # type: ignore[method-assign]
    real_read = _channel.read_whole_result

    def read_spy(core: Any, result_type: type[Any]) -> Any:
        """The one-step read (fast_path_binary) of a result set: its column count packet's
        flag byte (0: definitions skipped), as the general path's spy records it."""
        buf, pos = core._buf, core._pos
        flag = None
        if core._binary and core._end - pos >= 6 and 0 < buf[pos + 4] < 0xFB:
            flag = buf[pos + 5] == 0
        result = real_read(core, result_type)
        if result is not None and flag is not None:
            skipped.append(flag)
        return result

    monkeypatch.setattr(_channel, "read_whole_result", read_spy)
    table = "ps_meta_" + uuid.uuid4().hex[:12]
    await conn.query(f"CREATE TABLE {table} (id INT PRIMARY KEY, a VARCHAR(10))")
    try:
        await conn.query(f"INSERT INTO {table} VALUES (1, 'x')")
        async with conn.cursor(prepared=True) as cur:
            for _ in range(3):
                await cur.execute(f"SELECT * FROM {table} WHERE id = %s", (1,))
                assert await cur.fetchall() == ((1, "x"),)
            # The prepare reply counts as sent: even the first execute skips them.
            assert skipped == [True, True, True]
            assert [d[0] for d in cur.description] == ["id", "a"]
            await conn.query(f"ALTER TABLE {table} ADD COLUMN b INT DEFAULT 7")
            for _ in range(2):
                await cur.execute(f"SELECT * FROM {table} WHERE id = %s", (1,))
                assert await cur.fetchall() == ((1, "x", 7),)
                assert [d[0] for d in cur.description] == ["id", "a", "b"]
            assert skipped[3:] == [False, True]  # the new definitions once, then skipped
    finally:
        await conn.query(f"DROP TABLE {table}")


async def test_new_statements_prepare_and_execute_in_one_round_trip(
    conn: aiomysql.Connection,
) -> None:
    """MariaDB: PREPARE and EXECUTE (statement id -1) go out together for a new plain
    statement; a refused prepare still ends in the same error (or the text run)."""
    core = conn.channel.core
    assert core is not None
    if not core.capabilities & aiomysql.constants.CLIENT.MARIADB_CLIENT_STMT_BULK_OPERATIONS:
        pytest.skip("not MariaDB")
    pipelined: list[bool] = []
    real = core.send_prepare

    def spy(payload: bytes, execute: bytes | None = None) -> bytes:
        pipelined.append(execute is not None)
        return real(payload, execute)

    core.send_prepare = spy  # type: ignore[method-assign]
    async with conn.cursor(prepared=True) as cur:
        await cur.execute("SELECT %s + 1, %s", (1, "a"))
        assert await cur.fetchall() == ((2, "a"),)
        await cur.execute("SELECT %s + 1, %s", (2, "b"))  # cached: no prepare at all
        assert await cur.fetchall() == ((3, "b"),)
        await cur.execute("SELECT CONCAT('?', %s)", ("x",))  # a quote: prepared first
        assert await cur.fetchall() == (("?x",),)
        assert pipelined == [True, False]
        with pytest.raises(aiomysql.ProgrammingError) as missing:
            await cur.execute("SELECT * FROM no_such_table_ps WHERE id = %s", (1,))
        assert missing.value.args[0] == 1146
        with pytest.raises(aiomysql.ProgrammingError) as syntax:
            await cur.execute("SELEC %s", (1,))  # refused, then run as text: the same error
        assert syntax.value.args[0] == 1064
        await cur.execute("SELECT %s * 5", (3,))
        assert await cur.fetchall() == ((15,),)
        assert pipelined[-1] is True
