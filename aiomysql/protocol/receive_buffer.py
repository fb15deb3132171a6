"""The receive buffer the transport reads into: no copy per read, big packets joined in place."""

from __future__ import annotations

#: Receive buffer: first read size; reads grow (doubling) to _RECV_MAX while each fills.
#: A buffer grown past _RECV_KEEP by a big packet is kept for the next one (a table of
#: BLOBs is fetched row after row) until _RECV_KEEP_READS reads in a row needed less.
_RECV_MIN = 1 << 14
_RECV_MAX = 1 << 18
_RECV_KEEP = 1 << 20
_RECV_KEEP_READS = 64


class ReceiveBuffer:
    """Received bytes: ``_buf[_pos:_end]`` is unread; the transport reads into ``_buf[_end:]``.

    The base of ClientCore, which parses straight out of ``_buf``; ``_need`` is how many
    unread bytes the core's next step needs.
    """

    def __init__(self) -> None:
        self._buf = bytearray(_RECV_MIN)
        self._pos = 0
        self._end = 0
        self._recv_size = _RECV_MIN
        self._small_reads = 0
        self._need = 4

    def get_buffer(self) -> memoryview:
        """Writable space at the end of the receive buffer, for the transport to read into
        (then call ``buffer_updated``): received bytes are copied nowhere else."""
        buf = self._buf
        unread = self._end - self._pos
        want = max(self._need - unread, self._recv_size)
        if want > _RECV_KEEP:
            self._small_reads = 0
        else:
            self._small_reads += 1
        if unread == 0:
            self._pos = self._end = 0
            if len(buf) > _RECV_KEEP and self._small_reads > _RECV_KEEP_READS:
                self.shrink()
                buf = self._buf
        if len(buf) - self._end < want:
            self._make_room(unread, want)
        end = self._end
        return memoryview(self._buf)[end : end + want]

    def shrink(self) -> None:
        """Give back a receive buffer a big packet grew, when nothing in it is unread
        (a connection going idle in a pool should not hold a BLOB's worth of memory)."""
        if self._end == self._pos and len(self._buf) > _RECV_KEEP:
            self._buf = bytearray(_RECV_MIN)
            self._pos = self._end = 0

    def _make_room(self, unread: int, want: int) -> None:
        """Move the unread bytes to the front, into a bigger buffer if need be."""
        buf, pos = self._buf, self._pos
        if unread + want > len(buf):
            # A new object: the transport may still hold a view of the old one.
            new = bytearray(max(unread + want, len(buf) + len(buf) // 2))
            new[:unread] = memoryview(buf)[pos : pos + unread]
            self._buf = new
        elif unread:
            buf[:unread] = buf[pos : pos + unread]  # via a copy: the ranges may overlap
        self._pos, self._end = 0, unread

    def buffer_updated(self, nbytes: int) -> bool:
        """``nbytes`` were written at the start of the last ``get_buffer`` view; returns
        has_enough_data() (the transport asks on every read)."""
        end = self._end = self._end + nbytes
        if nbytes >= self._recv_size and self._recv_size < _RECV_MAX:
            self._recv_size *= 2  # a stream that fills every read: read more at a time
        return end - self._pos >= self._need

    def receive_data(self, data: bytes) -> None:
        """Buffer bytes received from the server (a copy; transports use get_buffer)."""
        view = memoryview(data)
        while view:
            space = self.get_buffer()
            n = min(len(space), len(view))
            space[:n] = view[:n]
            self.buffer_updated(n)
            view = view[n:]

    def buffered(self) -> int:
        """Bytes received and not yet consumed."""
        return self._end - self._pos

    def has_enough_data(self) -> bool:
        """True when enough bytes are buffered for next_event() to make progress."""
        return self._end - self._pos >= self._need
