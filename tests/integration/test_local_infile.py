"""LOAD DATA LOCAL INFILE: off by default, streamed in chunks, only the named file sent."""

from __future__ import annotations

import time
import tracemalloc
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import mysql_packets as sp
import pytest
from scripted_query_server import FakeServer, Session

import aiomysql
from aiomysql.constants import CR

#: Size of the big file; 200 MB loads in well under 30 s on the 2-core CI machine.
BIG_FILE_BYTES = 200 * 1024 * 1024


def table_name() -> str:
    return "infile_" + uuid.uuid4().hex[:16]


@pytest.fixture
async def table(connect_kwargs: dict[str, Any]) -> AsyncIterator[str]:
    """A fresh (id, payload) table, dropped afterwards. Aria: cheap bulk appends."""
    name = table_name()
    async with aiomysql.connect(**connect_kwargs) as conn:
        async with conn.cursor() as cur:
            await cur.execute(
                f"CREATE TABLE {name} (id INT NOT NULL, payload VARCHAR(255)) ENGINE=Aria"
            )
    try:
        yield name
    finally:
        async with aiomysql.connect(**connect_kwargs) as conn:
            async with conn.cursor() as cur:
                await cur.execute(f"DROP TABLE IF EXISTS {name}")


def write_rows(path: Path, n: int, width: int = 8) -> None:
    with path.open("w") as f:
        for i in range(n):
            f.write(f"{i}\t{'x' * width}{i}\n")


async def test_disabled_by_default(
    connect_kwargs: dict[str, Any], table: str, tmp_path: Path
) -> None:
    path = tmp_path / "rows.tsv"
    write_rows(path, 3)
    async with aiomysql.connect(**connect_kwargs) as conn:
        assert conn.local_infile is False
        async with conn.cursor() as cur:
            with pytest.raises(aiomysql.Error) as info:
                await cur.execute(f"LOAD DATA LOCAL INFILE %s INTO TABLE {table}", (str(path),))
            # The server refuses it because the client did not offer LOCAL_FILES.
            assert "local infile" in str(info.value).lower() or "not allowed" in str(info.value)
            await cur.execute(f"SELECT COUNT(*) FROM {table}")
            assert await cur.fetchone() == (0,)


async def test_loads_the_named_file(
    connect_kwargs: dict[str, Any], table: str, tmp_path: Path
) -> None:
    # A name that needs escaping: the client must recognise it after mogrify().
    path = tmp_path / "it's a \\ file.tsv"
    write_rows(path, 1000)
    async with aiomysql.connect(local_infile=True, **connect_kwargs) as conn:
        async with conn.cursor() as cur:
            sql = f"LOAD DATA LOCAL INFILE %s INTO TABLE {table}"
            assert await cur.execute(sql, (str(path),)) == 1000
            await cur.execute(f"SELECT COUNT(*), MAX(id), MAX(payload) FROM {table}")
            assert await cur.fetchone() == (1000, 999, "xxxxxxxx999")


async def test_unreadable_file_is_a_clear_error_and_connection_stays_usable(
    connect_kwargs: dict[str, Any], table: str, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.tsv"
    async with aiomysql.connect(local_infile=True, **connect_kwargs) as conn:
        async with conn.cursor() as cur:
            with pytest.raises(aiomysql.OperationalError, match="Can't read local file"):
                await cur.execute(f"LOAD DATA LOCAL INFILE '{missing}' INTO TABLE {table}")
            await cur.execute(f"SELECT COUNT(*) FROM {table}")
            assert await cur.fetchone() == (0,)


async def test_big_file_streams_with_flat_client_memory(
    connect_kwargs: dict[str, Any], table: str, tmp_path: Path
) -> None:
    """A 200 MB file loads completely while the client's traced memory peak stays tiny."""
    path = tmp_path / "big.tsv"
    line_width = 200
    block_rows = 10_000
    rows = 0
    with path.open("w") as f:
        while f.tell() < BIG_FILE_BYTES:
            f.write(
                "".join(f"{i}\t{'y' * (line_width - 12)}\n" for i in range(rows, rows + block_rows))
            )
            rows += block_rows
    size = path.stat().st_size
    assert size >= BIG_FILE_BYTES
    async with aiomysql.connect(local_infile=True, **connect_kwargs) as conn:
        async with conn.cursor() as cur:
            started = time.monotonic()
            tracemalloc.start()
            try:
                loaded = await cur.execute(f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE {table}")
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            elapsed = time.monotonic() - started
            print(f"loaded {size / 1e6:.0f} MB in {elapsed:.1f} s, client peak {peak} bytes")
            assert loaded == rows
            # The file is never held whole: a few 64 KiB chunks at most.
            assert peak < 4 * 1024 * 1024, peak
            await cur.execute(f"SELECT COUNT(*), MIN(id), MAX(id) FROM {table}")
            assert await cur.fetchone() == (rows, 0, rows - 1)


# --- a rogue server (scripted: a real MariaDB only ever asks for the file named) -----


def rogue_server(requested: bytes) -> tuple[FakeServer, list[list[bytes]]]:
    """A fake server answering every LOAD DATA with a request for ``requested``.

    For each LOAD DATA it records the packets the client sent back up to and including
    the empty packet that ends a file, then replies OK as a real server would. Any
    other query gets a one-column result set holding 1.
    """
    answers: list[list[bytes]] = []

    async def on_query(session: Session, sql: bytes) -> None:
        if not sql.upper().startswith(b"LOAD DATA"):
            # Column count, definition, row, then OK (0xFE) under DEPRECATE_EOF.
            await session.send(b"\x01", sp.column("1"), sp.text_row(b"1"), sp.ok(header=0xFE))
            return
        await session.send(b"\xfb" + requested)  # LOCAL INFILE request
        sent: list[bytes] = []
        while True:
            packet = await session.read_packet()
            sent.append(packet)
            if not packet:
                break
        answers.append(sent)
        await session.send(sp.ok())

    return FakeServer(on_query), answers


@pytest.mark.text_protocol("it lists the commands sent; a prepare attempt (1047) comes first")
@pytest.mark.parametrize("local_infile", [True, False])
async def test_rogue_server_cannot_read_another_file(local_infile: bool, tmp_path: Path) -> None:
    """A server that asks for /etc/passwd instead of the file the statement named.

    MariaDB cannot be made to do this, so the server is a small scripted one
    (tests/scripted_query_server.py) speaking the documented protocol: a HandshakeV10
    greeting, an OK to the login, and to the COM_QUERY a LOCAL INFILE request (0xFB
    followed by the file name) naming /etc/passwd. The client must answer with the
    empty packet alone, which ends the file transfer without a byte of the file, raise
    a clear error once the server has replied, and stay usable.
    """
    named = tmp_path / "data.csv"
    named.write_text("1,a\n")
    server, answers = rogue_server(b"/etc/passwd")
    async with server:
        conn = await aiomysql.connect(
            host=server.host,
            port=server.port,
            user="u",
            local_infile=local_infile,
            autocommit=None,
        )
        try:
            async with conn.cursor() as cur:
                with pytest.raises(aiomysql.OperationalError) as info:
                    await cur.execute(f"LOAD DATA LOCAL INFILE '{named}' INTO TABLE t")
                assert info.value.args[0] == CR.CR_UNKNOWN_ERROR
                message = str(info.value)
                assert "/etc/passwd" in message
                assert "refused" in message or "disabled" in message
                assert answers == [[b""]]
                await cur.execute("SELECT 1")
                assert list(await cur.fetchall()) == [("1",)]
        finally:
            await conn.ensure_closed()
        [session] = server.sessions
        # Nothing else reached the server: the query, the empty packet, the SELECT, QUIT.
        assert [p[:1] for _, p in session.received] == [b"\x03", b"", b"\x03", b"\x01"]


async def test_multi_statements_send_only_the_file_a_load_statement_names(
    connect_kwargs: dict[str, Any], table: str, tmp_path: Path
) -> None:
    # Multi-statements are on by default: the name check finds the LOAD statement after
    # the first one, and not the LOAD DATA text inside the first one's string literal
    # (had it taken that name, the server's request would have been refused).
    path = tmp_path / "rows.tsv"
    write_rows(path, 5)
    decoy = f"LOAD DATA LOCAL INFILE '{tmp_path / 'decoy.tsv'}' INTO TABLE {table}"
    async with aiomysql.connect(local_infile=True, **connect_kwargs) as conn:
        async with conn.cursor() as cur:
            sql = f"SELECT %s; LOAD DATA LOCAL INFILE %s INTO TABLE {table}"
            await cur.execute(sql, (decoy, str(path)))
            assert await cur.fetchall() == ((decoy,),)
            assert await cur.nextset()
            assert cur.rowcount == 5
            await cur.execute(f"SELECT COUNT(*) FROM {table}")
            assert await cur.fetchone() == (5,)
