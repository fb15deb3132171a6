"""The drivers under test and their virtualenvs (one per driver: they share import names)."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from typing import Any

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(BENCH_DIR)
VENVS = os.path.join(BENCH_DIR, ".venvs")
STAMP = "bench-requirements.json"
INSTALL_TIMEOUT = 1200.0


@dataclasses.dataclass(frozen=True)
class Driver:
    """One column of the result table: a package set, an adapter and an environment."""

    key: str
    label: str
    venv: str
    requirements: tuple[str, ...]
    dists: tuple[str, ...]
    adapter: str
    is_async: bool
    env: tuple[tuple[str, str], ...] = ()
    #: Reinstall on every run (our own package: the tree changes between runs).
    always_reinstall: bool = False


_OURS: dict[str, Any] = dict(
    venv="ours", requirements=(REPO_ROOT,), dists=("aiomysql",), adapter="aiomysql_api"
)

DRIVERS: dict[str, Driver] = {
    d.key: d
    for d in (
        Driver(
            key="ours", label="aiomysql (this repo)", is_async=True, always_reinstall=True, **_OURS
        ),
        Driver(
            key="ours-pure",
            label="aiomysql (this repo), AIOMYSQL_NO_EXTENSIONS=1",
            is_async=True,
            always_reinstall=True,
            env=(("AIOMYSQL_NO_EXTENSIONS", "1"),),
            **_OURS,
        ),
        # aiomysql 0.3.2 cannot send bytes parameters with PyMySQL >= 1.2.
        Driver(
            key="aiomysql",
            label="aiomysql 0.3.2 (upstream)",
            venv="aiomysql",
            requirements=("aiomysql==0.3.2", "PyMySQL<1.2"),
            dists=("aiomysql", "PyMySQL"),
            adapter="aiomysql_api",
            is_async=True,
        ),
        Driver(
            key="asyncmy",
            label="asyncmy 0.2.18",
            venv="asyncmy",
            requirements=("asyncmy==0.2.18",),
            dists=("asyncmy",),
            adapter="asyncmy_",
            is_async=True,
        ),
        Driver(
            key="sqlcycli",
            label="sqlcycli 2.3.1 (use_decimal=True)",
            venv="sqlcycli",
            requirements=("sqlcycli==2.3.1",),
            dists=("sqlcycli",),
            adapter="sqlcycli_",
            is_async=True,
        ),
        Driver(
            key="connector",
            label="mysql-connector-python (mysql.connector.aio)",
            venv="connector",
            requirements=("mysql-connector-python==26.10.0",),
            dists=("mysql-connector-python",),
            adapter="connector_aio",
            is_async=True,
        ),
        # Server-side prepared statements (binary protocol): ours, asyncmy's statement
        # cache, mysql-connector's prepared cursor.
        Driver(
            key="ours-prepared",
            label="aiomysql (this repo), prepared=True",
            venv="ours",
            requirements=(REPO_ROOT,),
            dists=("aiomysql",),
            adapter="aiomysql_prepared",
            is_async=True,
            always_reinstall=True,
        ),
        Driver(
            key="asyncmy-prepared",
            label="asyncmy 0.2.18, stmt_cache_size=100",
            venv="asyncmy",
            requirements=("asyncmy==0.2.18",),
            dists=("asyncmy",),
            adapter="asyncmy_prepared",
            is_async=True,
        ),
        Driver(
            key="connector-prepared",
            label="mysql-connector-python (aio), cursor(prepared=True)",
            venv="connector",
            requirements=("mysql-connector-python==26.10.0",),
            dists=("mysql-connector-python",),
            adapter="connector_prepared",
            is_async=True,
        ),
        Driver(
            key="pymysql",
            label="PyMySQL (blocking)",
            venv="pymysql",
            requirements=("PyMySQL==1.2.4",),
            dists=("PyMySQL",),
            adapter="pymysql_",
            is_async=False,
        ),
        Driver(
            key="mysqlclient",
            label="mysqlclient (C, blocking)",
            venv="mysqlclient",
            requirements=("mysqlclient==2.3.2",),
            dists=("mysqlclient",),
            adapter="mysqlclient_",
            is_async=False,
        ),
    )
}


@dataclasses.dataclass
class Env:
    """A prepared (or failed) virtualenv for one driver."""

    driver: Driver
    python: str
    ok: bool
    error: str = ""
    versions: dict[str, str] = dataclasses.field(default_factory=dict)


def _log(msg: str) -> None:
    print(f"==> {msg}", file=sys.stderr, flush=True)


def _run(cmd: list[str], timeout: float = INSTALL_TIMEOUT) -> None:
    out = subprocess.run(cmd, cwd="/", capture_output=True, text=True, timeout=timeout, check=False)
    if out.returncode != 0:
        lines = [ln for ln in (out.stdout + out.stderr).splitlines() if ln.strip()]
        first = next((ln.strip() for ln in lines if ln.startswith("ERROR")), "")
        tail = "\n".join(lines[-15:])
        raise RuntimeError(f"{' '.join(cmd[1:])} failed ({out.returncode}): {first}\n{tail}")


def _versions(python: str, dists: tuple[str, ...]) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json, sys; "
        "print(json.dumps({d: m.version(d) for d in sys.argv[1:]}))"
    )
    out = subprocess.run(
        [python, "-c", code, *dists],
        cwd="/",
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return dict(json.loads(out.stdout))


def _venv_ready(path: str, requirements: tuple[str, ...]) -> bool:
    try:
        with open(os.path.join(path, STAMP)) as f:
            return bool(json.load(f) == list(requirements)) and os.access(
                os.path.join(path, "bin", "python"), os.X_OK
            )
    except (OSError, ValueError):
        return False


def _prepare_one(driver: Driver, python: str, install: bool, done: set[str]) -> Env:
    path = os.path.join(VENVS, driver.venv)
    py = os.path.join(path, "bin", "python")
    env = Env(driver, py, ok=False)
    try:
        # This repo's driver is reinstalled even with --no-install: the run measures the
        # working tree it names, never an older copy left in the venv.
        if (install or driver.always_reinstall) and driver.venv not in done:
            if not _venv_ready(path, driver.requirements):
                _log(f"creating {path} with {' '.join(driver.requirements)}")
                _run([python, "-m", "venv", "--clear", path])
                _run([py, "-m", "pip", "install", "-q", "--upgrade", "pip"])
                _run([py, "-m", "pip", "install", "-q", *driver.requirements])
                with open(os.path.join(path, STAMP), "w") as f:
                    json.dump(list(driver.requirements), f)
            elif driver.always_reinstall:
                _log(f"reinstalling {' '.join(driver.requirements)} into {path}")
                _run(
                    [
                        py,
                        "-m",
                        "pip",
                        "install",
                        "-q",
                        "--force-reinstall",
                        "--no-deps",
                        *driver.requirements,
                    ]
                )
            done.add(driver.venv)
        env.versions = _versions(py, driver.dists)
        env.ok = True
    except (OSError, RuntimeError, subprocess.SubprocessError, ValueError) as exc:
        env.error = f"install failed: {exc}"
        _log(f"{driver.key}: {env.error}")
    return env


#: What ``--loop uvloop`` installs into each asyncio driver's venv.
UVLOOP_REQUIREMENT = "uvloop>=0.19"


def ensure_uvloop(env: Env) -> bool:
    """Install uvloop into a prepared asyncio driver's venv if missing; False if it fails."""
    probe = subprocess.run(
        [env.python, "-c", "import uvloop"], cwd="/", capture_output=True, check=False
    )
    if probe.returncode == 0:
        return True
    _log(f"installing {UVLOOP_REQUIREMENT} into {os.path.dirname(os.path.dirname(env.python))}")
    try:
        _run([env.python, "-m", "pip", "install", "-q", UVLOOP_REQUIREMENT])
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        _log(f"{env.driver.key}: uvloop install failed: {exc}")
        return False
    return True


def prepare(keys: list[str], python: str, install: bool = True) -> dict[str, Env]:
    """Create or update the venvs for `keys`; a failure is recorded, never raised."""
    os.makedirs(VENVS, exist_ok=True)
    done: set[str] = set()
    return {key: _prepare_one(DRIVERS[key], python, install, done) for key in keys}
