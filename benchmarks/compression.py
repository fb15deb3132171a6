"""Protocol compression: compressed vs uncompressed over a slow link, and its CPU cost.

    .venv/bin/python benchmarks/compression.py [--repeat N] [--mbit 50] [--rtt-ms 20]

Starts a throwaway MariaDB (benchmarks/dataset.py's settings) with the suite's ``fetch_rows``
(100,000 rows) and ``wide_text`` (20,000 rows x 10 VARCHAR of non-ASCII text) tables, then
runs the fetch and wide-text workloads with ``compress=False`` and ``compress=True``:

- through :class:`ThrottledProxy`, a benchmark-only TCP proxy on loopback that delays
  every byte like a link of ``--mbit`` Mbit/s each way with ``--rtt-ms`` round-trip time
  (serialization at the link rate, then half the RTT of propagation): wall time, and the
  bytes that crossed the link each way (exact counts);
- directly on loopback (no link bottleneck): wall time and CPU seconds of the client
  process and of the server process (from /proc), which is what compression costs; plus
  2,000 point selects (loopback only), the per-statement cost.

Times are medians of ``--repeat`` runs; on a shared machine they are indicative, the byte
counts are exact. Prints one table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import dataset  # noqa: E402
import spec  # noqa: E402

import aiomysql  # noqa: E402

PIECE = 16 * 1024  # the proxy serializes at most this many bytes at a time


class ThrottledProxy:
    """Forwards each connection to (host, port) as over a link of ``rate`` bytes/s and
    ``rtt`` seconds; counts the bytes each way."""

    def __init__(self, host: str, port: int, mbit: float, rtt_ms: float) -> None:
        self.target = (host, port)
        self.rate = mbit * 1e6 / 8
        self.one_way = rtt_ms / 2000
        self.to_server = 0
        self.to_client = 0
        self._server: asyncio.AbstractServer | None = None
        self.port = 0

    async def __aenter__(self) -> ThrottledProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    def reset(self) -> None:
        self.to_server = self.to_client = 0

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        await asyncio.gather(
            self._pump(reader, up_writer, "to_server"),
            self._pump(up_reader, writer, "to_client"),
            return_exceptions=True,
        )

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, counter: str
    ) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        link_free = 0.0

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    writer.close()
                    return
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()

        sender = asyncio.create_task(deliver())
        try:
            while data := await reader.read(1 << 16):
                setattr(self, counter, getattr(self, counter) + len(data))
                for i in range(0, len(data), PIECE):
                    piece = data[i : i + PIECE]
                    link_free = max(loop.time(), link_free) + len(piece) / self.rate
                    queue.put_nowait((link_free + self.one_way, piece))
        except ConnectionError:
            pass
        queue.put_nowait((0.0, b""))
        await sender


async def fetch(conn: aiomysql.Connection) -> int:
    async with conn.cursor() as cur:
        await cur.execute(spec.SQL_FETCH)
        rows = await cur.fetchall()
    assert len(rows) == spec.FETCH_ROWS and rows[0][5] == spec.row_values(rows[0][0])[5]
    return len(rows)


async def wide_text(conn: aiomysql.Connection) -> int:
    async with conn.cursor() as cur:
        await cur.execute(spec.SQL_TEXT)
        rows = await cur.fetchall()
    assert len(rows) == spec.TEXT_ROWS and rows[0][1] == spec.text_value(rows[0][0], 0)
    return len(rows)


POINTS = 2_000


async def point(conn: aiomysql.Connection) -> int:
    async with conn.cursor() as cur:
        for i in range(POINTS):
            await cur.execute(spec.SQL_POINT, (1 + i * 37 % spec.FETCH_ROWS,))
            assert len(await cur.fetchall()) == 1
    return POINTS


WORKLOADS: dict[str, Callable[[aiomysql.Connection], Awaitable[int]]] = {
    "fetch": fetch,
    "wide-text": wide_text,
    "point": point,  # loopback only: over the link it measures the RTT, 2,000 times
}
LINK_WORKLOADS = ("fetch", "wide-text")


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def one_run(
    kwargs: dict[str, Any], work: Callable[[aiomysql.Connection], Awaitable[int]], pid: int | None
) -> tuple[float, float, float]:
    """(wall, client CPU, server CPU) seconds of one workload on a fresh connection."""
    async with aiomysql.connect(**kwargs) as conn:
        server_before = process_cpu(pid) if pid else 0.0
        cpu, wall = time.process_time(), time.perf_counter()
        await work(conn)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        server = (process_cpu(pid) - server_before) if pid else 0.0
    return wall, cpu, server


async def main(args: argparse.Namespace) -> None:
    print("starting a throwaway MariaDB and loading fetch_rows and wide_text ...", flush=True)
    server = dataset.start_server()
    try:
        dataset.run_sql(server, dataset._schema_sql())
        dataset.run_sql(server, dataset._rows_sql() + dataset._text_sql(), spec.DATABASE)
        base = {**server.connect_kwargs(), "db": spec.DATABASE, "charset": "utf8mb4"}
        rows: list[tuple[str, ...]] = []
        async with ThrottledProxy(server.host, server.port, args.mbit, args.rtt_ms) as proxy:
            link = {**base, "port": proxy.port}
            for name in args.workloads:
                work = WORKLOADS[name]
                for compress in (False, True):
                    walls, sent, received = [], 0, 0
                    for _ in range(args.repeat if name in LINK_WORKLOADS else 0):
                        proxy.reset()
                        wall, _, _ = await one_run({**link, "compress": compress}, work, None)
                        walls.append(wall)
                        sent, received = proxy.to_server, proxy.to_client
                    local = [
                        await one_run({**base, "compress": compress}, work, server.pid)
                        for _ in range(args.repeat)
                    ]
                    rows.append(
                        (
                            name,
                            "zlib" if compress else "off",
                            f"{statistics.median(walls):.2f}" if walls else "-",
                            f"{received:,}" if walls else "-",
                            f"{sent:,}" if walls else "-",
                            f"{statistics.median(r[0] for r in local):.3f}",
                            f"{statistics.median(r[1] for r in local):.3f}",
                            f"{statistics.median(r[2] for r in local):.3f}",
                        )
                    )
                    print(f"  {name} compress={compress}: done", flush=True)
    finally:
        server.stop()
    head = (
        "workload",
        "compress",
        f"wall s ({args.mbit:g} Mbit/s, {args.rtt_ms:g} ms RTT)",
        "bytes server->client",
        "bytes client->server",
        "loopback wall s",
        "client CPU s",
        "server CPU s",
    )
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    print()
    for r in [head, tuple("-" * w for w in widths), *rows]:
        print(" | ".join(str(c).rjust(w) for c, w in zip(r, widths, strict=True)))
    print(
        f"\nmedians of {args.repeat} runs; connect and login not timed; byte counts include "
        "the login. Python",
        sys.version.split()[0],
        "| aiomysql",
        aiomysql.__version__,
        "| compiled core" if aiomysql.USING_EXTENSIONS else "| pure Python",
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--mbit", type=float, default=50.0)
    parser.add_argument("--rtt-ms", type=float, default=20.0)
    parser.add_argument("--workloads", nargs="+", choices=list(WORKLOADS), default=list(WORKLOADS))
    asyncio.run(main(parser.parse_args()))
