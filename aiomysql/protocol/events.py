"""What the protocol core reports back to its driver, one event per call of next_event()."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from .handshake import Greeting
from .results import Column, Description, OkPacket


class _NeedData:
    """Sentinel: feed more bytes before asking again."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NEED_DATA"


NEED_DATA: Final = _NeedData()


@dataclass(frozen=True)
class SendData:
    """Bytes the core needs sent before it can go on (auth exchanges)."""

    data: bytes


@dataclass(frozen=True)
class Authenticated:
    """The login succeeded; the connection is ready for commands."""

    ok: OkPacket


# The per-statement events are NamedTuples: as immutable as frozen dataclasses, and
# several times cheaper to build (each statement makes two or three of them).


class ResultSetHeader(NamedTuple):
    """A result set begins; its column definitions have all been read."""

    columns: list[Column]
    #: The DB-API description of those columns (shared by results with the same columns).
    description: Description = ()


class RowBatch(NamedTuple):
    """Rows decoded from what was buffered, in order."""

    rows: list[tuple[Any, ...]]


class ResultSetEnd(NamedTuple):
    """The current result set is complete."""

    warnings: int
    status: int


class Prepared(NamedTuple):
    """A COM_STMT_PREPARE succeeded: the statement's id and definitions."""

    stmt_id: int
    params: list[Column]
    columns: list[Column]
    warnings: int


class PrepareFailed(NamedTuple):
    """A prepare pipelined with its execute was refused; the execute's reply follows."""

    error: Exception


@dataclass(frozen=True)
class LocalInfileRequest:
    """The server asks for the contents of a local file (LOAD DATA LOCAL INFILE)."""

    filename: bytes


Event = (
    _NeedData
    | Greeting
    | SendData
    | Authenticated
    | OkPacket
    | ResultSetHeader
    | RowBatch
    | ResultSetEnd
    | LocalInfileRequest
    | Prepared
    | PrepareFailed
)
