"""The asyncio edge: a buffered protocol whose transport reads straight into the core."""

from __future__ import annotations

import asyncio
from typing import cast

from .protocol.core import ClientCore


class WireLost(ConnectionError):
    """The connection is gone (closed by the server, reset, timed out): ``cause`` says why.

    Raised by every wait on a lost wire; the channel turns it into a DB-API error.
    """

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


class WireTimeout(TimeoutError):
    """A read or a drain waited longer than its timeout; the connection was aborted."""

    def __init__(self, what: str, seconds: float | None) -> None:
        super().__init__(f"{what} timed out after {seconds} s")
        self.what = what
        self.seconds = seconds


#: Stop reading from the socket while this many bytes wait unconsumed and nobody asks.
HIGH_WATER = 1 << 20


class Wire(asyncio.BufferedProtocol):
    """Buffers nothing itself: the transport receives into the core's buffer (no
    per-read allocation or copy); readers wait until the core has enough."""

    def __init__(self, core: ClientCore, loop: asyncio.AbstractEventLoop) -> None:
        self.core = core
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.lost: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._drain_waiter: asyncio.Future[None] | None = None
        self._reading_paused = False
        self._writing_paused = False
        self._write_timer: asyncio.TimerHandle | None = None
        self._closed = loop.create_future()
        #: Seconds a read or a drain may wait before the connection is given up (None: ever).
        self.read_timeout: float | None = None
        self.write_timeout: float | None = None

    # asyncio.Protocol callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Not an isinstance check: uvloop's transports do not derive from asyncio's.
        self.transport = cast(asyncio.Transport, transport)

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.core.get_buffer()

    def buffer_updated(self, nbytes: int) -> None:
        core = self.core
        enough = core.buffer_updated(nbytes)
        waiter = self._waiter
        if waiter is not None:
            if enough:
                self._waiter = None
                if not waiter.done():
                    waiter.set_result(None)
        elif core.buffered() > HIGH_WATER and not self._reading_paused:
            assert self.transport is not None
            self.transport.pause_reading()
            self._reading_paused = True

    def eof_received(self) -> bool | None:
        return None  # let the transport close; connection_lost reports it

    def connection_lost(self, exc: BaseException | None) -> None:
        self.lost = self.lost or exc or ConnectionResetError("the server closed the connection")
        for waiter in (self._waiter, self._drain_waiter):
            if waiter is not None and not waiter.done():
                waiter.set_exception(self._lost_error())
        self._waiter = self._drain_waiter = None
        if not self._closed.done():
            self._closed.set_result(None)

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        if self._write_timer is not None:  # the request went out: no longer a write wait
            self._write_timer.cancel()
            self._write_timer = None
        waiter, self._drain_waiter = self._drain_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # used by the channel and the login

    def _lost_error(self) -> WireLost:
        return WireLost(self.lost or ConnectionResetError("not connected"))

    async def wait_data(self) -> None:
        """Wait until the core has enough bytes to make progress."""
        if self.lost is not None:
            raise self._lost_error()
        if self._reading_paused:
            assert self.transport is not None
            self._reading_paused = False
            self.transport.resume_reading()
        waiter = self.loop.create_future()
        self._waiter = waiter
        timer = None
        if self.read_timeout is not None:
            timer = self.loop.call_later(self.read_timeout, self._time_out, waiter, "read")
        if self._writing_paused and self.write_timeout is not None:
            # The request is not all sent yet (the peer is not reading it): until it is,
            # waiting for the reply is waiting for the write.
            self._write_timer = self.loop.call_later(
                self.write_timeout, self._time_out, waiter, "write"
            )
        try:
            await waiter
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()
            if self._write_timer is not None:
                self._write_timer.cancel()
                self._write_timer = None

    def data_waiter(self) -> asyncio.Future[None] | None:
        """wait_data() without a coroutine of its own, for the per-statement path: a
        future that ``buffer_updated`` resolves once the core has enough bytes.

        None when the wait needs wait_data() (a lost wire, paused reading, a read
        timeout, or a request not all sent yet).
        """
        if (
            self.lost is not None
            or self._reading_paused
            or self._writing_paused
            or self.read_timeout is not None
        ):
            return None
        waiter = self._waiter = self.loop.create_future()
        return waiter

    def _time_out(self, waiter: asyncio.Future[None], what: str) -> None:
        """A read or write took too long: the protocol state is unknown, so close."""
        if waiter.done():
            return
        error = WireTimeout(what, self.read_timeout if what == "read" else self.write_timeout)
        self.lost = error
        self.core.abort()
        if self.transport is not None:
            self.transport.abort()
        waiter.set_exception(error)

    def write(self, data: bytes) -> None:
        """Queue bytes for the server."""
        if self.lost is not None or self.transport is None:
            raise self._lost_error()
        self.transport.write(data)

    async def drain(self) -> None:
        """Wait until the transport's write buffer is below its high-water mark."""
        if self.lost is not None:
            raise self._lost_error()
        if not self._writing_paused:
            return
        waiter = self.loop.create_future()
        self._drain_waiter = waiter
        timer = None
        if self.write_timeout is not None:
            timer = self.loop.call_later(self.write_timeout, self._time_out, waiter, "write")
        try:
            await waiter
        finally:
            if timer is not None:
                timer.cancel()

    async def wait_closed(self) -> None:
        """Wait until the transport has closed."""
        await asyncio.shield(self._closed)
