"""Packet framing and the protocol's basic encodings (length-encoded ints and strings)."""

from __future__ import annotations

from ..constants import CR
from ..errors import OperationalError

#: Largest payload one frame can carry; longer payloads continue in the next frame.
MAX_FRAME = 0xFFFFFF
#: Hard cap on one received logical packet: the protocol's own ceiling for max_allowed_packet.
MAX_PACKET_LIMIT = 1 << 30


class ProtocolError(OperationalError):
    """The server sent bytes that break the protocol; the connection cannot be trusted."""

    def __init__(self, message: str) -> None:
        super().__init__(CR.CR_MALFORMED_PACKET, f"Malformed packet: {message}")


def frame(payload: bytes, seq: int) -> tuple[bytes, int]:
    """Wrap ``payload`` in frames starting at sequence id ``seq``; return (bytes, next seq)."""
    length = len(payload)
    if length < MAX_FRAME:
        header = bytes((length & 0xFF, (length >> 8) & 0xFF, length >> 16, seq))
        return header + payload, (seq + 1) & 0xFF
    parts: list[bytes | memoryview] = []
    view = memoryview(payload)
    pos = 0
    while True:
        chunk = view[pos : pos + MAX_FRAME]
        n = len(chunk)
        parts.append(bytes((n & 0xFF, (n >> 8) & 0xFF, n >> 16, seq)))
        parts.append(chunk)
        seq = (seq + 1) & 0xFF
        pos += n
        if n < MAX_FRAME:
            break
    return b"".join(parts), seq


def lenenc_int(value: int) -> bytes:
    """Encode ``value`` as a length-encoded integer."""
    if value < 0xFB:
        return bytes((value,))
    if value < 1 << 16:
        return b"\xfc" + value.to_bytes(2, "little")
    if value < 1 << 24:
        return b"\xfd" + value.to_bytes(3, "little")
    return b"\xfe" + value.to_bytes(8, "little")


def lenenc_bytes(value: bytes) -> bytes:
    """Encode ``value`` as a length-encoded string."""
    return lenenc_int(len(value)) + value


class Reader:
    """Bounds-checked cursor over one packet payload; every overrun is a ProtocolError."""

    __slots__ = ("data", "pos", "end")

    def __init__(self, data: bytes, pos: int = 0, end: int | None = None) -> None:
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end

    def remaining(self) -> int:
        """Bytes left unread."""
        return self.end - self.pos

    def _take(self, n: int) -> int:
        start = self.pos
        if n < 0 or start + n > self.end:
            raise ProtocolError(f"needed {n} bytes at offset {start}, packet ends at {self.end}")
        self.pos = start + n
        return start

    def u8(self) -> int:
        """One unsigned byte."""
        return self.data[self._take(1)]

    def u16(self) -> int:
        """Little-endian unsigned 16-bit integer."""
        p = self._take(2)
        return int.from_bytes(self.data[p : p + 2], "little")

    def u24(self) -> int:
        """Little-endian unsigned 24-bit integer."""
        p = self._take(3)
        return int.from_bytes(self.data[p : p + 3], "little")

    def u32(self) -> int:
        """Little-endian unsigned 32-bit integer."""
        p = self._take(4)
        return int.from_bytes(self.data[p : p + 4], "little")

    def u64(self) -> int:
        """Little-endian unsigned 64-bit integer."""
        p = self._take(8)
        return int.from_bytes(self.data[p : p + 8], "little")

    def take(self, n: int) -> bytes:
        """Exactly ``n`` bytes."""
        p = self._take(n)
        return bytes(self.data[p : p + n])

    def rest(self) -> bytes:
        """Everything left in the packet."""
        p = self.pos
        self.pos = self.end
        return bytes(self.data[p : self.end])

    def skip(self, n: int) -> None:
        """Skip ``n`` bytes."""
        self._take(n)

    def null_terminated(self, required: bool = True) -> bytes:
        """Bytes up to a NUL (consumed); without NUL, the rest unless ``required``."""
        p = self.pos
        nul = self.data.find(b"\0", p, self.end)
        if nul < 0:
            if required:
                raise ProtocolError("missing NUL terminator")
            self.pos = self.end
            return bytes(self.data[p : self.end])
        self.pos = nul + 1
        return bytes(self.data[p:nul])

    def lenenc_int(self) -> int | None:
        """A length-encoded integer; None for the NULL marker 0xFB."""
        first = self.u8()
        if first < 0xFB:
            return first
        if first == 0xFC:
            return self.u16()
        if first == 0xFD:
            return self.u24()
        if first == 0xFE:
            return self.u64()
        if first == 0xFB:
            return None
        raise ProtocolError("invalid length-encoded integer prefix 0xff")

    def lenenc_bytes(self) -> bytes:
        """A length-encoded string (NULL is not allowed here)."""
        n = self.lenenc_int()
        if n is None:
            raise ProtocolError("unexpected NULL in length-encoded string")
        return self.take(n)


def packets_end(data: bytes | bytearray, pos: int, end: int, count: int) -> int:
    """Where the ``count`` frames starting at ``data[pos]`` end, or -1 unless all of them
    lie within ``data[:end]`` (headers are not checked: the caller reads them after)."""
    p = pos
    for _ in range(count):
        if end - p < 4:
            return -1
        p += 4 + (data[p] | data[p + 1] << 8 | data[p + 2] << 16)
        if p > end:
            return -1
    return p


def _walk_frames(
    data: bytes | bytearray, pos: int, seq: int, max_packet: int, end: int
) -> tuple[list[tuple[int, int]] | None, int, int]:
    """The frames of the logical packet at ``data[pos:end]`` as (payload start, length),
    with the position after them and the next sequence id; (None, bytes needed from
    ``pos``, ``seq``) while it has not all arrived. Checks sequence ids and the size."""
    p = pos
    total = 0
    frames = []
    while True:
        if end - p < 4:
            return None, p - pos + 4, seq
        length = data[p] | data[p + 1] << 8 | data[p + 2] << 16
        if data[p + 3] != seq:
            raise ProtocolError(f"packet sequence id {data[p + 3]}, expected {seq}")
        total += length
        if total > max_packet:
            raise ProtocolError(
                f"packet of at least {total} bytes exceeds the limit of {max_packet}"
            )
        if end - p - 4 < length:
            return None, p - pos + 4 + length, seq
        frames.append((p + 4, length))
        seq = (seq + 1) & 0xFF
        p += 4 + length
        if length < MAX_FRAME:
            return frames, p, seq


def read_packet(
    data: bytes | bytearray, pos: int, seq: int, max_packet: int, end: int = -1
) -> tuple[bytes | None, int, int]:
    """The logical packet starting at ``data[pos]`` (data ending at ``end``, default its
    length), its frames joined, always as bytes.

    Returns (payload, position after it, next sequence id); while the packet has not
    all arrived, (None, bytes needed from ``pos``, ``seq``). A wrong sequence id or a
    packet over ``max_packet`` raises ProtocolError. Hot: compiled twin in _speedups.
    """
    frames, p, seq = _walk_frames(data, pos, seq, max_packet, len(data) if end < 0 else end)
    if frames is None:
        return None, p, seq
    view = memoryview(data)
    if len(frames) == 1:
        return bytes(view[pos + 4 : p]), p, seq
    return b"".join([view[start : start + length] for start, length in frames]), p, seq


def read_packet_in_place(
    data: bytearray, pos: int, seq: int, max_packet: int, end: int
) -> tuple[tuple[int, int] | None, int, int]:
    """Like read_packet, but the payload stays in ``data``: returns ((start, stop), position
    after the packet, next sequence id). A packet of several frames is joined where it
    lies (each frame's payload moved over the headers before it), so a big value costs
    no extra copy; the bytes between stop and the returned position are then garbage."""
    frames, p, seq = _walk_frames(data, pos, seq, max_packet, end)
    if frames is None:
        return None, p, seq
    start, stop = frames[0][0], frames[0][0] + frames[0][1]
    with memoryview(data) as view:
        for frame_start, length in frames[1:]:
            view[stop : stop + length] = view[frame_start : frame_start + length]  # memmove
            stop += length
    return (start, stop), p, seq
