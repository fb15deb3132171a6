"""The sans-IO core fed crafted bytes: handshake, auth, results, framing and malformed input."""

from __future__ import annotations

import hashlib

import mysql_packets as sp
import pytest

from aiomysql import errors
from aiomysql.constants import CLIENT, FIELD_TYPE, SERVER_STATUS
from aiomysql.protocol import events as ev
from aiomysql.protocol.auth import AuthContext, native_password_scramble
from aiomysql.protocol.core import ClientCore, State
from aiomysql.protocol.handshake import Greeting
from aiomysql.protocol.packets import MAX_FRAME, ProtocolError, frame, lenenc_bytes
from aiomysql.protocol.results import OkPacket

CLIENT_CAPS = sp.SERVER_CAPS & ~CLIENT.LOCAL_FILES


def drain(core: ClientCore) -> list[object]:
    """Every event available now, up to NEED_DATA."""
    out = []
    while (event := core.next_event()) is not ev.NEED_DATA:
        out.append(event)
        if isinstance(event, (OkPacket, ev.ResultSetEnd)) and core.state is State.IDLE:
            break
    return out


def connected_core(caps: int = CLIENT_CAPS, plan_builder=None) -> ClientCore:
    kwargs = {} if plan_builder is None else {"plan_builder": plan_builder}
    core = ClientCore(**kwargs)
    core.receive_data(sp.stream([sp.greeting()]))
    greeting = core.next_event()
    assert isinstance(greeting, Greeting)
    core.handshake_response(
        capabilities=caps,
        charset_id=45,
        user=b"root",
        database=None,
        auth=AuthContext(b""),
    )
    core.receive_data(sp.stream([sp.ok()], seq=2))
    assert isinstance(core.next_event(), ev.Authenticated)
    assert core.state is State.IDLE
    return core


def test_greeting_is_parsed_and_mariadb_prefix_removed() -> None:
    core = ClientCore()
    core.receive_data(sp.stream([sp.greeting()]))
    greeting = core.next_event()
    assert isinstance(greeting, Greeting)
    assert greeting.server_version == "10.11.6-MariaDB"
    assert greeting.connection_id == 42
    assert greeting.auth_data == sp.SCRAMBLE
    assert greeting.auth_plugin == "mysql_native_password"
    assert greeting.capabilities == sp.SERVER_CAPS
    assert greeting.is_mariadb


def test_greeting_fed_one_byte_at_a_time() -> None:
    core = ClientCore()
    data = sp.stream([sp.greeting()])
    for i in range(len(data) - 1):
        core.receive_data(data[i : i + 1])
        assert core.next_event() is ev.NEED_DATA
    core.receive_data(data[-1:])
    assert isinstance(core.next_event(), Greeting)


def test_error_instead_of_greeting_raises_server_error() -> None:
    core = ClientCore()
    core.receive_data(sp.stream([sp.err(1040, "Too many connections", "08004")]))
    with pytest.raises(errors.OperationalError) as info:
        core.next_event()
    assert info.value.args == (1040, "Too many connections")
    assert core.state is State.CLOSED


@pytest.mark.parametrize("cut", [1, 5, 20, 30, 44])
def test_truncated_greeting_is_a_protocol_error(cut: int) -> None:
    payload = sp.greeting()[:cut]
    core = ClientCore()
    core.receive_data(sp.stream([payload]))
    with pytest.raises(ProtocolError):
        core.next_event()
    assert core.state is State.BROKEN


def test_wrong_protocol_version_rejected() -> None:
    core = ClientCore()
    core.receive_data(sp.stream([b"\x09" + sp.greeting()[1:]]))
    with pytest.raises(ProtocolError, match="protocol version 9"):
        core.next_event()


def test_native_password_scramble_matches_documented_formula() -> None:
    password, scramble = b"secret", sp.SCRAMBLE
    stage1 = hashlib.sha1(password).digest()
    mask = hashlib.sha1(scramble + hashlib.sha1(stage1).digest()).digest()
    expected = bytes(a ^ b for a, b in zip(stage1, mask, strict=True))
    assert native_password_scramble(password, scramble) == expected
    assert native_password_scramble(b"", scramble) == b""


def test_handshake_response_layout() -> None:
    core = ClientCore()
    core.receive_data(sp.stream([sp.greeting()]))
    core.next_event()
    out = core.handshake_response(
        capabilities=CLIENT_CAPS | CLIENT.CONNECT_WITH_DB,
        charset_id=45,
        user=b"bob",
        database=b"shop",
        auth=AuthContext(b"pw"),
        attributes={"_client_name": "aiomysql"},
    )
    assert out[3] == 1  # sequence id follows the greeting's 0
    payload = out[4:]
    assert int.from_bytes(payload[0:4], "little") == CLIENT_CAPS | CLIENT.CONNECT_WITH_DB
    assert payload[8] == 45
    assert payload[9:32] == bytes(23)
    rest = payload[32:]
    assert rest.startswith(b"bob\0\x14")
    scramble = native_password_scramble(b"pw", sp.SCRAMBLE)
    assert rest[5:25] == scramble
    assert rest[25:].startswith(b"shop\0mysql_native_password\0")
    assert b"_client_name" in rest


def test_auth_switch_answers_with_new_plugin_scramble() -> None:
    core = ClientCore()
    core.receive_data(sp.stream([sp.greeting(plugin=b"client_ed25519")]))
    core.next_event()
    core.handshake_response(
        capabilities=CLIENT_CAPS,
        charset_id=45,
        user=b"u",
        database=None,
        auth=AuthContext(b"pw"),
        plugin_name="mysql_native_password",
    )
    new_scramble = bytes(range(50, 70))
    switch = b"\xfe" + b"mysql_native_password\0" + new_scramble + b"\0"
    core.receive_data(sp.stream([switch], seq=2))
    event = core.next_event()
    assert isinstance(event, ev.SendData)
    assert event.data[3] == 3
    assert event.data[4:] == native_password_scramble(b"pw", new_scramble)
    core.receive_data(sp.stream([sp.ok()], seq=4))
    assert isinstance(core.next_event(), ev.Authenticated)


def test_auth_switch_to_unknown_plugin_is_operational_error() -> None:
    core = ClientCore()
    core.receive_data(sp.stream([sp.greeting()]))
    core.next_event()
    core.handshake_response(
        capabilities=CLIENT_CAPS, charset_id=45, user=b"u", database=None, auth=AuthContext(b"")
    )
    core.receive_data(sp.stream([b"\xfeno_such_plugin\0abc"], seq=2))
    with pytest.raises(errors.OperationalError, match="no_such_plugin"):
        core.next_event()


def test_wrong_password_error_carries_code_and_message() -> None:
    core = ClientCore()
    core.receive_data(sp.stream([sp.greeting()]))
    core.next_event()
    core.handshake_response(
        capabilities=CLIENT_CAPS, charset_id=45, user=b"u", database=None, auth=AuthContext(b"x")
    )
    core.receive_data(sp.stream([sp.err(1045, "Access denied for user 'u'", "28000")], seq=2))
    with pytest.raises(errors.OperationalError) as info:
        core.next_event()
    assert info.value.args == (1045, "Access denied for user 'u'")


def test_ok_reply_to_a_command() -> None:
    core = connected_core()
    out = core.send_command(b"\x03UPDATE t SET a=1")
    assert out[:4] == bytes((17, 0, 0, 0))
    core.receive_data(sp.stream([sp.ok(affected=3, insert_id=7, warnings=1)], seq=1))
    event = core.next_event()
    assert event == OkPacket(3, 7, 2, 1, "")
    assert core.state is State.IDLE


@pytest.mark.parametrize("deprecate_eof", [True, False])
def test_result_set_with_nulls(deprecate_eof: bool) -> None:
    caps = CLIENT_CAPS if deprecate_eof else CLIENT_CAPS & ~CLIENT.DEPRECATE_EOF
    core = connected_core(caps)
    core.send_command(b"\x03SELECT")
    packets = [b"\x02", sp.column("a", FIELD_TYPE.LONG), sp.column("b")]
    if not deprecate_eof:
        packets.append(sp.eof())
    packets += [sp.text_row(b"1", b"x"), sp.text_row(None, b""), sp.text_row(b"3", None)]
    packets.append(sp.ok(header=0xFE, warnings=2) if deprecate_eof else sp.eof(warnings=2))
    core.receive_data(sp.stream(packets, seq=1))
    events = drain(core)
    header, batch, end = events
    assert isinstance(header, ev.ResultSetHeader)
    assert [c.name for c in header.columns] == ["a", "b"]
    assert header.columns[0].type_code == FIELD_TYPE.LONG
    assert isinstance(batch, ev.RowBatch)
    assert batch.rows == [(b"1", b"x"), (None, b""), (b"3", None)]
    assert end == ev.ResultSetEnd(2, 2)
    assert core.state is State.IDLE


def test_plan_decodes_values() -> None:
    core = connected_core(plan_builder=lambda cols: (int, bytes.decode))
    core.send_command(b"\x03SELECT")
    packets = [b"\x02", sp.column("a", FIELD_TYPE.LONG), sp.column("b")]
    packets += [sp.text_row(b"12", "é".encode()), sp.text_row(None, None), sp.ok(header=0xFE)]
    core.receive_data(sp.stream(packets, seq=1))
    _, batch, _ = drain(core)
    assert batch.rows == [(12, "é"), (None, None)]


def test_rows_fed_in_small_pieces_give_the_same_rows() -> None:
    packets = [b"\x01", sp.column("a")]
    packets += [sp.text_row(str(i).encode() * 50) for i in range(200)]
    packets.append(sp.ok(header=0xFE))
    data = sp.stream(packets, seq=1)
    core = connected_core()
    core.send_command(b"\x03SELECT")
    rows: list[tuple[object, ...]] = []
    for i in range(0, len(data), 7):
        core.receive_data(data[i : i + 7])
        for event in drain(core):
            if isinstance(event, ev.RowBatch):
                rows += event.rows
    assert rows == [(str(i).encode() * 50,) for i in range(200)]
    assert core.state is State.IDLE


def test_more_results_flag_keeps_reading() -> None:
    more = SERVER_STATUS.SERVER_MORE_RESULTS_EXISTS | 2
    core = connected_core()
    core.send_command(b"\x03CALL p()")
    packets = [b"\x01", sp.column("a"), sp.text_row(b"1"), sp.ok(header=0xFE, status=more)]
    packets.append(sp.ok(affected=0, status=2))
    core.receive_data(sp.stream(packets, seq=1))
    header = core.next_event()
    assert isinstance(header, ev.ResultSetHeader)
    core.next_event()
    end = core.next_event()
    assert isinstance(end, ev.ResultSetEnd)
    assert core.state is State.MORE_RESULTS
    final = core.next_event()
    assert isinstance(final, OkPacket)
    assert core.state is State.IDLE


def test_error_in_the_middle_of_rows() -> None:
    core = connected_core()
    core.send_command(b"\x03SELECT")
    packets = [
        b"\x01",
        sp.column("a"),
        sp.text_row(b"1"),
        sp.err(1317, "Query execution was interrupted", "70100"),
    ]
    core.receive_data(sp.stream(packets, seq=1))
    core.next_event()
    assert isinstance(core.next_event(), ev.RowBatch)
    with pytest.raises(errors.OperationalError) as info:
        core.next_event()
    assert info.value.args[0] == 1317
    assert core.state is State.IDLE


def test_server_error_leaves_core_idle_and_reusable() -> None:
    core = connected_core()
    core.send_command(b"\x03SELEC")
    core.receive_data(
        sp.stream([sp.err(1064, "You have an error in your SQL syntax", "42000")], seq=1)
    )
    with pytest.raises(errors.ProgrammingError):
        core.next_event()
    assert core.state is State.IDLE
    core.send_command(b"\x0e")
    core.receive_data(sp.stream([sp.ok()], seq=1))
    assert isinstance(core.next_event(), OkPacket)


def test_wrong_sequence_id_is_protocol_error() -> None:
    core = connected_core()
    core.send_command(b"\x0e")
    core.receive_data(sp.stream([sp.ok()], seq=5))
    with pytest.raises(ProtocolError, match="sequence"):
        core.next_event()
    assert core.state is State.BROKEN
    with pytest.raises(errors.InterfaceError):
        core.send_command(b"\x0e")


@pytest.mark.parametrize(
    "row",
    [
        b"\x05ab",  # value longer than the packet
        b"\x01a\x01b",  # more values than columns
        b"\xfc\x01",  # truncated 2-byte length
        b"\xff\x00",  # invalid length prefix
    ],
)
def test_malformed_rows_are_protocol_errors(row: bytes) -> None:
    core = connected_core()
    core.send_command(b"\x03SELECT")
    core.receive_data(sp.stream([b"\x01", sp.column("a"), row, sp.ok(header=0xFE)], seq=1))
    with pytest.raises((ProtocolError, errors.OperationalError)):
        drain(core)
    assert core.state in (State.BROKEN, State.IDLE)


def test_row_with_too_few_values_is_protocol_error() -> None:
    core = connected_core()
    core.send_command(b"\x03SELECT")
    core.receive_data(sp.stream([b"\x02", sp.column("a"), sp.column("b"), b"\x01a"], seq=1))
    core.next_event()
    with pytest.raises(ProtocolError, match="fewer values"):
        core.next_event()


def test_declared_length_over_limit_fails_before_buffering() -> None:
    core = ClientCore(max_packet=1000)
    core.receive_data(b"\xff\xff\x00\x00")  # header announces 65535 bytes
    with pytest.raises(ProtocolError, match="exceeds the limit"):
        core.next_event()


def test_bad_column_count_rejected() -> None:
    core = connected_core()
    core.send_command(b"\x03SELECT")
    core.receive_data(sp.stream([b"\xfc\x00\x00"], seq=1))
    with pytest.raises(ProtocolError, match="column count"):
        core.next_event()


def test_command_while_result_unread_is_out_of_sync() -> None:
    core = connected_core()
    core.send_command(b"\x03SELECT 1")
    with pytest.raises(errors.ProgrammingError) as info:
        core.send_command(b"\x0e")
    assert info.value.args[0] == 2014


@pytest.mark.parametrize("size", [0, 1, MAX_FRAME - 1, MAX_FRAME, MAX_FRAME + 1, 2 * MAX_FRAME + 5])
def test_frame_splits_and_core_joins(size: int) -> None:
    payload = bytes((i * 7) & 0xFF for i in range(min(size, 1000))) * (size // 1000 + 1)
    payload = b"\x00" + payload[: max(size - 1, 0)] if size else b""
    framed, next_seq = frame(payload, 1)
    frames = size // MAX_FRAME + 1
    assert next_seq == 1 + frames
    assert len(framed) == size + 4 * frames
    core = connected_core()
    core.send_command(b"\x03x")
    core.receive_data(framed)
    assert core._read_packet() == payload


def test_big_row_split_over_frames_is_decoded() -> None:
    value = b"z" * (MAX_FRAME + 100)
    core = connected_core()
    core.send_command(b"\x03SELECT")
    data = sp.stream([b"\x01", sp.column("a"), sp.text_row(value), sp.ok(header=0xFE)], seq=1)
    for i in range(0, len(data), 1 << 16):
        core.receive_data(data[i : i + (1 << 16)])
    events = drain(core)
    assert [type(e) for e in events] == [ev.ResultSetHeader, ev.RowBatch, ev.ResultSetEnd]
    assert events[1].rows == [(value,)]


def test_local_infile_exchange() -> None:
    core = connected_core(CLIENT_CAPS | CLIENT.LOCAL_FILES)
    core.send_command(b"\x03LOAD DATA LOCAL INFILE 'f' INTO TABLE t")
    core.receive_data(sp.stream([b"\xfbf"], seq=1))
    request = core.next_event()
    assert request == ev.LocalInfileRequest(b"f")
    chunk = core.local_infile_chunk(b"1\n2\n")
    assert chunk[3] == 2
    done = core.local_infile_done()
    assert done == b"\0\0\0\x03"
    core.receive_data(sp.stream([sp.ok(affected=2)], seq=4))
    assert core.next_event().affected_rows == 2


def test_data_while_idle_breaks_connection() -> None:
    core = connected_core()
    core.receive_data(sp.stream([sp.err(4031, "The client was disconnected by the server")], seq=0))
    with pytest.raises(errors.Error):
        core.next_event()
    assert core.state is State.BROKEN


def test_mariadb_extended_capabilities_negotiated_and_column_type_info_parsed() -> None:
    """The 4 bytes after the greeting's filler carry MariaDB's capabilities when it does
    not set CLIENT_MYSQL; the client answers in its filler's last 4 bytes."""
    ext = CLIENT.MARIADB_CLIENT_EXTENDED_METADATA
    server_caps = (sp.SERVER_CAPS & ~CLIENT.LONG_PASSWORD) | ext
    core = ClientCore()
    core.receive_data(sp.stream([sp.greeting(caps=server_caps)]))
    greeting = core.next_event()
    assert isinstance(greeting, Greeting)
    assert greeting.capabilities & ext
    out = core.handshake_response(
        capabilities=CLIENT_CAPS | ext,
        charset_id=45,
        user=b"u",
        database=None,
        auth=AuthContext(b""),
    )
    payload = out[4:]
    assert int.from_bytes(payload[0:4], "little") == (CLIENT_CAPS | ext) & 0xFFFFFFFF
    assert payload[9:28] == bytes(19)
    assert int.from_bytes(payload[28:32], "little") == ext >> 32
    core.receive_data(sp.stream([sp.ok()], seq=2))
    core.next_event()
    core.send_command(b"\x03SELECT")
    plain = sp.column("j", FIELD_TYPE.BLOB)
    names_end = plain.index(b"\x0c")
    info = b"\x01" + lenenc_bytes(b"json") + b"\x00" + lenenc_bytes(b"longtext")
    extended = plain[:names_end] + lenenc_bytes(info) + plain[names_end:]
    core.receive_data(sp.stream([b"\x01", extended, sp.ok(header=0xFE)], seq=1))
    header = core.next_event()
    assert isinstance(header, ev.ResultSetHeader)
    (column,) = header.columns
    assert (column.name, column.type_format, column.type_name) == ("j", "json", "longtext")
    assert column.type_code == FIELD_TYPE.BLOB


def test_repeated_column_definitions_are_reused_and_still_sequence_checked() -> None:
    """A statement whose definitions arrive byte-identical from the same sequence id
    gets the same Column objects; a wrong sequence id inside them is still caught."""
    defs = [sp.column("a", FIELD_TYPE.LONG), sp.column("b")]
    result = [b"\x02", *defs, sp.text_row(b"1", b"x"), sp.ok(header=0xFE)]
    core = connected_core()
    headers = []
    for _ in range(2):
        core.send_command(b"\x03SELECT")
        core.receive_data(sp.stream(result, seq=1))
        header, batch, _end = drain(core)
        assert batch.rows == [(b"1", b"x")]
        headers.append(header)
    assert headers[0].columns is not headers[1].columns
    assert all(a is b for a, b in zip(headers[0].columns, headers[1].columns, strict=True))
    assert headers[0].description == headers[1].description
    core.send_command(b"\x03SELECT")
    bad = sp.stream([b"\x02"], seq=1) + sp.stream(defs, seq=3)  # definitions from seq 3
    core.receive_data(bad + sp.stream([sp.ok(header=0xFE)], seq=5))
    with pytest.raises(ProtocolError, match="sequence"):
        drain(core)
