"""CLIENT_SESSION_TRACK: OK packets carrying session state, fed to the decoder and the core.

Byte layouts (MariaDB "OK_Packet" and MySQL "Session State Information"): after the
warnings, a lenenc info string if bytes remain, then with SERVER_SESSION_STATE_CHANGED a
lenenc block of entries, each a type byte and lenenc data. Variables, schema,
transaction characteristics and state wrap their values in a second lenenc string; a
state-change entry's data is "1" itself; a GTID entry's data is an encoding byte (0)
and a lenenc GTID set. The MariaDB blocks below were captured from MariaDB 10.11.
"""

from __future__ import annotations

import mysql_packets as sp
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_core import CLIENT_CAPS, connected_core, drain

from aiomysql.constants import CLIENT, FIELD_TYPE, SERVER_STATUS
from aiomysql.protocol import events as ev
from aiomysql.protocol import session_track as track
from aiomysql.protocol.core import State
from aiomysql.protocol.packets import ProtocolError, lenenc_bytes
from aiomysql.protocol.results import OkPacket

CHANGED = SERVER_STATUS.SERVER_SESSION_STATE_CHANGED
AUTOCOMMIT = SERVER_STATUS.SERVER_STATUS_AUTOCOMMIT


def tracked_ok(block: bytes | None, info: bytes = b"", status: int = AUTOCOMMIT) -> bytes:
    """An OK packet as a server with session tracking sends it."""
    if block is not None:
        status |= CHANGED
    head = sp.ok(affected=1, insert_id=7, status=status, warnings=0)
    if block is None and not info:
        return head
    return head + lenenc_bytes(info) + (lenenc_bytes(block) if block is not None else b"")


def entry(kind: int, data: bytes) -> bytes:
    return bytes((kind,)) + lenenc_bytes(data)


# Captured from MariaDB 10.11 (session_track_system_variables=last_gtid, CHARACTERISTICS).
MARIADB_INSERT = b"\x00\x10\tlast_gtid\x050-1-7"
MARIADB_BEGIN = b"\x05\t\x08T_______\x04\x13\x12START TRANSACTION;"
MARIADB_USE = b"\x01\x06\x05mysql\x02\x011"
MARIADB_COMMIT = b"\x00\x10\tlast_gtid\x050-1-8\x05\t\x08________\x04\x01\x00"


def test_captured_mariadb_blocks() -> None:
    C = track.Change
    assert track.parse_changes(MARIADB_INSERT) == [C(0, "last_gtid", "0-1-7")]
    assert track.parse_changes(MARIADB_BEGIN) == [
        C(5, "", "T_______"),
        C(4, "", "START TRANSACTION;"),
    ]
    assert track.parse_changes(MARIADB_USE) == [C(1, "", "mysql"), C(2, "", "1")]
    assert track.parse_changes(MARIADB_COMMIT) == [
        C(0, "last_gtid", "0-1-8"), C(5, "", "________"), C(4, "", ""),
    ]  # fmt: skip


def test_mysql_gtids_and_unknown_types() -> None:
    gtid = b"3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5"
    block = entry(3, b"\x00" + lenenc_bytes(gtid)) + entry(99, b"whatever\x00\x01")
    assert track.parse_changes(block) == [track.Change(3, "", gtid.decode())]


def test_several_variables_in_one_entry() -> None:
    data = b"".join(lenenc_bytes(x) for x in (b"autocommit", b"ON", b"time_zone", b"+00:00"))
    changes = track.parse_changes(entry(0, data))
    assert [(c.name, c.value) for c in changes] == [("autocommit", "ON"), ("time_zone", "+00:00")]


@pytest.mark.parametrize(
    "block",
    [
        b"\x00",  # a type with no length
        b"\x00\x05ab",  # length past the end
        entry(0, lenenc_bytes(b"name")),  # a variable without a value
        entry(3, b"\x01" + lenenc_bytes(b"x")),  # unknown GTID encoding
        entry(1, lenenc_bytes(b"db") + b"!"),  # stray bytes after the schema
        entry(5, b"\xff"),  # an invalid length prefix
    ],
)
def test_malformed_blocks(block: bytes) -> None:
    with pytest.raises(ProtocolError):
        track.parse_changes(block)


def test_tracked_ok_without_info_or_state() -> None:
    ok, changes = track.parse_tracked_ok(tracked_ok(None))
    assert ok == OkPacket(1, 7, AUTOCOMMIT, 0, "") and changes == []
    ok, changes = track.parse_tracked_ok(tracked_ok(None, info=b"Rows matched: 1"))
    assert ok.info == "Rows matched: 1" and changes == []


def test_state_accumulates() -> None:
    state = track.SessionState()
    state.ok(tracked_ok(MARIADB_INSERT))
    state.ok(tracked_ok(MARIADB_BEGIN))
    assert state.last_gtid == "0-1-7"
    assert state.transaction_state == "T_______"
    assert state.transaction_characteristics == "START TRANSACTION;"
    state.ok(tracked_ok(MARIADB_USE))
    assert state.schema == "mysql" and state.state_changed
    state.ok(tracked_ok(None))  # no changes: the last ones are kept
    assert state.changes == [track.Change(1, "", "mysql"), track.Change(2, "", "1")]
    state.apply([track.Change(3, "", "uuid:1-9")])
    assert state.last_gtid == "uuid:1-9"  # MySQL's GTID set wins when reported
    assert "last_gtid='uuid:1-9'" in repr(state)


names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
changes_strategy = st.lists(
    st.one_of(
        st.tuples(st.just(0), names.filter(bool), names),
        st.tuples(st.sampled_from([1, 4, 5]), st.just(""), names),
        st.tuples(st.just(2), st.just(""), st.just("1")),
        st.tuples(st.just(3), st.just(""), names),
    ),
    max_size=8,
)


def encode(changes: list[tuple[int, str, str]]) -> bytes:
    out = b""
    for kind, name, value in changes:
        if kind == 0:
            out += entry(0, lenenc_bytes(name.encode()) + lenenc_bytes(value.encode()))
        elif kind == 2:
            out += entry(2, value.encode())
        elif kind == 3:
            out += entry(3, b"\x00" + lenenc_bytes(value.encode()))
        else:
            out += entry(kind, lenenc_bytes(value.encode()))
    return out


@given(changes_strategy)
def test_any_block_round_trips(changes: list[tuple[int, str, str]]) -> None:
    assert [tuple(c) for c in track.parse_changes(encode(changes))] == changes


@given(st.binary(max_size=64))
def test_garbage_is_a_protocol_error_or_changes(data: bytes) -> None:
    try:
        track.parse_changes(data)
    except ProtocolError:
        pass


# -- the core ----------------------------------------------------------------------------


def test_core_without_session_track_keeps_the_plain_ok() -> None:
    core = connected_core()
    assert core.session is None
    core.send_command(b"\x03SELECT 1")
    core.receive_data(sp.stream([sp.ok(status=AUTOCOMMIT) + b"plain info"], seq=1))
    (ok,) = drain(core)
    assert isinstance(ok, OkPacket) and ok.info == "plain info"


def test_core_with_session_track_decodes_ok_and_result_end() -> None:
    core = connected_core(CLIENT_CAPS | CLIENT.SESSION_TRACK)
    assert core.session is not None
    core.send_command(b"\x03INSERT")
    core.receive_data(sp.stream([tracked_ok(MARIADB_INSERT, info=b"inserted")], seq=1))
    (ok,) = drain(core)
    assert isinstance(ok, OkPacket) and ok.info == "inserted" and ok.affected_rows == 1
    assert core.session.last_gtid == "0-1-7"
    # A result set ended by an OK (DEPRECATE_EOF) carries state too.
    core.send_command(b"\x03SELECT 1")
    end = tracked_ok(MARIADB_BEGIN)[1:]
    payloads = [b"\x01", sp.column("a", FIELD_TYPE.LONGLONG), sp.text_row(b"1"), b"\xfe" + end]
    core.receive_data(sp.stream(payloads, seq=1))
    events = drain(core)
    assert isinstance(events[-1], ev.ResultSetEnd)
    assert core.session.transaction_state == "T_______"
    assert core.state is State.IDLE


def test_core_breaks_on_a_malformed_state_block() -> None:
    core = connected_core(CLIENT_CAPS | CLIENT.SESSION_TRACK)
    core.send_command(b"\x03SET x=1")
    core.receive_data(sp.stream([tracked_ok(b"\x00\x05ab")], seq=1))
    with pytest.raises(ProtocolError):
        drain(core)
    assert core.state is State.BROKEN
