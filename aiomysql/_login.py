"""Opening a connection: socket or unix socket, TLS upgrade, capabilities and login.

Host lists and failover belong here: this module turns options into a logged-in
(core, wire) pair, or one clear DB-API error naming where it failed and why.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys

from ._compressed_transport import enable_compression
from ._io_errors import CONNECTING, TLS_HANDSHAKE, map_io_errors
from ._options import ConnectOptions
from ._version import __version__
from ._wire import Wire
from ._wire_counting import CountingWire
from .constants import CLIENT, CR
from .decode_plan import plan_builder
from .errors import OperationalError
from .protocol import events as ev
from .protocol.auth import AuthContext
from .protocol.compression_codecs import FLAGS, choose, make_codec
from .protocol.core import ClientCore
from .protocol.handshake import Greeting
from .protocol.packets import ProtocolError

DEFAULT_CAPABILITIES = (
    CLIENT.LONG_PASSWORD
    | CLIENT.LONG_FLAG
    | CLIENT.PROTOCOL_41
    | CLIENT.TRANSACTIONS
    | CLIENT.SECURE_CONNECTION
    | CLIENT.MULTI_RESULTS
    | CLIENT.PS_MULTI_RESULTS
    | CLIENT.PLUGIN_AUTH
    | CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA
    | CLIENT.CONNECT_ATTRS
    | CLIENT.DEPRECATE_EOF
    | CLIENT.MARIADB_CLIENT_EXTENDED_METADATA
    | CLIENT.QUERY_ATTRIBUTES
    | CLIENT.MARIADB_CLIENT_STMT_BULK_OPERATIONS  # COM_STMT_BULK_EXECUTE (prepared executemany)
    | CLIENT.MARIADB_CLIENT_CACHE_METADATA  # executes skip unchanged column definitions
)


async def open_connection(options: ConnectOptions) -> tuple[ClientCore, Wire, Greeting]:
    """Connect and log in within ``options.connect_timeout``: a logged-in core and wire.

    Any failure closes what was opened and raises OperationalError (or the server's
    own error for a refused login).
    """
    opened: list[Wire] = []
    try:
        with map_io_errors(CONNECTING, options.address, options.connect_timeout):
            if options.connect_timeout:
                return await asyncio.wait_for(_login(options, opened), options.connect_timeout)
            return await _login(options, opened)
    except BaseException:
        for wire in opened:
            wire.core.abort()
            if wire.transport is not None:
                wire.transport.abort()
        raise


async def _next_event(core: ClientCore, wire: Wire) -> ev.Event:
    while True:
        event = core.next_event()
        if event is not ev.NEED_DATA:
            return event
        await wire.wait_data()


async def _login(options: ConnectOptions, opened: list[Wire]) -> tuple[ClientCore, Wire, Greeting]:
    loop = asyncio.get_running_loop()
    builder = plan_builder(options.encoding, options.use_unicode, options.decoders)
    core = ClientCore(encoding=options.encoding, plan_builder=builder)
    wire = (CountingWire if options.count_bytes else Wire)(core, loop)
    if options.unix_socket:
        await loop.create_unix_connection(lambda: wire, options.unix_socket)
    else:
        transport, _ = await loop.create_connection(lambda: wire, options.host, options.port)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    opened.append(wire)
    try:
        greeting = await _next_event(core, wire)
    except ProtocolError as exc:
        raise OperationalError(
            CR.CR_SERVER_HANDSHAKE_ERR,
            f"The server on {options.address} did not answer like a MySQL server: {exc.args[1]}",
        ) from exc
    assert isinstance(greeting, Greeting)
    if not greeting.capabilities & CLIENT.PROTOCOL_41:
        raise OperationalError(CR.CR_VERSION_ERROR, "The server is too old (no PROTOCOL_41)")
    compression = _compression(options, greeting)
    capabilities = _capabilities(options, greeting) | FLAGS[compression or "uncompressed"]
    charset_id = options.charset.id if options.charset.id < 256 else 45
    ctx = options.ssl_context
    if ctx is not None:
        if not greeting.capabilities & CLIENT.SSL:
            raise OperationalError(
                CR.CR_SSL_CONNECTION_ERROR,
                f"TLS was required (ssl=...) but the server on {options.address} does not "
                "offer it; refusing to continue in plain text",
            )
        wire.write(core.ssl_request(capabilities, charset_id))
        assert wire.transport is not None
        with map_io_errors(TLS_HANDSHAKE, options.address):
            upgraded = await loop.start_tls(
                wire.transport,
                wire,
                ctx,
                server_hostname=options.host if ctx.check_hostname else None,
            )
        if upgraded is None:  # the connection closed during the handshake
            raise OperationalError(
                CR.CR_SSL_CONNECTION_ERROR, f"TLS with {options.address} was not set up"
            )
        wire.transport = upgraded
    auth = AuthContext(
        options.password.encode("utf-8"),
        secure_channel=bool(options.unix_socket or ctx),
        allow_cleartext=options.allow_cleartext_password,
        server_public_key=options.server_public_key,
    )
    wire.write(
        core.handshake_response(
            capabilities=capabilities,
            charset_id=charset_id,
            user=options.user.encode("utf-8"),
            database=options.db.encode("utf-8") if options.db else None,
            auth=auth,
            plugin_name=options.auth_plugin or None,
            attributes=_attributes(options),
            zstd_level=options.zstd_compression_level,
        )
    )
    while True:
        event = await _next_event(core, wire)
        if isinstance(event, ev.SendData):
            wire.write(event.data)
        elif isinstance(event, ev.Authenticated):
            wire.read_timeout = options.read_timeout
            wire.write_timeout = options.write_timeout
            if compression:  # everything after the login's OK is compressed, both ways
                codec = make_codec(compression, options.zstd_compression_level)
                enable_compression(wire, codec, options.max_allowed_packet)
            return core, wire, greeting


def _capabilities(options: ConnectOptions, greeting: Greeting) -> int:
    """What the client asks for: ours and the caller's flags, as far as the server has them."""
    capabilities = (DEFAULT_CAPABILITIES | options.client_flag) & greeting.capabilities
    capabilities &= ~_COMPRESSION_FLAGS  # only as _compression() chose
    capabilities |= CLIENT.PROTOCOL_41
    if options.db:
        capabilities |= CLIENT.CONNECT_WITH_DB
    if options.multi_statements:  # on unless asked off, whatever client_flag says: aiomysql
        capabilities |= CLIENT.MULTI_STATEMENTS & greeting.capabilities
    else:
        capabilities &= ~CLIENT.MULTI_STATEMENTS
    if options.session_track:
        capabilities |= CLIENT.SESSION_TRACK & greeting.capabilities
    if options.local_infile:
        capabilities |= CLIENT.LOCAL_FILES
    else:
        capabilities &= ~CLIENT.LOCAL_FILES
    return capabilities


_COMPRESSION_FLAGS = CLIENT.COMPRESS | CLIENT.ZSTD_COMPRESSION_ALGORITHM


def _compression(options: ConnectOptions, greeting: Greeting) -> str | None:
    """The compression algorithm to ask for (None: none), by options.compression; a
    client_flag with CLIENT.COMPRESS alone asks for zlib if possible (PyMySQL's way)."""
    wanted = options.compression
    if not wanted and options.client_flag & CLIENT.COMPRESS:
        wanted = ("zlib", "uncompressed")
    try:
        return choose(wanted, greeting.capabilities)
    except ValueError as exc:
        raise OperationalError(
            CR.CR_COMPRESSION_WRONGLY_CONFIGURED, f"{options.address}: {exc}"
        ) from None


def _attributes(options: ConnectOptions) -> dict[str, str]:
    attrs = {
        "_client_name": "aiomysql",
        "_client_version": __version__,
        "_pid": str(os.getpid()),
        "_os": sys.platform,
    }
    if options.program_name:
        attrs["program_name"] = options.program_name
    attrs.update(options.connect_attrs)
    return attrs
