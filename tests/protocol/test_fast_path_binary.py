"""read_whole_binary (through read_whole_result), both twins, against the core's general
event-by-event path, for the reply to a COM_STMT_EXECUTE of a statement whose columns are
known: MariaDB's metadata skip (MARIADB_CLIENT_CACHE_METADATA: a 0 byte after the column
count, no definitions) and the classic reply (definitions sent, byte-identical to ones
parsed before). Anything else is None with the core untouched."""

from __future__ import annotations

import struct
from typing import Any

import mysql_packets as sp
import pytest
from test_fast_path import CAPS, CLASSIC_CAPS, TWINS, Reader, connected, fields, general, snapshot

from aiomysql.constants import CLIENT, FIELD_TYPE
from aiomysql.errors import Error
from aiomysql.protocol import fast_path_binary
from aiomysql.protocol.core import ClientCore, State
from aiomysql.result import Result

META = CLIENT.MARIADB_CLIENT_CACHE_METADATA
DEFS = [sp.column("a", FIELD_TYPE.LONG), sp.column("b")]


@pytest.fixture(params=sorted(TWINS))
def read(request: pytest.FixtureRequest) -> Reader:
    return TWINS[request.param]


def test_both_twins_are_the_same_function_names() -> None:
    compiled = TWINS.get("compiled")
    assert compiled is None or hasattr(
        __import__(compiled.__module__, fromlist=["x"]), "read_whole_binary"
    )
    assert fast_path_binary.read_whole_binary.__name__ == "read_whole_binary"


def brow(a: int | None, b: bytes | None) -> bytes:
    """A binary row of (INT, VARCHAR): header 0x00, NULL bitmap (offset 2), values."""
    bitmap = (4 if a is None else 0) | (8 if b is None else 0)
    out = b"\x00" + bytes((bitmap,))
    if a is not None:
        out += struct.pack("<i", a)
    if b is not None:
        out += bytes((len(b),)) + b
    return out


ROWS = [brow(1, b"x"), brow(None, b""), brow(-3, None)]


def reply(caps: int, rows: list[bytes], skip: bool = False, defs: list[bytes] = DEFS) -> bytes:
    deprecate_eof = caps & CLIENT.DEPRECATE_EOF != 0
    head = bytes((len(defs),))
    if caps & META:
        head += b"\x00" if skip else b"\x01"
    packets = [head] + ([] if skip else list(defs))
    if not deprecate_eof:
        packets.append(sp.eof())
    packets += rows
    packets.append(
        sp.ok(header=0xFE, warnings=2, status=0x22) if deprecate_eof else sp.eof(2, 0x22)
    )
    return sp.stream(packets, seq=1)


def execute(core: ClientCore, columns: list[Any], data: bytes) -> None:
    core.send_execute(b"\x17\x01\x00\x00\x00\x00\x01\x00\x00\x00", columns)
    core.receive_data(data)


def learned(caps: int) -> tuple[ClientCore, list[Any]]:
    """A core that has executed the statement once (definitions sent and parsed), and the
    statement's columns as the handle keeps them."""
    core = connected(caps & ~META)
    core.capabilities |= caps & META
    columns: list[Any] = []
    execute(core, columns, reply(caps, ROWS))
    general(core)
    assert len(columns) == 2
    return core, columns


CASES = [
    pytest.param(CAPS | META, True, id="metadata-skipped"),
    pytest.param(CAPS | META, False, id="metadata-sent"),
    pytest.param(CAPS, False, id="deprecate-eof"),
    pytest.param(CLASSIC_CAPS, False, id="classic-eof"),
    pytest.param(CLASSIC_CAPS | META, True, id="skipped-with-eof"),
]


@pytest.mark.parametrize(("caps", "skip"), CASES)
@pytest.mark.parametrize("rows", [ROWS, []], ids=["rows", "empty"])
def test_a_known_statements_reply_is_read_in_one_step(
    read: Reader, caps: int, skip: bool, rows: list[bytes]
) -> None:
    core, columns = learned(caps)
    reference, ref_columns = learned(caps)
    data = reply(caps, rows, skip)
    execute(core, columns, data)
    execute(reference, ref_columns, data)
    result = read(core, Result)
    assert isinstance(result, Result)
    expected = general(reference)
    assert fields(result) == fields(expected)
    assert result.rows == ([(1, b"x"), (None, b""), (-3, None)] if rows else [])
    assert snapshot(core) == snapshot(reference) and core.state is State.IDLE
    assert core._exec_columns is None
    assert [c.name for c in columns] == [c.name for c in ref_columns] == ["a", "b"]


def test_an_ok_reply_is_read_in_one_step(read: Reader) -> None:
    core, columns = learned(CAPS)
    reference, ref_columns = learned(CAPS)
    data = sp.stream([sp.ok(affected=4, insert_id=9, warnings=1) + b"info"], seq=1)
    execute(core, columns, data)
    execute(reference, ref_columns, data)
    result = read(core, Result)
    assert isinstance(result, Result)
    assert fields(result) == fields(general(reference)) and result.message == "info"
    assert snapshot(core) == snapshot(reference)


@pytest.mark.parametrize(("caps", "skip"), CASES)
def test_any_part_of_the_reply_is_not_enough(read: Reader, caps: int, skip: bool) -> None:
    data = reply(caps, ROWS, skip)
    core, columns = learned(caps)
    for cut in range(len(data)):
        execute(core, columns, data[:cut])
        before = snapshot(core)
        assert read(core, Result) is None, cut
        assert snapshot(core) == before
        core.receive_data(data[cut:])
        assert read(core, Result) is not None, cut


def left_to_general(read: Reader, core: ClientCore) -> None:
    before = snapshot(core)
    assert read(core, Result) is None
    assert snapshot(core) == before


def test_what_the_general_path_must_read(read: Reader) -> None:
    # New or changed definitions: the general path parses them and updates the statement's.
    core, columns = learned(CAPS | META)
    changed = [sp.column("a", FIELD_TYPE.LONG), sp.column("c")]
    execute(core, columns, reply(CAPS | META, ROWS, defs=changed))
    left_to_general(read, core)
    general(core)
    assert [c.name for c in columns] == ["a", "c"]
    # Skipped definitions the statement does not have as many of: the general path raises.
    execute(core, columns[:1], reply(CAPS | META, ROWS, skip=True))
    left_to_general(read, core)
    # The server's error in place of a row.
    core, columns = learned(CAPS)
    data = reply(CAPS, [ROWS[0], sp.err(1317, "interrupted")])
    execute(core, columns, data)
    left_to_general(read, core)
    with pytest.raises(Error):
        general(core)
    # No statement columns known (a bare send_execute): the general path.
    core, columns = learned(CAPS)
    core.send_execute(b"\x17...")
    core.receive_data(reply(CAPS, ROWS))
    left_to_general(read, core)
    # A row the plan cannot decode (too short): the general path raises its own error.
    core, columns = learned(CAPS)
    execute(core, columns, reply(CAPS, [b"\x00\x00\x01"]))
    left_to_general(read, core)
    with pytest.raises(Error):
        general(core)


@pytest.mark.parametrize(("caps", "skip"), CASES[:2])
def test_rows_of_several_frames_go_the_general_way(read: Reader, caps: int, skip: bool) -> None:
    core, columns = learned(caps)
    big = brow(1, None)[:1] + b"\x08" + struct.pack("<i", 5)  # b is NULL
    execute(core, columns, reply(caps, [big]))
    assert read(core, Result) is not None  # a single-frame row: one step
    core.send_execute(b"\x17...", columns)
    head = sp.stream([bytes((2,)) + (b"\x00" if skip else b"\x01")] + ([] if skip else DEFS), 1)
    frame = b"\xff\xff\xff" + bytes((2 if skip else 4,)) + b"\x00" * 0xFFFFFF
    core.receive_data(head + frame)
    left_to_general(read, core)
