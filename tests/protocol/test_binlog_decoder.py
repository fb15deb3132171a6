"""The sans-IO binlog decoder on events built from the documented layouts: MySQL's GTID
events, binary JSON, optional metadata, checksums, and malformed input."""

from __future__ import annotations

import struct

import pytest
from binlog_packets import (
    MYSQL_GTID,
    QUERY,
    TABLE_MAP,
    UPDATE_V2,
    WRITE_V2,
    XID,
    event,
    fde,
    j_container,
    j_string,
    mysql_gtid,
    query,
    rows_v2,
    table_map,
    tlv,
    xid,
)

from aiomysql.constants import FIELD_TYPE as T
from aiomysql.protocol import binlog_events as E
from aiomysql.protocol.binlog_decoder import BinlogDecoder
from aiomysql.protocol.binlog_tablemap import column_plan
from aiomysql.protocol.mysql_json import json_text
from aiomysql.protocol.packets import ProtocolError

UUID = "3e11fa47-71ca-11e1-9e33-c80aa9429562"


def _decoder(checksum: bool = True) -> BinlogDecoder:
    d = BinlogDecoder(checksum)
    assert isinstance(d.decode(fde(checksum=checksum)), E.FormatDescriptionEvent)
    return d


def test_mysql_gtid_query_and_xid() -> None:
    d = _decoder()
    gtid = d.decode(event(MYSQL_GTID, mysql_gtid(UUID, 42), 300))
    assert isinstance(gtid, E.GtidEvent)
    assert gtid.gtid == f"{UUID}:42" and gtid.uuid == UUID and gtid.gno == 42
    q = d.decode(event(QUERY, query("BEGIN"), 360))
    assert isinstance(q, E.QueryEvent) and q.query == "BEGIN" and q.schema == "db"
    x = d.decode(event(XID, xid(9), 400))
    assert isinstance(x, E.XidEvent) and x.xid == 9 and x.log_pos == 400


# Binary JSON documents (json_binary.h): type byte + value.
SMALL_OBJECT, SMALL_ARRAY, LITERAL, INT16, INT32, INT64, UINT64, DOUBLE, STRING = (
    0, 2, 4, 5, 7, 9, 10, 11, 12
)  # fmt: skip
JSON_DOCS = [
    (bytes((LITERAL, 1)), "true"),
    (bytes((INT64,)) + struct.pack("<q", -(1 << 40)), str(-(1 << 40))),
    (bytes((UINT64,)) + struct.pack("<Q", (1 << 64) - 1), str((1 << 64) - 1)),
    (bytes((DOUBLE,)) + struct.pack("<d", 2.5), "2.5"),
    (bytes((STRING,)) + j_string('héllo "q"'), '"héllo \\"q\\""'),
    (bytes((STRING,)) + j_string("x" * 200), '"' + "x" * 200 + '"'),  # 2-byte size
    (
        bytes((SMALL_OBJECT,))
        + j_container(
            [
                (INT16, 1),
                (
                    SMALL_ARRAY,
                    j_container([(LITERAL, 0), (INT16, -2), (STRING, j_string("z"))], None),
                ),
                (STRING, j_string("ü")),
            ],
            ["a", "bb", "ccc"],
        ),
        '{"a": 1, "bb": [null, -2, "z"], "ccc": "ü"}',
    ),
    (
        bytes((1,))  # a large object
        + j_container([(INT32, 70000), (LITERAL, 2)], ["k", "l"], large=True),
        '{"k": 70000, "l": false}',
    ),
    (bytes((SMALL_ARRAY,)) + j_container([], None), "[]"),
    # An opaque DECIMAL(4,2) 12.34 (field type 246: precision, scale, binary decimal).
    (bytes((15, 246, 4)) + b"\x04\x02" + bytes((0x80 | 12, 34)), "12.34"),
]


@pytest.mark.parametrize(("doc", "text"), JSON_DOCS)
def test_mysql_binary_json(doc: bytes, text: str) -> None:
    assert json_text(doc) == text


@pytest.mark.parametrize(
    "doc",
    [
        b"\x63",  # unknown type
        bytes((SMALL_OBJECT,)) + b"\x05\x00\x04\x00",  # 5 entries in 4 bytes
        bytes((SMALL_ARRAY,)) + b"\x01\x00\x07\x00\x0c\xff\x00",  # offset out of bounds
        bytes((STRING,)) + b"\xff\xff\xff\xff\xff\xff",  # size longer than 5 bytes
        bytes((LITERAL, 7)),
        bytes((INT64,)) + b"\x00",
        bytes((15, 246, 3)) + b"\x09\x02\x80",  # an opaque DECIMAL(9,2) missing digits
    ],
)
def test_malformed_json_is_a_protocol_error(doc: bytes) -> None:
    with pytest.raises(ProtocolError):
        json_text(doc)


def _json_table(optional: bytes = b"") -> bytes:
    types = bytes((T.LONGLONG, T.JSON, T.LONG))
    return table_map(88, "shop", "orders", types, bytes((4,)), 0b110, optional)


def test_rows_with_json_and_optional_metadata() -> None:
    d = _decoder()
    optional = (
        tlv(1, bytes((0b01000000,)))  # SIGNEDNESS: the 2nd numeric column (LONG) unsigned
        + tlv(4, b"".join(bytes((len(n),)) + n for n in (b"id", b"doc", b"qty")))
    )
    tm = d.decode(event(TABLE_MAP, _json_table(optional), 500))
    assert isinstance(tm, E.TableMapEvent) and tm.column_names == ["id", "doc", "qty"]
    assert tm.unsigned == [False, False, True]
    doc = bytes((SMALL_OBJECT,)) + j_container([(INT16, 7)], ["n"])
    image = (
        b"\x00"
        + struct.pack("<q", -5)
        + struct.pack("<I", len(doc)) + doc
        + struct.pack("<I", 0xFFFFFFFF)
    )  # fmt: skip
    null_doc = b"\x02" + struct.pack("<q", 1) + struct.pack("<I", 3)  # doc NULL
    rows = d.decode(event(WRITE_V2, rows_v2(88, 3, image + null_doc), 600))
    assert isinstance(rows, E.WriteRowsEvent)
    assert rows.schema == "shop" and rows.table == "orders"
    assert rows.as_dicts() == [
        {"id": -5, "doc": '{"n": 7}', "qty": 4294967295},
        {"id": 1, "doc": None, "qty": 3},
    ]
    # MINIMAL update: before image has the key, after image the changed column.
    update = rows_v2(88, 3, b"\x00" + struct.pack("<q", 1) + b"\x00" + struct.pack("<I", 4),
                     present=0b001, present_after=0b100)  # fmt: skip
    ev = d.decode(event(UPDATE_V2, update, 700))
    assert isinstance(ev, E.UpdateRowsEvent)
    assert ev.as_dicts() == [({"id": 1}, {"qty": 4})]


def test_without_optional_metadata_integers_are_signed_and_columns_numbered() -> None:
    d = _decoder()
    d.decode(event(TABLE_MAP, _json_table(), 500))
    image = b"\x02" + struct.pack("<q", 1) + struct.pack("<I", 0xFFFFFFFF)
    rows = d.decode(event(WRITE_V2, rows_v2(88, 3, image), 600))
    assert isinstance(rows, E.WriteRowsEvent)
    assert rows.as_dicts() == [{"@1": 1, "@2": None, "@3": -1}]


def test_a_corrupted_event_fails_its_checksum() -> None:
    d = _decoder()
    raw = bytearray(event(XID, xid(9), 400))
    raw[-6] ^= 0x01
    with pytest.raises(ProtocolError, match="checksum"):
        d.decode(bytes(raw))


def test_rows_of_an_unknown_table_and_bad_sizes() -> None:
    d = _decoder()
    with pytest.raises(ProtocolError, match="table map"):
        d.decode(event(WRITE_V2, rows_v2(5, 1, b"\x00\x01"), 600))
    with pytest.raises(ProtocolError):
        d.decode(b"\x00" + bytes(10))
    raw = bytearray(event(XID, xid(1), 400, checksum=True))
    raw[10] += 1  # event size no longer the packet's
    with pytest.raises(ProtocolError):
        d.decode(bytes(raw))


def test_a_rows_image_of_no_columns_is_refused() -> None:
    d = _decoder()
    d.decode(event(TABLE_MAP, _json_table(), 500))
    with pytest.raises(ProtocolError):
        d.decode(event(WRITE_V2, rows_v2(88, 3, b"\x00" * 8, present=0), 600))


@pytest.mark.parametrize(
    ("column_type", "meta"),
    [
        (T.BLOB, 9),
        (T.TIME2, 7),
        (T.NEWDECIMAL, (10 << 8) | 11),
        (T.BIT, 9),
        (T.STRING, 0xF7 << 8 | 3),
    ],
)
def test_impossible_metadata_is_refused(column_type: int, meta: int) -> None:
    with pytest.raises(ProtocolError):
        column_plan(column_type, meta, False, None, None, False)
