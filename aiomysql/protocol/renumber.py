"""Renumbering the ordinary packets inside a compressed stream (pure-Python reference).

The compiled twin is ``_compression_speedups.renumber_packets``; ``_impl`` picks one.
Why the ids need it: see ``compression.py``.
"""

from __future__ import annotations


def renumber_packets(
    data: bytearray, skip: int, index: int, length: int, seq: int
) -> tuple[int, int, int, int]:
    """Give the ordinary packets in ``data`` consecutive sequence ids from ``seq``, in place.

    ``data`` is the next piece of the packet stream; the walk's state carries over from one
    piece to the next: ``skip`` payload bytes of the current packet still to come, or else
    ``index`` header bytes of the next packet already seen (0 to 3) and the ``length``
    they spell so far. Returns the state after ``data``: (skip, index, length, seq).
    """
    if skip < 0 or not 0 <= index <= 3 or length < 0:
        raise ValueError("renumber_packets: invalid walk state")
    pos, end = 0, len(data)
    while pos < end:
        if skip:
            if skip >= end - pos:
                return skip - (end - pos), 0, 0, seq
            pos += skip
            skip = 0
        if index == 0 and end - pos >= 4:  # a whole header
            skip = data[pos] | data[pos + 1] << 8 | data[pos + 2] << 16
            data[pos + 3] = seq
            seq = (seq + 1) & 0xFF
            pos += 4
        elif index < 3:  # a header split between two pieces: byte by byte
            length |= data[pos] << (8 * index)
            index += 1
            pos += 1
        else:
            data[pos] = seq
            seq = (seq + 1) & 0xFF
            skip, index, length = length, 0, 0
            pos += 1
    return skip, index, length, seq
