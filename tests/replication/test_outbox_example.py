"""examples/outbox_relay.py runs against the binlog server and relays what it should."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "outbox_relay.py"


def test_outbox_relay_demo(binlog_server: Any, tmp_path: Path) -> None:
    state = tmp_path / "relay.checkpoint"
    out = subprocess.run(
        [sys.executable, str(EXAMPLE), "--host", binlog_server.host, "--port",
         str(binlog_server.port), "--state", str(state), "--demo"],
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[:3] == [
        'orders: {"order": 0, "total": 0}',
        'orders: {"order": 1, "total": 10}',
        'orders: {"order": 2, "total": 20}',
    ]
    assert lines[3].startswith("relayed 3 messages; checkpoint: Checkpoint(")
    assert state.read_text().startswith("{")
