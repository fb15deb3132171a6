"""aiomysql.sa: SQLAlchemy Core (1.4 and 2.x) statements on aiomysql's pool and connections."""

from .connection import SAConnection
from .engine import Engine, create_engine, make_dialect
from .exc import (
    ArgumentError,
    Error,
    InvalidRequestError,
    NoSuchColumnError,
    ResourceClosedError,
)
from .result import ResultMetaData, ResultProxy, RowProxy
from .transaction import NestedTransaction, RootTransaction, Transaction, TwoPhaseTransaction

__all__ = [
    "ArgumentError",
    "Engine",
    "Error",
    "InvalidRequestError",
    "NestedTransaction",
    "NoSuchColumnError",
    "ResourceClosedError",
    "ResultMetaData",
    "ResultProxy",
    "RootTransaction",
    "RowProxy",
    "SAConnection",
    "Transaction",
    "TwoPhaseTransaction",
    "create_engine",
    "make_dialect",
]
