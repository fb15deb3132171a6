"""zstd and the choice of algorithm (MySQL 8.0.18+), against the fake server.

MariaDB offers zlib only, so what MySQL adds is played by ``fake_mysql_server``: it
announces CLIENT_COMPRESS and/or CLIENT_ZSTD_COMPRESSION_ALGORITHM, reads which one the
client answers with and the zstd level byte after the connection attributes, then speaks
compressed packets with zlib/zstd itself (the documented layout, not the driver's code),
jumping its ordinary sequence ids at each flush as real servers do.
"""

from __future__ import annotations

import zlib
from typing import Any

import mysql_packets as sp
import pytest
from fake_mysql_server import (
    CLIENT_COMPRESS,
    CLIENT_ZSTD_COMPRESSION_ALGORITHM,
    FakeConnection,
    FakeServer,
    HandshakeResponse,
)

import aiomysql
from aiomysql.constants import CR
from aiomysql.errors import OperationalError
from aiomysql.protocol.compression_codecs import zstd_available
from aiomysql.protocol.packets import ProtocolError, lenenc_int

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
COM_QUIT = b"\x01"
ROWS = [(f"{i}".encode(), b"wide text, row %d; " % i * 30) for i in range(200)]

needs_zstd = pytest.mark.skipif(not zstd_available(), reason="no zstd on this Python")


def send_result(conn: FakeConnection) -> None:
    """A two-column text result set of ROWS (CLIENT_DEPRECATE_EOF: ends with an OK 0xFE)."""
    conn.send(lenenc_int(2))
    conn.send(sp.column("id"))
    conn.send(sp.column("text"))
    for row in ROWS:
        conn.send(sp.text_row(*row))
    conn.send(sp.ok(header=0xFE))


def compressing_server(caps: int) -> tuple[FakeServer, dict[str, Any]]:
    """A fake server offering ``caps``: it compresses as the client chose and answers each
    query with ROWS. ``seen`` gets the handshake response, the algorithm and the queries."""
    seen: dict[str, Any] = {"queries": []}

    def script(conn: FakeConnection) -> None:
        response: HandshakeResponse = conn.greet("mysql_native_password", caps=caps)
        seen["response"] = response
        conn.ok()
        algorithm = None
        if response.capabilities & CLIENT_ZSTD_COMPRESSION_ALGORITHM:
            assert not response.capabilities & CLIENT_COMPRESS, "the client asked for both"
            algorithm = "zstd"
            conn.start_compression("zstd", response.zstd_level or 3)
        elif response.capabilities & CLIENT_COMPRESS:
            algorithm = "zlib"
            conn.start_compression("zlib")
        seen["algorithm"] = algorithm
        while True:
            conn.new_command()
            try:
                payload = conn.recv()
            except EOFError:
                return
            if payload == COM_QUIT:
                return
            seen["queries"].append(payload)
            send_result(conn)

    return FakeServer(script), seen


async def run_queries(server: FakeServer, **options: Any) -> list[Any]:
    big = "SELECT '" + "x" * 300 + "'"  # over the 50-byte threshold: sent compressed
    async with aiomysql.connect(**server.kwargs(autocommit=None, **options)) as conn:
        async with conn.cursor() as cur:
            await cur.execute("SELECT 1")
            first = await cur.fetchall()
            await cur.execute(big)
            second = await cur.fetchall()
    return [first, second]


EXPECTED = [tuple(v.decode() for v in row) for row in ROWS]


@needs_zstd
async def test_zstd_with_its_level_when_the_server_offers_both() -> None:
    server, seen = compressing_server(
        sp.SERVER_CAPS | CLIENT_COMPRESS | CLIENT_ZSTD_COMPRESSION_ALGORITHM
    )
    async with server:
        results = await run_queries(
            server, compression_algorithms=["zstd", "zlib"], zstd_compression_level=7
        )
    assert results == [tuple(EXPECTED)] * 2
    assert seen["algorithm"] == "zstd"
    assert seen["response"].zstd_level == 7
    assert seen["queries"][1] == b"\x03SELECT '" + b"x" * 300 + b"'"


@needs_zstd
async def test_the_client_compresses_with_zstd_above_the_threshold() -> None:
    received: list[tuple[bytes, bytes]] = []
    seen: dict[str, Any] = {}

    def script(conn: FakeConnection) -> None:
        response = conn.greet(
            "mysql_native_password", caps=sp.SERVER_CAPS | CLIENT_ZSTD_COMPRESSION_ALGORITHM
        )
        conn.ok()
        conn.start_compression("zstd", response.zstd_level or 3)
        for _ in range(2):
            conn.new_command()
            seen.setdefault("queries", []).append(conn.recv())
            send_result(conn)
        conn.new_command()
        assert conn.recv() == COM_QUIT
        received.extend(conn.compressed_in)

    server = FakeServer(script)
    async with server:
        results = await run_queries(server, compression_algorithms="zstd")
    assert results == [tuple(EXPECTED)] * 2
    small, big, quit_ = received
    assert small[0][3] == 0 and small[0][4:7] == b"\0\0\0"  # seq 0, sent uncompressed
    assert big[0][3] == 0 and int.from_bytes(big[0][4:7], "little") == 4 + 1 + 309
    assert big[1].startswith(ZSTD_MAGIC)
    assert quit_[0][4:7] == b"\0\0\0"


@pytest.mark.parametrize(
    ("offered", "options", "chosen"),
    [
        (CLIENT_COMPRESS, {"compression_algorithms": ["zstd", "zlib"]}, "zlib"),
        (CLIENT_COMPRESS, {"compress": True}, "zlib"),
        (CLIENT_ZSTD_COMPRESSION_ALGORITHM, {"compress": True}, None),
        (0, {"compression_algorithms": ["zlib", "uncompressed"]}, None),
        (CLIENT_COMPRESS | CLIENT_ZSTD_COMPRESSION_ALGORITHM, {"compress": True}, "zlib"),
        (CLIENT_COMPRESS, {"client_flag": CLIENT_COMPRESS}, "zlib"),  # PyMySQL's way
        (CLIENT_COMPRESS, {}, None),
    ],
    ids=["zstd-or-zlib", "compress", "compress-no-zlib", "none-offered", "both", "flag", "off"],
)
async def test_the_choice_when_the_server_offers_one_or_none(
    offered: int, options: dict[str, Any], chosen: str | None
) -> None:
    if "zstd" in options.get("compression_algorithms", ()) and not zstd_available():
        pytest.skip("no zstd on this Python")
    server, seen = compressing_server(sp.SERVER_CAPS | offered)
    async with server:
        assert await run_queries(server, **options) == [tuple(EXPECTED)] * 2
    assert seen["algorithm"] == chosen
    assert (seen["response"].zstd_level is None) == (chosen != "zstd")


@needs_zstd
async def test_no_common_algorithm_without_uncompressed_fails_clearly() -> None:
    def script(conn: FakeConnection) -> None:
        conn.send(sp.greeting(version=b"8.0.36-fake", caps=sp.SERVER_CAPS | CLIENT_COMPRESS))
        assert conn.wait_closed()  # the client hangs up without answering

    async with FakeServer(script) as server:
        with pytest.raises(OperationalError, match="none of the compression algorithms") as info:
            await aiomysql.connect(**server.kwargs(compression_algorithms=["zstd"]))
    assert info.value.args[0] == CR.CR_COMPRESSION_WRONGLY_CONFIGURED


async def test_a_server_packet_inflating_past_its_declared_size_is_a_protocol_error() -> None:
    def script(conn: FakeConnection) -> None:
        conn.greet("mysql_native_password", caps=sp.SERVER_CAPS | CLIENT_COMPRESS)
        conn.ok()
        conn.start_compression("zlib")
        conn.new_command()
        conn.recv()
        stream = b"".join(
            len(p).to_bytes(3, "little") + bytes((i + 1,)) + p
            for i, p in enumerate([lenenc_int(1), sp.column("a"), sp.text_row(b"v" * 500)])
        )
        body = zlib.compress(stream)
        # declares 100 bytes fewer than the zlib stream holds
        header = len(body).to_bytes(3, "little") + bytes((conn.cseq,))
        conn.sock.sendall(header + (len(stream) - 100).to_bytes(3, "little") + body)
        conn.wait_closed()

    async with FakeServer(script) as server:
        conn = await aiomysql.connect(**server.kwargs(autocommit=None, compress=True))
        async with conn.cursor() as cur:
            with pytest.raises(ProtocolError, match="inflates past its declared"):
                await cur.execute("SELECT a")
        assert conn.closed
        conn.close()
