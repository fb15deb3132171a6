"""aiomysql: a fast, dependable asyncio driver for MySQL and MariaDB."""

from . import log, utils
from ._cluster_pool import ClusterPool, ClusterStats, HostStats
from ._version import __version__
from .connection import Connection, connect
from .cursors import Cursor, DeserializationCursor, DictCursor, SSCursor, SSDictCursor
from .errors import (
    DatabaseError,
    DataError,
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    MySQLError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    Warning,
)
from .hooks import ConnectInfo, Hooks, PoolInfo, QueryInfo
from .pool import Pool, PoolClosedError, PoolStats, PoolTimeoutError, create_pool
from .protocol._impl import USING_EXTENSIONS
from .retry import CommitUnknownError, retry_transaction
from .utils import escape_dict, escape_sequence, escape_string

version = __version__

apilevel = "2.0"
threadsafety = 1
paramstyle = "pyformat"

__all__ = [
    "__version__",
    "log",
    "utils",
    "version",
    "escape_dict",
    "escape_sequence",
    "escape_string",
    "USING_EXTENSIONS",
    "apilevel",
    "threadsafety",
    "paramstyle",
    "connect",
    "Connection",
    "create_pool",
    "Pool",
    "PoolClosedError",
    "PoolStats",
    "PoolTimeoutError",
    "ClusterPool",
    "ClusterStats",
    "HostStats",
    "CommitUnknownError",
    "retry_transaction",
    "Cursor",
    "DictCursor",
    "SSCursor",
    "SSDictCursor",
    "DeserializationCursor",
    "Warning",
    "Error",
    "MySQLError",
    "InterfaceError",
    "DatabaseError",
    "DataError",
    "OperationalError",
    "IntegrityError",
    "InternalError",
    "ProgrammingError",
    "NotSupportedError",
    "Hooks",
    "QueryInfo",
    "ConnectInfo",
    "PoolInfo",
]
