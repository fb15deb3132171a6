"""Authentication plugins: the base class and the password-only plugins (see auth_plugins)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import ClassVar

from ..constants import CR
from ..errors import OperationalError
from .packets import ProtocolError


@dataclass(frozen=True)
class AuthContext:
    """What a plugin may use: the password (UTF-8 bytes) and facts about the channel.

    ``secure_channel`` is true over TLS or a unix socket: only then may a plugin send
    the password itself. ``allow_cleartext`` lets ``mysql_clear_password`` do so anyway.
    ``server_public_key`` is the server's RSA key (PEM) when the user supplied it.
    """

    password: bytes
    secure_channel: bool = False
    allow_cleartext: bool = False
    server_public_key: bytes | None = None


class AuthPlugin:
    """One authentication exchange; ``start`` answers the challenge, ``more`` any follow-up."""

    name: ClassVar[str] = ""

    def __init__(self, ctx: AuthContext) -> None:
        self.ctx = ctx

    def start(self, challenge: bytes) -> bytes:
        """Response to the initial challenge (greeting data or auth-switch data)."""
        raise NotImplementedError

    def more(self, data: bytes) -> bytes | None:
        """Response to an AuthMoreData packet; None when nothing is to be sent."""
        raise ProtocolError(f"unexpected extra auth data for {self.name}")


def auth_error(message: str) -> OperationalError:
    """The error a plugin raises when it cannot (or must not) answer the server."""
    return OperationalError(CR.CR_AUTH_PLUGIN_ERR, message)


def xor(a: bytes, b: bytes) -> bytes:
    """Byte-wise XOR of two equally long strings."""
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(len(a), "big")


def native_password_scramble(password: bytes, challenge: bytes) -> bytes:
    """SHA1(password) XOR SHA1(challenge + SHA1(SHA1(password))), empty for no password."""
    if not password:
        return b""
    stage1 = hashlib.sha1(password).digest()
    stage2 = hashlib.sha1(stage1).digest()
    return xor(stage1, hashlib.sha1(challenge[:20] + stage2).digest())


class NativePassword(AuthPlugin):
    """mysql_native_password: a SHA1 challenge-response."""

    name = "mysql_native_password"

    def start(self, challenge: bytes) -> bytes:
        return native_password_scramble(self.ctx.password, challenge)


class ClearPassword(AuthPlugin):
    """mysql_clear_password: the password itself; only over a secure channel or when allowed."""

    name = "mysql_clear_password"

    def start(self, challenge: bytes) -> bytes:
        if not (self.ctx.secure_channel or self.ctx.allow_cleartext):
            raise OperationalError(
                CR.CR_AUTH_PLUGIN_CANNOT_LOAD,
                "The server asked for the password in clear text (mysql_clear_password) over "
                "an unencrypted connection; use TLS or pass allow_cleartext_password=True",
            )
        return self.ctx.password + b"\0"
