"""MariaDB's signature plugins: client_ed25519 (10.1.22+) and parsec (11.6+).

Both answer a server nonce with an Ed25519 signature (MariaDB client/server protocol,
"client_ed25519 Plugin" and "parsec Plugin"). ``client_ed25519`` signs with
SHA-512(password) as the expanded secret key; ``parsec`` derives a stock 32-byte
Ed25519 key with PBKDF2-HMAC-SHA512 from the password and the server's salt, and signs
the server nonce followed by a fresh client nonce. Pure Python: no extra is needed.
"""

from __future__ import annotations

import hashlib
import os

from . import ed25519
from .auth import AuthPlugin, auth_error
from .packets import ProtocolError

#: Highest parsec iteration factor accepted (1024 << 10 iterations, about a second):
#: a hostile server must not make the client spin for minutes.
MAX_PARSEC_ITERATION_FACTOR = 10
PARSEC_NONCE_LENGTH = 32


class Ed25519Password(AuthPlugin):
    """client_ed25519: sign the server's nonce with SHA-512(password) as the secret."""

    name = "client_ed25519"

    def start(self, challenge: bytes) -> bytes:
        secret = hashlib.sha512(self.ctx.password).digest()
        return ed25519.sign_with_hash(secret, challenge)


def parsec_response(
    password: bytes, server_nonce: bytes, ext_salt: bytes, client_nonce: bytes
) -> bytes:
    """The parsec answer: client nonce + Ed25519(PBKDF2 key, server nonce + client nonce)."""
    if len(ext_salt) < 2 or ext_salt[:1] != b"P":
        raise ProtocolError(f"parsec salt must start with 'P' and a factor, got {ext_salt[:8]!r}")
    factor = ext_salt[1]
    if factor > MAX_PARSEC_ITERATION_FACTOR:
        raise auth_error(f"parsec iteration factor {factor} is beyond the accepted maximum")
    key = hashlib.pbkdf2_hmac("sha512", password, ext_salt[2:], 1024 << factor, 32)
    return client_nonce + ed25519.sign(key, server_nonce + client_nonce)


class ParsecPassword(AuthPlugin):
    """parsec: ask for the salt with an empty packet, then send a signed client nonce."""

    name = "parsec"

    _server_nonce = b""
    _answered = False

    def start(self, challenge: bytes) -> bytes:
        if len(challenge) == PARSEC_NONCE_LENGTH + 1 and challenge.endswith(b"\0"):
            challenge = challenge[:-1]
        if len(challenge) != PARSEC_NONCE_LENGTH:
            raise ProtocolError(f"parsec nonce of {len(challenge)} bytes, expected 32")
        self._server_nonce = challenge
        return b""

    def more(self, data: bytes) -> bytes | None:
        if self._answered:
            raise ProtocolError("parsec: the server sent a second salt")
        self._answered = True
        client_nonce = os.urandom(PARSEC_NONCE_LENGTH)
        return parsec_response(self.ctx.password, self._server_nonce, data, client_nonce)
