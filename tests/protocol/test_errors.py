"""DB-API exception hierarchy, server-code mapping, and optional PyMySQL compatibility."""

from __future__ import annotations

import builtins
import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from aiomysql import errors
from aiomysql.constants import CR, ER
from aiomysql.errors import (
    DatabaseError,
    DataError,
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    Warning,
    client_error,
    error_class_for,
    error_from_server,
)

DB_ERRORS = [
    DataError,
    OperationalError,
    IntegrityError,
    InternalError,
    ProgrammingError,
    NotSupportedError,
]


def test_dbapi_hierarchy() -> None:
    assert issubclass(Warning, builtins.Warning)
    assert not issubclass(Warning, Error)
    assert issubclass(Error, Exception)
    assert issubclass(InterfaceError, Error)
    assert issubclass(DatabaseError, Error)
    assert not issubclass(InterfaceError, DatabaseError)
    for cls in DB_ERRORS:
        assert issubclass(cls, DatabaseError)
        assert cls.__module__ == "aiomysql.errors"
    assert errors.MySQLError is Error


@pytest.mark.parametrize(
    ("code", "sqlstate", "cls"),
    [
        # The class PyMySQL gives each code (tests/compat checks all codes against it).
        (ER.DUP_ENTRY, "23000", IntegrityError),
        (ER.BAD_NULL_ERROR, "23000", IntegrityError),
        (ER.ROW_IS_REFERENCED_2, "23000", IntegrityError),
        (ER.NO_REFERENCED_ROW_2, "23000", IntegrityError),
        (ER.CONSTRAINT_FAILED, "23000", OperationalError),
        (ER.PARSE_ERROR, "42000", ProgrammingError),
        (ER.NO_SUCH_TABLE, "42S02", ProgrammingError),
        (ER.BAD_FIELD_ERROR, "42S22", OperationalError),
        (ER.BAD_DB_ERROR, "42000", OperationalError),
        (ER.TABLE_EXISTS_ERROR, "42S01", OperationalError),
        (ER.NO_DB_ERROR, "3D000", OperationalError),
        (ER.DBACCESS_DENIED_ERROR, "42000", OperationalError),
        (ER.ACCESS_DENIED_ERROR, "28000", OperationalError),
        (ER.CON_COUNT_ERROR, "08004", OperationalError),
        (ER.LOCK_WAIT_TIMEOUT, "HY000", OperationalError),
        (ER.LOCK_DEADLOCK, "40001", OperationalError),
        (ER.WARN_DATA_OUT_OF_RANGE, "22003", DataError),
        (ER.WARN_DATA_TRUNCATED, "01000", DataError),
        (ER.TRUNCATED_WRONG_VALUE_FOR_FIELD, "HY000", DataError),
        (ER.DATA_TOO_LONG, "22001", DataError),
        (ER.DIVISION_BY_ZERO, "22012", OperationalError),
        (ER.NOT_SUPPORTED_YET, "42000", NotSupportedError),
        (ER.FEATURE_DISABLED, "HY000", NotSupportedError),
    ],
)
def test_known_codes(code: int, sqlstate: str, cls: type[Error]) -> None:
    assert error_class_for(code, sqlstate) is cls
    assert error_class_for(code, None) is cls
    err = error_from_server(code, sqlstate, "message")
    assert type(err) is cls
    assert err.args == (code, "message")
    assert err.sqlstate == sqlstate


@pytest.mark.parametrize("sqlstate", ["23000", "42000", "22007", "0A000", "25001", "", None])
def test_sqlstate_does_not_choose_the_class(sqlstate: str | None) -> None:
    # As PyMySQL: an unlisted code is an OperationalError whatever its SQLSTATE.
    assert error_class_for(9999, sqlstate) is OperationalError
    assert error_class_for(500, sqlstate) is InternalError


def test_ranges_without_sqlstate() -> None:
    assert error_class_for(0, None) is InternalError
    assert error_class_for(999, None) is InternalError
    assert error_class_for(1999, None) is OperationalError
    for code in range(CR.CR_ERROR_FIRST, CR.CR_ERROR_LAST + 1):
        assert error_class_for(code, None) is OperationalError


def test_client_error() -> None:
    err = client_error(OperationalError, CR.CR_SERVER_LOST, "Lost connection")
    assert type(err) is OperationalError
    assert err.args == (2013, "Lost connection")
    assert err.sqlstate is None
    with pytest.raises(DatabaseError):
        raise err


def test_errors_pickle_and_str() -> None:
    import pickle

    err = error_from_server(1062, "23000", "Duplicate entry '1' for key 'PRIMARY'")
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is IntegrityError
    assert clone.args == err.args
    assert "Duplicate entry" in str(err)


def test_constants_values() -> None:
    assert ER.DUP_ENTRY == 1062
    assert ER.PARSE_ERROR == 1064
    assert ER.ACCESS_DENIED_ERROR == 1045
    assert ER.BAD_DB_ERROR == 1049
    assert ER.NO_SUCH_TABLE == 1146
    assert ER.BAD_FIELD_ERROR == 1054
    assert ER.LOCK_DEADLOCK == 1213
    assert ER.LOCK_WAIT_TIMEOUT == 1205
    assert ER.QUERY_INTERRUPTED == 1317
    assert CR.CR_SERVER_GONE_ERROR == 2006
    assert CR.CR_SERVER_LOST == 2013
    assert CR.CR_MALFORMED_PACKET == 2027
    assert CR.CR_SERVER_LOST_EXTENDED == 2055
    assert CR.CR_AUTH_PLUGIN_CANNOT_LOAD == 2059


_PROBE = textwrap.dedent(
    """
    import json, sys
    if sys.argv[1] == "without":
        sys.modules["pymysql"] = None
    from aiomysql import errors
    out = {"mro": {}, "caught": {}}
    names = ["Warning", "Error", "InterfaceError", "DatabaseError", "DataError",
             "OperationalError", "IntegrityError", "InternalError", "ProgrammingError",
             "NotSupportedError"]
    for name in names:
        mro = getattr(errors, name).__mro__
        out["mro"][name] = [f"{c.__module__}.{c.__qualname__}" for c in mro]
    if sys.argv[1] == "with":
        import pymysql.err
        for name in names[1:]:
            try:
                raise errors.error_class_for(1062)(1062, "x") if name == "IntegrityError" \\
                    else getattr(errors, name)(1, "x")
            except getattr(pymysql.err, name):
                out["caught"][name] = True
        try:
            raise errors.IntegrityError(1062, "dup")
        except pymysql.err.MySQLError as exc:
            out["caught"]["MySQLError"] = exc.args == (1062, "dup")
        out["caught"]["Warning"] = issubclass(errors.Warning, pymysql.err.Warning)
    print(json.dumps(out))
    """
)


def _probe(mode: str) -> dict[str, Any]:
    # -I: not the source tree in the current directory, the installed package
    proc = subprocess.run(
        [sys.executable, "-I", "-c", _PROBE, mode], capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def test_without_pymysql() -> None:
    mro = _probe("without")["mro"]
    for name, chain in mro.items():
        assert isinstance(chain, list)
        assert not any(c.startswith("pymysql") for c in chain), (name, chain)
    assert mro["IntegrityError"][:4] == [
        "aiomysql.errors.IntegrityError",
        "aiomysql.errors.DatabaseError",
        "aiomysql.errors.Error",
        "builtins.Exception",
    ]
    assert mro["Warning"][:2] == ["aiomysql.errors.Warning", "builtins.Warning"]


def test_with_pymysql() -> None:
    pytest.importorskip("pymysql.err")
    out = _probe("with")
    caught = out["caught"]
    assert all(caught.values()) and len(caught) == 11, caught
    chain = out["mro"]["IntegrityError"]
    assert isinstance(chain, list)
    ours = [c for c in chain if c.startswith("aiomysql.")]
    assert ours == [
        "aiomysql.errors.IntegrityError",
        "aiomysql.errors.DatabaseError",
        "aiomysql.errors.Error",
    ]
    assert "pymysql.err.IntegrityError" in chain
