"""Shared fixtures: one MariaDB/MySQL server per test session, and connect kwargs for it."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from aiomysql.testing import TemporaryServer

TEST_DB = "aiomysql_test"
#: AIOMYSQL_TEST_COMPRESS=1: every connection made from ``connect_kwargs`` uses protocol
#: compression (scripts/test.sh runs a pass of the suite so).
FORCE_COMPRESS = os.environ.get("AIOMYSQL_TEST_COMPRESS", "") not in ("", "0")
#: Tests that place faults at byte offsets or byte patterns of the *uncompressed* stream, or
#: need a result or a write larger than the socket buffers: compressed, those bytes never
#: pass (the fault does not fire) or are somewhere else. Skipped under the switch; the
#: compressed wire has its own fault test (tests/faults/test_compression_faults.py).
UNCOMPRESSED_WIRE_TESTS = (
    "tests/faults/test_executemany_cancel.py::test_cancelled_while_statements_are_in_flight",
    "tests/faults/test_fault_points.py::test_cut_mid_result_raises_lost_then_every_call_fails",
    "tests/faults/test_fault_points.py::test_cut_mid_large_packet_raises_lost",
    "tests/faults/test_fault_points.py::test_corrupt_second_frame_header_of_large_packet",
    "tests/faults/test_fault_points.py::test_stall_mid_large_packet_then_timeout_closes",
    "tests/faults/test_fault_points.py::test_read_timeout_ends_a_stall_without_a_caller_timeout",
    "tests/faults/test_server_kill.py::test_kill_mid_load_data_local",
    "tests/faults/test_tls_unix_faults.py::test_cut_mid_result[unix]",
    "tests/faults/test_tls_unix_faults.py::test_stall_mid_result_hits_read_timeout[unix]",
    "tests/faults/test_write_timeout.py::test_write_timeout_fires_when_the_peer_stops_reading",
)
#: AIOMYSQL_TEST_PREPARED=1: connections default to prepared=True (the forced-mode pass).
PREPARED_PASS = os.environ.get("AIOMYSQL_TEST_PREPARED", "") not in ("", "0")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip what a forced-mode pass cannot run: under AIOMYSQL_TEST_COMPRESS=1 the tests
    that read the uncompressed wire; under AIOMYSQL_TEST_PREPARED=1 the checks of
    text-protocol details prepared statements deliberately differ in (README, "Prepared
    statements")."""
    if FORCE_COMPRESS:
        skip = pytest.mark.skip(reason="places faults by uncompressed wire bytes (compressed run)")
        for item in items:
            if item.nodeid.startswith(UNCOMPRESSED_WIRE_TESTS):
                item.add_marker(skip)
    if not PREPARED_PASS:
        return
    for item in items:
        marker = item.get_closest_marker("text_protocol")
        if marker is not None:
            reason = marker.args[0] if marker.args else "a text-protocol detail"
            item.add_marker(pytest.mark.skip(reason=f"prepared pass: {reason}"))


@dataclass(frozen=True)
class ServerInfo:
    """Where the test server is; `server` is the TemporaryServer when we started one."""

    host: str
    port: int
    user: str
    password: str
    unix_socket: str | None
    server: TemporaryServer | None = None


def _check_answers(host: str, port: int) -> None:
    try:
        with socket.create_connection((host, port), timeout=5.0) as sock:
            if not sock.recv(4):
                raise ConnectionError("closed without a greeting")
    except OSError as exc:
        raise RuntimeError(
            f"AIOMYSQL_TEST_HOST={host} AIOMYSQL_TEST_PORT={port}: server does not answer: {exc}"
        ) from exc


def run_in_thread(make_coro: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """Run a coroutine to completion on a private event loop in a helper thread.

    Keeps sync fixtures from touching the main thread's event-loop state.
    """
    result: list[Any] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(make_coro()))
        except BaseException as exc:  # re-raised in the calling thread
            error.append(exc)

    thread = threading.Thread(target=target, name="fixture-loop")
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]


@pytest.fixture(scope="session")
def mysql_server() -> Iterator[ServerInfo]:
    """The session's server: the one named by AIOMYSQL_TEST_* env vars, else a fresh
    TemporaryServer. Never skips: if neither works, tests using it error."""
    host = os.environ.get("AIOMYSQL_TEST_HOST")
    if host:
        info = ServerInfo(
            host=host,
            port=int(os.environ.get("AIOMYSQL_TEST_PORT") or 3306),
            user=os.environ.get("AIOMYSQL_TEST_USER") or "root",
            password=os.environ.get("AIOMYSQL_TEST_PASSWORD", ""),
            unix_socket=os.environ.get("AIOMYSQL_TEST_UNIX_SOCKET") or None,
        )
        _check_answers(info.host, info.port)
        yield info
        return
    with TemporaryServer() as srv:
        yield ServerInfo(srv.host, srv.port, srv.user, srv.password, srv.unix_socket, srv)


@pytest.fixture(scope="session")
def _test_database(mysql_server: ServerInfo) -> str:
    """Create the test database once per session, through our own driver."""
    import aiomysql

    async def create() -> None:
        conn = await aiomysql.connect(
            host=mysql_server.host,
            port=mysql_server.port,
            user=mysql_server.user,
            password=mysql_server.password,
        )
        try:
            async with conn.cursor() as cur:
                # Not "IF NOT EXISTS": on a reused server that raises warning 1007,
                # which this suite turns into an error.
                await cur.execute(
                    "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s",
                    (TEST_DB,),
                )
                if not await cur.fetchone():
                    await cur.execute(f"CREATE DATABASE {TEST_DB}")
        finally:
            await conn.ensure_closed()

    run_in_thread(create)
    return TEST_DB


@pytest.fixture
def connect_kwargs(mysql_server: ServerInfo, _test_database: str) -> dict[str, Any]:
    """A fresh dict for ``aiomysql.connect(**connect_kwargs)`` (TCP, database aiomysql_test;
    compressed under AIOMYSQL_TEST_COMPRESS=1)."""
    kwargs: dict[str, Any] = {
        "host": mysql_server.host,
        "port": mysql_server.port,
        "user": mysql_server.user,
        "password": mysql_server.password,
        "db": _test_database,
    }
    if FORCE_COMPRESS:
        kwargs["compress"] = True
    return kwargs
