"""The core's receive buffer as a transport uses it: get_buffer, then buffer_updated."""

from __future__ import annotations

import random

import mysql_packets as sp
import pytest
from test_core import connected_core, drain

from aiomysql.protocol import events as ev
from aiomysql.protocol._impl import read_packet
from aiomysql.protocol.core import ClientCore, State
from aiomysql.protocol.packets import MAX_FRAME, ProtocolError, read_packet_in_place

#: The most a single read is offered while no packet needs more (the flow-control bound).
READ_CAP = 256 * 1024


def feed_like_a_transport(core: ClientCore, data: bytes, rng: random.Random) -> list[object]:
    """Write ``data`` into the views get_buffer hands out, in reads of random sizes, and
    collect the events after each read."""
    events: list[object] = []
    pos = 0
    while pos < len(data):
        view = core.get_buffer()
        assert len(view) > 0
        n = min(len(view), len(data) - pos, rng.choice([1, 3, 100, 5000, 1 << 20]))
        view[:n] = data[pos : pos + n]
        core.buffer_updated(n)
        pos += n
        events += drain(core)
    return events


def rows_of(events: list[object]) -> list[tuple[object, ...]]:
    return [row for e in events if isinstance(e, ev.RowBatch) for row in e.rows]


def test_reads_of_any_size_give_every_row_intact() -> None:
    rng = random.Random(7)
    values = [bytes(rng.randrange(256) for _ in range(rng.randrange(300))) for _ in range(2000)]
    packets = [b"\x01", sp.column("a"), *[sp.text_row(v) for v in values], sp.ok(header=0xFE)]
    core = connected_core()
    core.send_command(b"\x03SELECT")
    events = feed_like_a_transport(core, sp.stream(packets, seq=1), rng)
    assert rows_of(events) == [(v,) for v in values]
    assert core.state is State.IDLE and core.buffered() == 0


def test_a_packet_bigger_than_the_buffer_gets_room_for_all_of_it() -> None:
    big = bytes(range(256)) * 8192  # 2 MiB, one value
    data = sp.stream([b"\x01", sp.column("a"), sp.text_row(big), sp.ok(header=0xFE)], seq=1)
    core = connected_core()
    core.send_command(b"\x03SELECT")
    head = data.find(big) + 100  # a little of the big value has arrived
    core.receive_data(data[:head])
    drain(core)
    view = core.get_buffer()
    # Room for the whole rest of the packet in one read, not 16 KiB at a time.
    assert len(view) >= len(big) - 100
    events = feed_like_a_transport(core, data[head:], random.Random(1))
    assert rows_of(events) == [(big,)]
    assert len(core.get_buffer()) <= READ_CAP  # reads are small again


def test_a_grown_buffer_is_kept_for_the_next_big_packet_then_given_back() -> None:
    big = b"b" * (3 << 20)
    core = connected_core()
    core.send_command(b"\x03SELECT")
    core.receive_data(sp.stream([b"\x01", sp.column("a"), sp.text_row(big)], seq=1))
    assert rows_of(drain(core)) == [(big,)]
    grown = core.get_buffer().obj
    assert len(grown) >= len(big)
    core.buffer_updated(0)
    core.receive_data(sp.stream([sp.text_row(big), sp.ok(header=0xFE)], seq=4))
    assert rows_of(drain(core)) == [(big,)]
    assert core.get_buffer().obj is grown  # no new allocation for the second BLOB
    core.buffer_updated(0)
    for _ in range(100):  # many reads that need little: the memory is given back
        core.get_buffer()
        core.buffer_updated(0)
    assert len(core.get_buffer().obj) <= READ_CAP


@pytest.mark.parametrize("cut", [0, 3, 4, 100, -5, None])
def test_multi_frame_packet_joined_in_place_equals_the_copy(cut: int | None) -> None:
    payload = bytes(range(256)) * (MAX_FRAME // 256 + 300)  # two frames and a bit
    stream = b"\0\0" + sp.stream([payload], seq=9)
    data = stream if cut is None else stream[:cut] if cut >= 0 else stream[:cut]
    expected = read_packet(bytes(data), 2, 9, 1 << 30, len(data))
    buf = bytearray(data)
    span, pos, seq = read_packet_in_place(buf, 2, 9, 1 << 30, len(buf))
    if expected[0] is None:
        assert (span, pos, seq) == expected  # the same bytes-needed answer
    else:
        assert span is not None
        assert bytes(buf[span[0] : span[1]]) == expected[0] == payload
        assert (pos, seq) == expected[1:] == (len(stream), 11)


def test_in_place_join_checks_sequence_ids_and_size() -> None:
    stream = bytearray(sp.stream([b"x" * (MAX_FRAME + 10)], seq=0))
    with pytest.raises(ProtocolError, match="expected 1"):
        read_packet_in_place(bytearray(stream), 0, 1, 1 << 30, len(stream))
    stream[MAX_FRAME + 4 + 3] = 7  # second frame's sequence id
    with pytest.raises(ProtocolError, match="sequence id 7, expected 1"):
        read_packet_in_place(stream, 0, 0, 1 << 30, len(stream))
    with pytest.raises(ProtocolError, match="exceeds the limit"):
        read_packet_in_place(stream, 0, 0, 1000, len(stream))


def test_reads_grow_while_they_fill_up_and_stay_bounded() -> None:
    core = connected_core()
    core.send_command(b"\x03SELECT")
    sizes = []
    for _ in range(12):
        view = core.get_buffer()
        sizes.append(len(view))
        # Every offered byte "received" (never decoded: next_event() is not asked).
        core.buffer_updated(len(view))
    assert sizes[0] <= 64 * 1024
    assert sizes == sorted(sizes)
    assert max(sizes) == READ_CAP  # a stream filling every read reaches the cap, no more


def test_an_earlier_view_stays_usable_after_the_buffer_grows() -> None:
    """A transport may still hold the last view while the buffer is replaced by a bigger
    one: the old view must not be invalidated (no BufferError, no shared bytes)."""
    core = connected_core()
    core.send_command(b"\x03SELECT")
    old = core.get_buffer()
    core.buffer_updated(0)
    core.receive_data(sp.stream([b"\x01", sp.column("a")], seq=1) + b"\xff\xff\x0f\x03")
    drain(core)  # now waits for a ~1 MiB row packet: the buffer grows
    new = core.get_buffer()
    assert len(new) >= (1 << 20) - 8
    assert new.obj is not old.obj  # a new buffer: resizing the old one would raise
    old[:4] = b"abcd"  # and the old view is still writable
