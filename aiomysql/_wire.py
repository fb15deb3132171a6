"""The asyncio edge: an asyncio.Protocol that feeds received bytes to the sans-IO core."""

from __future__ import annotations

import asyncio

from .constants import CR
from .errors import OperationalError
from .protocol.core import ClientCore

#: Stop reading from the socket while this many bytes wait unconsumed and nobody asks.
HIGH_WATER = 1 << 20


class Wire(asyncio.Protocol):
    """Buffers nothing itself: bytes go straight into the core; readers wait for enough."""

    def __init__(self, core: ClientCore, loop: asyncio.AbstractEventLoop) -> None:
        self.core = core
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.lost: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._drain_waiter: asyncio.Future[None] | None = None
        self._reading_paused = False
        self._writing_paused = False
        self._closed = loop.create_future()

    # asyncio.Protocol callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        core = self.core
        core.receive_data(data)
        waiter = self._waiter
        if waiter is not None:
            if core.has_enough_data():
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
        self.lost = exc or ConnectionResetError("the server closed the connection")
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
        waiter, self._drain_waiter = self._drain_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # used by Connection

    def _lost_error(self) -> OperationalError:
        error = OperationalError(
            CR.CR_SERVER_LOST, f"Lost connection to MySQL server during query ({self.lost})"
        )
        error.__cause__ = self.lost
        return error

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
        try:
            await waiter
        finally:
            self._waiter = None

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
        await waiter

    async def wait_closed(self) -> None:
        """Wait until the transport has closed."""
        await asyncio.shield(self._closed)
