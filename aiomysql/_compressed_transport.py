"""Protocol compression as a transport layer between the socket and the wire, like TLS.

Once a compressed connection has logged in, :func:`enable_compression` slips a
:class:`CompressedTransport` between the socket's transport and the :class:`Wire`: the
socket delivers compressed packets to it, it hands the stream bytes they carry to the wire
(into the core's buffer, as the socket did before), and what the wire writes goes out as
compressed packets. The wire, the channel and the core are unchanged and do no extra work
on an uncompressed connection; the framing itself is the sans-IO
:class:`~aiomysql.protocol.compression.CompressedFraming`.

A malformed compressed packet aborts the connection; the wire reports the framing's
ProtocolError as the reason it was lost.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from ._wire import Wire
from .protocol.compression import Codec, CompressedFraming
from .protocol.packets import ProtocolError


class CompressedTransport(asyncio.BufferedProtocol, asyncio.Transport):
    """The wire's transport on a compressed connection, and the protocol of the socket's.

    Its protocol half receives compressed packets from ``lower``; its transport half is
    what the wire writes to, pauses and closes.
    """

    def __init__(self, lower: asyncio.Transport, wire: Wire, framing: CompressedFraming) -> None:
        asyncio.Transport.__init__(self)
        self._lower = lower
        self._wire = wire
        self.framing = framing
        self._loop = wire.loop
        self._pending: deque[bytes | bytearray] = deque()
        self._paused = False
        self._delivery_scheduled = False
        self._error: ProtocolError | None = None
        #: Bytes on the socket (compressed) and in the packet stream (inflated), each way.
        self.wire_received = self.wire_sent = 0
        self.stream_received = self.stream_sent = 0

    # -- protocol half: called by the socket's transport ----------------------

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.framing.get_buffer()

    def buffer_updated(self, nbytes: int) -> None:
        self.wire_received += nbytes
        if self.framing.buffer_updated(nbytes):
            self._unpack()

    def _unpack(self) -> None:
        if self._error is not None:
            return
        try:
            chunks = self.framing.unpack()
        except ProtocolError as exc:
            self._error = exc
            self._lower.abort()  # connection_lost() then tells the wire why
            return
        self.stream_received += sum(map(len, chunks))
        self._pending.extend(chunks)
        self._deliver()

    def _deliver(self) -> None:
        """Copy the inflated stream bytes into the wire, as long as it is not paused."""
        self._delivery_scheduled = False
        wire, pending = self._wire, self._pending
        while pending and not self._paused:
            data = memoryview(pending.popleft())
            while data:
                space = wire.get_buffer(len(data))
                n = min(len(space), len(data))
                space[:n] = data[:n]
                data = data[n:]
                wire.buffer_updated(n)
                if self._paused and data:
                    pending.appendleft(bytes(data))
                    return

    def eof_received(self) -> bool | None:
        return self._wire.eof_received()

    def connection_lost(self, exc: BaseException | None) -> None:
        self._wire.connection_lost(self._error or exc)

    def pause_writing(self) -> None:
        self._wire.pause_writing()

    def resume_writing(self) -> None:
        self._wire.resume_writing()

    # -- transport half: called by the wire -----------------------------------

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Send ``data`` (whole packets framed by the core) as compressed packets."""
        packed = self.framing.pack(bytes(data))
        self.stream_sent += len(data)
        self.wire_sent += len(packed)
        self._lower.write(packed)

    def pause_reading(self) -> None:
        self._paused = True
        self._lower.pause_reading()

    def resume_reading(self) -> None:
        self._paused = False
        self._lower.resume_reading()
        if self._pending and not self._delivery_scheduled:
            # Not now: the wire resumes reading just before it waits for data.
            self._delivery_scheduled = True
            self._loop.call_soon(self._deliver)

    def is_reading(self) -> bool:
        return not self._paused and self._lower.is_reading()

    def close(self) -> None:
        self._lower.close()

    def abort(self) -> None:
        self._lower.abort()

    def is_closing(self) -> bool:
        return self._lower.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._lower.get_extra_info(name, default)

    def get_write_buffer_size(self) -> int:
        return self._lower.get_write_buffer_size()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._lower.set_write_buffer_limits(high, low)

    def can_write_eof(self) -> bool:
        return False


def enable_compression(wire: Wire, codec: Codec, max_packet: int) -> CompressedTransport:
    """From now on, compress everything ``wire`` sends and inflate what it receives.

    Call right after the login's OK, before any command: the server sends nothing
    unasked until then.
    """
    lower = wire.transport
    assert lower is not None
    layer = CompressedTransport(lower, wire, CompressedFraming(codec, max_packet))
    lower.set_protocol(layer)
    wire.transport = layer
    return layer
