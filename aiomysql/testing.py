"""TemporaryServer: a throwaway MariaDB/MySQL server in a temp dir, for test suites."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

from .testing_cluster import ClusterBase

__all__ = ["TemporaryCluster", "TemporaryServer", "find_server_binary"]

SERVER_NAMES = ("mariadbd", "mysqld")
SEARCH_DIRS = ("/usr/sbin", "/usr/libexec", "/usr/local/mysql/bin", "/usr/local/sbin")
INSTALL_DB_NAMES = ("mariadb-install-db", "mysql_install_db")
READY_MARKER = "ready for connections"
_PORT_IN_USE_MARKERS = ("Address already in use", "Do you already have another")
_MAX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux; keep a margin


def find_server_binary(binary: str | None = None) -> str:
    """Return the path of `binary`, or of the first mariadbd/mysqld found on PATH or in
    the usual sbin/libexec directories; raise RuntimeError naming where it looked."""
    if binary is not None:
        found = shutil.which(binary)
        if found is None:
            raise RuntimeError(f"server binary {binary!r} not found or not executable")
        return found
    for name in SERVER_NAMES:
        found = shutil.which(name) or shutil.which(name, path=os.pathsep.join(SEARCH_DIRS))
        if found is not None:
            return found
    raise RuntimeError(
        f"no MariaDB/MySQL server binary ({', '.join(SERVER_NAMES)}) on PATH or in "
        f"{', '.join(SEARCH_DIRS)}; on Debian/Ubuntu: apt-get install mariadb-server"
    )


def _is_mariadb(binary: str) -> bool:
    out = subprocess.run(
        [binary, "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    return "mariadb" in (out.stdout + out.stderr).lower()


def _find_install_db(binary: str) -> str | None:
    here = os.path.dirname(binary)
    prefix = os.path.dirname(here)
    dirs = [here, os.path.join(prefix, "bin"), os.path.join(prefix, "scripts"), "/usr/bin"]
    for name in INSTALL_DB_NAMES:
        found = shutil.which(name) or shutil.which(name, path=os.pathsep.join(dirs))
        if found is not None:
            return found
    return None


def _plugin_dir(binary: str) -> str | None:
    """The server's compiled-in plugin directory, read from `--verbose --help`."""
    try:
        out = subprocess.run(
            [binary, "--no-defaults", "--verbose", "--help"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "plugin-dir":
            return parts[1]
    return None


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _answers(host: str, port: int) -> bool:
    """True if something accepts TCP on host:port and sends a first packet header."""
    try:
        with socket.create_connection((host, port), timeout=1.0) as sock:
            return len(sock.recv(4)) > 0
    except OSError:
        return False


def _tail(path: str, offset: int = 0, lines: int = 40) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            data = f.read()
    except OSError:
        return ""
    return "\n".join(data.decode("utf-8", "replace").splitlines()[-lines:])


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _parent_death_signal() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGTERM the server if this process dies, or None.

    Only from the main thread: the kernel ties the signal to the creating thread.
    """
    if not sys.platform.startswith("linux"):
        return None
    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def preexec() -> None:
        prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)

    return preexec


class _Resources:
    """What must be cleaned up: the server process and the temp dir (no ref to the owner)."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.tempdir: str | None = None

    def terminate(self, timeout: float) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def cleanup(self, timeout: float = 30.0) -> None:
        self.terminate(timeout)
        tempdir, self.tempdir = self.tempdir, None
        if tempdir is not None:
            shutil.rmtree(tempdir, ignore_errors=True)


class TemporaryServer:
    """A MariaDB (or MySQL) server with a fresh data dir, for one test session.

    ``root`` has no password; the server listens on 127.0.0.1 (a free port unless
    ``port`` is given) and on its own unix socket. ``stop()`` removes everything; a
    finalizer (also run at interpreter exit) stops a server that was never stopped.
    """

    host = "127.0.0.1"
    user = "root"
    password = ""

    def __init__(
        self,
        *,
        port: int | None = None,
        binary: str | None = None,
        max_allowed_packet: str = "256M",
        extra_args: Sequence[str] = (),
        startup_timeout: float = 60.0,
        stop_timeout: float = 30.0,
    ) -> None:
        self._fixed_port = port
        self._binary = binary
        self.max_allowed_packet = max_allowed_packet
        self.extra_args = list(extra_args)
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.port: int = port or 0
        self.tempdir = ""
        self.datadir = ""
        self.unix_socket = ""
        self.error_log = ""
        self._console_log = ""
        self._log_offset = 0
        self._console_offset = 0
        self._cmd: list[str] = []
        self._mariadb = True
        self._res = _Resources()
        self._finalizer = weakref.finalize(self, self._res.cleanup)

    # -- public API ------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while the server process is alive."""
        proc = self._res.proc
        return proc is not None and proc.poll() is None

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        return self._res.proc.pid if self._res.proc is not None else None

    def connect_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``aiomysql.connect`` / ``create_pool`` (TCP)."""
        return {"host": self.host, "port": self.port, "user": self.user, "password": ""}

    def start(self) -> TemporaryServer:
        """Create the data dir (first time only), start the server, wait until ready."""
        return self._start(keep_port=False)

    def _start(self, keep_port: bool) -> TemporaryServer:
        if self._res.proc is not None:
            raise RuntimeError("TemporaryServer is already running")
        binary = find_server_binary(self._binary)
        self.prepare()
        try:
            self._start_with_retries(binary, keep_port or bool(self._fixed_port))
        except BaseException:
            self._res.cleanup(self.stop_timeout)
            raise
        return self

    def prepare(self) -> TemporaryServer:
        """Create and initialise the data dir (first time only) without starting the
        server: several servers may be prepared at once, in threads, then started."""
        if self._res.tempdir is None:
            binary = find_server_binary(self._binary)
            self._mariadb = _is_mariadb(binary)
            self._make_tempdir()
            try:
                self._initialize(binary)
            except BaseException:
                self._res.cleanup()
                raise
        return self

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after stop_timeout); remove the temp dir."""
        self._res.cleanup(self.stop_timeout)

    def restart(self) -> None:
        """Stop the server process and start it again on the same port and data dir."""
        if self._res.tempdir is None:
            raise RuntimeError("TemporaryServer was never started (or was stopped)")
        self._res.terminate(self.stop_timeout)
        self._start(keep_port=True)

    def __enter__(self) -> TemporaryServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<TemporaryServer {self.host}:{self.port} {state} datadir={self.datadir!r}>"

    # -- internals -------------------------------------------------------------------

    def _make_tempdir(self) -> None:
        tempdir = tempfile.mkdtemp(prefix="aiomysql-srv-")
        if len(os.path.join(tempdir, "mysqld.sock")) > _MAX_SOCKET_PATH:
            os.rmdir(tempdir)
            tempdir = tempfile.mkdtemp(prefix="aiomysql-srv-", dir="/tmp")
        self._res.tempdir = tempdir
        self.tempdir = tempdir
        self.datadir = os.path.join(tempdir, "data")
        self.unix_socket = os.path.join(tempdir, "mysqld.sock")
        self.error_log = os.path.join(tempdir, "error.log")
        self._console_log = os.path.join(tempdir, "console.log")
        os.mkdir(os.path.join(tempdir, "tmp"))

    def _user_args(self) -> list[str]:
        return ["--user=root"] if os.geteuid() == 0 else []

    def _innodb_args(self) -> list[str]:
        args = ["--innodb-buffer-pool-size=32M", "--innodb-use-native-aio=0"]
        if self._mariadb:
            args.append("--innodb-log-file-size=16M")
        return args

    def _private_tmp(self) -> str:
        path = os.path.join(self.tempdir, "tmp")
        os.makedirs(path, exist_ok=True)
        return path

    def _initialize(self, binary: str) -> None:
        if self._mariadb:
            install_db = _find_install_db(binary)
            if install_db is None:
                raise RuntimeError(f"mariadb-install-db not found next to {binary}")
            cmd = [
                install_db,
                "--no-defaults",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                "--skip-name-resolve",
                f"--datadir={self.datadir}",
                # Bootstrap temp files in our own dir: two servers initialising at once
                # would otherwise collide in the shared /tmp.
                f"--tmpdir={self._private_tmp()}",
                *self._user_args(),
                *self._innodb_args(),
            ]
        else:
            init_sql = os.path.join(self.tempdir, "init.sql")
            with open(init_sql, "w") as f:
                for host in ("127.0.0.1", "::1"):
                    f.write(
                        f"CREATE USER IF NOT EXISTS 'root'@'{host}' IDENTIFIED BY '';\n"
                        f"GRANT ALL ON *.* TO 'root'@'{host}' WITH GRANT OPTION;\n"
                    )
            cmd = [
                binary,
                "--no-defaults",
                "--initialize-insecure",
                f"--datadir={self.datadir}",
                f"--init-file={init_sql}",
                f"--log-error={self.error_log}",
                *self._user_args(),
                *self._innodb_args(),
            ]
        try:
            out = subprocess.run(
                cmd,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=max(self.startup_timeout, 120.0),
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"data dir initialisation timed out: {cmd}") from exc
        if out.returncode != 0:
            output = "\n".join((out.stdout + out.stderr).splitlines()[-40:])
            raise RuntimeError(
                f"data dir initialisation failed (exit {out.returncode}): {cmd}\n"
                f"{output}\n{_tail(self.error_log)}"
            )

    def _server_args(self, binary: str) -> list[str]:
        args = [
            binary,
            "--no-defaults",
            f"--datadir={self.datadir}",
            f"--socket={self.unix_socket}",
            f"--port={self.port}",
            f"--bind-address={self.host}",
            f"--pid-file={os.path.join(self.tempdir, 'mysqld.pid')}",
            f"--log-error={self.error_log}",
            f"--tmpdir={self._private_tmp()}",
            *self._user_args(),
            "--skip-name-resolve",
            "--local-infile=1",
            f"--max-allowed-packet={self.max_allowed_packet}",
            "--character-set-server=utf8mb4",
            "--performance-schema=ON",
            "--innodb-flush-log-at-trx-commit=2",
            *self._innodb_args(),
        ]
        if self._mariadb:
            plugin_dir = _plugin_dir(binary)
            if plugin_dir and os.path.exists(os.path.join(plugin_dir, "auth_ed25519.so")):
                args.append("--plugin-load-add=auth_ed25519")
        else:
            files = os.path.join(self.tempdir, "files")
            os.makedirs(files, exist_ok=True)
            args += ["--skip-log-bin", "--mysqlx=OFF", f"--secure-file-priv={files}"]
        return args + self.extra_args

    def _start_with_retries(self, binary: str, keep_port: bool) -> None:
        attempts = 1 if keep_port else 3
        for attempt in range(attempts):
            if not keep_port:
                self.port = _free_port(self.host)
            try:
                self._launch(binary)
                self._wait_ready()
                return
            except RuntimeError as exc:
                port_taken = any(m in str(exc) for m in _PORT_IN_USE_MARKERS)
                if not port_taken or attempt == attempts - 1:
                    raise

    def _launch(self, binary: str) -> None:
        self._log_offset = _size(self.error_log)
        self._console_offset = _size(self._console_log)
        self._cmd = self._server_args(binary)
        with open(self._console_log, "ab") as console:
            self._res.proc = subprocess.Popen(
                self._cmd,
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_parent_death_signal(),
            )

    def _failure(self, why: str) -> RuntimeError:
        cmd = " ".join(self._cmd)
        self._res.terminate(self.stop_timeout)
        log = _tail(self.error_log, self._log_offset)
        console = _tail(self._console_log, self._console_offset)
        return RuntimeError(
            f"MariaDB/MySQL test server {why}\ncommand: {cmd}\n"
            f"--- error log tail ({self.error_log}) ---\n{log}\n"
            f"--- console output ---\n{console}"
        )

    def _log_says_ready(self) -> bool:
        text = _tail(self.error_log, self._log_offset, lines=1000)
        return any(READY_MARKER in line and "X Plugin" not in line for line in text.splitlines())

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        proc = self._res.proc
        assert proc is not None
        while True:
            code = proc.poll()
            if code is not None:
                raise self._failure(f"exited during start-up with code {code}")
            if self._log_says_ready() and _answers(self.host, self.port):
                return
            if time.monotonic() > deadline:
                raise self._failure(f"not ready after {self.startup_timeout:.0f} s")
            time.sleep(0.05)


class TemporaryCluster(ClusterBase):
    """A throwaway replicated topology: ``TemporaryCluster("replication", replicas=1)`` is a
    primary and GTID replicas, each a TemporaryServer behind a gate on loopback.

    ``hosts`` and ``connect_kwargs()`` address the gates; ``kill``, ``stop_node``,
    ``promote``, ``set_read_only``, ``partition``/``heal`` and ``point`` change the
    topology under the clients (see ``aiomysql.testing_cluster``).
    """

    def _new_server(self, extra_args: Sequence[str], galera: bool = False) -> TemporaryServer:
        return (_GaleraNode if galera else TemporaryServer)(extra_args=extra_args)


class _GaleraNode(TemporaryServer):
    """A TemporaryServer that runs as the ``mysql`` user when started by root: rsync
    state transfer reads the data dirs as the server's user, which root-owned dirs
    would refuse."""

    def _user_args(self) -> list[str]:
        return ["--user=mysql"] if os.geteuid() == 0 else []

    def _make_tempdir(self) -> None:
        super()._make_tempdir()
        if os.geteuid() == 0:
            for path in (self.tempdir, os.path.join(self.tempdir, "tmp")):
                shutil.chown(path, "mysql", "mysql")
