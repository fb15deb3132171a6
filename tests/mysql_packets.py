"""Build the payloads a MySQL/MariaDB server sends, from the documented layouts (for tests)."""

from __future__ import annotations

from aiomysql.constants import CLIENT, FIELD_TYPE
from aiomysql.protocol.packets import frame, lenenc_bytes, lenenc_int

SERVER_CAPS = (
    CLIENT.LONG_PASSWORD
    | CLIENT.FOUND_ROWS
    | CLIENT.LONG_FLAG
    | CLIENT.CONNECT_WITH_DB
    | CLIENT.PROTOCOL_41
    | CLIENT.TRANSACTIONS
    | CLIENT.SECURE_CONNECTION
    | CLIENT.MULTI_RESULTS
    | CLIENT.PS_MULTI_RESULTS
    | CLIENT.PLUGIN_AUTH
    | CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA
    | CLIENT.CONNECT_ATTRS
    | CLIENT.DEPRECATE_EOF
    | CLIENT.LOCAL_FILES
)

SCRAMBLE = bytes(range(1, 21))


def greeting(
    version: bytes = b"5.5.5-10.11.6-MariaDB",
    caps: int = SERVER_CAPS,
    scramble: bytes = SCRAMBLE,
    plugin: bytes = b"mysql_native_password",
    connection_id: int = 42,
) -> bytes:
    """Protocol::HandshakeV10."""
    return (
        b"\x0a"
        + version
        + b"\0"
        + connection_id.to_bytes(4, "little")
        + scramble[:8]
        + b"\0"
        + (caps & 0xFFFF).to_bytes(2, "little")
        + bytes((45,))
        + (2).to_bytes(2, "little")
        + ((caps >> 16) & 0xFFFF).to_bytes(2, "little")
        + bytes((len(scramble) + 1,))
        + bytes(6)
        + (caps >> 32).to_bytes(4, "little")  # MariaDB's extended capabilities
        + scramble[8:]
        + b"\0"
        + plugin
        + b"\0"
    )


def ok(
    affected: int = 0, insert_id: int = 0, status: int = 2, warnings: int = 0, header: int = 0
) -> bytes:
    """OK_Packet (header 0xFE when it ends a result set under DEPRECATE_EOF)."""
    return (
        bytes((header,))
        + lenenc_int(affected)
        + lenenc_int(insert_id)
        + status.to_bytes(2, "little")
        + warnings.to_bytes(2, "little")
    )


def eof(status: int = 2, warnings: int = 0) -> bytes:
    """EOF_Packet."""
    return b"\xfe" + warnings.to_bytes(2, "little") + status.to_bytes(2, "little")


def err(code: int, message: str, sqlstate: str = "HY000") -> bytes:
    """ERR_Packet."""
    return b"\xff" + code.to_bytes(2, "little") + b"#" + sqlstate.encode() + message.encode()


def column(
    name: str, type_code: int = FIELD_TYPE.VAR_STRING, charset: int = 45, flags: int = 0
) -> bytes:
    """ColumnDefinition41."""
    return (
        lenenc_bytes(b"def")
        + lenenc_bytes(b"db")
        + lenenc_bytes(b"t")
        + lenenc_bytes(b"t")
        + lenenc_bytes(name.encode())
        + lenenc_bytes(name.encode())
        + b"\x0c"
        + charset.to_bytes(2, "little")
        + (255).to_bytes(4, "little")
        + bytes((type_code,))
        + flags.to_bytes(2, "little")
        + b"\0"
        + b"\0\0"
    )


def text_row(*values: bytes | None) -> bytes:
    """ResultsetRow in the text protocol."""
    return b"".join(b"\xfb" if v is None else lenenc_bytes(v) for v in values)


def stream(payloads: list[bytes], seq: int = 0) -> bytes:
    """Frame consecutive payloads with increasing sequence ids."""
    out = []
    for payload in payloads:
        data, seq = frame(payload, seq)
        out.append(data)
    return b"".join(out)
