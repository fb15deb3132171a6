"""Binlog decoding benchmark: client CPU to decode N rows events (one row each) from a
MariaDB binlog, aiomysql.replication against python-mysql-replication and asyncmy's
replication module, in the same run on the same binlog.

    python benchmarks/binlog_bench.py [--rows 1000000] [--clients ours,ours-pure,...]

Each client runs in its own virtualenv (benchmarks/.venvs, made as envs.py makes the
peers' venvs) and reports its own CPU time (user + system, getrusage) from before it
connects to after the last event; every client must see all N rows (checked by count and
by the sum of the ids). The server is a TemporaryServer with ``log_bin``, ROW format,
full row metadata and ``binlog_row_event_max_size=256`` so that each row is one event.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from benchmarks import envs  # noqa: E402

PEERS = {
    "pymysqlrepl": envs.Driver(
        key="pymysqlrepl",
        label="python-mysql-replication 1.0.17 (PyMySQL)",
        venv="pymysqlrepl",
        requirements=("mysql-replication==1.0.17",),
        dists=("mysql-replication", "PyMySQL"),
        adapter="",
        is_async=False,
    ),
    "asyncmy": envs.Driver(
        key="asyncmy",
        label="asyncmy 0.2.18 replication",
        venv="asyncmyrepl",
        requirements=("asyncmy==0.2.18",),
        dists=("asyncmy",),
        adapter="",
        is_async=True,
    ),
}
CLIENT_SCRIPT = {
    "ours": "client_ours.py",
    "ours-pure": "client_ours.py",
    "pymysqlrepl": "client_pymysqlrepl.py",
    "asyncmy": "client_asyncmy.py",
}
SERVER_ARGS = (
    "--log-bin=binlog",
    "--binlog-format=ROW",
    "--server-id=1",
    "--binlog-row-metadata=FULL",
    "--binlog-checksum=CRC32",
    "--binlog-row-event-max-size=256",
)


def _env(key: str) -> envs.Env:
    driver = envs.DRIVERS[key] if key.startswith("ours") else PEERS[key]
    os.makedirs(envs.VENVS, exist_ok=True)
    return envs._prepare_one(driver, sys.executable, True, set())


async def _fill(kwargs: dict[str, Any], rows: int) -> tuple[str, int]:
    import aiomysql

    conn = await aiomysql.connect(**kwargs, autocommit=True)
    async with conn.cursor() as cur:
        await cur.execute("CREATE DATABASE bench")
        await conn.select_db("bench")  # the sequence engine's seq_A_to_B tables live in it
        await cur.execute(
            "CREATE TABLE bench.t (id INT PRIMARY KEY, name VARCHAR(64), amount DECIMAL(12,2),"
            " created DATETIME(6), score DOUBLE, flags BIGINT UNSIGNED, note VARCHAR(200))"
        )
        await cur.execute("SHOW MASTER STATUS")
        file, pos = (await cur.fetchone())[:2]
        step = 50_000
        for first in range(1, rows + 1, step):
            last = min(rows, first + step - 1)
            await cur.execute(
                "INSERT INTO bench.t SELECT seq, CONCAT('name-', seq), seq / 100, "
                "'2024-01-02 03:04:05.123456' + INTERVAL seq SECOND, seq * 0.5, seq * 7, "
                f"REPEAT('n', 150) FROM seq_{first}_to_{last}"
            )
    conn.close()
    return str(file), int(pos)


def _run_client(key: str, env: envs.Env, args: list[str]) -> dict[str, Any]:
    environ = dict(os.environ)
    if key == "ours-pure":
        environ["AIOMYSQL_NO_EXTENSIONS"] = "1"
    script = os.path.join(HERE, "binlog", CLIENT_SCRIPT[key])
    out = subprocess.run(
        [env.python, script, *args], capture_output=True, text=True, cwd="/", env=environ,
        timeout=3600, check=False,
    )  # fmt: skip
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr else "failed"}
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--clients", default="ours,ours-pure,asyncmy,pymysqlrepl")
    parser.add_argument("--json", help="write the results to this file too")
    opts = parser.parse_args()
    keys = opts.clients.split(",")
    prepared = {key: _env(key) for key in keys}
    from aiomysql.testing import TemporaryServer

    with TemporaryServer(extra_args=SERVER_ARGS) as srv:
        kwargs = {"host": srv.host, "port": srv.port, "user": "root", "password": ""}
        file, pos = asyncio.run(_fill(kwargs, opts.rows))
        args = [srv.host, str(srv.port), file, str(pos), str(opts.rows)]
        expected = opts.rows * (opts.rows + 1) // 2
        results: dict[str, Any] = {}
        for key in keys:
            env = prepared[key]
            if not env.ok:
                results[key] = {"error": env.error}
                continue
            result = _run_client(key, env, args)
            if "error" not in result and (
                result["rows"] != opts.rows or result["checksum"] != expected
            ):
                result["error"] = f"saw {result['rows']} rows, checksum {result['checksum']}"
            result["versions"] = env.versions
            results[key] = result
            print(f"{key}: {result}", file=sys.stderr, flush=True)
    ok = {k: r for k, r in results.items() if "error" not in r}
    ours = ok.get("ours", {}).get("cpu")
    print(f"\n{opts.rows:,} rows events, client CPU seconds (user + system)")
    for key, r in results.items():
        if "error" in r:
            print(f"  {key:12} FAILED: {r['error']}")
            continue
        ratio = f"  {r['cpu'] / ours:5.1f}x ours" if ours else ""
        print(
            f"  {key:12} {r['cpu']:8.2f} s  {r['rows'] / r['cpu']:>10,.0f} rows/s  "
            f"(wall {r['wall']:.1f} s){ratio}"
        )
    peers = [r["cpu"] for k, r in ok.items() if not k.startswith("ours")]
    if ours and peers:
        print(f"  speed-up over the faster peer: {min(peers) / ours:.1f}x")
    if opts.json:
        with open(opts.json, "w") as f:
            json.dump({"rows": opts.rows, "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
