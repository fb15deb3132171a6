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


# --- server error code -> class ---------------------------------------------------


def _codes(cls: type[Error], *codes: int) -> dict[int, type[Error]]:
    return dict.fromkeys(codes, cls)


# Explicit codes win over the SQLSTATE. Listed are the codes whose SQLSTATE is the
# generic HY000 (or absent on old servers) but which clearly belong to a class, plus
# the most common codes of every class so that errors without SQLSTATE map well.
_BY_CODE: dict[int, type[Error]] = {
    **_codes(
        IntegrityError,
        1022,  # DUP_KEY
        1048,  # BAD_NULL_ERROR (SQLSTATE 23000)
        1062,  # DUP_ENTRY
        1169,  # DUP_UNIQUE
        1216,  # NO_REFERENCED_ROW
        1217,  # ROW_IS_REFERENCED
        1364,  # NO_DEFAULT_FOR_FIELD (HY000)
        1451,  # ROW_IS_REFERENCED_2
        1452,  # NO_REFERENCED_ROW_2
        1557,  # FOREIGN_DUPLICATE_KEY (MySQL 5.5)
        1586,  # DUP_ENTRY_WITH_KEY_NAME
        1761,  # FOREIGN_DUPLICATE_KEY_WITH_CHILD_INFO
        1762,  # FOREIGN_DUPLICATE_KEY_WITHOUT_CHILD_INFO
        1859,  # DUP_UNKNOWN_IN_INDEX
        3819,  # CHECK_CONSTRAINT_VIOLATED (MySQL)
        4025,  # CONSTRAINT_FAILED (MariaDB CHECK)
    ),
    **_codes(
        DataError,
        1138,  # INVALID_USE_OF_NULL
        1264,  # WARN_DATA_OUT_OF_RANGE
        1265,  # WARN_DATA_TRUNCATED (01000 when strict)
        1292,  # TRUNCATED_WRONG_VALUE
        1300,  # INVALID_CHARACTER_STRING
        1365,  # DIVISION_BY_ZERO
        1366,  # TRUNCATED_WRONG_VALUE_FOR_FIELD (HY000 on MySQL)
        1367,  # ILLEGAL_VALUE_FOR_TYPE
        1406,  # DATA_TOO_LONG
        1411,  # WRONG_VALUE_FOR_TYPE
        1416,  # CANT_CREATE_GEOMETRY_OBJECT
        1441,  # DATETIME_FUNCTION_OVERFLOW
        1525,  # WRONG_VALUE
        1690,  # DATA_OUT_OF_RANGE
        1916,  # DATA_OVERFLOW
        1918,  # BAD_DATA
        1977,  # CANNOT_CONVERT_CHARACTER
    ),
    **_codes(
        ProgrammingError,
        1007,  # DB_CREATE_EXISTS
        1008,  # DB_DROP_EXISTS
        1044,  # DBACCESS_DENIED_ERROR
        1046,  # NO_DB_ERROR
        1049,  # BAD_DB_ERROR
        1050,  # TABLE_EXISTS_ERROR
        1051,  # BAD_TABLE_ERROR
        1052,  # NON_UNIQ_ERROR
        1054,  # BAD_FIELD_ERROR
        1055,  # WRONG_FIELD_WITH_GROUP
        1058,  # WRONG_VALUE_COUNT
        1059,  # TOO_LONG_IDENT
        1060,  # DUP_FIELDNAME
        1061,  # DUP_KEYNAME
        1063,  # WRONG_FIELD_SPEC
        1064,  # PARSE_ERROR
        1065,  # EMPTY_QUERY
        1066,  # NONUNIQ_TABLE
        1067,  # INVALID_DEFAULT
        1068,  # MULTIPLE_PRI_KEY
        1091,  # CANT_DROP_FIELD_OR_KEY
        1102,  # WRONG_DB_NAME
        1103,  # WRONG_TABLE_NAME
        1109,  # UNKNOWN_TABLE
        1110,  # FIELD_SPECIFIED_TWICE
        1111,  # INVALID_GROUP_FUNC_USE
        1115,  # UNKNOWN_CHARACTER_SET
        1136,  # WRONG_VALUE_COUNT_ON_ROW
        1142,  # TABLEACCESS_DENIED_ERROR
        1143,  # COLUMNACCESS_DENIED_ERROR
        1146,  # NO_SUCH_TABLE
        1147,  # NONEXISTING_TABLE_GRANT
        1148,  # NOT_ALLOWED_COMMAND
        1149,  # SYNTAX_ERROR
        1210,  # WRONG_ARGUMENTS (HY000: e.g. EXECUTE with wrong arguments)
        1221,  # WRONG_USAGE
        1222,  # WRONG_NUMBER_OF_COLUMNS_IN_SELECT
        1227,  # SPECIFIC_ACCESS_DENIED_ERROR
        1241,  # OPERAND_COLUMNS
        1242,  # SUBQUERY_NO_1_ROW
        1243,  # UNKNOWN_STMT_HANDLER
        1248,  # DERIVED_MUST_HAVE_ALIAS
        1305,  # SP_DOES_NOT_EXIST
        1318,  # SP_WRONG_NO_OF_ARGS
        1370,  # PROCACCESS_DENIED_ERROR
        1407,  # SP_BAD_SQLSTATE
        1449,  # NO_SUCH_USER
        1582,  # WRONG_PARAMCOUNT_TO_NATIVE_FCT
    ),
    **_codes(
        NotSupportedError,
        1235,  # NOT_SUPPORTED_YET
        1289,  # FEATURE_DISABLED
    ),
    **_codes(
        OperationalError,
        1040,  # CON_COUNT_ERROR
        1041,  # OUT_OF_RESOURCES
        1043,  # HANDSHAKE_ERROR
        1045,  # ACCESS_DENIED_ERROR
        1047,  # UNKNOWN_COM_ERROR
        1053,  # SERVER_SHUTDOWN
        1129,  # HOST_IS_BLOCKED
        1130,  # HOST_NOT_PRIVILEGED
        1152,  # ABORTING_CONNECTION
        1153,  # NET_PACKET_TOO_LARGE
        1158,  # NET_READ_ERROR
        1159,  # NET_READ_INTERRUPTED
        1160,  # NET_ERROR_ON_WRITE
        1161,  # NET_WRITE_INTERRUPTED
        1184,  # NEW_ABORTING_CONNECTION
        1203,  # TOO_MANY_USER_CONNECTIONS
        1205,  # LOCK_WAIT_TIMEOUT
        1213,  # LOCK_DEADLOCK
        1226,  # USER_LIMIT_REACHED
        1251,  # NOT_SUPPORTED_AUTH_MODE
        1290,  # OPTION_PREVENTS_STATEMENT (e.g. --read-only)
        1317,  # QUERY_INTERRUPTED
        1698,  # ACCESS_DENIED_NO_PASSWORD_ERROR
        1820,  # MUST_CHANGE_PASSWORD
        1836,  # READ_ONLY_MODE
        1862,  # MUST_CHANGE_PASSWORD_LOGIN
        1927,  # CONNECTION_KILLED
        1969,  # STATEMENT_TIMEOUT (MariaDB max_statement_time)
        3024,  # QUERY_TIMEOUT (MySQL max_execution_time)
        3572,  # LOCK_NOWAIT (MySQL)
    ),
    **_codes(
        InternalError,
        1030,  # GET_ERRNO: storage engine error
        1034,  # NOT_KEYFILE: corrupt index file
        1105,  # UNKNOWN_ERROR
        1815,  # INTERNAL_ERROR
    ),
}

# Fallback by SQLSTATE class (the first two characters), after the code table.
_BY_SQLSTATE_CLASS: dict[str, type[Error]] = {
    "07": ProgrammingError,  # dynamic SQL error (prepared statement misuse)
    "08": OperationalError,  # connection exception
    "0A": NotSupportedError,  # feature not supported
    "21": ProgrammingError,  # cardinality violation (column/row count mismatch)
    "22": DataError,  # data exception
    "23": IntegrityError,  # integrity constraint violation
    "24": ProgrammingError,  # invalid cursor state (stored-program cursors)
    "25": InternalError,  # invalid transaction state ("transaction out of sync")
    "28": OperationalError,  # invalid authorization
    "3D": ProgrammingError,  # invalid catalog name (no database selected)
    "3F": ProgrammingError,  # invalid schema name
    "40": OperationalError,  # transaction rollback (deadlock): retryable
    "42": ProgrammingError,  # syntax error or access rule violation
    "44": IntegrityError,  # WITH CHECK OPTION violation
}


def error_class_for(code: int, sqlstate: str | None = None) -> type[Error]:
    """Return the DB-API class for a server or client error code and SQLSTATE.

    Order: the explicit code table; then the SQLSTATE class ('23' IntegrityError,
    '42' ProgrammingError, '22' DataError, '08' OperationalError, ...); then by range:
    codes below 1000 (OS/engine errno values) InternalError, everything else
    (server codes with SQLSTATE HY000 or unknown, client codes 2000-2999, XA, user
    SIGNALs '45000') OperationalError, the class applications treat as "the
    database could not do it right now".
    """
    cls = _BY_CODE.get(code)
    if cls is not None:
        return cls
    if sqlstate:
        cls = _BY_SQLSTATE_CLASS.get(sqlstate[:2].upper())
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
