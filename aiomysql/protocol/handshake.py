"""Initial handshake: the server greeting, SSLRequest and HandshakeResponse41."""

from __future__ import annotations

from dataclasses import dataclass

from ..constants import CLIENT
from .packets import ProtocolError, Reader, lenenc_bytes

#: MariaDB prefixes its version with this so that old clients accept it.
MARIADB_VERSION_PREFIX = "5.5.5-"


@dataclass(frozen=True)
class Greeting:
    """What the server says first: its version, capabilities and first auth challenge."""

    protocol_version: int
    server_version: str
    connection_id: int
    capabilities: int
    charset_id: int
    status: int
    auth_data: bytes
    auth_plugin: str

    @property
    def is_mariadb(self) -> bool:
        """True when the server is MariaDB."""
        return "mariadb" in self.server_version.lower()


def parse_greeting(payload: bytes) -> Greeting:
    """Parse a protocol-10 Initial Handshake packet."""
    r = Reader(payload)
    protocol_version = r.u8()
    if protocol_version != 10:
        raise ProtocolError(f"unsupported handshake protocol version {protocol_version}")
    version = r.null_terminated().decode("utf-8", "replace")
    if version.startswith(MARIADB_VERSION_PREFIX):
        version = version[len(MARIADB_VERSION_PREFIX) :]
    connection_id = r.u32()
    auth_data = r.take(8)
    r.skip(1)
    capabilities = r.u16()
    charset_id = 0
    status = 0
    plugin = ""
    if r.remaining():
        charset_id = r.u8()
        status = r.u16()
        capabilities |= r.u16() << 16
        auth_len = r.u8()
        r.skip(6)
        mariadb_capabilities = r.u32()
        if not capabilities & CLIENT.LONG_PASSWORD:  # i.e. no CLIENT_MYSQL: MariaDB 10.2+
            capabilities |= mariadb_capabilities << 32
        if capabilities & CLIENT.SECURE_CONNECTION:
            part2 = r.take(min(max(13, auth_len - 8), r.remaining()))
            auth_data += part2[:-1] if part2.endswith(b"\0") else part2
        if capabilities & CLIENT.PLUGIN_AUTH:
            plugin = r.null_terminated(required=False).decode("ascii", "replace")
    return Greeting(
        protocol_version,
        version,
        connection_id,
        capabilities,
        charset_id,
        status,
        auth_data,
        plugin,
    )


def ssl_request(capabilities: int, max_packet: int, charset_id: int) -> bytes:
    """The SSLRequest payload: the fixed head of HandshakeResponse41 with CLIENT_SSL set."""
    return _fixed_head(capabilities | CLIENT.SSL, max_packet, charset_id)


def _fixed_head(capabilities: int, max_packet: int, charset_id: int) -> bytes:
    """Capabilities, max packet, charset and filler; MariaDB's extended capabilities
    ride in the filler's last 4 bytes."""
    return (
        (capabilities & 0xFFFFFFFF).to_bytes(4, "little")
        + max_packet.to_bytes(4, "little")
        + bytes((charset_id & 0xFF,))
        + bytes(19)
        + (capabilities >> 32).to_bytes(4, "little")
    )


def handshake_response(
    capabilities: int,
    max_packet: int,
    charset_id: int,
    user: bytes,
    auth_response: bytes,
    database: bytes | None,
    plugin: str,
    attributes: dict[str, str] | None,
    zstd_level: int = 3,
) -> bytes:
    """Build the HandshakeResponse41 payload for the negotiated ``capabilities``."""
    parts = [_fixed_head(capabilities, max_packet, charset_id), user, b"\0"]
    if capabilities & CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA:
        parts.append(lenenc_bytes(auth_response))
    elif capabilities & CLIENT.SECURE_CONNECTION:
        if len(auth_response) > 255:
            raise ValueError("auth response too long for this server")
        parts += [bytes((len(auth_response),)), auth_response]
    else:
        parts += [auth_response, b"\0"]
    if capabilities & CLIENT.CONNECT_WITH_DB:
        parts += [database or b"", b"\0"]
    if capabilities & CLIENT.PLUGIN_AUTH:
        parts += [plugin.encode("ascii"), b"\0"]
    if capabilities & CLIENT.CONNECT_ATTRS:
        encoded = b"".join(
            lenenc_bytes(k.encode("utf-8")) + lenenc_bytes(v.encode("utf-8"))
            for k, v in (attributes or {}).items()
        )
        parts.append(lenenc_bytes(encoded))
    if capabilities & CLIENT.ZSTD_COMPRESSION_ALGORITHM:
        parts.append(bytes((zstd_level,)))  # int<1> zstd_compression_level
    return b"".join(parts)
