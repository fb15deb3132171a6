"""The core's state table, its one checked writer, and the predicates the layers above ask."""

from __future__ import annotations

import asyncio
import ssl

import mysql_packets as sp
import pytest
from test_core import connected_core

from aiomysql import errors
from aiomysql._io_errors import CONNECTING, RUNNING, TLS_HANDSHAKE, map_io_errors, translate
from aiomysql._wire import WireLost, WireTimeout
from aiomysql.constants import CR, SERVER_STATUS
from aiomysql.protocol import commands
from aiomysql.protocol import events as ev
from aiomysql.protocol.core import ClientCore
from aiomysql.protocol.results import OkPacket
from aiomysql.protocol.state import DEAD, TRANSITIONS, State


def predicates(core: ClientCore) -> dict[str, bool]:
    names = ("usable", "idle", "ready", "out_of_turn", "results_pending", "streaming", "busy")
    return {name: getattr(core, name) for name in names}


def test_every_state_has_a_row_and_every_state_may_end() -> None:
    assert set(TRANSITIONS) == set(State)
    for state, targets in TRANSITIONS.items():
        assert State.CLOSED in targets
        assert (State.BROKEN in targets) is (state is not State.CLOSED)
    # A command (RESULT), COM_STMT_PREPARE (PREPARE), COM_STMT_FETCH (binary rows at once).
    assert TRANSITIONS[State.IDLE] == {
        State.RESULT,
        State.PREPARE,
        State.ROWS,
        State.CLOSED,
        State.BROKEN,
    }


def test_a_move_the_table_does_not_list_is_refused_and_changes_nothing() -> None:
    core = ClientCore()
    with pytest.raises(errors.InterfaceError, match="no move from greeting to rows"):
        core._to(State.ROWS)
    assert core.state is State.GREETING


def test_the_state_is_read_only_from_outside() -> None:
    core = ClientCore()
    with pytest.raises(AttributeError):
        core.state = State.IDLE  # type: ignore[misc]


def test_predicates_through_a_statement_with_two_results() -> None:
    core = connected_core()
    assert predicates(core) == {
        "usable": True,
        "idle": True,
        "ready": True,
        "out_of_turn": False,
        "results_pending": False,
        "streaming": False,
        "busy": False,
    }
    core.send_command(commands.com_query(b"SELECT 1; DO 1"))
    assert core.busy and not core.idle and not core.ready
    more = SERVER_STATUS.SERVER_STATUS_AUTOCOMMIT | SERVER_STATUS.SERVER_MORE_RESULTS_EXISTS
    core.receive_data(
        sp.stream(
            [b"\x01", sp.column("1"), sp.text_row(b"1"), sp.ok(status=more, header=0xFE)],
            seq=1,
        )
    )
    assert isinstance(core.next_event(), ev.ResultSetHeader)
    assert core.streaming and core.busy
    assert isinstance(core.next_event(), ev.RowBatch)
    assert isinstance(core.next_event(), ev.ResultSetEnd)
    assert core.results_pending and not core.busy and not core.idle and not core.streaming
    core.receive_data(sp.stream([sp.ok()], seq=5))
    assert isinstance(core.next_event(), OkPacket)
    assert core.idle and core.ready and not core.results_pending


def test_bytes_while_idle_are_out_of_turn() -> None:
    core = connected_core()
    core.receive_data(sp.stream([sp.err(1927, "Connection was killed")]))
    assert core.idle and core.out_of_turn and not core.ready
    with pytest.raises(errors.Error):
        core.next_event()
    assert core.state is State.BROKEN and not core.usable and core.busy


@pytest.mark.parametrize("end", ["abort", "quit"])
def test_a_dead_core_is_not_usable(end: str) -> None:
    core = connected_core()
    if end == "abort":
        core.abort()
    else:
        core.send_quit(commands.com_quit())
    assert core.state in DEAD
    assert not core.usable and not core.idle and not core.ready
    core.abort()  # aborting a closed core keeps it closed
    assert core.state is (State.BROKEN if end == "abort" else State.CLOSED)


# -- map_io_errors: the one translation of I/O failures ----------------------------


def test_lost_wire_while_running_is_server_lost_with_the_cause() -> None:
    cause = ConnectionResetError("reset by peer")
    error = translate(WireLost(cause), RUNNING, "'db:3306'")
    assert isinstance(error, errors.OperationalError)
    assert error.args[0] == CR.CR_SERVER_LOST
    assert "during query (reset by peer)" in error.args[1]
    assert error.__cause__ is cause


def test_lost_wire_while_connecting_names_the_address() -> None:
    error = translate(WireLost(EOFError("eof")), CONNECTING, "'db:3306'")
    assert error is not None and error.args[0] == CR.CR_SERVER_LOST
    assert "on 'db:3306' during the handshake (eof)" in error.args[1]


def test_a_read_timeout_says_which_timeout_fired() -> None:
    error = translate(WireTimeout("read", 1.5), RUNNING, "'db:3306'")
    assert error is not None and error.args[0] == CR.CR_SERVER_LOST
    assert "read timed out after 1.5 s (read_timeout)" in error.args[1]


@pytest.mark.parametrize(
    ("exc", "code", "text"),
    [
        (asyncio.TimeoutError(), CR.CR_CONN_HOST_ERROR, "timed out after 3.0 s"),
        (ConnectionRefusedError(111, "refused"), CR.CR_CONN_HOST_ERROR, "refused"),
        (OSError(-2, "Name or service not known"), CR.CR_CONN_HOST_ERROR, "not known"),
    ],
)
def test_connect_failures(exc: BaseException, code: int, text: str) -> None:
    error = translate(exc, CONNECTING, "'db:3306'", timeout=3.0)
    assert isinstance(error, errors.OperationalError)
    assert error.args[0] == code
    assert "'db:3306'" in error.args[1] and text in error.args[1]


@pytest.mark.parametrize(
    ("exc", "text"),
    [
        (ssl.SSLError(1, "bad record"), "failed: bad record"),
        (ConnectionResetError(104, "reset"), "failed: connection lost (ConnectionResetError"),
    ],
)
def test_tls_handshake_failures(exc: BaseException, text: str) -> None:
    error = translate(exc, TLS_HANDSHAKE, "'db:3306'")
    assert isinstance(error, errors.OperationalError)
    assert error.args[0] == CR.CR_SSL_CONNECTION_ERROR
    assert "TLS handshake with the server on 'db:3306' " + text in error.args[1]


def test_what_is_no_io_failure_passes_unchanged() -> None:
    assert translate(ValueError("x"), CONNECTING, "a") is None
    assert translate(OSError("not ours while running"), RUNNING, "a") is None
    with pytest.raises(KeyError):
        with map_io_errors(RUNNING, "a"):
            raise KeyError("x")
    with pytest.raises(errors.OperationalError) as info:
        with map_io_errors(RUNNING, "a"):
            raise WireLost(BrokenPipeError("pipe"))
    assert isinstance(info.value.__cause__, BrokenPipeError)
