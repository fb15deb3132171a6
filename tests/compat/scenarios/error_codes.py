"""Print {code: exception class name} for the codes given on stdin (JSON list), as the
driver maps server error codes; for PyMySQL (the oracle venv) its own mapping."""

from __future__ import annotations

import json
import sys


def pymysql_class(code: int) -> str:
    from pymysql import err

    try:
        err.raise_mysql_exception(
            b"\xff" + code.to_bytes(2, "little") + b"#HY000message"
        )
    except err.MySQLError as exc:
        return type(exc).__name__
    raise AssertionError("raise_mysql_exception did not raise")


def our_class(code: int) -> str:
    from aiomysql.errors import error_class_for

    return error_class_for(code, "HY000").__name__


if __name__ == "__main__":
    codes = json.load(sys.stdin)
    lookup = pymysql_class if sys.argv[1] == "pymysql" else our_class
    json.dump({str(code): lookup(code) for code in codes}, sys.stdout)
