"""Ed25519 signing in pure Python (RFC 8032), with the secret's SHA-512 given directly.

MariaDB's ``client_ed25519`` signs with ``SHA-512(password)`` in place of the hash of
a 32-byte seed, which no stock library accepts; ``parsec`` uses stock Ed25519, where
the hash input is the 32-byte seed. Both reduce to :func:`sign_with_hash`. Signing is
deterministic and uses only the client's own secret, so constant-time arithmetic is not
a concern beyond what Python integers give: the inputs are the user's own password.
"""

from __future__ import annotations

import hashlib

#: The field prime 2^255 - 19 and the group order L (RFC 8032, section 5.1).
P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, -1, P) % P
_D2 = 2 * _D % P
_BY = 4 * pow(5, -1, P) % P
_BX = 15112221349535400772501151409588531511454012693041857206046113283949847762202

_Point = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T), x=X/Z, y=Y/Z
_IDENTITY: _Point = (0, 1, 1, 0)
_BASE: _Point = (_BX, _BY, 1, _BX * _BY % P)


def _add(p: _Point, q: _Point) -> _Point:
    """Point addition on the twisted Edwards curve with a = -1 (RFC 8032, 5.1.4)."""
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = t1 * _D2 * t2 % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _double(p: _Point) -> _Point:
    """Point doubling (RFC 8032, 5.1.4, the dedicated formula)."""
    x1, y1, z1, _ = p
    a = x1 * x1 % P
    b = y1 * y1 % P
    c = 2 * z1 * z1 % P
    h = a + b
    e = h - (x1 + y1) * (x1 + y1) % P
    g = a - b
    f = c + g
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _multiply(k: int, p: _Point = _BASE) -> _Point:
    """k * p by double-and-add from the most significant bit."""
    result = _IDENTITY
    for bit in reversed(range(k.bit_length())):
        result = _double(result)
        if (k >> bit) & 1:
            result = _add(result, p)
    return result


def _encode(p: _Point) -> bytes:
    """Compressed form: y little-endian with the low bit of x in the top bit."""
    x, y, z, _ = p
    zi = pow(z, -1, P)
    x, y = x * zi % P, y * zi % P
    return (y | (x & 1) << 255).to_bytes(32, "little")


def _scalar(h: bytes) -> int:
    """The secret scalar from the first half of the hash, clamped (RFC 8032, 5.1.5)."""
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8
    return a | 1 << 254


def _reduce(data: bytes) -> int:
    return int.from_bytes(hashlib.sha512(data).digest(), "little") % L


def public_key_from_hash(h: bytes) -> bytes:
    """The 32-byte public key for the 64-byte secret hash ``h``."""
    return _encode(_multiply(_scalar(h)))


def sign_with_hash(h: bytes, message: bytes) -> bytes:
    """The 64-byte Ed25519 signature of ``message`` for the 64-byte secret hash ``h``."""
    if len(h) != 64:
        raise ValueError("the secret hash must be 64 bytes (SHA-512)")
    a = _scalar(h)
    public = _encode(_multiply(a))
    r = _reduce(h[32:] + message)
    big_r = _encode(_multiply(r))
    k = _reduce(big_r + public + message)
    s = (r + k * a) % L
    return big_r + s.to_bytes(32, "little")


def sign(seed: bytes, message: bytes) -> bytes:
    """Stock Ed25519: sign ``message`` with a 32-byte private key ``seed``."""
    if len(seed) != 32:
        raise ValueError("an Ed25519 private key is 32 bytes")
    return sign_with_hash(hashlib.sha512(seed).digest(), message)
