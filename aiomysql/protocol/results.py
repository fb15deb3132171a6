"""Generic response packets (OK, ERR, EOF) and column definitions."""

from __future__ import annotations

from typing import Any, NamedTuple

from ..constants import FIELD_TYPE, FLAG
from ..errors import Error, error_from_server
from .packets import ProtocolError, Reader

OK_HEADER = 0x00
EOF_HEADER = 0xFE
ERR_HEADER = 0xFF
LOCAL_INFILE_HEADER = 0xFB


class OkPacket(NamedTuple):
    """The server's success reply to a command (or the end of a result set)."""

    affected_rows: int
    insert_id: int
    status: int
    warnings: int
    info: str


def parse_ok(payload: bytes) -> OkPacket:
    """Parse an OK packet (header 0x00, or 0xFE when it ends a result set)."""
    if len(payload) >= 7 and payload[1] < 0xFB and payload[2] < 0xFB:
        # The common case: both counters fit in one byte.
        return OkPacket(
            payload[1],
            payload[2],
            payload[3] | payload[4] << 8,
            payload[5] | payload[6] << 8,
            payload[7:].decode("utf-8", "replace") if len(payload) > 7 else "",
        )
    r = Reader(payload, 1)
    affected = r.lenenc_int() or 0
    insert_id = r.lenenc_int() or 0
    status = r.u16() if r.remaining() >= 2 else 0
    warnings = r.u16() if r.remaining() >= 2 else 0
    info = r.rest().decode("utf-8", "replace")
    return OkPacket(affected, insert_id, status, warnings, info)


def parse_eof(payload: bytes) -> tuple[int, int]:
    """Parse a classic EOF packet into (warnings, status)."""
    r = Reader(payload, 1)
    if r.remaining() < 4:
        return 0, 0
    warnings = r.u16()
    return warnings, r.u16()


def parse_error(payload: bytes) -> Error:
    """Turn an ERR packet into the DB-API exception it stands for (not raised here)."""
    r = Reader(payload, 1)
    code = r.u16()
    sqlstate = None
    if r.remaining() >= 6 and payload[r.pos] == 0x23:  # '#'
        r.skip(1)
        sqlstate = r.take(5).decode("ascii", "replace")
    message = r.rest().decode("utf-8", "replace")
    return error_from_server(code, sqlstate, message)


_DECIMAL_TYPES = (FIELD_TYPE.DECIMAL, FIELD_TYPE.NEWDECIMAL)


class Column:
    """One column definition (Protocol::ColumnDefinition41)."""

    __slots__ = (
        "schema",
        "table_name",
        "org_table",
        "name",
        "org_name",
        "charset_id",
        "length",
        "type_code",
        "flags",
        "decimals",
        "type_name",
        "type_format",
        "_description",
    )

    def __init__(
        self,
        schema: str,
        table_name: str,
        org_table: str,
        name: str,
        org_name: str,
        charset_id: int,
        length: int,
        type_code: int,
        flags: int,
        decimals: int,
        type_name: str | None = None,
        type_format: str | None = None,
    ) -> None:
        self.schema = schema
        self.table_name = table_name
        self.org_table = org_table
        self.name = name
        self.org_name = org_name
        self.charset_id = charset_id
        self.length = length
        self.type_code = type_code
        self.flags = flags
        self.decimals = decimals
        #: MariaDB's extended metadata: the SQL type name (e.g. "point") and format
        #: (e.g. "json"), when the server sends them; None otherwise.
        self.type_name = type_name
        self.type_format = type_format
        self._description: tuple[str, int, None, int, int, int, bool] | None = None

    def description(self) -> tuple[str, int, None, int, int, int, bool]:
        """The DB-API 7-item description of this column (computed once: columns are shared
        by every result of the same statement)."""
        if self._description is not None:
            return self._description
        precision = self.length
        if self.type_code in _DECIMAL_TYPES:
            precision -= (1 if self.decimals else 0) + (0 if self.flags & FLAG.UNSIGNED else 1)
        self._description = (
            self.name,
            self.type_code,
            None,
            self.length,
            precision,
            self.decimals,
            not self.flags & FLAG.NOT_NULL,
        )
        return self._description

    def __repr__(self) -> str:
        return f"Column({self.name!r}, type={self.type_code}, charset={self.charset_id})"


Description = tuple[tuple[Any, ...], ...]


def describe(columns: tuple[Column, ...] | list[Column]) -> Description:
    """The DB-API description (one 7-item tuple per column) of a result set."""
    return tuple(c.description() for c in columns)


def parse_column(payload: bytes, encoding: str = "utf-8", extended: bool = False) -> Column:
    """Parse a ColumnDefinition41 packet; names are decoded with the connection's encoding.

    ``extended``: MARIADB_CLIENT_EXTENDED_METADATA was negotiated, so an extended type
    info string follows the names.
    """
    r = Reader(payload)
    r.lenenc_bytes()  # catalog, always "def"
    schema, table_name, org_table, name, org_name = (
        r.lenenc_bytes().decode(encoding, "replace") for _ in range(5)
    )
    type_name = type_format = None
    if extended:
        info = Reader(r.lenenc_bytes())
        while info.remaining():
            kind = info.u8()
            value = info.lenenc_bytes().decode("ascii", "replace")
            if kind == 0:
                type_name = value
            elif kind == 1:
                type_format = value
    fixed = r.lenenc_int()
    if fixed is None or fixed < 0x0A or r.remaining() < 0x0A:
        raise ProtocolError("column definition too short")
    charset_id = r.u16()
    length = r.u32()
    type_code = r.u8()
    flags = r.u16()
    decimals = r.u8()
    return Column(
        schema,
        table_name,
        org_table,
        name,
        org_name,
        charset_id,
        length,
        type_code,
        flags,
        decimals,
        type_name,
        type_format,
    )
