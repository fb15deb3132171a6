"""Binlog events built by hand from the documented layouts (MySQL internals manual,
"Binlog Event" pages and json_binary.h's format description), for the sans-IO decoder
tests, the fuzzers and the fake MySQL server. Written independently of the decoder."""

from __future__ import annotations

import struct
import zlib

FDE, QUERY, ROTATE, XID, TABLE_MAP = 15, 2, 4, 16, 19
WRITE_V2, UPDATE_V2, DELETE_V2, WRITE_V1 = 30, 31, 32, 23
MYSQL_GTID, PREVIOUS_GTIDS, HEARTBEAT = 33, 35, 27

#: Post-header lengths of a MySQL 8.0 format description event (event types 1..41).
POST_HEADER = bytes(
    [56, 13, 0, 8, 0, 18, 0, 4, 4, 4, 4, 18, 0, 0, 95, 0, 4, 26, 8, 0, 0, 0, 10, 10, 10,
     42, 0, 18, 52, 10, 10, 10, 42, 42, 0, 18, 52, 0, 0, 0, 0]
)  # fmt: skip


def event(
    type_code: int,
    body: bytes,
    log_pos: int = 0,
    checksum: bool = True,
    server_id: int = 1,
    flags: int = 0,
    timestamp: int = 1700000000,
) -> bytes:
    """One event as the dump sends it: the 0x00 marker, header, body, CRC32."""
    size = 19 + len(body) + (4 if checksum else 0)
    header = struct.pack("<IBIIIH", timestamp, type_code, server_id, size, log_pos, flags)
    data = header + body
    if checksum:
        data += struct.pack("<I", zlib.crc32(data))
    return b"\x00" + data


def fde(version: str = "8.0.36", checksum: bool = True) -> bytes:
    """FORMAT_DESCRIPTION_EVENT: version 4, 19-byte headers, checksum algorithm byte."""
    body = (
        struct.pack("<H", 4)
        + version.encode().ljust(50, b"\0")
        + struct.pack("<I", 0)
        + bytes((19,))
        + POST_HEADER
        + bytes((1 if checksum else 0,))
    )
    if not checksum:  # the FDE still carries the checksum field
        size = 19 + len(body) + 4
        header = struct.pack("<IBIIIH", 0, FDE, 1, size, 0, 0)
        return b"\x00" + header + body + b"\0\0\0\0"
    return event(FDE, body, 0, True)


def lenenc(n: int) -> bytes:
    """A packed (length-encoded) integer."""
    if n < 251:
        return bytes((n,))
    if n < 1 << 16:
        return b"\xfc" + struct.pack("<H", n)
    if n < 1 << 24:
        return b"\xfd" + struct.pack("<I", n)[:3]
    return b"\xfe" + struct.pack("<Q", n)


def table_map(
    table_id: int,
    schema: str,
    table: str,
    types: bytes,
    meta: bytes,
    nullable: int = 0,
    optional: bytes = b"",
) -> bytes:
    """TABLE_MAP_EVENT body."""
    n = len(types)
    return (
        table_id.to_bytes(6, "little")
        + b"\x01\x00"
        + bytes((len(schema),)) + schema.encode() + b"\0"
        + bytes((len(table),)) + table.encode() + b"\0"
        + lenenc(n) + types
        + lenenc(len(meta)) + meta
        + nullable.to_bytes((n + 7) // 8, "little")
        + optional
    )  # fmt: skip


def tlv(kind: int, value: bytes) -> bytes:
    """One optional-metadata field: type, packed length, value."""
    return bytes((kind,)) + lenenc(len(value)) + value


def rows_v2(
    table_id: int,
    ncols: int,
    images: bytes,
    present: int | None = None,
    present_after: int | None = None,
    flags: int = 1,
) -> bytes:
    """WRITE/DELETE (one bitmap) or UPDATE (two) ROWS_EVENT v2 body."""
    width = (ncols + 7) // 8
    bitmap = ((1 << ncols) - 1 if present is None else present).to_bytes(width, "little")
    after = b"" if present_after is None else present_after.to_bytes(width, "little")
    return (
        table_id.to_bytes(6, "little") + struct.pack("<HH", flags, 2)
        + lenenc(ncols) + bitmap + after + images
    )  # fmt: skip


def mysql_gtid(uuid_hex: str, gno: int) -> bytes:
    """MySQL GTID_LOG_EVENT body: commit flag, SID, GNO, logical clock."""
    return (
        b"\x01" + bytes.fromhex(uuid_hex.replace("-", "")) + struct.pack("<q", gno)
        + b"\x02" + struct.pack("<qq", 0, 1)
    )  # fmt: skip


def query(sql: str, schema: str = "db") -> bytes:
    """QUERY_EVENT body (no status variables)."""
    return struct.pack("<IIBHH", 7, 0, len(schema), 0, 0) + schema.encode() + b"\0" + sql.encode()


def xid(n: int) -> bytes:
    """XID_EVENT body."""
    return struct.pack("<Q", n)


# --- MySQL binary JSON (json_binary.h) ----------------------------------------------


def j_string(s: str) -> bytes:
    """A string's data: variable-length size (7 bits a byte, low first), UTF-8."""
    raw = s.encode()
    n, out = len(raw), bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out) + raw


def j_container(
    items: list[tuple[int, bytes | int]], keys: list[str] | None, large: bool = False
) -> bytes:
    """An object (keys given) or array body: count, size, key entries, value entries,
    keys, values. ``items`` are (type, data) with data bytes for values stored after the
    entries, or an int for a value inlined in its entry (literals, (u)int16)."""
    w = 4 if large else 2
    count = len(items)
    entry = 1 + w
    header = 2 * w + (count * (w + 2) if keys is not None else 0) + count * entry
    key_blob = b"".join(k.encode() for k in keys or [])
    offset = header + len(key_blob)
    value_entries, values = b"", b""
    for vtype, data in items:
        if isinstance(data, int):
            value_entries += bytes((vtype,)) + data.to_bytes(w, "little", signed=data < 0)
        else:
            value_entries += bytes((vtype,)) + (offset + len(values)).to_bytes(w, "little")
            values += data
    key_entries, key_at = b"", header
    for k in keys or []:
        key_entries += key_at.to_bytes(w, "little") + len(k.encode()).to_bytes(2, "little")
        key_at += len(k.encode())
    size = header + len(key_blob) + len(values)
    return (count.to_bytes(w, "little") + size.to_bytes(w, "little") + key_entries
            + value_entries + key_blob + values)  # fmt: skip
