"""Connecting to what is not there: a name that does not resolve, a closed port, a host
that accepts and never says a word. Each is an OperationalError 2003 naming the host and
the cause, raised within a bounded time, with no socket left open."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest
from helpers import BOUND, fds_down_to, open_fds

import aiomysql
from aiomysql.constants import CR


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections (the kernel completes the TCP handshake
    from the listen backlog) but never sends a byte: no greeting will ever arrive."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


async def connect_error(**kwargs: object) -> aiomysql.OperationalError:
    fds = open_fds()
    with pytest.raises(aiomysql.OperationalError) as info:
        async with asyncio.timeout(BOUND):  # only a safety net
            await aiomysql.connect(user="root", **kwargs)
    await fds_down_to(fds)  # no socket left behind
    return info.value


async def test_name_that_does_not_resolve() -> None:
    exc = await connect_error(host="no-such-host.invalid", port=3306)
    code, message = exc.args
    assert code == CR.CR_CONN_HOST_ERROR
    assert message.startswith("Can't connect to MySQL server on 'no-such-host.invalid:3306' (")
    assert isinstance(exc.__cause__, socket.gaierror)  # the resolver's own error
    assert str(exc.__cause__) in message, message  # e.g. "Name or service not known"


async def test_connection_refused(closed_port: int) -> None:
    exc = await connect_error(host="127.0.0.1", port=closed_port)
    code, message = exc.args
    assert code == CR.CR_CONN_HOST_ERROR
    assert f"on '127.0.0.1:{closed_port}'" in message
    assert isinstance(exc.__cause__, ConnectionRefusedError)
    assert "Connect call failed" in message or "refused" in message.lower(), message


async def test_host_that_never_greets_hits_connect_timeout(silent_port: int) -> None:
    """connect_timeout=0.3 is structural: nothing will ever arrive."""
    exc = await connect_error(host="127.0.0.1", port=silent_port, connect_timeout=0.3)
    assert exc.args == (
        CR.CR_CONN_HOST_ERROR,
        f"Can't connect to MySQL server on '127.0.0.1:{silent_port}' (timed out after 0.3 s)",
    )


async def test_unix_socket_that_does_not_exist(tmp_path: object) -> None:
    path = f"{tmp_path}/no-server.sock"
    exc = await connect_error(unix_socket=path)
    code, message = exc.args
    assert code == CR.CR_CONN_HOST_ERROR
    assert repr(path) in message and "No such file or directory" in message, message
    assert isinstance(exc.__cause__, FileNotFoundError)


async def test_pool_reports_the_same_errors(closed_port: int) -> None:
    pool = await aiomysql.create_pool(minsize=0, maxsize=2, host="127.0.0.1", port=closed_port)
    try:
        for _ in range(3):
            with pytest.raises(aiomysql.OperationalError) as info:
                async with asyncio.timeout(BOUND):
                    await pool.acquire()
            assert info.value.args[0] == CR.CR_CONN_HOST_ERROR
            assert f"127.0.0.1:{closed_port}" in info.value.args[1]
        assert pool.size == 0 and pool.stats().opened == 0
    finally:
        pool.close()
        await pool.wait_closed()
