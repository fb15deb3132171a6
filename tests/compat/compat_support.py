"""Running scenario scripts under the oracle's python and ours."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

SCENARIOS = Path(__file__).parent / "scenarios"
ORACLE_ENV = "AIOMYSQL_ORACLE_PYTHON"
#: Seconds one scenario may take on one side (a stuck one fails, it never hangs).
SCENARIO_TIMEOUT = 90


def run_script(python: str, script: str, *args: str, stdin: str = "") -> str:
    """Run scenarios/<script> with ``python`` outside the source tree; its stdout.

    The working directory is a temporary one and PYTHONPATH is dropped, so each side
    imports its own installed aiomysql, never the repository's source folder.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", ORACLE_ENV)}
    env["PYTHONWARNINGS"] = "default"
    with tempfile.TemporaryDirectory() as cwd:
        proc = subprocess.run(
            [python, str(SCENARIOS / script), *args],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=cwd,
            env=env,
            timeout=SCENARIO_TIMEOUT,
            check=False,
        )
    if proc.returncode != 0:
        raise AssertionError(f"{script} failed under {python}:\n{proc.stderr[-4000:]}")
    return proc.stdout


def run_both(oracle_python: str, script: str, *args: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The scenario's JSON observations on upstream, then on us (one after the other:
    they share the server's tables)."""
    upstream = json.loads(run_script(oracle_python, script, *args))
    ours = json.loads(run_script(sys.executable, script, *args))
    return upstream, ours
