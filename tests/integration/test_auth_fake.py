"""MySQL-only authentication paths against the scripted fake server (tests/fake_mysql_server.py).

MariaDB (the test server) has no caching_sha2_password or sha256_password, and parsec
needs MariaDB 11.6+ (Debian 12 ships 10.11), so these exchanges are played by a fake
server that follows MySQL's documented exchange byte for byte ("Caching_sha2_password
information", page_caching_sha2_authentication_exchanges; "sha256_password"; MariaDB's
"Connection" page for parsec) and checks the client's answer the way the documentation
says a server does: it never calls the driver's own scramble or signature functions.
"""

from __future__ import annotations

import hashlib
import os
import ssl
import subprocess
import sys
from collections.abc import Callable

import pytest
from certs import CertFiles, make_certs
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fake_mysql_server import NONCE, FakeConnection, FakeServer, sha256

import aiomysql
from aiomysql.errors import OperationalError

PASSWORD = "pässwörd€"  # not Latin-1: the password must travel as UTF-8
PW = PASSWORD.encode("utf-8")
FAST_AUTH_OK = b"\x01\x03"
FULL_AUTH = b"\x01\x04"


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> CertFiles:
    return make_certs(str(tmp_path_factory.mktemp("fake-tls")))


@pytest.fixture(scope="module")
def server_tls(certs: CertFiles) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certs.cert, certs.key)
    return ctx


def sha2_scramble_is_valid(response: bytes, password: bytes, nonce: bytes) -> bool:
    """The server side of fast authentication, as documented: the server keeps
    SHA256(SHA256(password)); XOR(response, SHA256(that + nonce)) must give a value whose
    SHA256 is the stored hash."""
    stored = sha256(sha256(password))
    mask = sha256(stored + nonce)
    candidate = bytes(a ^ b for a, b in zip(response, mask, strict=True))
    return len(response) == 32 and sha256(candidate) == stored


def rsa_decrypt_password(key: rsa.RSAPrivateKey, data: bytes, nonce: bytes) -> bytes:
    """Undo "RSA encrypted value of XOR(password, seed) (RSA_PKCS1_OAEP_PADDING)"."""
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
    plain = key.decrypt(data, oaep)
    return bytes(b ^ nonce[i % len(nonce)] for i, b in enumerate(plain))


async def login_and_ping(srv: FakeServer, **kwargs: object) -> None:
    conn = await aiomysql.connect(**srv.kwargs(password=PASSWORD, **kwargs))
    try:
        await conn.ping(reconnect=False)
    finally:
        conn.close()


# -- caching_sha2_password ---------------------------------------------------------


async def test_caching_sha2_fast_path() -> None:
    def script(c: FakeConnection) -> str:
        hs = c.greet("caching_sha2_password")
        assert hs.plugin == "caching_sha2_password"
        assert sha2_scramble_is_valid(hs.auth_response, PW, NONCE)
        c.send(FAST_AUTH_OK)
        c.ok()
        c.serve_queries()
        return "fast"

    async with FakeServer(script) as srv:
        await login_and_ping(srv)
    assert srv.results == ["fast"]


async def test_caching_sha2_full_path_over_tls_sends_the_password(
    certs: CertFiles, server_tls: ssl.SSLContext
) -> None:
    def script(c: FakeConnection) -> None:
        hs = c.greet("caching_sha2_password", caps=sp_caps_with_ssl())
        assert c.tls
        assert sha2_scramble_is_valid(hs.auth_response, PW, NONCE)
        c.send(FULL_AUTH)  # as after a cache miss
        assert c.recv() == PW + b"\0"  # "clear password answer", string<NUL>
        c.ok()
        c.serve_queries()

    async with FakeServer(script, tls=server_tls) as srv:
        await login_and_ping(srv, host="localhost", ssl={"ca": certs.ca})


async def test_caching_sha2_full_path_requests_the_public_key(rsa_key: rsa.RSAPrivateKey) -> None:
    def script(c: FakeConnection) -> None:
        c.greet("caching_sha2_password")
        c.send(FULL_AUTH)
        assert c.recv() == b"\x02"  # public key request (0x02, not sha256's 0x01)
        c.send(b"\x01" + public_pem(rsa_key))
        encrypted = c.recv()
        assert len(encrypted) == 256
        assert rsa_decrypt_password(rsa_key, encrypted, NONCE) == PW + b"\0"
        c.ok()
        c.serve_queries()

    async with FakeServer(script) as srv:
        await login_and_ping(srv)


async def test_caching_sha2_full_path_with_given_public_key(rsa_key: rsa.RSAPrivateKey) -> None:
    def script(c: FakeConnection) -> None:
        c.greet("caching_sha2_password")
        c.send(FULL_AUTH)
        encrypted = c.recv()  # no key request: the client already has the key
        assert rsa_decrypt_password(rsa_key, encrypted, NONCE) == PW + b"\0"
        c.ok()
        c.serve_queries()

    async with FakeServer(script) as srv:
        await login_and_ping(srv, server_public_key=public_pem(rsa_key))


async def test_auth_switch_to_caching_sha2() -> None:
    nonce2 = bytes(range(0x61, 0x61 + 20))

    def script(c: FakeConnection) -> None:
        hs = c.greet("mysql_native_password")
        assert hs.plugin == "mysql_native_password"
        c.send(b"\xfe" + b"caching_sha2_password\0" + nonce2 + b"\0")
        assert sha2_scramble_is_valid(c.recv(), PW, nonce2)
        c.send(FAST_AUTH_OK)
        c.ok()
        c.serve_queries()

    async with FakeServer(script) as srv:
        await login_and_ping(srv)


async def test_caching_sha2_wrong_password_is_denied() -> None:
    def script(c: FakeConnection) -> None:
        hs = c.greet("caching_sha2_password")
        assert not sha2_scramble_is_valid(hs.auth_response, PW, NONCE)
        c.deny()

    async with FakeServer(script) as srv:
        with pytest.raises(OperationalError) as info:
            await aiomysql.connect(**srv.kwargs(password="wrong"))
    assert info.value.args[0] == 1045


async def test_caching_sha2_empty_password_sends_empty_scramble() -> None:
    def script(c: FakeConnection) -> None:
        hs = c.greet("caching_sha2_password")
        assert hs.auth_response == b""
        c.ok()
        c.serve_queries()

    async with FakeServer(script) as srv:
        conn = await aiomysql.connect(**srv.kwargs(password=""))
        conn.close()


# -- sha256_password ---------------------------------------------------------------


async def test_sha256_password_over_tls(certs: CertFiles, server_tls: ssl.SSLContext) -> None:
    def script(c: FakeConnection) -> None:
        hs = c.greet("sha256_password", caps=sp_caps_with_ssl())
        assert c.tls and hs.auth_response == PW + b"\0"
        c.ok()
        c.serve_queries()

    async with FakeServer(script, tls=server_tls) as srv:
        await login_and_ping(srv, host="localhost", ssl={"ca": certs.ca})


async def test_sha256_password_requests_key_then_rsa(rsa_key: rsa.RSAPrivateKey) -> None:
    def script(c: FakeConnection) -> None:
        hs = c.greet("sha256_password")
        assert hs.auth_response == b"\x01"  # public key request
        c.send(b"\x01" + public_pem(rsa_key))
        assert rsa_decrypt_password(rsa_key, c.recv(), NONCE) == PW + b"\0"
        c.ok()
        c.serve_queries()

    async with FakeServer(script) as srv:
        await login_and_ping(srv)


async def test_sha256_password_with_given_key(rsa_key: rsa.RSAPrivateKey) -> None:
    def script(c: FakeConnection) -> None:
        hs = c.greet("sha256_password")
        assert rsa_decrypt_password(rsa_key, hs.auth_response, NONCE) == PW + b"\0"
        c.ok()
        c.serve_queries()

    async with FakeServer(script) as srv:
        await login_and_ping(srv, server_public_key=public_pem(rsa_key))


async def test_auth_switch_to_sha256_password(rsa_key: rsa.RSAPrivateKey) -> None:
    nonce2 = bytes(range(0x30, 0x30 + 20))

    def script(c: FakeConnection) -> None:
        c.greet("mysql_native_password")
        c.send(b"\xfe" + b"sha256_password\0" + nonce2 + b"\0")
        assert c.recv() == b"\x01"
        c.send(b"\x01" + public_pem(rsa_key))
        assert rsa_decrypt_password(rsa_key, c.recv(), nonce2) == PW + b"\0"
        c.ok()
        c.serve_queries()

    async with FakeServer(script) as srv:
        await login_and_ping(srv)


async def test_bad_public_key_from_server_is_a_clear_error() -> None:
    def script(c: FakeConnection) -> None:
        c.greet("caching_sha2_password")
        c.send(FULL_AUTH)
        assert c.recv() == b"\x02"
        c.send(b"\x01not a PEM key")
        assert c.wait_closed()  # the client hangs up instead

    async with FakeServer(script) as srv:
        with pytest.raises(OperationalError, match="public key cannot be read"):
            await aiomysql.connect(**srv.kwargs(password=PASSWORD))


# -- parsec (MariaDB 11.6+) ----------------------------------------------------------


async def test_parsec_via_auth_switch() -> None:
    server_nonce = os.urandom(32)
    salt = os.urandom(18)

    def script(c: FakeConnection) -> None:
        c.greet("mysql_native_password")
        c.send(b"\xfe" + b"parsec\0" + server_nonce)
        assert c.recv() == b""  # the empty packet asking for the ext-salt
        c.send(b"\x01" + b"P" + bytes((1,)) + salt)  # 'P', factor 1 = 2048 rounds
        answer = c.recv()
        assert len(answer) == 96
        client_nonce, signature = answer[:32], answer[32:]
        # The server keeps the public key of the PBKDF2-derived Ed25519 private key.
        key = hashlib.pbkdf2_hmac("sha512", PW, salt, 2048, 32)
        public = Ed25519PrivateKey.from_private_bytes(key).public_key()
        public.verify(signature, server_nonce + client_nonce)  # raises if wrong
        c.ok()
        c.serve_queries()

    async with FakeServer(script) as srv:
        await login_and_ping(srv)


# -- mysql_clear_password -------------------------------------------------------------


def clear_password_script(expect_password: bool) -> Callable[[FakeConnection], bool]:
    def script(c: FakeConnection) -> bool:
        c.greet("mysql_native_password")
        c.send(b"\xfe" + b"mysql_clear_password\0")
        if not expect_password:
            assert c.wait_closed()  # the client hung up without sending the password
            return False
        assert c.recv() == PW + b"\0"
        c.ok()
        c.serve_queries()
        return True

    return script


async def test_clear_password_refused_on_plain_tcp() -> None:
    async with FakeServer(clear_password_script(False)) as srv:
        with pytest.raises(OperationalError, match="allow_cleartext_password"):
            await aiomysql.connect(**srv.kwargs(password=PASSWORD))
    assert srv.results == [False]


async def test_clear_password_when_allowed() -> None:
    async with FakeServer(clear_password_script(True)) as srv:
        await login_and_ping(srv, allow_cleartext_password=True)
    assert srv.results == [True]


async def test_clear_password_over_tls(certs: CertFiles, server_tls: ssl.SSLContext) -> None:
    def script(c: FakeConnection) -> None:
        c.greet("mysql_native_password", caps=sp_caps_with_ssl())
        c.send(b"\xfe" + b"mysql_clear_password\0")
        assert c.recv() == PW + b"\0"
        c.ok()
        c.serve_queries()

    async with FakeServer(script, tls=server_tls) as srv:
        await login_and_ping(srv, host="localhost", ssl={"ca": certs.ca})


# -- without the optional cryptography package -----------------------------------------

_NO_CRYPTOGRAPHY = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "cryptography" or name.startswith("cryptography."):
            raise ImportError("blocked for the test: " + name)
        return None
sys.meta_path.insert(0, Block())
from aiomysql.errors import OperationalError
from aiomysql.protocol.auth import AuthContext
from aiomysql.protocol.auth_plugins import plugin_for
nonce = bytes(range(20))
for name, step in (("caching_sha2_password", "more"), ("sha256_password", "start")):
    plugin = plugin_for(name, AuthContext(b"pw"))
    plugin.start(nonce + b"\\0") if step == "more" else None
    try:
        plugin.more(b"\\x04") if step == "more" else plugin.start(nonce + b"\\0")
    except OperationalError as exc:
        print(name, exc.args[1])
    else:
        print(name, "NO ERROR")
# the fast path and the MariaDB plugins need no cryptography
print(len(plugin_for("caching_sha2_password", AuthContext(b"pw")).start(nonce)))
print(len(plugin_for("client_ed25519", AuthContext(b"pw")).start(bytes(32))))
"""


def test_missing_cryptography_names_the_extra() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _NO_CRYPTOGRAPHY],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd="/",
    ).stdout.splitlines()
    assert out[0].startswith("caching_sha2_password ") and "aiomysql[rsa]" in out[0]
    assert out[1].startswith("sha256_password ") and "aiomysql[rsa]" in out[1]
    assert out[2:] == ["32", "64"]


def sp_caps_with_ssl() -> int:
    import mysql_packets

    return mysql_packets.SERVER_CAPS | (1 << 11)
