"""Fuzzing the binlog event decoder with both row decoders: any mutation of valid events
(flipped, cut, inserted bytes) decodes or raises ProtocolError, never anything else and
never hangs; the same for MySQL binary JSON documents."""

from __future__ import annotations

import datetime
import os
import struct
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from binlog_packets import (
    MYSQL_GTID,
    QUERY,
    ROTATE,
    TABLE_MAP,
    UPDATE_V2,
    WRITE_V1,
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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiomysql.constants import FIELD_TYPE as T
from aiomysql.protocol import _binlog_impl, binlog_decoder, binlog_rows
from aiomysql.protocol.binlog_decoder import BinlogDecoder
from aiomysql.protocol.mysql_json import json_text
from aiomysql.protocol.packets import ProtocolError

EXAMPLES = int(os.environ.get("AIOMYSQL_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

TYPES = bytes((T.LONG, T.VARCHAR, T.NEWDECIMAL, T.DATETIME2, T.BLOB, T.JSON, T.STRING, T.BIT))
META = (
    struct.pack("<H", 40) + bytes((10, 2)) + bytes((6,)) + bytes((2,)) + bytes((4,))
    + bytes((0xF7, 1)) + bytes((3, 0))
)  # fmt: skip
OPTIONAL = tlv(1, b"\x40") + tlv(4, b"".join(bytes((1,)) + bytes((97 + i,)) for i in range(8)))
DOC = bytes((0,)) + j_container([(5, 3), (12, j_string("v"))], ["a", "b"])
IMAGE = (
    b"\x00"
    + struct.pack("<i", -7)
    + bytes((3,)) + b"abc"
    + bytes((0x80, 0, 0, 1, 5))  # DECIMAL(10,2) 1.05
    + (0x8000000000 + ((2020 * 13 + 1) << 22) + (2 << 17)).to_bytes(5, "big") + b"\0\0\0"
    + struct.pack("<H", 2) + b"\x01\x02"
    + struct.pack("<I", len(DOC)) + DOC
    + b"\x02"
    + b"\x07"
)  # fmt: skip


def valid(checksum: bool) -> list[bytes]:
    """Well-formed events of each kind the decoder parses."""
    return [
        event(MYSQL_GTID, mysql_gtid("3e11fa47-71ca-11e1-9e33-c80aa9429562", 5), 100, checksum),
        event(QUERY, query("BEGIN"), 200, checksum),
        event(TABLE_MAP, table_map(9, "db", "t", TYPES, META, 0, OPTIONAL), 300, checksum),
        event(WRITE_V2, rows_v2(9, 8, IMAGE + IMAGE), 400, checksum),
        event(UPDATE_V2, rows_v2(9, 8, IMAGE + IMAGE, present_after=0xFF), 500, checksum),
        event(WRITE_V1, (9).to_bytes(6, "little") + b"\x01\x00\x08\xff" + IMAGE, 550, checksum),
        event(XID, xid(3), 600, checksum),
        event(ROTATE, struct.pack("<Q", 4) + b"binlog.000002", 0, checksum),
    ]


VALID = {True: valid(True), False: valid(False)}


@pytest.fixture(params=["python", "c"])
def rows_impl(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run the decoder with each row decoder."""
    if request.param == "c":
        try:
            fn: Callable[..., Any] = _binlog_impl.compiled().decode_rows
        except ImportError:
            pytest.skip("the compiled row decoder is not built")
    else:
        fn = binlog_rows.decode_rows
    monkeypatch.setattr(binlog_decoder, "decode_rows", fn)
    yield request.param


def _decoder(checksum: bool) -> BinlogDecoder:
    d = BinlogDecoder(checksum)
    d.decode(fde(checksum=checksum))
    return d


@pytest.mark.parametrize("checksum", [True, False])
def test_the_valid_events_decode(rows_impl: str, checksum: bool) -> None:
    d = _decoder(checksum)
    events = [d.decode(e) for e in VALID[checksum]]
    write = events[3]
    assert write is not None and len(write.rows) == 2
    row = write.rows[0]
    assert row[:3] == (-7, "abc", Decimal("1.05"))
    assert row[3] == datetime.datetime(2020, 1, 2) and row[4] == b"\x01\x02"
    assert row[5] == '{"a": 3, "b": "v"}' and row[6:] == (2, b"\x07")


@st.composite
def mutated(draw: Any) -> bytes:
    raw = bytearray(draw(st.sampled_from(VALID[False])))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "set"]))
        at = draw(st.integers(1, len(raw) - 1))
        if op == "flip":
            raw[at] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del raw[at : at + draw(st.integers(1, 16))]
        elif op == "insert":
            raw[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:
            raw[at] = draw(st.sampled_from([0, 0xFB, 0xFC, 0xFE, 0xFF]))
        if len(raw) < 2:
            break
    return bytes(raw)


@FUZZ
@given(st.lists(mutated(), min_size=1, max_size=4))
def test_mutated_events_decode_or_raise_protocol_error(
    rows_impl: str, packets: list[bytes]
) -> None:
    for checksum in (False, True):
        d = _decoder(checksum)
        d.decode(VALID[checksum][2])  # the table map the rows events refer to
        for packet in packets:
            # Without checksums the mutation reaches the parsers (the event size field
            # fixed up so that the body is what gets parsed); with them, the CRC check.
            if not checksum and len(packet) >= 20:
                packet = packet[:10] + struct.pack("<I", len(packet) - 1) + packet[14:]
            try:
                d.decode(packet)
            except ProtocolError:
                pass


@FUZZ
@given(st.binary(max_size=120))
def test_random_json_is_text_or_protocol_error(doc: bytes) -> None:
    try:
        assert isinstance(json_text(doc), str)
    except ProtocolError:
        pass


@FUZZ
@given(st.integers(0, len(DOC) - 1), st.integers(1, 255))
def test_corrupted_json_is_text_or_protocol_error(at: int, mask: int) -> None:
    doc = bytearray(DOC)
    doc[at] ^= mask
    try:
        json_text(bytes(doc))
    except ProtocolError:
        pass
