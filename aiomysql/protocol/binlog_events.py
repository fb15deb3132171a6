"""Binlog events as Python objects: what ``BinlogDecoder`` makes of each event's bytes.

Every event has the common header's fields (``timestamp``, ``server_id``, ``log_pos``:
where the *next* event starts, ``flags``) and, once the stream has taken it,
``checkpoint``: the resume token for the position right after it. Event type codes
and layouts: MySQL internals manual ("Binlog Event Type") and MariaDB KB
("Replication protocol").
"""

from __future__ import annotations

from typing import Any

# Event type codes.
UNKNOWN_EVENT = 0
QUERY_EVENT = 2
STOP_EVENT = 3
ROTATE_EVENT = 4
INTVAR_EVENT = 5
RAND_EVENT = 13
USER_VAR_EVENT = 14
FORMAT_DESCRIPTION_EVENT = 15
XID_EVENT = 16
TABLE_MAP_EVENT = 19
WRITE_ROWS_EVENT_V1 = 23
UPDATE_ROWS_EVENT_V1 = 24
DELETE_ROWS_EVENT_V1 = 25
HEARTBEAT_EVENT = 27
ROWS_QUERY_EVENT = 29
WRITE_ROWS_EVENT_V2 = 30
UPDATE_ROWS_EVENT_V2 = 31
DELETE_ROWS_EVENT_V2 = 32
GTID_EVENT = 33  # MySQL
ANONYMOUS_GTID_EVENT = 34  # MySQL
XA_PREPARE_LOG_EVENT = 38  # ends the first part of an XA transaction
PREVIOUS_GTIDS_EVENT = 35  # MySQL
ANNOTATE_ROWS_EVENT = 160  # MariaDB
BINLOG_CHECKPOINT_EVENT = 161  # MariaDB
MARIADB_GTID_EVENT = 162  # MariaDB
GTID_LIST_EVENT = 163  # MariaDB

WRITE_ROWS = (WRITE_ROWS_EVENT_V1, WRITE_ROWS_EVENT_V2)
UPDATE_ROWS = (UPDATE_ROWS_EVENT_V1, UPDATE_ROWS_EVENT_V2)
DELETE_ROWS = (DELETE_ROWS_EVENT_V1, DELETE_ROWS_EVENT_V2)
ROWS_EVENTS = frozenset(WRITE_ROWS + UPDATE_ROWS + DELETE_ROWS)

#: Header flag of events the server made up for the dump (the first Rotate).
LOG_EVENT_ARTIFICIAL_F = 0x20
#: Rows event flag: the last rows event of its statement.
STMT_END_F = 0x01
#: MariaDB GTID event flags.
FL_STANDALONE = 0x01
FL_GROUP_COMMIT_ID = 0x02


class BinlogEvent:
    """Common header fields of every event."""

    __slots__ = ("timestamp", "server_id", "log_pos", "flags", "checkpoint")
    type_code = UNKNOWN_EVENT

    def __init__(self, timestamp: int, server_id: int, log_pos: int, flags: int) -> None:
        self.timestamp = timestamp
        self.server_id = server_id
        #: Where the next event starts in the binlog file (0 for made-up events).
        self.log_pos = log_pos
        self.flags = flags
        #: Resume token for right after this event (set by the stream when it is taken).
        self.checkpoint: Any = None

    def _fields(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} log_pos={self.log_pos} {self._fields()}>"


class RotateEvent(BinlogEvent):
    """The stream goes on in ``next_file`` at ``position``."""

    __slots__ = ("next_file", "position")
    next_file: str
    position: int
    type_code = ROTATE_EVENT

    def _fields(self) -> str:
        return f"next_file={self.next_file!r} position={self.position}"


class FormatDescriptionEvent(BinlogEvent):
    """Describes the binlog file: server version, header lengths, checksum algorithm."""

    __slots__ = ("binlog_version", "server_version", "header_length", "post_header", "checksum")
    binlog_version: int
    server_version: str
    header_length: int
    post_header: bytes
    checksum: int
    type_code = FORMAT_DESCRIPTION_EVENT

    def _fields(self) -> str:
        return f"server_version={self.server_version!r} checksum={self.checksum}"


class GtidEvent(BinlogEvent):
    """A transaction starts. ``gtid`` is "domain-server-seq" (MariaDB) or "uuid:gno"
    (MySQL)."""

    __slots__ = ("gtid", "domain_id", "seq_no", "gtid_flags", "commit_id", "uuid", "gno")
    gtid: str
    domain_id: int
    seq_no: int
    gtid_flags: int
    commit_id: int | None
    uuid: str | None
    gno: int
    type_code = MARIADB_GTID_EVENT

    @property
    def standalone(self) -> bool:
        """MariaDB: a statement with no COMMIT after it (DDL)."""
        return bool(self.gtid_flags & FL_STANDALONE) and self.uuid is None

    def _fields(self) -> str:
        return f"gtid={self.gtid!r}"


class GtidListEvent(BinlogEvent):
    """MariaDB: the GTID state at the start of a binlog file."""

    __slots__ = ("gtids",)
    gtids: list[str]
    type_code = GTID_LIST_EVENT

    def _fields(self) -> str:
        return f"gtids={self.gtids!r}"


class QueryEvent(BinlogEvent):
    """A statement logged as text (DDL, BEGIN, COMMIT for non-transactional tables)."""

    __slots__ = ("thread_id", "exec_time", "error_code", "schema", "query")
    thread_id: int
    exec_time: int
    error_code: int
    schema: str
    query: str
    type_code = QUERY_EVENT

    def _fields(self) -> str:
        return f"schema={self.schema!r} query={self.query!r}"


class XidEvent(BinlogEvent):
    """A transaction committed (``xid``: the storage engine's transaction id)."""

    __slots__ = ("xid",)
    xid: int
    type_code = XID_EVENT

    def _fields(self) -> str:
        return f"xid={self.xid}"


class HeartbeatEvent(BinlogEvent):
    """Nothing happened for a heartbeat period; the server is alive."""

    __slots__ = ("log_file",)
    log_file: str
    type_code = HEARTBEAT_EVENT


class AnnotateRowsEvent(BinlogEvent):
    """MariaDB: the statement that made the rows events following it."""

    __slots__ = ("query",)
    query: str
    type_code = ANNOTATE_ROWS_EVENT

    def _fields(self) -> str:
        return f"query={self.query!r}"


class TableMapEvent(BinlogEvent):
    """Defines table ``table_id`` for the rows events that follow: its columns' types,
    metadata and, with ``binlog_row_metadata=FULL``, names, signedness and charsets."""

    __slots__ = (
        "table_id",
        "schema",
        "table",
        "column_types",
        "column_meta",
        "nullable",
        "column_names",
        "unsigned",
        "charsets",
        "enum_values",
        "set_values",
        "primary_key",
        "plan",
    )
    table_id: int
    schema: str
    table: str
    column_types: bytes
    column_meta: list[int]
    nullable: list[bool]
    column_names: list[str] | None
    unsigned: list[bool] | None
    charsets: list[int | None] | None
    enum_values: list[tuple[str, ...] | None] | None
    set_values: list[tuple[str, ...] | None] | None
    primary_key: list[int] | None
    plan: tuple[tuple[int, int, int, Any], ...]
    type_code = TABLE_MAP_EVENT

    def _fields(self) -> str:
        return f"table_id={self.table_id} {self.schema}.{self.table}"


class RowsEvent(BinlogEvent):
    """Rows a statement changed in ``schema.table``. ``rows`` holds one tuple per row
    with the values of the columns in ``columns`` (all of them with
    ``binlog_row_image=FULL``); UpdateRowsEvent holds (before, after) pairs."""

    __slots__ = ("table_id", "rows_flags", "table_map", "columns", "columns_after", "rows")
    table_id: int
    rows_flags: int
    table_map: TableMapEvent
    columns: tuple[int, ...]
    columns_after: tuple[int, ...] | None
    rows: list[Any]
    type_code = WRITE_ROWS_EVENT_V2

    @property
    def schema(self) -> str:
        """The database of the changed table."""
        return str(self.table_map.schema)

    @property
    def table(self) -> str:
        """The changed table's name."""
        return str(self.table_map.table)

    def column_names(self, after: bool = False) -> list[str]:
        """Names of the columns in the (after) images: real names with
        ``binlog_row_metadata=FULL``, else "@1", "@2", ... (1-based positions)."""
        indexes = self.columns_after if after and self.columns_after is not None else self.columns
        names = self.table_map.column_names
        if names:
            return [names[i] for i in indexes]
        return [f"@{i + 1}" for i in indexes]

    def _fields(self) -> str:
        return f"{self.schema}.{self.table} rows={len(self.rows)}"


class WriteRowsEvent(RowsEvent):
    """Rows inserted: ``rows`` are their images."""

    __slots__ = ()
    type_code = WRITE_ROWS_EVENT_V2

    def as_dicts(self) -> list[dict[str, Any]]:
        """The rows as {column name: value}."""
        names = self.column_names()
        return [dict(zip(names, row, strict=True)) for row in self.rows]


class DeleteRowsEvent(WriteRowsEvent):
    """Rows deleted: ``rows`` are their images before the delete."""

    __slots__ = ()
    type_code = DELETE_ROWS_EVENT_V2


class UpdateRowsEvent(RowsEvent):
    """Rows updated: ``rows`` are (before image, after image) pairs."""

    __slots__ = ()
    type_code = UPDATE_ROWS_EVENT_V2

    def as_dicts(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """The rows as ({name: value before}, {name: value after}) pairs."""
        before, after = self.column_names(), self.column_names(after=True)
        return [
            (dict(zip(before, b, strict=False)), dict(zip(after, a, strict=False)))
            for b, a in self.rows
        ]


class OtherEvent(BinlogEvent):
    """An event this decoder does not interpret (``event_type``, raw ``body``)."""

    __slots__ = ("event_type", "body")
    event_type: int
    body: bytes
    type_code = UNKNOWN_EVENT

    def _fields(self) -> str:
        return f"event_type={self.event_type}"


__all__ = [
    "AnnotateRowsEvent",
    "BinlogEvent",
    "DeleteRowsEvent",
    "FormatDescriptionEvent",
    "GtidEvent",
    "GtidListEvent",
    "HeartbeatEvent",
    "OtherEvent",
    "QueryEvent",
    "RotateEvent",
    "RowsEvent",
    "TableMapEvent",
    "UpdateRowsEvent",
    "WriteRowsEvent",
    "XidEvent",
]
