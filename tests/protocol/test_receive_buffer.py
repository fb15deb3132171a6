"""The core's receive buffer as a transport uses it: get_buffer, then buffer_updated."""

from __future__ import annotations

import random

import mysql_packets as sp
from test_core import connected_core, drain

from aiomysql.protocol import events as ev
from aiomysql.protocol.core import ClientCore, State

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
    # The grown buffer is not kept once it is empty: the next read is offered little.
    assert len(core.get_buffer()) <= READ_CAP


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
