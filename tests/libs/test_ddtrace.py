"""ddtrace's aiomysql integration on this driver: one span per statement, rows intact.

ddtrace wraps the module function ``aiomysql.connection._connect`` (so connect() and the
pool's connections come back as its proxies) and rebuilds ``cursor()``'s context
manager as ``type(cm)(coroutine)``. The queries run in a child process
(``ddtrace_app.py``): importing ddtrace installs an import hook and an excepthook that
the rest of this session must not run under.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

APP = Path(__file__).with_name("ddtrace_app.py")

#: Nothing leaves the child: no telemetry, no remote config, no agent (a closed port).
QUIET_DDTRACE = {
    "DD_INSTRUMENTATION_TELEMETRY_ENABLED": "false",
    "DD_REMOTE_CONFIGURATION_ENABLED": "false",
    "DD_TRACE_STARTUP_LOGS": "false",
    "DD_CRASHTRACKING_ENABLED": "false",
    "DD_TRACE_AGENT_URL": "http://127.0.0.1:9",
    "DD_SERVICE": "libs-test",
}


def _run_app(connect_kwargs: dict[str, Any]) -> dict[str, Any]:
    env = {**os.environ, **QUIET_DDTRACE}
    done = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", str(APP), json.dumps(connect_kwargs)],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_statements_are_traced_and_rows_come_through(connect_kwargs: dict[str, Any]) -> None:
    out = _run_app(connect_kwargs)
    seen, spans = out["seen"], out["spans"]

    assert seen == {
        "connection_type": "AIOTracedConnection",  # ddtrace's proxy around our Connection
        "fetchone": [2],
        "fetchall": [[3]],
        "dict_row": {"n": 3},
        "error": 1146,
        "cursor_closed": True,
        "pooled": [42],
        "pool_free_after_release": 1,
    }
    assert [(s["resource"], s["metrics"]["db.row_count"], s["error"]) for s in spans] == [
        ("CREATE TEMPORARY TABLE d (a INT)", 0, 0),
        ("INSERT INTO d VALUES (%s)", 3, 0),
        ("SELECT a FROM d WHERE a >= %s ORDER BY a", 2, 0),
        ("SELECT COUNT(*) AS n FROM d", 1, 0),
        ("SELECT * FROM no_such_table", -1, 1),
        ("SELECT 42", 1, 0),
    ]
    for span in spans:
        assert span["name"] == "mysql.query"
        assert span["span_type"] == "sql"
        assert span["service"] == "mysql"
        tags = span["tags"]
        assert tags["component"] == "aiomysql"
        assert tags["span.kind"] == "client"
        assert tags["db.system"] == "mysql"
        assert tags["out.host"] == connect_kwargs["host"]
        assert tags["db.name"] == connect_kwargs["db"]
        assert tags["db.user"] == connect_kwargs["user"]
        assert span["metrics"]["network.destination.port"] == connect_kwargs["port"]
    assert spans[1]["tags"]["sql.executemany"] == "true"
    assert spans[4]["tags"]["error.type"] == "aiomysql.errors.ProgrammingError"
    assert "1146" in spans[4]["tags"]["error.message"]
