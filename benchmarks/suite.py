"""The peer benchmark: install the drivers, start a server, run the rounds, print the table.

Usage (normally through benchmarks/run.sh, which installs the system packages first):
    python3 benchmarks/suite.py [--rounds N] [--json out.json] [--drivers a,b]
                                [--workloads w1,w2] [--markdown out.md] [--profile DIR]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
from typing import Any

import dataset
import envs
import report
import spec

RUNNER = os.path.join(envs.BENCH_DIR, "runner.py")
MARKER = "BENCH-RESULT "


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _loadavg() -> str:
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _commit() -> str:
    def git(*args: str) -> str:
        out = subprocess.run(
            ["git", "-C", envs.REPO_ROOT, *args], capture_output=True, text=True, check=False
        )
        return out.stdout.strip()

    head = git("rev-parse", "--short=12", "HEAD") or "unknown"
    dirty = git(
        "status",
        "--porcelain",
        "--untracked-files=no",
        "--",
        "aiomysql",
        "setup.py",
        "pyproject.toml",
    )
    return head + ("+uncommitted changes to the package" if dirty else "")


def machine_meta(rounds: int, python: str) -> dict[str, Any]:
    version = subprocess.run(
        [python, "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "rounds": rounds,
        "commit": _commit(),
        "nproc": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "kernel": platform.release(),
        "python": version,
        "loadavg_before": _loadavg(),
    }


#: How a driver run on uvloop is named among the samples and medians ("ours@uvloop").
UVLOOP_SUFFIX = "@uvloop"


def run_one(
    env: envs.Env,
    workload: str,
    server: Any,
    timeout: float,
    profile: str | None = None,
    loop: str = "asyncio",
) -> dict[str, Any]:
    """Run one workload in a fresh process of the driver's venv; return its sample."""
    key = env.driver.key + (UVLOOP_SUFFIX if loop == "uvloop" else "")
    sample: dict[str, Any] = {"workload": workload, "driver": key}
    if not env.ok:
        return {**sample, "status": "failed", "error": env.error.splitlines()[0]}
    if workload in spec.ASYNC_ONLY and not env.driver.is_async:
        return {**sample, "status": "n/a", "error": "blocking driver: no asyncio pool"}
    cmd = [
        env.python,
        RUNNER,
        "--adapter",
        env.driver.adapter,
        "--workload",
        workload,
        "--host",
        server.host,
        "--port",
        str(server.port),
        "--database",
        spec.DATABASE,
    ]
    if profile:
        cmd += ["--profile", profile]
    if loop != "asyncio":
        cmd += ["--loop", loop]
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    child_env.pop("AIOMYSQL_NO_EXTENSIONS", None)
    child_env.update(env.driver.env)
    with tempfile.TemporaryDirectory(prefix="bench-run-") as cwd:
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=child_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return {
                **sample,
                "status": "failed",
                "error": f"timed out after {timeout:.0f} s",
                "timeout": True,
            }
    lines = [ln for ln in out.splitlines() if ln.startswith(MARKER)]
    if not lines:
        tail = " | ".join(err.strip().splitlines()[-3:])
        return {**sample, "status": "failed", "error": f"exit {proc.returncode}: {tail}"}
    sample.update(json.loads(lines[-1][len(MARKER) :]))
    module_file = sample.get("module_file") or ""
    venv = os.path.dirname(os.path.dirname(env.python))
    if sample["status"] == "ok" and not module_file.startswith(venv + os.sep):
        sample.update(status="failed", error=f"driver imported from {module_file}, not {venv}")
    return sample


def _describe(s: dict[str, Any]) -> str:
    if s["status"] == "ok":
        return f"wall {s['wall']:8.3f}s  cpu {s['cpu']:8.3f}s  rss {s['rss_peak_mib']:6.0f}MiB"
    return f"{s['status'].upper()}: {s.get('error', '')}"


def run_rounds(
    selected: dict[str, envs.Env],
    workloads: list[str],
    server: Any,
    rounds: int,
    timeout: float,
    uvloop: bool = False,
) -> list[dict[str, Any]]:
    """Round by round, each workload by every driver (order rotated per round); with
    ``uvloop``, every asyncio driver also on uvloop (as ``key@uvloop``)."""
    samples: list[dict[str, Any]] = []
    timed_out: set[tuple[str, str]] = set()
    keys = list(selected)
    if uvloop:
        keys += [k + UVLOOP_SUFFIX for k, e in selected.items() if e.driver.is_async]
    for rnd in range(1, rounds + 1):
        shift = (rnd - 1) % len(keys)
        order = keys[shift:] + keys[:shift]
        for workload in workloads:
            for key in order:
                if (key, workload) in timed_out:
                    s: dict[str, Any] = {
                        "workload": workload,
                        "driver": key,
                        "status": "failed",
                        "error": "skipped: timed out in an earlier round",
                    }
                else:
                    if not server.running:
                        _log("!! the server is gone: restarting it")
                        server.restart()
                    base = key.removesuffix(UVLOOP_SUFFIX)
                    loop = "uvloop" if key != base else "asyncio"
                    s = run_one(selected[base], workload, server, timeout, loop=loop)
                    if s.get("timeout"):
                        timed_out.add((key, workload))
                s["round"] = rnd
                samples.append(s)
                _log(f"[round {rnd}/{rounds}] {workload:14} {key:12} {_describe(s)}")
    return samples


def profile(
    selected: dict[str, envs.Env], workloads: list[str], server: Any, outdir: str, timeout: float
) -> None:
    """Run each workload once under cProfile; write .prof files and text summaries."""
    import pstats

    os.makedirs(outdir, exist_ok=True)
    for key, env in selected.items():
        for workload in workloads:
            path = os.path.abspath(os.path.join(outdir, f"{key}-{workload}.prof"))
            s = run_one(env, workload, server, timeout, profile=path)
            _log(f"[profile] {workload:14} {key:12} {_describe(s)}")
            if s["status"] != "ok":
                continue
            txt = path[: -len(".prof")] + ".txt"
            with open(txt, "w") as f:
                stats = pstats.Stats(path, stream=f)
                for order in ("tottime", "cumulative"):
                    stats.sort_stats(order).print_stats(30)
            _log(f"          -> {txt}")


def _split(value: str, allowed: list[str], what: str) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()]
    bad = [v for v in items if v not in allowed]
    if bad:
        raise SystemExit(f"unknown {what}: {', '.join(bad)} (choose from {', '.join(allowed)})")
    return items


def main() -> int:
    all_drivers, all_workloads = list(envs.DRIVERS), list(spec.WORKLOADS)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--json", help="write all samples, medians and metadata here")
    parser.add_argument("--markdown", help="write the header and table here")
    parser.add_argument(
        "--drivers",
        default=",".join(all_drivers),
        help=f"comma-separated subset of: {','.join(all_drivers)}",
    )
    parser.add_argument(
        "--workloads",
        default=",".join(all_workloads),
        help=f"comma-separated subset of: {','.join(all_workloads)}",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="seconds before one workload process is killed (default 300)",
    )
    parser.add_argument(
        "--no-install",
        action="store_true",
        help="use the peers' venvs as they are (this repo's driver is still reinstalled)",
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="instead of rounds: one cProfile run per driver and workload",
    )
    parser.add_argument(
        "--loop",
        default="asyncio",
        choices=("asyncio", "uvloop"),
        help="uvloop: every asyncio driver also runs on uvloop (extra columns)",
    )
    parser.add_argument("--python", default=sys.executable, help="python for the venvs")
    args = parser.parse_args()
    drivers = _split(args.drivers, all_drivers, "driver")
    workloads = _split(args.workloads, all_workloads, "workload")
    if args.rounds < 1:
        raise SystemExit("--rounds must be at least 1")

    meta = machine_meta(args.rounds, args.python)
    selected = envs.prepare(drivers, args.python, install=not args.no_install)
    uvloop = args.loop == "uvloop"
    if uvloop:
        for env in selected.values():
            if env.ok and env.driver.is_async and not envs.ensure_uvloop(env):
                raise SystemExit(f"{env.driver.key}: uvloop could not be installed")
    _log("==> starting the benchmark server and loading the data")
    server = dataset.start_server()
    try:
        dataset.load(server)
        meta["server"] = dataset.server_version(server)
        if args.profile:
            profile(selected, workloads, server, args.profile, args.timeout)
            return 0
        samples = run_rounds(selected, workloads, server, args.rounds, args.timeout, uvloop)
    finally:
        server.stop()
    meta["loadavg_after"] = _loadavg()
    med = report.medians(samples)
    env_meta: dict[str, dict[str, Any]] = {}
    for key, env in selected.items():
        exts = next(
            (s.get("extensions") for s in samples if s["driver"] == key and s["status"] == "ok"),
            None,
        )
        env_meta[key] = {
            "label": env.driver.label,
            "versions": env.versions,
            "error": env.error,
            "extensions": exts,
            "env": dict(env.driver.env),
        }
    meta["loops"] = ["asyncio", "uvloop"] if uvloop else ["asyncio"]
    text = report.header(meta, env_meta) + "\n\n" + report.table(med, workloads, drivers, uvloop)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")
    if args.json:
        doc = {
            "meta": meta,
            "drivers": env_meta,
            "workloads": {w: spec.WORKLOADS[w] for w in workloads},
            "medians": med,
            "samples": samples,
        }
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=1)
        _log(f"==> wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
