"""Text-protocol row decoding: the pure-Python reference of the hot loop.

A *plan* is a tuple with one entry per column, built once per result set: a callable
that turns the column's raw bytes into a Python value, or None to keep the bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .packets import MAX_FRAME, ProtocolError

Decoder = Callable[[bytes], Any]
Plan = tuple[Decoder | None, ...]

_NULL = 0xFB


def decode_text_row(data: bytes | bytearray, pos: int, end: int, plan: Plan) -> tuple[Any, ...]:
    """Decode one text-protocol row whose payload is ``data[pos:end]``."""
    # In a receive buffer (a row of 16 MiB or more) each value is copied out once.
    view = None if type(data) is bytes else memoryview(data)
    row: list[Any] = []
    append = row.append
    for conv in plan:
        if pos >= end:
            raise ProtocolError("row has fewer values than columns")
        first = data[pos]
        if first < _NULL:
            n = first
            pos += 1
        elif first == _NULL:
            append(None)
            pos += 1
            continue
        elif first == 0xFC:
            n = data[pos + 1] | data[pos + 2] << 8 if pos + 3 <= end else end
            pos += 3
        elif first == 0xFD:
            n = data[pos + 1] | data[pos + 2] << 8 | data[pos + 3] << 16 if pos + 4 <= end else end
            pos += 4
        elif first == 0xFE:
            n = int.from_bytes(data[pos + 1 : pos + 9], "little") if pos + 9 <= end else end
            pos += 9
        else:
            raise ProtocolError("invalid length prefix 0xff in row")
        stop = pos + n
        if stop > end:
            raise ProtocolError("row value runs past the end of its packet")
        value = data[pos:stop] if view is None else bytes(view[pos:stop])
        append(value if conv is None else conv(value))  # type: ignore[arg-type]
        pos = stop
    if pos != end:
        raise ProtocolError("row has more values than columns")
    return tuple(row)


def decode_text_rows(
    data: bytes | bytearray,
    pos: int,
    end: int,
    seq: int,
    plan: Plan,
    rows: list[tuple[Any, ...]],
) -> tuple[int, int]:
    """Decode every complete single-frame row packet in ``data[pos:end]`` into ``rows``.

    Stops before an incomplete packet, a packet of MAX_FRAME bytes or more (the caller
    joins its frames), or a packet that is not a row (EOF/OK 0xFE, ERR 0xFF).
    Returns the new (pos, seq).
    """
    if type(data) is not bytes:
        # A receive buffer: decoders take bytes values, so work on one bytes copy of it,
        # but not while it holds (part of) one big packet that nothing here would decode.
        if end - pos < 4:
            return pos, seq
        first = data[pos] | data[pos + 1] << 8 | data[pos + 2] << 16
        if first == MAX_FRAME or pos + 4 + first > end:
            return pos, seq
        base = pos
        chunk = bytes(memoryview(data)[pos:end])
        pos, seq = decode_text_rows(chunk, 0, end - pos, seq, plan, rows)
        return base + pos, seq
    while end - pos >= 4:
        length = data[pos] | data[pos + 1] << 8 | data[pos + 2] << 16
        start = pos + 4
        stop = start + length
        if stop > end or length == MAX_FRAME or length == 0:
            break
        first = data[start]
        if first == 0xFE or first == 0xFF:
            break
        if data[pos + 3] != seq:
            raise ProtocolError(f"packet sequence id {data[pos + 3]}, expected {seq}")
        rows.append(decode_text_row(data, start, stop, plan))
        seq = (seq + 1) & 0xFF
        pos = stop
    return pos, seq
