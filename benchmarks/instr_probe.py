"""One instruction-count probe: repeats one item N times in this process (run under callgrind).

Run by ``instructions.py`` in a driver's venv (the adapters of ``adapters/``), e.g.
    valgrind --tool=callgrind .venvs/ours/bin/python instr_probe.py --adapter aiomysql_api \
        --item point --n 1000 --port 3306
Set-up (imports, connecting, warm-up) is the same for every N, so the difference between
an N and a 2N run, divided by N, is what one item costs. Prints nothing on success.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import struct
import sys
from collections.abc import Callable, Coroutine
from types import ModuleType
from typing import Any, cast

import spec

Cfg = dict[str, Any]
#: Iterations run before the measured ones (first-use code paths, caches, free lists).
WARM_UP = 50
#: The pool workloads' shape, scaled down: tasks per pool and statements per task.
POOL_SIZE = spec.POOL_SIZE
PER_TASK = spec.POOL_SELECTS_PER_TASK


async def _session(ad: ModuleType, cfg: Cfg) -> tuple[Any, Any]:
    conn = await ad.connect(cfg)
    cur = await ad.cursor(conn)
    await cur.execute("SELECT 1")
    await cur.fetchall()
    return conn, cur


async def point(ad: ModuleType, cfg: Cfg, n: int) -> None:
    """One point select by primary key with a parameter, fetchall."""
    conn, cur = await _session(ad, cfg)
    for i in range(WARM_UP + n):
        await cur.execute(spec.SQL_POINT, (i % spec.FETCH_ROWS + 1,))
        rows = await cur.fetchall()
        assert len(rows) == 1
    await ad.close(conn)


async def ok(ad: ModuleType, cfg: Cfg, n: int) -> None:
    """One statement answered by an OK packet (``DO 1``: no parameters, no rows)."""
    conn, cur = await _session(ad, cfg)
    for _ in range(WARM_UP + n):
        await cur.execute("DO 1")
    await ad.close(conn)


async def row(ad: ModuleType, cfg: Cfg, n: int) -> None:
    """One fetched row of the fetch workload's table (7 columns), in one fetchall of n."""
    conn, cur = await _session(ad, cfg)
    await cur.execute(spec.SQL_FETCH + f" LIMIT {WARM_UP}")
    await cur.fetchall()
    await cur.execute(spec.SQL_FETCH + f" LIMIT {n}")
    rows = await cur.fetchall()
    assert len(rows) == n
    del rows
    await ad.close(conn)


async def pool(ad: ModuleType, cfg: Cfg, n: int) -> None:
    """One acquire/release pair of a free connection (pool of 1, nothing run on it)."""
    the_pool = await ad.create_pool(cfg, 1)
    for _ in range(WARM_UP + n):
        async with ad.acquire(the_pool):
            pass
    await ad.close_pool(the_pool)


async def _pool_run(ad: ModuleType, the_pool: Any, tasks: int, per_acquire: int) -> None:
    async def task(first: int) -> None:
        for k in range(PER_TASK // per_acquire):
            async with ad.acquire(the_pool) as conn:
                cur = await ad.cursor(conn)
                for j in range(per_acquire):
                    await cur.execute(spec.SQL_POINT, (first + k * per_acquire + j + 1,))
                    await cur.fetchall()

    await asyncio.gather(*(task(t * PER_TASK) for t in range(tasks)))


async def pool_stmt(ad: ModuleType, cfg: Cfg, n: int) -> None:
    """One point select in the acquire-per-statement pool workload (n // 20 tasks, pool 10)."""
    the_pool = await ad.create_pool(cfg, POOL_SIZE)
    await _pool_run(ad, the_pool, POOL_SIZE, 1)
    await _pool_run(ad, the_pool, n // PER_TASK, 1)
    await ad.close_pool(the_pool)


async def pool_task(ad: ModuleType, cfg: Cfg, n: int) -> None:
    """One point select in the acquire-per-task pool workload (20 selects per acquire)."""
    the_pool = await ad.create_pool(cfg, POOL_SIZE)
    await _pool_run(ad, the_pool, POOL_SIZE, PER_TASK)
    await _pool_run(ad, the_pool, n // PER_TASK, PER_TASK)
    await ad.close_pool(the_pool)


class _PingProtocol(asyncio.Protocol):
    """The floor: one future, one write and one read per round trip, nothing else."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.waiter: asyncio.Future[bytes] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement the interface without subclassing it.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if len(self.buf) >= 4:
            size = int.from_bytes(self.buf[:3], "little")
            if len(self.buf) >= 4 + size and self.waiter is not None and not self.waiter.done():
                packet = bytes(self.buf[: 4 + size])
                del self.buf[: 4 + size]
                self.waiter.set_result(packet)

    async def packet(self) -> bytes:
        """The next whole packet (header included)."""
        if len(self.buf) >= 4:
            size = int.from_bytes(self.buf[:3], "little")
            if len(self.buf) >= 4 + size:
                packet = bytes(self.buf[: 4 + size])
                del self.buf[: 4 + size]
                return packet
        self.waiter = asyncio.get_running_loop().create_future()
        return await self.waiter


def _handshake_response(user: str) -> bytes:
    """HandshakeResponse41 for an account without a password (empty auth response)."""
    caps = 0x1 | 0x200 | 0x2000 | 0x8000 | 0x80000  # LONG_PASSWORD, 4.1, TRX, SECURE, PLUGIN
    body = struct.pack("<IIB23x", caps, 1 << 24, 45) + user.encode() + b"\0"
    body += b"\0" + b"mysql_native_password\0"
    return len(body).to_bytes(3, "little") + b"\x01" + body


async def ping(ad: ModuleType | None, cfg: Cfg, n: int) -> None:
    """A bare asyncio COM_PING round trip on a hand-made protocol: no driver at all."""
    loop = asyncio.get_running_loop()
    transport, proto = await loop.create_connection(_PingProtocol, cfg["host"], cfg["port"])
    await proto.packet()  # the server's greeting
    transport.write(_handshake_response(cfg["user"]))
    answer = await proto.packet()
    if answer[4] == 0xFE:  # auth switch: the empty password again
        transport.write(b"\0\0\0" + bytes([answer[3] + 1]))
        answer = await proto.packet()
    if answer[4] != 0:
        raise RuntimeError(f"login failed: {answer[5:]!r}")
    ping_packet = b"\x01\x00\x00\x00\x0e"
    for _ in range(WARM_UP + n):
        transport.write(ping_packet)
        reply = await proto.packet()
        assert reply[4] == 0
    transport.close()


ITEMS: dict[str, Callable[[Any, Cfg, int], Coroutine[Any, Any, None]]] = {
    "point": point,
    "ok": ok,
    "row": row,
    "pool": pool,
    "pool-stmt": pool_stmt,
    "pool-task": pool_task,
    "ping": ping,
}


def _new_loop(kind: str) -> asyncio.AbstractEventLoop:
    if kind == "uvloop":
        import uvloop

        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", required=True, help="module of adapters/, or 'none'")
    parser.add_argument("--item", required=True, choices=sorted(ITEMS))
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--loop", default="asyncio", choices=("asyncio", "uvloop"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user", default="root")
    parser.add_argument("--database", default=spec.DATABASE)
    args = parser.parse_args()
    ad: ModuleType | None = None
    if args.adapter != "none":
        ad = importlib.import_module(f"adapters.{args.adapter}")
    cfg = {
        "host": args.host,
        "port": args.port,
        "user": args.user,
        "password": "",
        "database": args.database,
    }
    loop = _new_loop(args.loop)
    try:
        loop.run_until_complete(ITEMS[args.item](ad, cfg, args.n))
    finally:
        loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
