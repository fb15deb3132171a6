"""A scripted fake MySQL server for what MariaDB cannot show (MySQL-only auth plugins,
misbehaving peers). It follows the documented packet layouts, written independently of
the client: packets are framed and parsed here by hand, not with aiomysql's code.

Documents followed: MySQL Source Code Documentation, "Connection Phase" (Protocol::
HandshakeV10, Protocol::SSLRequest, Protocol::HandshakeResponse41, AuthSwitchRequest,
AuthMoreData) and "Caching_sha2_password information" / "sha256_password"
(page_caching_sha2_authentication_exchanges); MariaDB's "Connection" page for parsec;
"Compression" (page_protocol_basic_compression, MySQL 8.0.18+ zstd) and "COM_QUERY" with
query attributes (page_protocol_com_query) for ``start_compression`` and
``parse_com_query``.

Compressed packets, as this server reads and writes them after ``start_compression``::

    int<3> length of the payload after this 7-byte header
    int<1> compressed sequence id (reset with each command, counts both ways)
    int<3> length before compression, 0 when the payload is sent uncompressed
    payload a zlib stream or a zstd frame of that many bytes inflated, or raw

The payload is a slice of the ordinary packet stream. Like MySQL and MariaDB, this server
gathers the packets it sends in a buffer, flushes it as one compressed packet when it
holds ``FLUSH_AT`` bytes or more and before it reads, and after each flush sets its
ordinary sequence id to the compressed one (so ids inside jump: the client must accept).
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
import ssl
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import mysql_packets as sp

CLIENT_SSL = 1 << 11
CLIENT_CONNECT_WITH_DB = 1 << 3
CLIENT_PLUGIN_AUTH = 1 << 19
CLIENT_CONNECT_ATTRS = 1 << 20
CLIENT_PLUGIN_AUTH_LENENC = 1 << 21
CLIENT_COMPRESS = 1 << 5
CLIENT_ZSTD_COMPRESSION_ALGORITHM = 1 << 26
CLIENT_QUERY_ATTRIBUTES = 1 << 27

FLUSH_AT = 16384  # MySQL's default net_buffer_length
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
    zstd_level: int | None = None


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
    zstd_level = None
    if caps & CLIENT_ZSTD_COMPRESSION_ALGORITHM:  # int<1> zstd_compression_level
        zstd_level = payload[pos]
        pos += 1
    if pos != len(payload):
        raise AssertionError(f"{len(payload) - pos} bytes left after HandshakeResponse41")
    return HandshakeResponse(caps, user, auth, database, plugin, attrs, zstd_level)


def zstd_module() -> Any:
    """compression.zstd (Python 3.14+) or zstandard, for a zstd-compressing server."""
    try:
        from compression import zstd  # type: ignore[import-not-found]

        return zstd
    except ImportError:
        import zstandard

        return zstandard


class Compressor:
    """Compress/inflate one compressed packet's payload with zlib or zstd."""

    def __init__(self, algorithm: str, level: int) -> None:
        self.algorithm = algorithm
        self.level = level

    def compress(self, data: bytes) -> bytes:
        if self.algorithm == "zlib":
            return zlib.compress(data)
        zstd = zstd_module()
        if hasattr(zstd, "ZstdCompressor") and hasattr(zstd, "frame_content_size"):
            return bytes(zstd.ZstdCompressor(level=self.level).compress(data))
        return bytes(zstd.compress(data, level=self.level))

    def inflate(self, data: bytes, size: int) -> bytes:
        if self.algorithm == "zlib":
            out = zlib.decompress(data)
        else:
            zstd = zstd_module()
            if hasattr(zstd, "frame_content_size"):
                out = zstd.ZstdDecompressor().decompress(data, max_output_size=size)
            else:
                out = zstd.decompress(data)
        assert len(out) == size, f"inflated {len(out)} bytes, header said {size}"
        return bytes(out)


class FakeConnection:
    """One accepted client on a blocking socket (in its own thread): framed packets in
    and out, sequence ids checked. Blocking reads take exactly the bytes asked for, so
    nothing the client sends after an SSLRequest is read before the TLS upgrade."""

    def __init__(self, sock: socket.socket, server_tls: ssl.SSLContext | None) -> None:
        self.sock = sock
        self.server_tls = server_tls
        self.seq = 0
        self.tls = False
        #: Set by start_compression(): the algorithm, the compressed sequence id, the
        #: bytes inflated but not read yet, and every (header, payload) received.
        self.compressor: Compressor | None = None
        self.cseq = 0
        self._inflated = b""
        self._unflushed = b""
        self.compressed_in: list[tuple[bytes, bytes]] = []

    def send(self, payload: bytes) -> None:
        """One packet (payloads here are all under 16 MiB)."""
        header = len(payload).to_bytes(3, "little") + bytes((self.seq,))
        self.seq = (self.seq + 1) & 0xFF
        if self.compressor is None:
            self.sock.sendall(header + payload)
            return
        self._unflushed += header + payload
        if len(self._unflushed) >= FLUSH_AT:
            self.flush()

    def flush(self) -> None:
        """Send the buffered packets as one compressed packet (compressed mode)."""
        if self._unflushed:
            data, self._unflushed = self._unflushed, b""
            self.send_compressed(data)
            self.seq = self.cseq  # what a MySQL server does after each flush

    def start_compression(self, algorithm: str, level: int = 3) -> None:
        """Everything from now on travels in compressed packets (after the login's OK)."""
        self.compressor = Compressor(algorithm, level)

    def new_command(self) -> None:
        """A command starts: both sequence ids start again at 0 (after the last reply went)."""
        if self.compressor is not None:
            self.flush()
        self.seq = self.cseq = 0

    def send_compressed(self, data: bytes, compress: bool | None = None) -> None:
        """``data`` (stream bytes) as one compressed packet; compressed when it is 50
        bytes or more (or as ``compress`` says)."""
        assert self.compressor is not None
        if compress is None:
            compress = len(data) >= 50
        body, size = (self.compressor.compress(data), len(data)) if compress else (data, 0)
        header = len(body).to_bytes(3, "little") + bytes((self.cseq,)) + size.to_bytes(3, "little")
        self.cseq = (self.cseq + 1) & 0xFF
        self.sock.sendall(header + body)

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

    def _stream(self, n: int) -> bytes:
        """``n`` bytes of the ordinary packet stream (inflated when compressed)."""
        if self.compressor is None:
            return self._exactly(n)
        self.flush()
        while len(self._inflated) < n:
            head = self._exactly(7)
            if head[3] != self.cseq:
                raise AssertionError(f"compressed sequence id {head[3]}, expected {self.cseq}")
            self.cseq = (self.cseq + 1) & 0xFF
            body = self._exactly(int.from_bytes(head[:3], "little"))
            self.compressed_in.append((head, body))
            size = int.from_bytes(head[4:7], "little")
            self._inflated += self.compressor.inflate(body, size) if size else body
        data, self._inflated = self._inflated[:n], self._inflated[n:]
        return data

    def recv(self) -> bytes:
        """One packet; its sequence id must be the expected one."""
        header = self._stream(4)
        if header[3] != self.seq:
            raise AssertionError(f"client sent sequence id {header[3]}, expected {self.seq}")
        self.seq = (self.seq + 1) & 0xFF
        return self._stream(int.from_bytes(header[:3], "little"))

    def wait_closed(self) -> bool:
        """Wait for the client to hang up; True if it did without sending anything."""
        if self.compressor is not None:
            self.flush()
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
            self.new_command()
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
            if conn.compressor is not None:
                conn.flush()
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


@dataclass
class QueryAttribute:
    """One query attribute as a server reads it: type, flags, name, raw binary value."""

    type_code: int
    flags: int
    name: str
    value: bytes | None


# Fixed widths of binary-protocol values; strings and decimals are length-encoded, and
# DATE/DATETIME/TIME start with their own length byte.
_FIXED = {0x01: 1, 0x02: 2, 0x03: 4, 0x04: 4, 0x05: 8, 0x08: 8, 0x09: 3}
_LENGTH_PREFIXED = {0x0A, 0x0B, 0x0C}


def parse_com_query(payload: bytes, query_attributes: bool) -> tuple[list[QueryAttribute], bytes]:
    """(attributes, statement) of a COM_QUERY, in the documented order: with
    CLIENT_QUERY_ATTRIBUTES, int<lenenc> parameter_count, int<lenenc> parameter_set_count
    (1), then if count > 0 the NULL bitmap ((count + 7) // 8 bytes), new_params_bind_flag
    (1), per parameter int<2> type-and-flags and string<lenenc> name, then the non-NULL
    values; the statement is the rest."""
    assert payload[0] == 0x03, payload[:1]
    if not query_attributes:
        return [], payload[1:]
    count, pos = read_lenenc(payload, 1)
    sets, pos = read_lenenc(payload, pos)
    assert sets == 1, f"parameter_set_count {sets}"
    if not count:
        return [], payload[pos:]
    bitmap = payload[pos : pos + (count + 7) // 8]
    pos += len(bitmap)
    assert payload[pos] == 1, "new_params_bind_flag must be 1"
    pos += 1
    heads = []
    for _ in range(count):
        type_code, flags = payload[pos], payload[pos + 1]
        n, pos = read_lenenc(payload, pos + 2)
        heads.append((type_code, flags, payload[pos : pos + n].decode()))
        pos += n
    attributes = []
    for i, (type_code, flags, name) in enumerate(heads):
        value = None
        if not bitmap[i // 8] & (1 << (i % 8)):
            if type_code in _FIXED:
                size = _FIXED[type_code]
            elif type_code in _LENGTH_PREFIXED:
                size = 1 + payload[pos]
            else:
                n, start = read_lenenc(payload, pos)
                size = start - pos + n
            value = payload[pos : pos + size]
            pos += size
        attributes.append(QueryAttribute(type_code, flags, name, value))
    return attributes, payload[pos:]
