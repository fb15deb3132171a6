"""The compat pass: scenarios run on upstream aiomysql 0.3.2 (the oracle venv) and on
this package, against the session's test server, and their observations compared.

``scripts/test.sh`` runs this folder in a pass of its own with ``AIOMYSQL_ORACLE_PYTHON``
set to the oracle venv's python (``.venv-oracle``: aiomysql==0.3.2, PyMySQL<1.2,
SQLAlchemy 1.3). In the other passes the tests here are skipped with that reason.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from compat_support import ORACLE_ENV


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Without the oracle, skip (the compat pass of scripts/test.sh runs them)."""
    if os.environ.get(ORACLE_ENV):
        return
    skip = pytest.mark.skip(reason=f"compat pass only: scripts/test.sh sets {ORACLE_ENV}")
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def oracle_python() -> str:
    """The oracle venv's python (upstream aiomysql 0.3.2 on PyMySQL)."""
    path = os.environ.get(ORACLE_ENV, "")
    if not Path(path).is_file():
        raise RuntimeError(f"{ORACLE_ENV}={path!r} is not a python executable")
    return path
