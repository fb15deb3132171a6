"""DB-API 2.0 exception hierarchy and the mapping of server error codes onto it.

A base module, below every layer (with ``aiomysql.constants``): the sans-IO core in
``aiomysql.protocol`` raises these classes, so this module imports nothing of aiomysql.
"""

from __future__ import annotations

import builtins
import importlib
from typing import Any

__all__ = [
    "DataError",
    "DatabaseError",
    "Error",
    "ErrorClasses",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "MySQLError",
    "NotSupportedError",
    "OperationalError",
    "ProgrammingError",
    "Warning",
    "client_error",
    "error_class_for",
    "error_from_server",
]


# --- PyMySQL compatibility ---------------------------------------------------------
# Code written for PyMySQL says `except pymysql.err.IntegrityError:`. We never require
# PyMySQL, but when `pymysql.err` is importable each class below ALSO derives from
# PyMySQL's class of the same name, so such handlers keep catching our errors. Our own
# hierarchy is unchanged: `_PyMySQL(name)` used as a base class resolves (PEP 560,
# __mro_entries__) to PyMySQL's class, or to no base at all when PyMySQL is absent.
# The compatibility base comes before Exception/Warning in the root classes because
# PyMySQL's classes derive from those; elsewhere it comes after ours.
try:
    _pymysql_err: Any = importlib.import_module("pymysql.err")
except ImportError:
    _pymysql_err = None


class _PyMySQL:
    """Placeholder base: PyMySQL's exception class `name`, or nothing."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __mro_entries__(self, bases: tuple[Any, ...]) -> tuple[type, ...]:
        base = getattr(_pymysql_err, self.name, None)
        return (base,) if isinstance(base, type) else ()


# --- the hierarchy ------------------------------------------------------------------


class Warning(_PyMySQL("Warning"), builtins.Warning):  # type: ignore[misc]
    """Important warnings such as data truncation (DB-API Warning)."""


class Error(_PyMySQL("Error"), Exception):  # type: ignore[misc]
    """Base of every error raised by the driver (DB-API Error).

    Errors built from a server or client error code carry ``args == (code, message)``;
    ``sqlstate`` holds the five-character SQLSTATE when the server sent one.
    """

    sqlstate: str | None = None


MySQLError = Error


class InterfaceError(Error, _PyMySQL("InterfaceError")):  # type: ignore[misc]
    """Misuse of the driver itself: closed connection or cursor, bad arguments."""


class DatabaseError(Error, _PyMySQL("DatabaseError")):  # type: ignore[misc]
    """Errors related to the database (DB-API DatabaseError)."""


class DataError(DatabaseError, _PyMySQL("DataError")):  # type: ignore[misc]
    """A value is out of range, too long, or of the wrong type for its column."""


class OperationalError(DatabaseError, _PyMySQL("OperationalError")):  # type: ignore[misc]
    """Connection lost, authentication refused, lock wait timeout, deadlock, ..."""


class IntegrityError(DatabaseError, _PyMySQL("IntegrityError")):  # type: ignore[misc]
    """A constraint failed: duplicate key, foreign key, NOT NULL, CHECK."""


class InternalError(DatabaseError, _PyMySQL("InternalError")):  # type: ignore[misc]
    """The server hit an internal fault or the transaction state is out of sync."""


class ProgrammingError(DatabaseError, _PyMySQL("ProgrammingError")):  # type: ignore[misc]
    """SQL syntax error, missing table or column, wrong parameters, no privilege."""


class NotSupportedError(DatabaseError, _PyMySQL("NotSupportedError")):  # type: ignore[misc]
    """The server or the driver does not support the requested feature."""


class ErrorClasses:
    """The DB-API error classes as class attributes (PyMySQL's Connection and Cursor have them)."""

    Warning = Warning
    Error = Error
    InterfaceError = InterfaceError
    DatabaseError = DatabaseError
    DataError = DataError
    OperationalError = OperationalError
    IntegrityError = IntegrityError
    InternalError = InternalError
    ProgrammingError = ProgrammingError
    NotSupportedError = NotSupportedError


# --- server error code -> class ---------------------------------------------------
# As PyMySQL (and so aiomysql 0.3) decides, the code alone picks the class: these codes
# have a class of their own, every other code below 1000 is an InternalError and every
# other one from 1000 up an OperationalError. The SQLSTATE does not take part, so that
# `except` clauses written for aiomysql catch the same errors here.
# tests/compat/test_error_codes.py checks this against PyMySQL itself.


def _codes(cls: type[Error], *codes: int) -> dict[int, type[Error]]:
    return dict.fromkeys(codes, cls)


_BY_CODE: dict[int, type[Error]] = {
    **_codes(
        ProgrammingError,
        1007,  # DB_CREATE_EXISTS
        1064,  # PARSE_ERROR
        1102,  # WRONG_DB_NAME
        1103,  # WRONG_TABLE_NAME
        1110,  # FIELD_SPECIFIED_TWICE
        1111,  # INVALID_GROUP_FUNC_USE
        1112,  # UNSUPPORTED_EXTENSION
        1113,  # TABLE_MUST_HAVE_COLUMNS
        1146,  # NO_SUCH_TABLE
        1149,  # SYNTAX_ERROR
        1166,  # WRONG_COLUMN_NAME
        1179,  # CANT_DO_THIS_DURING_AN_TRANSACTION
    ),
    **_codes(
        DataError,
        1171,  # PRIMARY_CANT_HAVE_NULL
        1230,  # NO_DEFAULT
        1263,  # WARN_NULL_TO_NOTNULL
        1264,  # WARN_DATA_OUT_OF_RANGE
        1265,  # WARN_DATA_TRUNCATED
        1366,  # TRUNCATED_WRONG_VALUE_FOR_FIELD
        1367,  # ILLEGAL_VALUE_FOR_TYPE
        1406,  # DATA_TOO_LONG
        1441,  # DATETIME_FUNCTION_OVERFLOW
    ),
    **_codes(
        IntegrityError,
        1048,  # BAD_NULL_ERROR
        1062,  # DUP_ENTRY
        1215,  # CANNOT_ADD_FOREIGN
        1216,  # NO_REFERENCED_ROW
        1217,  # ROW_IS_REFERENCED
        1451,  # ROW_IS_REFERENCED_2
        1452,  # NO_REFERENCED_ROW_2
    ),
    **_codes(
        NotSupportedError,
        1196,  # WARNING_NOT_COMPLETE_ROLLBACK
        1235,  # NOT_SUPPORTED_YET
        1286,  # UNKNOWN_STORAGE_ENGINE
        1289,  # FEATURE_DISABLED
    ),
    **_codes(
        OperationalError,
        1040,  # CON_COUNT_ERROR
        1044,  # DBACCESS_DENIED_ERROR
        1045,  # ACCESS_DENIED_ERROR
        1142,  # TABLEACCESS_DENIED_ERROR
        1143,  # COLUMNACCESS_DENIED_ERROR
        1213,  # LOCK_DEADLOCK
        4025,  # CONSTRAINT_FAILED (MariaDB CHECK constraint)
    ),
}


def error_class_for(code: int, sqlstate: str | None = None) -> type[Error]:
    """Return the DB-API class for a server or client error code, as PyMySQL does.

    The code table above first; then InternalError below 1000 (OS/engine errno values)
    and OperationalError from 1000 up. ``sqlstate`` is accepted and not used: PyMySQL
    ignores it, and matching PyMySQL's classes is what keeps ``except`` clauses working.
    """
    cls = _BY_CODE.get(code)
    if cls is not None:
        return cls
    if code < 1000:
        return InternalError
    return OperationalError


def error_from_server(code: int, sqlstate: str | None, message: str) -> Error:
    """Build the exception for a server ERR packet: ``args == (code, message)``."""
    err = error_class_for(code, sqlstate)(code, message)
    err.sqlstate = sqlstate
    return err


def client_error(cls: type[Error], code: int, message: str) -> Error:
    """Build a client-side error of class ``cls`` with ``args == (code, message)``."""
    return cls(code, message)
