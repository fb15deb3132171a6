"""Instruction counts per item (callgrind on the real interpreter): the stable speed measure.

Usage (normally through benchmarks/instructions.sh, which checks for valgrind first):
    python3 benchmarks/instructions.py [--drivers ours,asyncmy] [--items point,pool,...]
                                       [--runs 3] [--loop asyncio,uvloop] [--json out.json]

Each item (see ``instr_probe.py``) runs under ``valgrind --tool=callgrind`` with N and
with 2N iterations, ``--runs`` times each; the minimum of each is kept (a run can only be
slowed by the loop polling more often, never sped up) and (min(2N) - min(N)) / N is the
count per item: imports, connecting and warm-up cancel out. Wall-clock noise does not
enter, so a change of a few hundred instructions per statement shows.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile
from typing import Any

import dataset
import envs

PROBE = os.path.join(envs.BENCH_DIR, "instr_probe.py")
#: item -> (N, what one item is).
ITEMS: dict[str, tuple[int, str]] = {
    "ping": (1000, "bare asyncio COM_PING round trip (no driver: the floor)"),
    "point": (1000, "point select with a parameter + fetchall (the 2-point statement)"),
    "ok": (1000, "statement answered by an OK packet (DO 1)"),
    "row": (5000, "fetched row of the 1-fetch table (7 columns), in one fetchall"),
    "pool": (2000, "pool acquire/release pair of a free connection (nothing run)"),
    "pool-stmt": (1000, "point select in the acquire-per-statement pool workload"),
    "pool-task": (1000, "point select in the acquire-per-task pool workload (20 per acquire)"),
}
#: Seconds before one valgrind run is given up (a probe that hangs fails the item).
TIMEOUT = 1800.0
COLLECTED = re.compile(rb"Collected : (\d+)")


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def count(env: envs.Env, item: str, n: int, server: Any, loop: str) -> int:
    """Instructions of one probe process (callgrind's total)."""
    adapter = "none" if item == "ping" else env.driver.adapter
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    child_env.pop("AIOMYSQL_NO_EXTENSIONS", None)
    child_env.update(env.driver.env)
    child_env["PYTHONHASHSEED"] = "0"
    with tempfile.TemporaryDirectory(prefix="bench-instr-") as cwd:
        cmd = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={os.path.join(cwd, 'callgrind.out')}",
            env.python,
            PROBE,
            "--adapter",
            adapter,
            "--item",
            item,
            "--n",
            str(n),
            "--loop",
            loop,
            "--host",
            server.host,
            "--port",
            str(server.port),
        ]
        try:
            out = subprocess.run(
                cmd, cwd=cwd, env=child_env, capture_output=True, check=False, timeout=TIMEOUT
            )
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"{item} n={n} ran longer than {TIMEOUT:.0f} s") from None
    found = COLLECTED.search(out.stderr)
    if out.returncode != 0 or found is None:
        tail = out.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
        raise RuntimeError(f"{item} n={n} failed ({out.returncode}): {' | '.join(tail)}")
    return int(found.group(1))


def per_item(
    env: envs.Env, item: str, server: Any, runs: int, loop: str, jobs: int = 1
) -> dict[str, Any]:
    """(min over runs of the 2N count - min of the N count) / N, with the raw counts.

    With ``jobs`` > 1 the runs go in parallel: a count does not depend on the machine's
    load (only, a little, on how often the loop finds nothing ready, which the minimum
    takes care of).
    """
    n = ITEMS[item][0]
    sizes = [n] * runs + [2 * n] * runs
    with concurrent.futures.ThreadPoolExecutor(max(1, jobs)) as pool:
        counts = list(pool.map(lambda size: count(env, item, size, server, loop), sizes))
    small, large = counts[:runs], counts[runs:]
    return {"n": n, "per_item": (min(large) - min(small)) / n, "small": small, "large": large}


def table(results: dict[str, dict[str, dict[str, Any]]], items: list[str], cols: list[str]) -> str:
    """Markdown: one row per item, one column per driver/loop; ratios to the floor below."""
    lines = ["| item | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    for item in items:
        cells = []
        for col in cols:
            r = results.get(col, {}).get(item)
            cells.append("–" if r is None else f"{r['per_item']:,.0f}")
        lines.append(f"| {item} | " + " | ".join(cells) + " |")
    notes = [f"- {item}: instructions per {ITEMS[item][1]} (N={ITEMS[item][0]})" for item in items]
    ratios = []
    for col in cols:
        floor_col = "floor" + (col[col.index("/") :] if "/" in col else "")
        floor = results.get(floor_col, {}).get("ping")
        point = results.get(col, {}).get("point")
        if floor and point and floor["per_item"] > 0:
            ratios.append(f"{col} {point['per_item'] / floor['per_item']:.2f}x")
    text = "\n".join(lines) + "\n\n" + "\n".join(notes)
    if ratios:
        text += "\n\npoint select ÷ bare PING round trip: " + ", ".join(ratios)
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drivers", default="ours,asyncmy", help="comma-separated (envs.py)")
    parser.add_argument("--items", default=",".join(ITEMS), help=f"of {','.join(ITEMS)}")
    parser.add_argument("--runs", type=int, default=3, help="runs of each N (default 3)")
    parser.add_argument("--loop", default="asyncio", help="asyncio, uvloop or both (a,b)")
    parser.add_argument(
        "--jobs", type=int, default=1, help="valgrind runs at once (default 1; 2 on 2 cores)"
    )
    parser.add_argument("--json", help="write the counts here")
    parser.add_argument("--markdown", help="write the table here")
    parser.add_argument("--no-install", action="store_true", help="use the venvs as they are")
    parser.add_argument("--python", default=sys.executable, help="python for the venvs")
    args = parser.parse_args()
    drivers = [d for d in args.drivers.split(",") if d]
    items = [i for i in args.items.split(",") if i]
    loops = [x for x in args.loop.split(",") if x]
    for name, allowed in ((drivers, envs.DRIVERS), (items, ITEMS), (loops, ("asyncio", "uvloop"))):
        bad = [x for x in name if x not in allowed]
        if bad:
            raise SystemExit(f"unknown: {', '.join(bad)} (choose from {', '.join(allowed)})")
    selected = envs.prepare(drivers, args.python, install=not args.no_install)
    for key, env in selected.items():
        if not env.ok:
            raise SystemExit(f"{key}: {env.error}")
        if not envs.DRIVERS[key].is_async:
            raise SystemExit(f"{key} is not an asyncio driver")
        if "uvloop" in loops and not envs.ensure_uvloop(env):
            raise SystemExit(f"{key}: uvloop could not be installed")
    _log("==> starting the server and loading the fetch table")
    server = dataset.start_server()
    results: dict[str, dict[str, dict[str, Any]]] = {}
    cols: list[str] = []
    try:
        dataset.load_rows(server)
        first = selected[drivers[0]]
        for loop in loops:
            suffix = "" if loop == "asyncio" else f"/{loop}"
            if "ping" in items:
                col = "floor" + suffix
                cols.append(col)
                results[col] = {"ping": per_item(first, "ping", server, args.runs, loop, args.jobs)}
                _log(f"{col:20} ping        {results[col]['ping']['per_item']:12,.0f}")
            for key in drivers:
                col = key + suffix
                cols.append(col)
                for item in items:
                    if item == "ping":
                        continue
                    r = per_item(selected[key], item, server, args.runs, loop, args.jobs)
                    results.setdefault(col, {})[item] = r
                    _log(f"{col:20} {item:11} {r['per_item']:12,.0f}")
    finally:
        server.stop()
    text = table(results, items, cols)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")
    if args.json:
        meta = {"drivers": {k: e.versions for k, e in selected.items()}, "runs": args.runs}
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "items": ITEMS, "results": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
