"""A scripted fake MySQL server for what MariaDB cannot show (MySQL-only auth plugins,
misbehaving peers). It follows the documented packet layouts, written independently of
the client: packets are framed and parsed here by hand, not with aiomysql's code.

Documents followed: MySQL Source Code Documentation, "Connection Phase" (Protocol::
HandshakeV10, Protocol::SSLRequest, Protocol::HandshakeResponse41, AuthSwitchRequest,
AuthMoreData) and "Caching_sha2_password information" / "sha256_password"
(page_caching_sha2_authentication_exchanges); MariaDB's "Connection" page for parsec.
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import mysql_packets as sp

CLIENT_SSL = 1 << 11
CLIENT_CONNECT_WITH_DB = 1 << 3
CLIENT_PLUGIN_AUTH = 1 << 19
CLIENT_CONNECT_ATTRS = 1 << 20
CLIENT_PLUGIN_AUTH_LENENC = 1 << 21

NONCE = bytes(range(0x41, 0x41 + 20))  # 20 printable bytes, as MySQL's nonces are


def read_lenenc(data: bytes, pos: int) -> tuple[int, int]:
    """A length-encoded integer at ``pos``: (value, position after it)."""
    first = data[pos]
    if first < 0xFB:
        return first, pos + 1
    size = {0xFC: 2, 0xFD: 3, 0xFE: 8}[first]
    return int.from_bytes(data[pos + 1 : pos + 1 + size], "little"), pos + 1 + size


@dataclass
class HandshakeResponse:
    """Protocol::HandshakeResponse41 as the server reads it."""

    capabilities: int
    user: str
    auth_response: bytes
    database: str | None
    plugin: str
    attributes: dict[str, str] = field(default_factory=dict)


def parse_handshake_response(payload: bytes) -> HandshakeResponse:
    """Parse the fields in their documented order."""
    caps = int.from_bytes(payload[0:4], "little")
    pos = 32  # capabilities(4) max packet(4) charset(1) filler(23)
    end = payload.index(b"\0", pos)
    user = payload[pos:end].decode()
    pos = end + 1
    if caps & CLIENT_PLUGIN_AUTH_LENENC:
        n, pos = read_lenenc(payload, pos)
    else:
        n, pos = payload[pos], pos + 1
    auth = payload[pos : pos + n]
    pos += n
    database = None
    if caps & CLIENT_CONNECT_WITH_DB:
        end = payload.index(b"\0", pos)
        database, pos = payload[pos:end].decode(), end + 1
    plugin = ""
    if caps & CLIENT_PLUGIN_AUTH:
        end = payload.index(b"\0", pos)
        plugin, pos = payload[pos:end].decode(), end + 1
    attrs: dict[str, str] = {}
    if caps & CLIENT_CONNECT_ATTRS:
        total, pos = read_lenenc(payload, pos)
        stop = pos + total
        while pos < stop:
            klen, pos = read_lenenc(payload, pos)
            key = payload[pos : pos + klen].decode()
            pos += klen
            vlen, pos = read_lenenc(payload, pos)
            attrs[key] = payload[pos : pos + vlen].decode()
            pos += vlen
    return HandshakeResponse(caps, user, auth, database, plugin, attrs)


class FakeConnection:
    """One accepted client on a blocking socket (in its own thread): framed packets in
    and out, sequence ids checked. Blocking reads take exactly the bytes asked for, so
    nothing the client sends after an SSLRequest is read before the TLS upgrade."""

    def __init__(self, sock: socket.socket, server_tls: ssl.SSLContext | None) -> None:
        self.sock = sock
        self.server_tls = server_tls
        self.seq = 0
        self.tls = False

    def send(self, payload: bytes) -> None:
        """One packet (payloads here are all under 16 MiB)."""
        header = len(payload).to_bytes(3, "little") + bytes((self.seq,))
        self.sock.sendall(header + payload)
        self.seq = (self.seq + 1) & 0xFF

    def send_raw(self, data: bytes) -> None:
        """Bytes as they are, no framing (for peers that are not MySQL)."""
        self.sock.sendall(data)

    def _exactly(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise EOFError("the client closed the connection")
            data += chunk
        return data

    def recv(self) -> bytes:
        """One packet; its sequence id must be the expected one."""
        header = self._exactly(4)
        if header[3] != self.seq:
            raise AssertionError(f"client sent sequence id {header[3]}, expected {self.seq}")
        self.seq = (self.seq + 1) & 0xFF
        return self._exactly(int.from_bytes(header[:3], "little"))

    def wait_closed(self) -> bool:
        """Wait for the client to hang up; True if it did without sending anything."""
        try:
            return self.sock.recv(1) == b""
        except OSError:
            return True

    def greet(
        self, plugin: str, nonce: bytes = NONCE, caps: int = sp.SERVER_CAPS
    ) -> HandshakeResponse:
        """Send HandshakeV10; read the answer, upgrading to TLS after an SSLRequest."""
        self.send(
            sp.greeting(version=b"8.0.36-fake", caps=caps, scramble=nonce, plugin=plugin.encode())
        )
        payload = self.recv()
        if len(payload) == 32 and int.from_bytes(payload[:4], "little") & CLIENT_SSL:
            assert self.server_tls is not None, "client sent SSLRequest to a non-TLS server"
            self.sock = self.server_tls.wrap_socket(self.sock, server_side=True)
            self.tls = True
            payload = self.recv()
        return parse_handshake_response(payload)

    def ok(self) -> None:
        """OK_Packet: authentication succeeded."""
        self.send(sp.ok())

    def deny(self, user: str = "u") -> None:
        """ERR_Packet 1045, as a real server denies access."""
        self.send(sp.err(1045, f"Access denied for user '{user}'@'localhost'", "28000"))

    def serve_queries(self) -> None:
        """After login: answer each command with OK; stop at COM_QUIT or when closed."""
        while True:
            self.seq = 0
            try:
                payload = self.recv()
            except (EOFError, OSError):
                return
            if payload[:1] == b"\x01":  # COM_QUIT
                return
            self.send(sp.ok())


Script = Callable[[FakeConnection], Any]


class FakeServer:
    """``async with FakeServer(script) as srv``: listens on 127.0.0.1:srv.port and runs
    ``script`` (a plain function) in a thread per connection; what it returns goes to
    ``results``; an exception in it (a failed check) is re-raised on exit."""

    def __init__(self, script: Script, tls: ssl.SSLContext | None = None) -> None:
        self.script = script
        self.tls = tls
        self.errors: list[BaseException] = []
        self.results: list[Any] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(30)
        conn = FakeConnection(sock, self.tls)
        try:
            self.results.append(self.script(conn))
        except BaseException as exc:  # reported by __aexit__
            self.errors.append(exc)
        finally:
            conn.sock.close()

    def _join(self) -> None:
        self._stop.set()
        self._acceptor.join(5)
        for thread in self._threads:
            thread.join(30)
        self._listener.close()

    async def __aenter__(self) -> FakeServer:
        self._acceptor.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        # Joined off the event loop: the client's close runs on the loop meanwhile.
        await asyncio.to_thread(self._join)
        if self.errors:
            raise self.errors[0]

    def kwargs(self, **extra: Any) -> dict[str, Any]:
        """connect() arguments for this server."""
        return {"host": "127.0.0.1", "port": self.port, "user": "u", **extra}


def sha256(data: bytes) -> bytes:
    """SHA-256 digest."""
    return hashlib.sha256(data).digest()
