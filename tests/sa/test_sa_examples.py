"""The SQLAlchemy examples under examples/ run against the test server (on 1.4: aiomysql.sa's)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run_example(name: str, connect_kwargs: dict[str, Any]) -> str:
    env = dict(
        os.environ,
        AIOMYSQL_HOST=str(connect_kwargs["host"]),
        AIOMYSQL_PORT=str(connect_kwargs["port"]),
        AIOMYSQL_USER=str(connect_kwargs["user"]),
        AIOMYSQL_PASSWORD=str(connect_kwargs["password"]),
    )
    out = subprocess.run(
        [sys.executable, "-W", "error", str(EXAMPLES / name)],
        env=env,
        capture_output=True,
        text=True,
        timeout=100,
        cwd="/",  # import the installed package, not the source folder
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_aiomysql_sa_example(connect_kwargs: dict[str, Any]) -> None:
    out = run_example("aiomysql_sa.py", connect_kwargs)
    assert out.splitlines() == ["1 abc False", "2 xyz False", "3 uvw False", "rows: 3"]


@pytest.mark.skipif(
    sqlalchemy.__version__.startswith("1."), reason="SQLAlchemy's asyncio ORM example needs 2.x"
)
def test_sqlalchemy_async_example(connect_kwargs: dict[str, Any]) -> None:
    out = run_example("sqlalchemy_async.py", connect_kwargs)
    assert "Ann ['First', 'Second']" in out.splitlines()
    assert out.splitlines()[-3:] == ["streamed First", "streamed Second", "streamed Third"]
