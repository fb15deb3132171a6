"""read_whole_result, both twins, against the core's general event-by-event path.

Each test feeds the documented reply bytes (tests/mysql_packets.py) to a logged-in core
and checks that the one-step read gives what the general path gives, or None with the
core untouched, in exactly the cases the module docstring lists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mysql_packets as sp
import pytest
from speedups_support import load_compiled

from aiomysql.constants import CLIENT, FIELD_TYPE, SERVER_STATUS
from aiomysql.errors import ProgrammingError
from aiomysql.protocol import events as ev
from aiomysql.protocol import fast_path
from aiomysql.protocol.auth import AuthContext
from aiomysql.protocol.core import ClientCore, State
from aiomysql.protocol.handshake import Greeting
from aiomysql.protocol.packets import MAX_FRAME, ProtocolError
from aiomysql.protocol.results import OkPacket
from aiomysql.result import Result

CAPS = sp.SERVER_CAPS & ~CLIENT.LOCAL_FILES
CLASSIC_CAPS = CAPS & ~CLIENT.DEPRECATE_EOF

Reader = Callable[[ClientCore, type[Any]], Any]
_compiled = load_compiled()
TWINS: dict[str, Reader] = {"python": fast_path.read_whole_result}
if _compiled is not None:
    TWINS["compiled"] = _compiled.read_whole_result


@pytest.fixture(params=sorted(TWINS))
def read(request: pytest.FixtureRequest) -> Reader:
    return TWINS[request.param]


def test_both_twins_are_tested_when_the_module_is_built() -> None:
    assert _compiled is None or set(TWINS) == {"python", "compiled"}


def connected(caps: int = CAPS, plan_builder: Any = None) -> ClientCore:
    kwargs = {} if plan_builder is None else {"plan_builder": plan_builder}
    core = ClientCore(**kwargs)
    core.receive_data(sp.stream([sp.greeting()]))
    assert isinstance(core.next_event(), Greeting)
    core.handshake_response(
        capabilities=caps, charset_id=45, user=b"root", database=None, auth=AuthContext(b"")
    )
    core.receive_data(sp.stream([sp.ok()], seq=2))
    assert isinstance(core.next_event(), ev.Authenticated)
    return core


def snapshot(core: ClientCore) -> tuple[Any, ...]:
    return (core.state, core._pos, core._end, core._seq, core._need, core.server_status)


def general(core: ClientCore) -> Result:
    """The reply read event by event, as the channel's general path builds its result."""
    event = core.next_event()
    if isinstance(event, OkPacket):
        return Result.from_ok(event)
    assert isinstance(event, ev.ResultSetHeader)
    result = Result(event.columns, event.description)
    rows: list[tuple[Any, ...]] = []
    while True:
        event = core.next_event()
        if isinstance(event, ev.RowBatch):
            rows += event.rows
            continue
        assert isinstance(event, ev.ResultSetEnd)
        result.rows, result.affected_rows = rows, len(rows)
        result.warning_count, result.server_status = event.warnings, event.status
        result.complete = True
        return result


def fields(result: Result) -> tuple[Any, ...]:
    return (
        result.affected_rows,
        result.insert_id,
        result.warning_count,
        result.server_status,
        result.message,
        None if result.columns is None else [c.name for c in result.columns],
        result.description,
        result.rows,
        result.complete,
    )


def result_set(deprecate_eof: bool, rows: list[bytes], status: int = 2) -> list[bytes]:
    packets = [b"\x02", sp.column("a", FIELD_TYPE.LONG), sp.column("b")]
    if not deprecate_eof:
        packets.append(sp.eof())
    packets += rows
    end = sp.ok(header=0xFE, warnings=3, status=status)
    packets.append(end if deprecate_eof else sp.eof(warnings=3, status=status))
    return packets


ROWS = [sp.text_row(b"1", b"x"), sp.text_row(None, b""), sp.text_row(b"3", None)]


def send(core: ClientCore, packets: list[bytes]) -> None:
    core.send_command(b"\x03SELECT")
    core.receive_data(sp.stream(packets, seq=1))


@pytest.mark.parametrize("info", [b"", b"Rows matched: 1  Changed: 1  Warnings: 0"])
def test_an_ok_reply_is_read_in_one_step(read: Reader, info: bytes) -> None:
    reply = sp.ok(affected=3, insert_id=7, status=2, warnings=1) + info
    core, reference = connected(), connected()
    for c in (core, reference):
        send(c, [reply])
    result = read(core, Result)
    assert isinstance(result, Result)
    assert fields(result) == fields(general(reference))
    assert result.message == info.decode()
    assert snapshot(core) == snapshot(reference)
    assert core.state is State.IDLE


def test_an_ok_with_counters_of_several_bytes_goes_the_general_way(read: Reader) -> None:
    core = connected()
    send(core, [sp.ok(affected=300, insert_id=70000)])
    before = snapshot(core)
    assert read(core, Result) is None
    assert snapshot(core) == before
    assert fields(general(core)) == (300, 70000, 0, 2, "", None, None, None, True)


@pytest.mark.parametrize("deprecate_eof", [True, False])
@pytest.mark.parametrize("rows", [ROWS, []], ids=["rows", "empty"])
def test_a_result_set_of_known_columns_is_read_in_one_step(
    read: Reader, deprecate_eof: bool, rows: list[bytes]
) -> None:
    caps = CAPS if deprecate_eof else CLASSIC_CAPS
    core, reference = connected(caps), connected(caps)
    packets = result_set(deprecate_eof, rows)
    send(core, packets)
    before = snapshot(core)
    assert read(core, Result) is None  # columns never seen: the general path parses them
    assert snapshot(core) == before
    first = general(core)
    for c in (core, reference):
        send(c, packets)
    general(reference)
    send(reference, packets)
    result = read(core, Result)
    assert isinstance(result, Result)
    expected = general(reference)
    assert fields(result) == fields(expected) == fields(first)
    assert all(a is b for a, b in zip(result.columns or (), first.columns or (), strict=True))
    assert snapshot(core) == snapshot(reference)
    assert core.state is State.IDLE


def test_the_plan_decodes_the_values(read: Reader) -> None:
    core = connected(plan_builder=lambda cols: (int, bytes.decode))
    packets = [b"\x02", sp.column("a", FIELD_TYPE.LONG), sp.column("b")]
    packets += [sp.text_row(b"12", "é".encode()), sp.text_row(None, None), sp.ok(header=0xFE)]
    for _ in range(2):
        send(core, packets)
        result = read(core, Result) or general(core)
    assert result.rows == [(12, "é"), (None, None)]
    assert core.state is State.IDLE


def learned(caps: int = CAPS) -> ClientCore:
    """A core that has read the two-column result once (its definitions are known)."""
    core = connected(caps)
    send(core, result_set(caps & CLIENT.DEPRECATE_EOF != 0, ROWS))
    general(core)
    return core


@pytest.mark.parametrize("deprecate_eof", [True, False])
def test_any_part_of_the_reply_is_not_enough(read: Reader, deprecate_eof: bool) -> None:
    caps = CAPS if deprecate_eof else CLASSIC_CAPS
    data = sp.stream(result_set(deprecate_eof, ROWS), seq=1)
    for cut in range(len(data)):
        core = learned(caps)
        core.send_command(b"\x03SELECT")
        core.receive_data(data[:cut])
        before = snapshot(core)
        assert read(core, Result) is None, cut
        assert snapshot(core) == before
        core.receive_data(data[cut:])
        assert read(core, Result) is not None, cut


def test_the_servers_error_is_left_to_the_general_path(read: Reader) -> None:
    core = learned()
    send(core, [sp.err(1146, "Table 'x' doesn't exist", "42S02")])
    assert read(core, Result) is None
    with pytest.raises(ProgrammingError, match="doesn't exist"):
        core.next_event()
    assert core.state is State.IDLE
    rows_then_error = result_set(True, ROWS)[:-1] + [sp.err(1317, "interrupted")]
    send(core, rows_then_error)
    before = snapshot(core)
    assert read(core, Result) is None
    assert snapshot(core) == before


def test_malformed_rows_and_wrong_sequence_ids_are_left_to_the_general_path(
    read: Reader,
) -> None:
    core = learned()
    send(core, result_set(True, [sp.text_row(b"1")]))  # one value for two columns
    assert read(core, Result) is None
    with pytest.raises(ProtocolError, match="fewer values"):
        general(core)
    core = learned()
    core.send_command(b"\x03SELECT")
    packets = result_set(True, ROWS)
    core.receive_data(sp.stream(packets[:4], seq=1) + sp.stream(packets[4:], seq=9))
    assert read(core, Result) is None
    with pytest.raises(ProtocolError, match="sequence"):
        general(core)


def test_more_results_are_read_one_by_one(read: Reader) -> None:
    more = SERVER_STATUS.SERVER_MORE_RESULTS_EXISTS | 2
    core = learned()
    core.send_command(b"\x03CALL p()")
    packets = result_set(True, ROWS, status=more) + [sp.ok(affected=1, status=2)]
    core.receive_data(sp.stream(packets, seq=1))
    first = read(core, Result)
    assert first is not None and first.server_status == more and first.rows == [
        (b"1", b"x"),
        (None, b""),
        (b"3", None),
    ]
    assert core.state is State.MORE_RESULTS
    second = read(core, Result)
    assert second is not None and second.affected_rows == 1 and second.rows is None
    assert core.state is State.IDLE


def test_nothing_is_read_while_no_reply_is_expected(read: Reader) -> None:
    core = learned()
    assert core.state is State.IDLE
    assert read(core, Result) is None


@pytest.mark.parametrize("size", [0, 1, 300, MAX_FRAME - 2, MAX_FRAME - 1, MAX_FRAME + 5])
def test_query_packet_is_what_send_command_sends(size: int) -> None:
    sql = b"S" * size
    core, reference = connected(), connected()
    assert fast_path.query_packet(core, sql) == reference.send_command(b"\x03" + sql)
    assert snapshot(core) == snapshot(reference) and core.state is State.RESULT
    if _compiled is not None:
        core = connected()
        assert _compiled.query_packet(core, sql) == fast_path.query_packet(connected(), sql)
        assert snapshot(core) == snapshot(reference)


def test_query_packet_refuses_a_busy_core_as_send_command_does() -> None:
    for query_packet in [fast_path.query_packet] + (
        [_compiled.query_packet] if _compiled is not None else []
    ):
        core = connected()
        query_packet(core, b"SELECT 1")
        with pytest.raises(ProgrammingError, match="out of sync"):
            query_packet(core, b"SELECT 2")
        assert core.state is State.RESULT


class PlainResult:
    """A result type without __slots__ (its fields are set as ordinary attributes)."""

    description = property(lambda self: self._description)


@pytest.mark.parametrize("result_type", [Result, PlainResult])
def test_any_result_type_gets_every_field(read: Reader, result_type: type[Any]) -> None:
    core = learned()
    for packets in ([sp.ok(affected=2, insert_id=5, warnings=1) + b"info"], result_set(True, ROWS)):
        send(core, packets)
        result = read(core, result_type)
        assert type(result) is result_type
        reference = connected()
        send(reference, packets)
        expected = general(reference)
        for name in ("affected_rows", "insert_id", "warning_count", "server_status", "message"):
            assert getattr(result, name) == getattr(expected, name), name
        assert result.rows == expected.rows and result.complete is True
        assert (result.columns is None) == (expected.columns is None)
        assert result.description == expected.description


def test_a_binary_protocol_reply_is_left_to_the_general_path(read: Reader) -> None:
    """A prepared statement's reply (the core's _binary flag) is never read as text rows;
    a COM_QUERY framed by query_packet is a text reply again, as after send_command."""
    core = learned()
    core.send_command(b"\x03SELECT")
    core._binary = True
    # Known columns and no rows: the text path would take it whole; binary rows of the
    # general path are stmt_core's (tests/protocol/test_binary_protocol.py).
    core.receive_data(sp.stream(result_set(True, []), seq=1))
    before = snapshot(core)
    assert read(core, Result) is None
    assert snapshot(core) == before
    general(core)
    for query_packet in [fast_path.query_packet] + (
        [_compiled.query_packet] if _compiled is not None else []
    ):
        core._binary = True
        query_packet(core, b"SELECT")
        assert core._binary is False
        core.receive_data(sp.stream(result_set(True, ROWS), seq=1))
        assert read(core, Result) is not None
