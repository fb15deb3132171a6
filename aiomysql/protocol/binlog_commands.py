"""Encoders for the replication commands: COM_REGISTER_SLAVE, COM_BINLOG_DUMP(_GTID)."""

from __future__ import annotations

import struct
import uuid

from ..constants import COMMAND

#: COM_BINLOG_DUMP flag: answer EOF at the end of the binlog instead of waiting.
BINLOG_DUMP_NON_BLOCK = 0x01
#: MariaDB: send ANNOTATE_ROWS events.
BINLOG_SEND_ANNOTATE_ROWS_EVENT = 0x02
#: COM_BINLOG_DUMP_GTID flag: the GTID set below says where to start.
BINLOG_THROUGH_GTID = 0x04


def _short_string(value: bytes) -> bytes:
    if len(value) > 255:
        raise ValueError("a COM_REGISTER_SLAVE string is at most 255 bytes")
    return bytes((len(value),)) + value


def com_register_slave(
    server_id: int, hostname: bytes = b"", user: bytes = b"", password: bytes = b"", port: int = 0
) -> bytes:
    """COM_REGISTER_SLAVE payload: announce this client as replica ``server_id``."""
    return (
        bytes((COMMAND.COM_REGISTER_SLAVE,))
        + struct.pack("<I", server_id)
        + _short_string(hostname)
        + _short_string(user)
        + _short_string(password)
        + struct.pack("<HII", port, 0, 0)
    )


def com_binlog_dump(server_id: int, log_file: bytes, log_pos: int, flags: int = 0) -> bytes:
    """COM_BINLOG_DUMP payload: stream the binlog from ``log_file`` at ``log_pos``."""
    if not 0 <= log_pos <= 0xFFFFFFFF:
        raise ValueError(f"binlog position {log_pos} does not fit COM_BINLOG_DUMP")
    return (
        bytes((COMMAND.COM_BINLOG_DUMP,))
        + struct.pack("<IHI", log_pos, flags, server_id)
        + log_file
    )


def parse_mysql_gtid_set(text: str) -> list[tuple[bytes, list[tuple[int, int]]]]:
    """'uuid:1-5:7,uuid2:3' -> [(16-byte uuid, [(start, stop exclusive), ...]), ...]."""
    sids: list[tuple[bytes, list[tuple[int, int]]]] = []
    for part in text.replace("\n", "").split(","):
        part = part.strip()
        if not part:
            continue
        sid, *ranges = part.split(":")
        intervals = []
        for r in ranges:
            first, _, last = r.partition("-")
            start = int(first)
            stop = int(last) + 1 if last else start + 1
            if start < 1 or stop <= start:
                raise ValueError(f"bad GTID interval {r!r} in {text!r}")
            intervals.append((start, stop))
        sids.append((uuid.UUID(sid).bytes, intervals))
    return sids


def encode_mysql_gtid_set(text: str) -> bytes:
    """A MySQL GTID set in the binary form COM_BINLOG_DUMP_GTID carries."""
    sids = parse_mysql_gtid_set(text)
    out = [struct.pack("<Q", len(sids))]
    for sid, intervals in sids:
        out.append(sid + struct.pack("<Q", len(intervals)))
        out.extend(struct.pack("<qq", start, stop) for start, stop in intervals)
    return b"".join(out)


def com_binlog_dump_gtid(
    server_id: int, gtid_set: str, log_file: bytes = b"", log_pos: int = 4, flags: int = 0
) -> bytes:
    """COM_BINLOG_DUMP_GTID payload (MySQL): stream every transaction not in ``gtid_set``."""
    data = encode_mysql_gtid_set(gtid_set)
    return (
        bytes((COMMAND.COM_BINLOG_DUMP_GTID,))
        + struct.pack("<HII", flags | BINLOG_THROUGH_GTID, server_id, len(log_file))
        + log_file
        + struct.pack("<QI", log_pos, len(data))
        + data
    )
