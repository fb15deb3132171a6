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
#: AIOMYSQL_TEST_PREPARED=1: connections default to prepared=True (the forced-mode pass).
PREPARED_PASS = os.environ.get("AIOMYSQL_TEST_PREPARED", "") not in ("", "0")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In the forced prepared-statement pass, skip the checks of text-protocol details that
    prepared statements deliberately differ in (README, "Prepared statements")."""
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
    """A fresh dict for ``aiomysql.connect(**connect_kwargs)`` (TCP, database aiomysql_test)."""
    return {
        "host": mysql_server.host,
        "port": mysql_server.port,
        "user": mysql_server.user,
        "password": mysql_server.password,
        "db": _test_database,
    }
