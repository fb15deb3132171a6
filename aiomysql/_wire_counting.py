"""A Wire that counts the bytes it moves: used only when statement hooks are set, so a
connection without hooks pays nothing for the counts the hooks report."""

from __future__ import annotations

import asyncio

from ._wire import Wire
from .protocol.core import ClientCore


class CountingWire(Wire):
    """``Wire`` plus running totals of protocol bytes sent and received (before TLS)."""

    def __init__(self, core: ClientCore, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(core, loop)
        self.sent = 0
        self.received = 0

    def buffer_updated(self, nbytes: int) -> None:
        self.received += nbytes
        Wire.buffer_updated(self, nbytes)

    def write(self, data: bytes) -> None:
        """Queue bytes for the server, counting them."""
        Wire.write(self, data)
        self.sent += len(data)
