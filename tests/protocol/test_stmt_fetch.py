"""COM_STMT_FETCH in the sans-IO core: the bytes sent, the rows of a cursor decoded with
the cursor's own plan after other statements ran, the end of the cursor, and an ERR in
the middle of a fetch (MySQL internals manual, "COM_STMT_FETCH": 0x1c, statement id u32,
rows u32; the reply is binary rows and an EOF whose status says whether the last row was
sent: SERVER_STATUS_LAST_ROW_SENT, else SERVER_STATUS_CURSOR_EXISTS)."""

from __future__ import annotations

import struct

import mysql_packets as sp
import pytest
from test_binary_protocol import events, logged_in_core

from aiomysql.constants import FIELD_TYPE
from aiomysql.errors import Error
from aiomysql.protocol import events as ev
from aiomysql.protocol import stmt_packets
from aiomysql.protocol.stmt_core import CURSOR_EXISTS, LAST_ROW_SENT


def test_fetch_bytes() -> None:
    core = logged_in_core()
    out = core.send_fetch(stmt_packets.com_stmt_fetch(0x01020304, 300))
    # length 9, sequence id 0, 0x1c, the statement id and the row count, little-endian
    assert out == b"\x09\x00\x00\x00\x1c\x04\x03\x02\x01\x2c\x01\x00\x00"


def test_cursor_rows_take_the_cursors_plan_after_other_statements() -> None:
    core = logged_in_core()
    core.send_execute(b"\x17...")
    header = [b"\x01", sp.column("v", FIELD_TYPE.LONG)]
    got = events(core, sp.stream([*header, sp.eof(CURSOR_EXISTS | 0x02)], 1))
    cursor_columns = got[0].columns
    assert got[1].status & CURSOR_EXISTS and core.ready
    # Another statement meanwhile: a binary result with a string column.
    core.send_execute(b"\x17...")
    got = events(core, sp.stream([b"\x01", sp.column("s", FIELD_TYPE.VAR_STRING),
                                  b"\x00\x00\x02hi", sp.ok(header=0xFE)], 1))  # fmt: skip
    assert got[1].rows == [("hi",)] and core.ready
    # The cursor's rows: 4-byte integers, decoded with its plan, not the last one's.
    core.send_fetch(stmt_packets.com_stmt_fetch(1, 2), cursor_columns)
    rows = [b"\x00\x00" + struct.pack("<i", i) for i in (7, -8)]
    got = events(core, sp.stream([*rows, sp.eof(CURSOR_EXISTS | 0x02)], 1))
    assert got[0].rows == [(7,), (-8,)]
    assert isinstance(got[1], ev.ResultSetEnd) and not got[1].status & LAST_ROW_SENT
    core.send_fetch(stmt_packets.com_stmt_fetch(1, 2), cursor_columns)
    got = events(core, sp.stream([rows[0], sp.eof(LAST_ROW_SENT | 0x02)], 1))
    assert got[0].rows == [(7,)] and got[1].status & LAST_ROW_SENT and core.ready


def test_an_error_mid_fetch_leaves_the_core_idle() -> None:
    core = logged_in_core()
    core.send_execute(b"\x17...")
    got = events(core, sp.stream([b"\x01", sp.column("v", FIELD_TYPE.LONG),
                                  sp.eof(CURSOR_EXISTS)], 1))  # fmt: skip
    columns = got[0].columns
    core.send_fetch(stmt_packets.com_stmt_fetch(1, 5), columns)
    row = b"\x00\x00" + struct.pack("<i", 1)
    with pytest.raises(Error) as info:
        events(core, sp.stream([row, sp.err(1421, "no open cursor")], 1))
    assert info.value.args[0] == 1421 and core.ready
    core.send_fetch(stmt_packets.com_stmt_fetch(1, 5), columns)  # usable right after
    got = events(core, sp.stream([sp.eof(LAST_ROW_SENT)], 1))
    assert isinstance(got[0], ev.ResultSetEnd)
