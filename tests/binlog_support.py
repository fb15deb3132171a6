"""A session-wide MariaDB with the binlog on (ROW format, full row metadata), for the
replication tests; the main test server stays as it is."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import aiomysql
from aiomysql.replication import BinlogStream
from aiomysql.testing import TemporaryServer

BINLOG_ARGS = (
    "--log-bin=binlog",
    "--binlog-format=ROW",
    "--server-id=1",
    "--binlog-row-metadata=FULL",
    "--binlog-checksum=CRC32",
    "--binlog-annotate-row-events=ON",
)
DB = "cdc_test"

_server: TemporaryServer | None = None


@pytest.fixture(scope="session")
def binlog_server() -> Iterator[TemporaryServer]:
    """The binlog server (started on first use, stopped at the end of the session)."""
    global _server
    with TemporaryServer(extra_args=BINLOG_ARGS) as srv:
        _server = srv
        try:
            yield srv
        finally:
            _server = None


def server_kwargs(srv: TemporaryServer) -> dict[str, Any]:
    """host/port/user/password of ``srv``."""
    return {"host": srv.host, "port": srv.port, "user": srv.user, "password": srv.password}


async def open_writer(srv: TemporaryServer, **extra: Any) -> aiomysql.Connection:
    """An autocommit connection with UTC session time (TIMESTAMPs compare with the binlog's)."""
    conn = await aiomysql.connect(**server_kwargs(srv), autocommit=True, **extra)
    async with conn.cursor() as cur:
        await cur.execute("SET time_zone = '+00:00'")
        await cur.execute("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", DB)
        if not await cur.fetchone():  # not IF NOT EXISTS: its warning is an error here
            await cur.execute(f"CREATE DATABASE {DB}")
    return conn


async def position(conn: aiomysql.Connection) -> tuple[str, int]:
    """The server's current binlog file and position."""
    async with conn.cursor() as cur:
        await cur.execute("SHOW MASTER STATUS")
        row = await cur.fetchone()
    assert row is not None
    return str(row[0]), int(row[1])


async def events_between(srv: TemporaryServer, start: tuple[str, int], **options: Any) -> list[Any]:
    """Every event from ``start`` to the end of the binlog (non-blocking dump)."""
    stream = BinlogStream(
        **server_kwargs(srv),
        server_id=options.pop("server_id", 901),
        blocking=False,
        log_file=start[0],
        log_pos=start[1],
        **options,
    )
    try:
        return [event async for event in stream]
    finally:
        await stream.close()


@pytest.fixture
async def writer(binlog_server: TemporaryServer) -> AsyncIterator[aiomysql.Connection]:
    """An autocommit connection to the binlog server (database ``cdc_test`` exists)."""
    conn = await open_writer(binlog_server)
    yield conn
    conn.close()
