"""Protocol compression (``compress=True``, zlib) against the real MariaDB test server.

Every other integration test also runs compressed in the AIOMYSQL_TEST_COMPRESS=1 pass of
scripts/test.sh; these check what is particular to compression: that it is negotiated,
that the bytes on the wire shrink, packets over 16 MiB both ways, incompressible data,
LOCAL INFILE, executemany's pipelined batches, errors and a reconnect
(tests/faults/test_compression_faults.py: a corrupted compressed packet).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import aiomysql
from aiomysql._compressed_transport import CompressedTransport
from aiomysql.errors import OperationalError

WIDE = "SELECT seq, REPEAT(CONCAT('row ', seq, ' of a wide text column; '), 40) FROM seq_1_to_500"


def layer(conn: aiomysql.Connection) -> CompressedTransport:
    transport = conn._channel.wire.transport  # type: ignore[union-attr]
    assert isinstance(transport, CompressedTransport)
    return transport


async def session_compression(conn: aiomysql.Connection) -> str:
    async with conn.cursor() as cur:
        await cur.execute("SHOW SESSION STATUS LIKE 'Compression'")
        row = await cur.fetchone()
    assert row is not None
    return str(row[1])


async def test_compress_is_negotiated_and_off_by_default(connect_kwargs: dict[str, Any]) -> None:
    async with aiomysql.connect(**{**connect_kwargs, "compress": True}) as conn:
        assert await session_compression(conn) == "ON"
        layer(conn)
    plain = {k: v for k, v in connect_kwargs.items() if k != "compress"}
    async with aiomysql.connect(**plain) as conn:
        assert await session_compression(conn) == "OFF"
        assert not isinstance(conn._channel.wire.transport, CompressedTransport)  # type: ignore[union-attr]


async def test_wide_text_result_is_the_same_in_far_fewer_bytes(
    connect_kwargs: dict[str, Any],
) -> None:
    plain = {**connect_kwargs, "compress": False}
    async with aiomysql.connect(**plain) as conn:
        async with conn.cursor() as cur:
            await cur.execute(WIDE)
            expected = await cur.fetchall()
    async with aiomysql.connect(**{**connect_kwargs, "compress": True}) as conn:
        transport = layer(conn)
        before = transport.wire_received, transport.stream_received
        async with conn.cursor() as cur:
            await cur.execute(WIDE)
            assert await cur.fetchall() == expected
        wire = transport.wire_received - before[0]
        stream = transport.stream_received - before[1]
    assert stream > 500 * 1000  # ~1.1 MB of text ...
    assert wire * 10 < stream  # ... arrives in a tenth of the bytes


async def test_rows_over_16_mib_both_ways_compressible_or_not(
    connect_kwargs: dict[str, Any],
) -> None:
    text = b"0123456789abcdef" * (17 << 16)  # 17 MiB, compresses well
    noise = os.urandom(1 << 20) * 17  # 17 MiB that zlib cannot shrink (its window is 32 KiB)
    async with aiomysql.connect(**{**connect_kwargs, "compress": True}) as conn:
        async with conn.cursor() as cur:
            await cur.execute("CREATE TEMPORARY TABLE big (id INT, b LONGBLOB)")
            for i, value in enumerate((text, noise)):
                await cur.execute("INSERT INTO big VALUES (%s, %s)", (i, value))
            await cur.execute("SELECT id, LENGTH(b), b FROM big ORDER BY id")
            rows = await cur.fetchall()
        assert rows == ((0, len(text), text), (1, len(noise), noise))
        transport = layer(conn)
        # the statements (hex literals of 34 MiB) went out in compressed packets
        assert transport.stream_sent > 2 * 34 << 20
        assert transport.wire_sent < transport.stream_sent


async def test_local_infile_and_executemany(connect_kwargs: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "rows.tsv"
    path.write_text("".join(f"{i}\tline number {i}\n" for i in range(30_000)))
    kwargs = {**connect_kwargs, "compress": True, "local_infile": True, "autocommit": True}
    async with aiomysql.connect(**kwargs) as conn:
        async with conn.cursor() as cur:
            await cur.execute("CREATE TEMPORARY TABLE t (id INT PRIMARY KEY, v TEXT)")
            loaded = await cur.execute("LOAD DATA LOCAL INFILE %s INTO TABLE t", (str(path),))
            assert loaded == 30_000
            rows = [(30_000 + i, "x" * (i % 200)) for i in range(20_000)]
            assert await cur.executemany("INSERT INTO t VALUES (%s, %s)", rows) == 20_000
            await cur.execute("SELECT COUNT(*), SUM(LENGTH(v)) FROM t")
            count, total = await cur.fetchone()
    assert count == 50_000
    assert total == sum(len(f"line number {i}") for i in range(30_000)) + sum(
        i % 200 for i in range(20_000)
    )


async def test_errors_and_reconnect_stay_compressed(connect_kwargs: dict[str, Any]) -> None:
    conn = await aiomysql.connect(**{**connect_kwargs, "compress": True})
    try:
        async with conn.cursor() as cur:
            with pytest.raises(aiomysql.ProgrammingError):
                await cur.execute("SELEC 1")
            await cur.execute("SELECT 2")
            assert await cur.fetchone() == (2,)
        first = conn.thread_id()
        killer = await aiomysql.connect(**connect_kwargs)
        async with killer.cursor() as cur:
            await cur.execute(f"KILL {first}")
        await killer.ensure_closed()
        with pytest.raises((OperationalError, aiomysql.InterfaceError)):  # gone, or seen gone
            async with conn.cursor() as cur:
                await cur.execute("SELECT 3")
        await conn.ping(reconnect=True)
        assert conn.thread_id() != first
        assert await session_compression(conn) == "ON"
    finally:
        await conn.ensure_closed()
