"""Change data capture: follow a MySQL/MariaDB binlog as typed events, exactly once.

``BinlogStream`` connects as a replica, streams the binlog from a position, GTID or
checkpoint, decodes row images to the values the text protocol returns, and resumes
after the last event taken when the connection or the server goes away.
"""

from ..protocol.binlog_events import (
    AnnotateRowsEvent,
    BinlogEvent,
    DeleteRowsEvent,
    FormatDescriptionEvent,
    GtidEvent,
    GtidListEvent,
    HeartbeatEvent,
    OtherEvent,
    QueryEvent,
    RotateEvent,
    RowsEvent,
    TableMapEvent,
    UpdateRowsEvent,
    WriteRowsEvent,
    XidEvent,
)
from ._position import Checkpoint
from .stream import BinlogStream

__all__ = [
    "AnnotateRowsEvent",
    "BinlogEvent",
    "BinlogStream",
    "Checkpoint",
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
