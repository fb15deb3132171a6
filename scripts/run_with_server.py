"""Run a Python script with a MariaDB/MySQL server on localhost:3306, starting one if none."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from types import FrameType

from aiomysql.testing import TemporaryServer

PORT = 3306


def answering_host(port: int) -> str | None:
    """The loopback address where something on `port` sends a greeting, or None."""
    for host in ("127.0.0.1", "::1"):
        try:
            with socket.create_connection((host, port), timeout=2.0) as sock:
                if sock.recv(4):
                    return host
        except OSError:
            continue
    return None


def run(script: str, env: dict[str, str]) -> int:
    return subprocess.run([sys.executable, script, *sys.argv[2:]], env=env).returncode


def main() -> int:
    if len(sys.argv) < 2:
        print(f"usage: {sys.argv[0]} SCRIPT [ARGS...]", file=sys.stderr)
        return 2

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)  # unwinds through the server's stop()

    signal.signal(signal.SIGTERM, on_sigterm)
    env = dict(os.environ)
    host = answering_host(PORT)
    if host is not None:
        print(f"using the server already on {host}:{PORT}", file=sys.stderr)
        env.setdefault("AIOMYSQL_HOST", host)
        env.setdefault("AIOMYSQL_PORT", str(PORT))
        return run(sys.argv[1], env)
    print(f"starting a temporary server on 127.0.0.1:{PORT}", file=sys.stderr, flush=True)
    with TemporaryServer(port=PORT) as srv:
        env.update(
            AIOMYSQL_HOST=srv.host,
            AIOMYSQL_PORT=str(srv.port),
            AIOMYSQL_USER=srv.user,
            AIOMYSQL_PASSWORD=srv.password,
        )
        return run(sys.argv[1], env)


if __name__ == "__main__":
    sys.exit(main())
