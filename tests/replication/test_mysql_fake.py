"""MySQL-only replication through the fake server: COM_BINLOG_DUMP_GTID with a GTID set
in its documented binary form, MySQL GTID events and binary JSON row values, end to end
through BinlogStream."""

from __future__ import annotations

import struct
from typing import Any

import mysql_packets as sp
from binlog_packets import (
    MYSQL_GTID,
    PREVIOUS_GTIDS,
    QUERY,
    ROTATE,
    TABLE_MAP,
    WRITE_V2,
    XID,
    event,
    fde,
    j_container,
    mysql_gtid,
    query,
    rows_v2,
    table_map,
    tlv,
    xid,
)
from fake_mysql_server import FakeConnection, FakeServer

from aiomysql.constants import CLIENT
from aiomysql.constants import FIELD_TYPE as T
from aiomysql.replication import BinlogStream, GtidEvent, OtherEvent, WriteRowsEvent, XidEvent

UUID = "3e11fa47-71ca-11e1-9e33-c80aa9429562"
DOC = bytes((0,)) + j_container([(5, 1), (2, j_container([(4, 1)], None))], ["id", "tags"])


def _result(conn: FakeConnection, deprecate_eof: bool, name: str, value: bytes) -> None:
    conn.send(b"\x01")
    conn.send(sp.column(name))
    if not deprecate_eof:
        conn.send(sp.eof())
    conn.send(sp.text_row(value))
    conn.send(sp.ok(header=0xFE) if deprecate_eof else sp.eof())


def _events() -> list[bytes]:
    types = bytes((T.LONGLONG, T.JSON))
    names = tlv(4, b"\x02id\x03doc")
    image = b"\x00" + struct.pack("<q", 6) + struct.pack("<I", len(DOC)) + DOC
    return [
        event(ROTATE, struct.pack("<Q", 4) + b"binlog.000007", 0, flags=0x20),
        fde("8.0.36"),
        event(PREVIOUS_GTIDS, struct.pack("<Q", 0), 155),
        event(MYSQL_GTID, mysql_gtid(UUID, 6), 234),
        event(QUERY, query("BEGIN"), 309),
        event(TABLE_MAP, table_map(70, "shop", "orders", types, bytes((4,)), 0, names), 370),
        event(WRITE_V2, rows_v2(70, 2, image), 440),
        event(XID, xid(77), 471),
    ]


def _script(conn: FakeConnection) -> dict[str, Any]:
    hello = conn.greet("mysql_native_password")
    conn.ok()
    deprecate_eof = bool(hello.capabilities & CLIENT.DEPRECATE_EOF)
    seen: dict[str, Any] = {"queries": []}
    while True:
        conn.seq = 0
        try:
            payload = conn.recv()
        except EOFError:  # the stream hangs up after the dump (no COM_QUIT mid-dump)
            return seen
        command = payload[0]
        if command == 0x03:
            sql = payload[1:].decode()
            seen["queries"].append(sql)
            if sql == "SELECT @@global.binlog_checksum":
                _result(conn, deprecate_eof, "@@global.binlog_checksum", b"CRC32")
            else:
                conn.send(sp.ok())
        elif command == 0x15:  # COM_REGISTER_SLAVE
            seen["server_id"] = struct.unpack_from("<I", payload, 1)[0]
            conn.send(sp.ok())
        elif command == 0x1E:  # COM_BINLOG_DUMP_GTID
            flags, server_id, name_len = struct.unpack_from("<HII", payload, 1)
            at = 11 + name_len
            pos, size = struct.unpack_from("<QI", payload, at)
            seen["dump"] = (
                flags,
                server_id,
                payload[11:at],
                pos,
                payload[at + 12 : at + 12 + size],
            )
            for packet in _events():
                conn.send(packet)
            conn.send(b"\xfe\x00\x00\x02\x00")  # EOF: the non-blocking dump is done
        else:
            return seen


async def test_mysql_gtid_dump_and_binary_json() -> None:
    async with FakeServer(_script) as server:
        stream = BinlogStream(
            host="127.0.0.1", port=server.port, user="u", server_id=55, blocking=False,
            mysql_gtid_set=f"{UUID}:1-5",
        )  # fmt: skip
        events = [e async for e in stream]
        await stream.close()
    seen = server.results[0]
    assert seen["server_id"] == 55
    assert "SET @master_binlog_checksum = @@global.binlog_checksum" in seen["queries"]
    flags, server_id, name, pos, gtid_set = seen["dump"]
    assert flags & 0x04 and flags & 0x01 and server_id == 55 and name == b"" and pos == 4
    # n_sids, then the SID, n_intervals and [start, end) of each interval.
    assert gtid_set == (
        struct.pack("<Q", 1) + bytes.fromhex(UUID.replace("-", "")) + struct.pack("<Qqq", 1, 1, 6)
    )
    gtid = next(e for e in events if isinstance(e, GtidEvent))
    assert gtid.gtid == f"{UUID}:6" and gtid.uuid == UUID and gtid.gno == 6
    assert any(isinstance(e, OtherEvent) and e.event_type == PREVIOUS_GTIDS for e in events)
    rows = next(e for e in events if isinstance(e, WriteRowsEvent))
    assert rows.as_dicts() == [{"id": 6, "doc": '{"id": 1, "tags": [true]}'}]
    last = events[-1]
    assert isinstance(last, XidEvent) and last.xid == 77
    assert (last.checkpoint.log_file, last.checkpoint.log_pos, last.checkpoint.skip) == (
        "binlog.000007",
        471,
        0,
    )
    # Inside the transaction the token points at its start: where the GTID event begins.
    gtid_size = len(_events()[3]) - 1
    assert rows.checkpoint.log_pos == 234 - gtid_size and rows.checkpoint.skip == 4
