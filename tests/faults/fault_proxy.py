"""A fault-injecting TCP proxy on loopback: delay, cut, stall or corrupt a byte stream."""

from __future__ import annotations

import asyncio
import enum
import random
from dataclasses import dataclass, field
from typing import Any

CHUNK = 1 << 16


class Direction(enum.Enum):
    """Which way the bytes a fault acts on are flowing."""

    TO_SERVER = "client->server"
    TO_CLIENT = "server->client"


class Action(enum.Enum):
    """What a fault does once its point is reached."""

    CUT = "cut"  # abort both sockets (the peers see a reset / EOF)
    STALL = "stall"  # stop forwarding this direction for good; sockets stay open
    CORRUPT = "corrupt"  # XOR one byte with ``mask``, then go on forwarding
    DELAY = "delay"  # hold the rest of the stream back for ``seconds``, then go on


@dataclass
class Fault:
    """One fault on one link: ``action`` after ``after`` bytes flowing in ``direction``.

    Without ``when_client_sent`` the byte count starts when the fault is injected.
    With it, the fault waits until the client has sent those bytes (e.g. ``b"COMMIT"``);
    counting then starts at the first byte of the client chunk that completed the
    pattern (so ``TO_SERVER, after=0`` withholds that very chunk from the server), or
    at the next byte from the server for ``TO_CLIENT``.

    ``when_client_sends=n`` does the same on a byte count instead of a pattern, for
    streams the proxy cannot read (TLS): the fault waits until the client has sent
    ``n`` more bytes after injection (``1``: the client's next chunk, e.g. the
    encrypted COMMIT).
    """

    action: Action
    direction: Direction = Direction.TO_CLIENT
    after: int = 0
    when_client_sent: bytes | None = None
    when_client_sends: int | None = None
    seconds: float = 0.0
    mask: int = 0xFF
    fired: bool = False
    seen: int = field(default=0, repr=False)
    armed: bool = field(default=False, repr=False)
    client_bytes: int = field(default=0, repr=False)


class Link:
    """One proxied client connection and its upstream connection to the server."""

    def __init__(
        self,
        proxy: FaultProxy,
        client: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        server: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    ) -> None:
        self.proxy = proxy
        self._client = client
        self._server = server
        self.faults: list[Fault] = []
        self.sent = {Direction.TO_SERVER: 0, Direction.TO_CLIENT: 0}
        self.closed = asyncio.Event()
        #: Set to a bytearray to record every byte forwarded to the client from then on.
        self.recording: bytearray | None = None
        self._tail = b""
        self._tasks = [
            asyncio.create_task(self._pump(client[0], server[1], Direction.TO_SERVER)),
            asyncio.create_task(self._pump(server[0], client[1], Direction.TO_CLIENT)),
        ]

    def inject(self, fault: Fault) -> Fault:
        """Add ``fault`` to this link; it acts on bytes forwarded from now on."""
        fault.armed = fault.when_client_sent is None and fault.when_client_sends is None
        self.faults.append(fault)
        return fault

    def cut(self) -> None:
        """Abort both sockets at once, as a network failure would."""
        for _, writer in (self._client, self._server):
            writer.transport.abort()
        self._finish()

    def _finish(self) -> None:
        if not self.closed.is_set():
            self.closed.set()
            self.proxy._forget(self)
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()

    async def wait_closed(self) -> None:
        """Wait until both pumps have stopped."""
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _active(self, direction: Direction) -> Fault | None:
        for fault in self.faults:
            if fault.armed and not fault.fired and fault.direction is direction:
                return fault
        return None

    def _arm_on_patterns(self, data: bytes) -> None:
        for fault in self.faults:
            if not fault.armed and fault.when_client_sends is not None:
                fault.client_bytes += len(data)
                if fault.client_bytes >= fault.when_client_sends:
                    fault.armed = True
                    fault.seen = 0
        pending = [f for f in self.faults if not f.armed and f.when_client_sent]
        if not pending:
            return
        window = self._tail + data
        for fault in pending:
            assert fault.when_client_sent is not None
            if fault.when_client_sent in window:
                fault.armed = True
                fault.seen = 0
        longest = max(len(f.when_client_sent or b"") for f in pending)
        self._tail = window[-longest:]

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, direction: Direction
    ) -> None:
        try:
            while data := await reader.read(CHUNK):
                if direction is Direction.TO_SERVER:
                    self._arm_on_patterns(data)
                if not await self._forward(data, direction, writer):
                    return
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            if not self.closed.is_set():
                # One side closed (or failed): close both, politely.
                for _, w in (self._client, self._server):
                    w.close()
                self._finish()

    async def _forward(
        self, data: bytes, direction: Direction, writer: asyncio.StreamWriter
    ) -> bool:
        """Forward ``data`` applying due faults; False once the link is cut."""
        pos = 0
        while pos < len(data):
            fault = self._active(direction)
            if fault is None:
                self._write(writer, data[pos:], direction)
                return True
            due = fault.after - fault.seen
            if due >= len(data) - pos:
                fault.seen += len(data) - pos
                self._write(writer, data[pos:], direction)
                return True
            if due > 0:
                self._write(writer, data[pos : pos + due], direction)
                fault.seen += due
                pos += due
            fault.fired = True
            self.proxy.faults_fired += 1
            if fault.action is Action.CUT:
                await writer.drain()
                self.cut()
                return False
            if fault.action is Action.STALL:
                await asyncio.Event().wait()  # until the link is cut or the proxy closed
            if fault.action is Action.CORRUPT:
                self._write(writer, bytes((data[pos] ^ fault.mask,)), direction)
                pos += 1
            elif fault.action is Action.DELAY:
                await writer.drain()
                await asyncio.sleep(fault.seconds)
        return True

    def _write(self, writer: asyncio.StreamWriter, data: bytes, direction: Direction) -> None:
        writer.write(data)
        self.sent[direction] += len(data)
        if self.recording is not None and direction is Direction.TO_CLIENT:
            self.recording += data


class FaultProxy:
    """Listens on 127.0.0.1 and forwards each connection to ``(host, port)``.

    ``target_unix`` forwards to that unix socket instead; ``listen_unix`` listens on
    that unix socket path instead of a loopback port (``unix_socket=proxy.unix_path``).
    Faults are injected per link (``link.inject``), or queued for the next link
    accepted (``arm_next``), which is how the handshake is reached.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        target_unix: str | None = None,
        listen_unix: str | None = None,
    ) -> None:
        self.target = (host, port)
        self.target_unix = target_unix
        self.unix_path = listen_unix
        self.host = "127.0.0.1"
        self.port = 0
        self.links: list[Link] = []
        self.accepted = 0
        self.faults_fired = 0
        self._next: list[Fault] = []
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[Any]] = set()
        self._all_links: list[Link] = []

    async def start(self) -> FaultProxy:
        """Start listening on a free loopback port (or on ``listen_unix``)."""
        if self.unix_path is not None:
            self._server = await asyncio.start_unix_server(self._accept, self.unix_path)
        else:
            self._server = await asyncio.start_server(self._accept, self.host, 0)
            self.port = self._server.sockets[0].getsockname()[1]
        return self

    def arm_next(self, *faults: Fault) -> None:
        """Inject ``faults`` into the next link the proxy accepts."""
        self._next.extend(faults)

    @property
    def last(self) -> Link:
        """The most recently accepted link that is still open."""
        return self.links[-1]

    def cut_all(self) -> None:
        """Cut every open link."""
        for link in list(self.links):
            link.cut()

    def cut_random(self, rng: random.Random) -> bool:
        """Cut one open link chosen by ``rng``; False when none is open."""
        if not self.links:
            return False
        rng.choice(self.links).cut()
        return True

    def _forget(self, link: Link) -> None:
        if link in self.links:
            self.links.remove(link)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            try:
                if self.target_unix is not None:
                    upstream = await asyncio.open_unix_connection(self.target_unix)
                else:
                    upstream = await asyncio.open_connection(*self.target)
            except OSError:
                writer.transport.abort()
                return
            self.accepted += 1
            link = Link(self, (reader, writer), upstream)
            for fault in self._next:
                link.inject(fault)
            self._next = []
            self.links.append(link)
            self._all_links.append(link)
        finally:
            self._handlers.discard(task)

    async def close(self) -> None:
        """Stop listening, cut every link and wait until everything has stopped."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        self.cut_all()
        for link in self._all_links:
            await link.wait_closed()
        self._all_links = []
        await asyncio.sleep(0)  # let aborted transports release their sockets

    async def __aenter__(self) -> FaultProxy:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def connect_kwargs(self, base: dict[str, Any]) -> dict[str, Any]:
        """``base`` (aiomysql.connect kwargs) pointed at the proxy instead of the server."""
        if self.unix_path is not None:
            return {**base, "unix_socket": self.unix_path}
        return {**base, "host": self.host, "port": self.port}


__all__ = ["Action", "Direction", "Fault", "FaultProxy", "Link"]
