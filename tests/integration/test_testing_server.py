"""Tests of aiomysql.testing.TemporaryServer, checked with the CLI client and raw sockets."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from aiomysql.testing import TemporaryServer

pytestmark = pytest.mark.tempserver


def cli(*args: str, sql: str) -> str:
    """Run SQL with the mariadb/mysql command-line client; return its batch output."""
    client = shutil.which("mariadb") or shutil.which("mysql")
    if client is None:
        raise RuntimeError("these tests need the mariadb (or mysql) command-line client")
    out = subprocess.run(
        [client, "--no-defaults", "-uroot", "-N", "-B", *args, "-e", sql],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def tcp(srv: TemporaryServer, sql: str) -> str:
    return cli(f"-h{srv.host}", f"-P{srv.port}", "--protocol=TCP", sql=sql)


def greeting(host: str, port: int) -> bytes:
    """The payload of the server's first packet (the initial handshake)."""
    with socket.create_connection((host, port), timeout=10) as sock:
        data = b""
        while len(data) < 4 or len(data) < 4 + int.from_bytes(data[:3], "little"):
            chunk = sock.recv(4096)
            assert chunk, "server closed before sending its greeting"
            data += chunk
    return data[4 : 4 + int.from_bytes(data[:3], "little")]


def process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_start_query_stop_removes_everything() -> None:
    with TemporaryServer() as srv:
        assert srv.running and srv.pid is not None
        pid, tempdir = srv.pid, srv.tempdir
        assert srv.datadir.startswith(tempdir) and os.path.isdir(srv.datadir)
        assert os.path.exists(srv.unix_socket)
        assert srv.connect_kwargs() == {
            "host": "127.0.0.1",
            "port": srv.port,
            "user": "root",
            "password": "",
        }
        assert tcp(srv, "SELECT 1") == "1"
        assert cli(f"-S{srv.unix_socket}", sql="SELECT 2") == "2"
    assert not srv.running
    assert not os.path.exists(tempdir)
    assert process_gone(pid)


def test_server_settings() -> None:
    with TemporaryServer(max_allowed_packet="64M") as srv:
        row = tcp(
            srv,
            "SELECT @@port, @@max_allowed_packet, @@local_infile, @@performance_schema,"
            " @@character_set_server, @@skip_name_resolve",
        )
        assert row.split("\t") == [str(srv.port), str(64 << 20), "1", "1", "utf8mb4", "1"]


def test_bad_extra_arg_gives_clear_error_and_cleans_up() -> None:
    srv = TemporaryServer(extra_args=["--no-such-option-for-tests"])
    with pytest.raises(RuntimeError) as info:
        srv.start()
    message = str(info.value)
    assert "exited during start-up" in message
    assert "no-such-option-for-tests" in message  # the server's own complaint, from its log
    assert not srv.running
    assert not os.path.exists(srv.tempdir)


def test_startup_timeout_is_bounded() -> None:
    srv = TemporaryServer(startup_timeout=0.0)
    with pytest.raises(RuntimeError, match="not ready after"):
        srv.start()
    assert not srv.running
    assert not os.path.exists(srv.tempdir)


def test_restart_keeps_port_and_data() -> None:
    with TemporaryServer() as srv:
        port, pid = srv.port, srv.pid
        tcp(srv, "CREATE DATABASE survives_restart")
        srv.restart()
        assert srv.running and srv.port == port and srv.pid != pid
        assert tcp(srv, "SHOW DATABASES LIKE 'survives_restart'") == "survives_restart"


def test_given_port_and_second_start_refused() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with TemporaryServer(port=port) as srv:
        assert srv.port == port
        assert greeting("127.0.0.1", port)[0] == 10  # protocol version 10
        with pytest.raises(RuntimeError, match="already running"):
            srv.start()


def test_forgotten_server_is_stopped_at_exit(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        from aiomysql.testing import TemporaryServer
        srv = TemporaryServer().start()
        print(srv.pid, srv.tempdir, flush=True)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,  # import the installed package, not the source folder
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    pid, tempdir = out.stdout.split()
    assert process_gone(int(pid))
    assert not os.path.exists(tempdir)


def test_session_server_greets(mysql_server: Any) -> None:
    assert greeting(mysql_server.host, mysql_server.port)[0] == 10
