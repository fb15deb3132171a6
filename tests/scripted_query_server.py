"""A tiny scripted MySQL server answering COM_QUERY, for what MariaDB cannot do in a test.

It speaks the documented protocol just far enough: a HandshakeV10 greeting, an OK to
any login, then every COM_QUERY is handed to the test's ``on_query`` coroutine, which
answers with payloads built by ``mysql_packets``. Everything the client sent after the
login is recorded, so a test can assert what left the client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from types import TracebackType

import mysql_packets as sp

from aiomysql.protocol.packets import frame

COM_QUIT = 0x01
COM_QUERY = 0x03


class Session:
    """One client connection to the fake server."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        #: (sequence id, payload) of every packet the client sent after logging in.
        self.received: list[tuple[int, bytes]] = []
        self.seq = 0
        self._logged_in = False

    async def read_packet(self) -> bytes:
        """The client's next packet payload (frames are never split in these tests)."""
        header = await self.reader.readexactly(4)
        length = int.from_bytes(header[:3], "little")
        payload = await self.reader.readexactly(length)
        if self._logged_in:
            self.received.append((header[3], payload))
        self.seq = (header[3] + 1) & 0xFF
        return payload

    async def send(self, *payloads: bytes) -> None:
        """Send payloads as consecutive packets, continuing the sequence ids."""
        out = []
        for payload in payloads:
            data, self.seq = frame(payload, self.seq)
            out.append(data)
        self.writer.write(b"".join(out))
        await self.writer.drain()

    async def login(self) -> None:
        await self.send(sp.greeting())
        await self.read_packet()  # HandshakeResponse41: any user and password will do
        await self.send(sp.ok())
        self._logged_in = True


QueryHandler = Callable[[Session, bytes], Awaitable[None]]


class FakeServer:
    """``async with FakeServer(on_query) as srv``: listens on srv.host:srv.port."""

    host = "127.0.0.1"

    def __init__(self, on_query: QueryHandler) -> None:
        self.on_query = on_query
        self.sessions: list[Session] = []
        self.errors: list[BaseException] = []
        self.port = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> FakeServer:
        self._server = await asyncio.start_server(self._serve, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        for session in self.sessions:
            session.writer.close()
        await self._server.wait_closed()
        if exc is None and self.errors:
            raise self.errors[0]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = Session(reader, writer)
        self.sessions.append(session)
        try:
            await session.login()
            while True:
                payload = await session.read_packet()
                if payload[:1] == bytes((COM_QUIT,)):
                    break
                if payload[:1] != bytes((COM_QUERY,)):
                    await session.send(sp.err(1047, "Unknown command"))
                    continue
                await self.on_query(session, payload[1:])
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        except Exception as exc:  # reported by __aexit__
            self.errors.append(exc)
        finally:
            writer.close()
