"""Compressed-packet framing (CLIENT_COMPRESS / CLIENT_ZSTD_COMPRESSION_ALGORITHM), sans-IO.

After the handshake of a compressed connection every byte both ways travels inside
compressed packets. Layout (MySQL internals manual, "Compression"; MariaDB KB "0 - Packet")::

    int<3>  length of the payload that follows the 7-byte header
    int<1>  compressed sequence id: its own counter, reset to 0 with each new command
            (like the packet sequence id) and incremented by every compressed packet,
            either way
    int<3>  length of the payload before compression; 0: the payload is not compressed
    payload a piece of the ordinary packet stream (part of a packet, one or several
            packets), deflated with zlib or a zstd frame, or as it is when the length
            before compression is 0

The payload is a slice of the ordinary (uncompressed) packet stream, so this layer sits
between the socket and the core's receive buffer: what it inflates is handed on as
stream bytes. One thing it does change in them: the sequence ids of the ordinary packets.
A server on a compressed connection sets its packet counter to the compressed one each
time it flushes (MySQL and MariaDB alike), so the ids inside jump; clients check the
compressed sequence ids instead. ``renumber_packets`` (``renumber.py``, compiled twin in
``_compression_speedups.pyx``) walks the ordinary packet
headers and writes in the ids the core expects (one after the last packet sent or
received), so the core checks its stream as on an uncompressed connection.

Payloads under :data:`MIN_COMPRESS_LENGTH` are sent as they are (the MySQL client's
threshold), and so is a payload that compression would not make smaller.

Bounds: a packet is inflated only up to the length its header declares, and the declared
length may not exceed :func:`inflate_limit`; a payload that inflates to more or less than
it declares, or that is no valid compressed data, is a :class:`ProtocolError` (as is a
compressed sequence id out of step). Memory per packet is thus bounded by the limit.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Protocol

from . import _impl
from .packets import MAX_FRAME, ProtocolError
from .receive_buffer import ReceiveBuffer

#: Bytes of a compressed packet's header.
HEADER = 7
#: Payloads shorter than this are sent uncompressed (the MySQL client's MIN_COMPRESS_LENGTH).
MIN_COMPRESS_LENGTH = 50
#: The largest net buffer a server flushes as one compressed packet (net_buffer_length's
#: maximum): a packet's inflated size may reach this even under a smaller max_allowed_packet.
NET_BUFFER_MAX = 1 << 20
_SMALL = 1 << 14  # ZlibCodec: below this, a zlib state sized to the data


def inflate_limit(max_packet: int) -> int:
    """The most bytes one compressed packet may declare and inflate to.

    A server flushes one net buffer (at most :data:`NET_BUFFER_MAX`) or one logical packet
    (at most ``max_packet`` plus its 4-byte header) per compressed packet, and the header's
    3-byte length caps it at 16 MiB - 1.
    """
    return min(MAX_FRAME, max(max_packet + 4, NET_BUFFER_MAX))


class Codec(Protocol):
    """One compression algorithm: ``name`` as in compression_algorithms."""

    name: str

    def compress(self, data: bytes | memoryview) -> bytes:
        """``data`` compressed as one self-contained unit (a zlib stream, a zstd frame)."""
        ...

    def decompress(self, data: bytes | memoryview, size: int) -> bytes:
        """``data`` inflated to exactly ``size`` bytes (never more is produced); a
        ProtocolError when it is not valid or does not inflate to exactly ``size``."""
        ...


class ZlibCodec:
    """Deflate as zlib streams (CLIENT_COMPRESS); level 6, the MySQL client's default."""

    name = "zlib"

    def __init__(self, level: int = 6) -> None:
        self.level = level

    def compress(self, data: bytes | memoryview) -> bytes:
        """``data`` as one zlib stream.

        Under 16 KiB with a window no bigger than the data and a hash table to match:
        the same output size, without setting up (and clearing) zlib's 256 KiB default
        state, which costs more than compressing a statement of a few hundred bytes.
        """
        n = len(data)
        if n >= _SMALL:
            return zlib.compress(data, self.level)
        wbits = max(9, (n - 1).bit_length())
        deflater = zlib.compressobj(self.level, zlib.DEFLATED, wbits, max(1, wbits - 7))
        return deflater.compress(data) + deflater.flush()

    def decompress(self, data: bytes | memoryview, size: int) -> bytes:
        """Inflate at most ``size`` bytes; anything else than exactly that is refused."""
        inflater = zlib.decompressobj()
        try:
            out = inflater.decompress(data, size)
            if len(out) == size and not inflater.eof:
                # Output full: the stream's end (no more data) may still be unread.
                if inflater.decompress(inflater.unconsumed_tail, 1):
                    raise ProtocolError(
                        f"a compressed packet inflates past its declared {size} bytes"
                    )
        except zlib.error as exc:
            raise ProtocolError(f"a compressed packet is not valid zlib data ({exc})") from None
        if inflater.unconsumed_tail:
            raise ProtocolError(f"a compressed packet inflates past its declared {size} bytes")
        if len(out) != size or not inflater.eof:
            raise ProtocolError(
                f"a compressed packet declares {size} bytes but carries "
                f"{len(out)}{'' if inflater.eof else ' and a truncated zlib stream'}"
            )
        if inflater.unused_data:
            raise ProtocolError("a compressed packet has bytes after its zlib stream")
        return out


def _put(out: list[bytes | memoryview], length: int, seq: int, size: int) -> None:
    out.append(
        bytes(
            (
                length & 0xFF,
                (length >> 8) & 0xFF,
                length >> 16,
                seq,
                size & 0xFF,
                (size >> 8) & 0xFF,
                size >> 16,
            )
        )
    )


class CompressedFraming(ReceiveBuffer):
    """One connection's compressed framing: ``pack`` what the core sends, feed what the
    socket received (``get_buffer``/``buffer_updated`` or ``receive_data``) and
    ``unpack`` the stream bytes it carried, in order.

    ``seq`` is the compressed sequence id, shared by both directions; ``inner_seq`` the
    ordinary packet sequence id the next packet received gets.
    """

    def __init__(self, codec: Codec, max_packet: int, threshold: int = MIN_COMPRESS_LENGTH) -> None:
        ReceiveBuffer.__init__(self)
        self._need = HEADER
        self.codec = codec
        self.limit = inflate_limit(max_packet)
        self.threshold = threshold
        self.seq = 0
        self.inner_seq = 0
        # renumber_packets()'s walk over the received stream: (skip, index, length).
        self._walk = (0, 0, 0)
        self._compress: Callable[[bytes | memoryview], bytes] = codec.compress

    def pack(self, data: bytes) -> bytes:
        """Compressed packets carrying ``data``: whole ordinary packets the core framed.

        Data that starts with sequence id 0 starts a command: the compressed sequence
        id starts again at 0 too.
        """
        if len(data) > 3 and data[3] == 0:
            self.seq = 0
        self.inner_seq = _after_last_packet(data)
        seq = self.seq
        out: list[bytes | memoryview] = []
        view = memoryview(data)
        pos, total = 0, len(data)
        while True:
            chunk = view[pos : pos + MAX_FRAME]
            n = len(chunk)
            packed = self._compress(chunk) if n >= self.threshold else None
            if packed is None or len(packed) >= n:
                _put(out, n, seq, 0)
                out.append(chunk)
            else:
                _put(out, len(packed), seq, n)
                out.append(packed)
            seq = (seq + 1) & 0xFF
            pos += n
            if pos >= total:
                break
        self.seq = seq
        return b"".join(out)

    def unpack(self) -> list[bytearray]:
        """The stream bytes of every complete compressed packet buffered, in order, their
        packets renumbered (an empty list until one is complete); ProtocolError on a
        malformed one."""
        buf, pos, end = self._buf, self._pos, self._end
        out: list[bytearray] = []
        seq = self.seq
        try:
            while end - pos >= HEADER:
                length = buf[pos] | buf[pos + 1] << 8 | buf[pos + 2] << 16
                if buf[pos + 3] != seq:
                    raise ProtocolError(
                        f"compressed packet sequence id {buf[pos + 3]}, expected {seq}"
                    )
                size = buf[pos + 4] | buf[pos + 5] << 8 | buf[pos + 6] << 16
                if end - pos - HEADER < length:
                    self._need = HEADER + length
                    break
                start = pos + HEADER
                if size == 0:
                    data = buf[start : start + length]
                else:
                    if size > self.limit:
                        raise ProtocolError(
                            f"a compressed packet declares {size} bytes, over the limit of "
                            f"{self.limit} (max_allowed_packet)"
                        )
                    with memoryview(buf) as view:
                        data = bytearray(self.codec.decompress(view[start : start + length], size))
                skip, index, inner_length = self._walk
                skip, index, inner_length, self.inner_seq = _impl.renumber_packets(
                    data, skip, index, inner_length, self.inner_seq
                )
                self._walk = (skip, index, inner_length)
                out.append(data)
                pos = start + length
                seq = (seq + 1) & 0xFF
            else:
                self._need = HEADER
        finally:
            self._pos = pos
            self.seq = seq
        return out


def _after_last_packet(data: bytes) -> int:
    """The sequence id after that of the last packet in ``data`` (whole packets)."""
    pos, end, seq = 0, len(data), -1
    while end - pos >= 4:
        seq = data[pos + 3]
        pos += 4 + (data[pos] | data[pos + 1] << 8 | data[pos + 2] << 16)
    return (seq + 1) & 0xFF
