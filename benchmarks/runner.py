"""Runs one workload with one driver in this (fresh) process; prints one JSON result line.

Executed by each driver's own virtualenv python (the drivers share import names), e.g.
    .venvs/asyncmy/bin/python runner.py --adapter asyncmy_ --workload 1-fetch --port 3306
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import sys
import traceback
from types import ModuleType
from typing import Any

from timer import Timer

MARKER = "BENCH-RESULT "


def _extensions(module: ModuleType) -> list[str]:
    """Compiled modules of the driver's package that this process loaded."""
    top = module.__name__.split(".")[0]
    found = []
    for name, mod in list(sys.modules.items()):
        path = getattr(mod, "__file__", None) or ""
        if (name == top or name.startswith(top + ".")) and path.endswith((".so", ".pyd")):
            found.append(name)
    return sorted(found)


def run(args: argparse.Namespace) -> dict[str, Any]:
    adapter = importlib.import_module(f"adapters.{args.adapter}")
    cfg = {
        "host": args.host,
        "port": args.port,
        "user": args.user,
        "password": args.password,
        "database": args.database,
    }
    out: dict[str, Any] = {"module_file": getattr(adapter.MODULE, "__file__", None)}
    if hasattr(adapter, "describe"):
        out.update(adapter.describe())
    timer = Timer(args.profile)
    if adapter.IS_ASYNC:
        import workloads_async

        workload = workloads_async.WORKLOADS[args.workload]
        if args.loop == "uvloop":
            import uvloop

            asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
            out["loop"] = "uvloop"
        asyncio.run(workload(adapter, cfg, timer))
    else:
        import workloads_sync

        if args.workload not in workloads_sync.WORKLOADS:
            return {**out, "status": "n/a", "error": "blocking driver: no asyncio pool"}
        workloads_sync.WORKLOADS[args.workload](adapter, cfg, timer)
    if not timer.stopped:
        raise RuntimeError("workload ended without a measurement")
    out.update(timer.result(), status="ok", extensions=_extensions(adapter.MODULE))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--adapter", required=True)
    parser.add_argument("--workload", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user", default="root")
    parser.add_argument("--password", default="")
    parser.add_argument("--database", default="bench")
    parser.add_argument("--profile", help="write cProfile stats of the measured part here")
    parser.add_argument("--loop", default="asyncio", choices=("asyncio", "uvloop"))
    args = parser.parse_args()
    try:
        result = run(args)
    except Exception as exc:  # a driver failing a workload is a result, not a crash
        traceback.print_exc()
        message = " ".join(str(exc).split())[:300]
        result = {"status": "failed", "error": f"{type(exc).__name__}: {message}"}
    result["pid"] = os.getpid()
    sys.stdout.write(MARKER + json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
