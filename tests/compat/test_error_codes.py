"""Every server error code maps to the exception class PyMySQL (so aiomysql) gives it."""

from __future__ import annotations

import json

from compat_support import run_script

from aiomysql.constants import ER
from aiomysql.errors import error_class_for


def test_every_code_maps_like_pymysql(oracle_python: str) -> None:
    named = {v for k, v in vars(ER).items() if k.isupper() and isinstance(v, int)}
    # Every code we name, plus every code in the server's ranges and a few below 1000.
    codes = sorted(named | set(range(1000, 2000)) | set(range(3000, 4200)) | {0, 1, 500, 999})
    out = run_script(oracle_python, "error_codes.py", "pymysql", stdin=json.dumps(codes))
    theirs = json.loads(out)
    assert len(theirs) == len(codes)
    wrong = {
        code: (theirs[str(code)], error_class_for(code, sqlstate).__name__)
        for code in codes
        for sqlstate in ("HY000", "42000", "23000", None)
        if error_class_for(code, sqlstate).__name__ != theirs[str(code)]
    }
    assert not wrong, f"code: (PyMySQL's class, ours): {wrong}"
