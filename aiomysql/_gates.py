"""Gates: loopback TCP forwarders in front of a test cluster's nodes, run on a thread.

Clients connect to a gate, never to the node itself, so a test can sever a node's
connections (a partition), refuse new ones, or point the address at another node (a
failover behind a stable address), whatever event loop the test itself runs.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
CHUNK = 1 << 16


class GateLoop:
    """One event loop on a daemon thread, hosting every gate of a cluster."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="gates", daemon=True)
        self._thread.start()

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the gates' loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def close(self) -> None:
        """Stop the loop and its thread."""
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


class Gate:
    """A forwarder from ``port`` (on 127.0.0.1) to ``target_port``."""

    def __init__(self, loop: GateLoop, target_port: int) -> None:
        self._loop = loop
        self.target_port = target_port
        self.port = 0
        self.severed = False
        #: Connections accepted through this gate (for tests).
        self.accepted = 0
        self._links: set[asyncio.StreamWriter] = set()
        self._server: asyncio.AbstractServer | None = None
        loop.call(self._start())

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.severed:
            writer.transport.abort()
            return
        self.accepted += 1
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self._links.update((writer, up_writer))
        await asyncio.gather(
            self._pump(reader, up_writer, writer), self._pump(up_reader, writer, up_writer)
        )

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        other: asyncio.StreamWriter,
    ) -> None:
        try:
            while data := await reader.read(CHUNK):
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            for w in (writer, other):
                self._links.discard(w)
                w.transport.abort()

    async def _cut(self) -> None:
        for writer in list(self._links):
            writer.transport.abort()
        self._links.clear()

    def sever(self) -> None:
        """Cut every connection through the gate and refuse new ones (a partition)."""
        self.severed = True
        self._loop.call(self._cut())

    def heal(self) -> None:
        """Let connections through again."""
        self.severed = False

    def point_to(self, target_port: int) -> None:
        """Forward new connections to ``target_port``; the current ones are cut."""
        self.target_port = target_port
        self._loop.call(self._cut())

    def close(self) -> None:
        """Stop listening and cut every connection."""

        async def close() -> None:
            if self._server is not None:
                self._server.close()
            await self._cut()

        if not self._loop.loop.is_closed():
            self._loop.call(close())
