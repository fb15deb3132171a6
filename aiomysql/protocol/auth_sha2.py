"""MySQL's SHA-256 plugins: caching_sha2_password and sha256_password.

Both follow MySQL's documented exchange (MySQL Internals, "caching_sha2_password" and
"sha256_password" authentication methods). The password travels in clear only over a
secure channel (TLS or a unix socket); on plain TCP it is XORed with the nonce and
RSA-encrypted (OAEP padding) with the server's public key, which is either given by
the user (``server_public_key=``) or requested from the server.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ..constants import CR
from ..errors import OperationalError
from .auth import AuthPlugin, auth_error, xor
from .packets import ProtocolError

#: caching_sha2_password's AuthMoreData status bytes and public key request.
FAST_AUTH_SUCCESS = 0x03
PERFORM_FULL_AUTH = 0x04
CACHING_SHA2_KEY_REQUEST = b"\x02"
#: sha256_password asks for the key with this one-byte response.
SHA256_KEY_REQUEST = b"\x01"

RSA_EXTRA = "aiomysql[rsa]"


def caching_sha2_scramble(password: bytes, nonce: bytes) -> bytes:
    """XOR(SHA256(password), SHA256(SHA256(SHA256(password)) + nonce)); empty if no password."""
    if not password:
        return b""
    stage1 = hashlib.sha256(password).digest()
    stage2 = hashlib.sha256(stage1).digest()
    return xor(stage1, hashlib.sha256(stage2 + nonce).digest())


def _crypto() -> Any:
    """The parts of ``cryptography`` RSA needs, or a clear error naming the extra."""
    try:
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding, rsa
    except ImportError:
        raise OperationalError(
            CR.CR_AUTH_PLUGIN_CANNOT_LOAD,
            "Sending the password RSA-encrypted needs the 'cryptography' package: "
            f"pip install '{RSA_EXTRA}' (or connect over TLS or a unix socket)",
        ) from None
    return hashes, serialization, padding, rsa


def rsa_encrypt_password(password: bytes, nonce: bytes, public_key_pem: bytes) -> bytes:
    """RSA-OAEP(SHA-1) encryption of (password + NUL) XOR the repeated nonce."""
    hashes, serialization, padding, rsa = _crypto()
    try:
        key = serialization.load_pem_public_key(public_key_pem)
    except (ValueError, TypeError) as exc:
        raise auth_error(f"The server's RSA public key cannot be read: {exc}") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise auth_error("The server's public key is not an RSA key")
    if not nonce:
        raise ProtocolError("empty authentication nonce")
    plain = password + b"\0"
    mask = (nonce * (len(plain) // len(nonce) + 1))[: len(plain)]
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
    try:
        encrypted: bytes = key.encrypt(xor(plain, mask), oaep)
    except ValueError as exc:
        raise auth_error(f"The password cannot be RSA-encrypted with this key: {exc}") from None
    return encrypted


def _strip_nonce(challenge: bytes) -> bytes:
    return challenge[:-1] if len(challenge) == 21 and challenge.endswith(b"\0") else challenge


class CachingSha2Password(AuthPlugin):
    """caching_sha2_password: a SHA-256 scramble, then fast or full authentication."""

    name = "caching_sha2_password"

    _nonce = b""
    _key_requested = False

    def start(self, challenge: bytes) -> bytes:
        self._nonce = _strip_nonce(challenge)
        return caching_sha2_scramble(self.ctx.password, self._nonce)

    def more(self, data: bytes) -> bytes | None:
        if self._key_requested:
            self._key_requested = False
            return rsa_encrypt_password(self.ctx.password, self._nonce, data)
        if data == bytes((FAST_AUTH_SUCCESS,)):
            return None  # the server's OK follows
        if data != bytes((PERFORM_FULL_AUTH,)):
            raise ProtocolError(f"unexpected caching_sha2_password status {data[:8]!r}")
        if self.ctx.secure_channel:
            return self.ctx.password + b"\0"
        if self.ctx.server_public_key:
            return rsa_encrypt_password(self.ctx.password, self._nonce, self.ctx.server_public_key)
        _crypto()  # fail before the round trip when the key could not be used anyway
        self._key_requested = True
        return CACHING_SHA2_KEY_REQUEST


class Sha256Password(AuthPlugin):
    """sha256_password: the password in clear over a secure channel, else RSA-encrypted."""

    name = "sha256_password"

    _nonce = b""

    def start(self, challenge: bytes) -> bytes:
        self._nonce = _strip_nonce(challenge)
        if not self.ctx.password:
            return b"\0"
        if self.ctx.secure_channel:
            return self.ctx.password + b"\0"
        if self.ctx.server_public_key:
            return rsa_encrypt_password(self.ctx.password, self._nonce, self.ctx.server_public_key)
        _crypto()
        return SHA256_KEY_REQUEST

    def more(self, data: bytes) -> bytes | None:
        return rsa_encrypt_password(self.ctx.password, self._nonce, data)
