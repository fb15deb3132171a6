"""The fault proxy in front of a TLS connection and in front of the unix socket.

TLS: the proxy sits between the driver and a private MariaDB with TLS on; it cannot read
the encrypted stream, so faults after the handshake are placed by byte count
(``when_client_sends=1``: on the client's next record, e.g. the encrypted COMMIT).
Unix socket: the proxy listens on a unix socket (the driver connects with
``unix_socket=``) and forwards to the session server's unix socket.

Each fault: the exact error, every wait bounded, and a second connection checking what
the server has (rows committed or not, the session gone from the process list).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from certs import CertFiles, make_certs
from fault_proxy import Action, Direction, Fault, FaultProxy
from helpers import BOUND, committed, gone, insert, make_table, session_gone

import aiomysql
from aiomysql.constants import CR
from aiomysql.testing import TemporaryServer

DB = "aiomysql_faults"


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> CertFiles:
    return make_certs(str(tmp_path_factory.mktemp("tls")))


@pytest.fixture(scope="module")
def tls_server(certs: CertFiles) -> Iterator[TemporaryServer]:
    """A private MariaDB with TLS on (the session server has none)."""
    args = [f"--ssl-ca={certs.ca}", f"--ssl-cert={certs.cert}", f"--ssl-key={certs.key}"]
    with TemporaryServer(extra_args=args) as srv:
        with socket.create_connection((srv.host, srv.port)) as sock:
            sock.recv(1)  # wait for the greeting: the server is up
        yield srv


@dataclass
class Setup:
    """Where the driver connects (through the proxy) and where the checker does."""

    proxy: FaultProxy
    proxied: dict[str, Any]  # through the proxy (TLS or unix socket)
    direct: dict[str, Any]  # straight to the server, plain TCP
    greeting_len: int  # bytes of the server's greeting (header included)


def greeting_length(host: str, port: int) -> int:
    with socket.create_connection((host, port), timeout=BOUND) as sock:
        header = b""
        while len(header) < 4:
            header += sock.recv(4 - len(header))
    return 4 + int.from_bytes(header[:3], "little")


async def create_db(kwargs: dict[str, Any]) -> None:
    conn = await aiomysql.connect(**kwargs)
    try:
        await conn.query(f"CREATE DATABASE IF NOT EXISTS {DB}")
    finally:
        await conn.ensure_closed()


@pytest.fixture
async def tls(tls_server: TemporaryServer, certs: CertFiles) -> AsyncIterator[Setup]:
    base = tls_server.connect_kwargs()
    await create_db(base)
    direct = {**base, "db": DB}
    async with FaultProxy(tls_server.host, tls_server.port) as proxy:
        # The proxy listens on 127.0.0.1: verify the CA, not the name "localhost".
        ssl = {"ca": certs.ca, "check_hostname": False}
        yield Setup(
            proxy,
            proxy.connect_kwargs({**direct, "ssl": ssl}),
            direct,
            greeting_length(tls_server.host, tls_server.port),
        )


@pytest.fixture
async def unix(mysql_server: Any, connect_kwargs: dict[str, Any]) -> AsyncIterator[Setup]:
    tmp = tempfile.mkdtemp(prefix="aiomysql-px-", dir="/tmp")  # sun_path is short
    path = os.path.join(tmp, "proxy.sock")
    if mysql_server.unix_socket:
        proxy = FaultProxy(target_unix=mysql_server.unix_socket, listen_unix=path)
    else:  # an external server without a socket: unix socket on the driver's side only
        proxy = FaultProxy(connect_kwargs["host"], connect_kwargs["port"], listen_unix=path)
    try:
        async with proxy:
            proxied = {k: v for k, v in connect_kwargs.items() if k not in ("host", "port")}
            yield Setup(
                proxy,
                proxy.connect_kwargs(proxied),
                connect_kwargs,
                greeting_length(connect_kwargs["host"], connect_kwargs["port"]),
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(params=["tls", "unix"])
def setup(request: pytest.FixtureRequest) -> Setup:
    value: Setup = request.getfixturevalue(request.param)
    return value


def lost(exc: BaseException) -> bool:
    return isinstance(exc, aiomysql.OperationalError) and exc.args[0] == CR.CR_SERVER_LOST


async def closed_for_good(conn: aiomysql.Connection) -> None:
    assert conn.closed
    with pytest.raises(aiomysql.InterfaceError):
        async with asyncio.timeout(BOUND):
            await conn.query("SELECT 1")
    conn.close()


# -- the TLS handshake ---------------------------------------------------------------------

# After the greeting the client sends a 36-byte SSLRequest, then the TLS ClientHello.
SSL_REQUEST = 4 + 32


@pytest.mark.parametrize("where", ["client-hello", "server-hello", "server-certificate"])
async def test_tls_handshake_cut(tls: Setup, where: str) -> None:
    """A cut at any point of the TLS handshake: OperationalError 2026 naming the server
    and the cause, raised at once, and the socket closed (the proxy sees the link close)."""
    fault = {
        "client-hello": Fault(Action.CUT, Direction.TO_SERVER, after=SSL_REQUEST),
        "server-hello": Fault(Action.CUT, Direction.TO_CLIENT, after=tls.greeting_len + 60),
        "server-certificate": Fault(Action.CUT, Direction.TO_CLIENT, after=tls.greeting_len + 400),
    }[where]
    tls.proxy.arm_next(fault)
    with pytest.raises(aiomysql.OperationalError) as info:
        async with asyncio.timeout(BOUND):
            await aiomysql.connect(**tls.proxied)
    code, message = info.value.args
    assert code == CR.CR_SSL_CONNECTION_ERROR, info.value
    assert f"TLS handshake with the server on '127.0.0.1:{tls.proxy.port}' failed" in message
    assert "connection lost (ConnectionResetError" in message, message
    assert tls.proxy.faults_fired == 1
    await gone(tls.proxy._all_links[-1].closed)


async def test_tls_handshake_stall_hits_connect_timeout(tls: Setup) -> None:
    """The server's handshake records never arrive: connect_timeout (structural: the proxy
    holds every byte) ends it with 2003, and the socket is closed."""
    tls.proxy.arm_next(Fault(Action.STALL, Direction.TO_CLIENT, after=tls.greeting_len + 60))
    with pytest.raises(aiomysql.OperationalError) as info:
        async with asyncio.timeout(BOUND):
            await aiomysql.connect(**tls.proxied, connect_timeout=0.5)
    assert info.value.args[0] == CR.CR_CONN_HOST_ERROR
    assert "timed out after 0.5 s" in info.value.args[1]
    await gone(tls.proxy._all_links[-1].closed)


async def test_unix_handshake_cut(unix: Setup) -> None:
    unix.proxy.arm_next(Fault(Action.CUT, Direction.TO_CLIENT, after=10))  # in the greeting
    with pytest.raises(aiomysql.OperationalError) as info:
        async with asyncio.timeout(BOUND):
            await aiomysql.connect(**unix.proxied)
    assert lost(info.value), info.value
    assert repr(unix.proxy.unix_path) in info.value.args[1]


async def test_unix_handshake_stall_hits_connect_timeout(unix: Setup) -> None:
    unix.proxy.arm_next(Fault(Action.STALL, Direction.TO_CLIENT, after=0))
    with pytest.raises(aiomysql.OperationalError) as info:
        async with asyncio.timeout(BOUND):
            await aiomysql.connect(**unix.proxied, connect_timeout=0.5)
    assert info.value.args[0] == CR.CR_CONN_HOST_ERROR
    assert repr(unix.proxy.unix_path) in info.value.args[1]
    await gone(unix.proxy._all_links[-1].closed)


# -- mid-result ----------------------------------------------------------------------------

MID_RESULT_SQL = "SELECT REPEAT('x', 1000000) AS v UNION ALL SELECT 'y'"


async def test_cut_mid_result(setup: Setup) -> None:
    conn = await aiomysql.connect(**setup.proxied)
    thread_id = conn.thread_id()
    setup.proxy.last.inject(
        Fault(Action.CUT, Direction.TO_CLIENT, after=300_000, when_client_sends=1)
    )
    with pytest.raises(aiomysql.OperationalError) as info:
        async with asyncio.timeout(BOUND), conn.cursor() as cur:
            await cur.execute(MID_RESULT_SQL)
    assert lost(info.value), info.value
    await closed_for_good(conn)
    await session_gone(setup.direct, thread_id)


async def test_stall_mid_result_hits_read_timeout(setup: Setup) -> None:
    """read_timeout=0.5 is structural here: the proxy holds every byte after 300,000."""
    conn = await aiomysql.connect(**setup.proxied, read_timeout=0.5)
    thread_id = conn.thread_id()
    link = setup.proxy.last
    link.inject(Fault(Action.STALL, Direction.TO_CLIENT, after=300_000, when_client_sends=1))
    with pytest.raises(aiomysql.OperationalError) as info:
        async with asyncio.timeout(BOUND), conn.cursor() as cur:
            await cur.execute(MID_RESULT_SQL)
    assert lost(info.value), info.value
    assert "read timed out after 0.5 s" in info.value.args[1]
    await closed_for_good(conn)
    await gone(link.closed)
    await session_gone(setup.direct, thread_id)


async def test_unbuffered_stream_cut(setup: Setup) -> None:
    conn = await aiomysql.connect(**setup.proxied)
    cur = await conn.cursor(aiomysql.SSCursor)
    await cur.execute("SELECT seq, REPEAT('x', 20000) FROM seq_1_to_1000")
    assert (await cur.fetchone()) == (1, "x" * 20000)
    setup.proxy.last.cut()
    with pytest.raises(aiomysql.OperationalError) as info:
        async with asyncio.timeout(BOUND):
            await cur.fetchall()
    assert lost(info.value), info.value
    await closed_for_good(conn)


# -- COMMIT --------------------------------------------------------------------------------


async def open_tx(setup: Setup, tag: str) -> aiomysql.Connection:
    conn = await aiomysql.connect(**setup.proxied)
    await conn.begin()
    await insert(conn, tag, 1)
    await insert(conn, tag, 2)
    return conn


async def test_commit_reply_cut_server_has_committed(setup: Setup) -> None:
    tag = await make_table(setup.direct)
    conn = await open_tx(setup, tag)
    thread_id = conn.thread_id()
    setup.proxy.last.inject(Fault(Action.CUT, Direction.TO_CLIENT, when_client_sends=1))
    with pytest.raises(aiomysql.OperationalError) as info:
        async with asyncio.timeout(BOUND):
            await conn.commit()
    assert lost(info.value), info.value  # never reported as success
    await closed_for_good(conn)
    await session_gone(setup.direct, thread_id)
    assert await committed(setup.direct, tag) == [1, 2]


async def test_commit_never_arrives_nothing_committed(setup: Setup) -> None:
    tag = await make_table(setup.direct)
    conn = await open_tx(setup, tag)
    thread_id = conn.thread_id()
    setup.proxy.last.inject(Fault(Action.CUT, Direction.TO_SERVER, when_client_sends=1))
    with pytest.raises(aiomysql.OperationalError) as info:
        async with asyncio.timeout(BOUND):
            await conn.commit()
    assert lost(info.value), info.value
    await closed_for_good(conn)
    await session_gone(setup.direct, thread_id)
    assert await committed(setup.direct, tag) == []


async def test_commit_reply_stalled_then_timeout_closes(setup: Setup) -> None:
    """The caller's timeout is structural: the proxy holds the whole reply."""
    tag = await make_table(setup.direct)
    conn = await open_tx(setup, tag)
    thread_id = conn.thread_id()
    setup.proxy.last.inject(Fault(Action.STALL, Direction.TO_CLIENT, when_client_sends=1))
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.5):
            await conn.commit()
    await closed_for_good(conn)
    await session_gone(setup.direct, thread_id)
    # The COMMIT reached the server (only its reply was held): committed.
    assert await committed(setup.direct, tag) == [1, 2]


async def test_commit_delayed_still_succeeds(setup: Setup) -> None:
    tag = await make_table(setup.direct)
    conn = await open_tx(setup, tag)
    setup.proxy.last.inject(
        Fault(Action.DELAY, Direction.TO_CLIENT, seconds=0.3, when_client_sends=1)
    )
    async with asyncio.timeout(BOUND):
        await conn.commit()
    assert not conn.closed and setup.proxy.faults_fired == 1
    assert await committed(setup.direct, tag) == [1, 2]
    async with conn.cursor() as cur:  # and the TLS / socket stream is still in step
        await cur.execute("SELECT 7")
        assert await cur.fetchone() == (7,)
    await conn.ensure_closed()
