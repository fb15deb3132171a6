"""TLS against a private MariaDB started with a CA and server certificate made by the
tests: verification, host name checks, wrong CA, the ssl= forms, my.cnf ssl-* options,
and TLS required from a server that does not offer it."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from typing import Any

import mysql_packets as sp
import pytest
from certs import CertFiles, make_certs
from fake_mysql_server import FakeConnection, FakeServer

import aiomysql
from aiomysql.errors import OperationalError, ProgrammingError
from aiomysql.testing import TemporaryServer


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> CertFiles:
    return make_certs(str(tmp_path_factory.mktemp("tls")))


@pytest.fixture(scope="module")
def other_ca(tmp_path_factory: pytest.TempPathFactory) -> CertFiles:
    return make_certs(str(tmp_path_factory.mktemp("other-ca")), prefix="other-")


@pytest.fixture(scope="module")
def tls_server(certs: CertFiles) -> Iterator[TemporaryServer]:
    """A second, private MariaDB with TLS on (the session server has none)."""
    args = [f"--ssl-ca={certs.ca}", f"--ssl-cert={certs.cert}", f"--ssl-key={certs.key}"]
    with TemporaryServer(extra_args=args) as srv:
        yield srv


def kwargs_for(srv: TemporaryServer, **extra: Any) -> dict[str, Any]:
    return {**srv.connect_kwargs(), **extra}


async def tls_status(**kwargs: Any) -> tuple[str, str]:
    """Connect and return the session's (Ssl_version, Ssl_cipher) as the server sees them."""
    conn = await aiomysql.connect(**kwargs)
    try:
        async with conn.cursor() as cur:
            await cur.execute("SHOW SESSION STATUS WHERE Variable_name IN "
                              "('Ssl_version', 'Ssl_cipher')")  # fmt: skip
            status = dict(await cur.fetchall())
            await cur.execute("SELECT REPEAT('x', 300000)")  # a large read over TLS
            (big,) = await cur.fetchone()
            assert len(big) == 300000
    finally:
        await conn.ensure_closed()
    return status["Ssl_version"], status["Ssl_cipher"]


async def test_verified_tls_with_host_name(tls_server: TemporaryServer, certs: CertFiles) -> None:
    version, cipher = await tls_status(**kwargs_for(tls_server, host="localhost",
                                                    ssl={"ca": certs.ca}))  # fmt: skip
    assert version.startswith("TLSv1") and cipher


async def test_compression_over_tls(tls_server: TemporaryServer, certs: CertFiles) -> None:
    """Compressed packets inside TLS: compression layers over the upgraded transport."""
    kwargs = kwargs_for(tls_server, host="localhost", ssl={"ca": certs.ca}, compress=True)
    version, _ = await tls_status(**kwargs)
    assert version.startswith("TLSv1")
    async with aiomysql.connect(**kwargs) as conn, conn.cursor() as cur:
        await cur.execute("SHOW SESSION STATUS LIKE 'Compression'")
        assert await cur.fetchone() == ("Compression", "ON")


async def test_ssl_context(tls_server: TemporaryServer, certs: CertFiles) -> None:
    ctx = ssl.create_default_context(cafile=certs.ca)
    version, _ = await tls_status(**kwargs_for(tls_server, host="localhost", ssl=ctx))
    assert version.startswith("TLSv1")


async def test_host_name_mismatch_is_rejected(
    tls_server: TemporaryServer, certs: CertFiles
) -> None:
    # The certificate names "localhost" only; 127.0.0.1 does not match it.
    with pytest.raises(OperationalError) as info:
        await aiomysql.connect(**kwargs_for(tls_server, ssl={"ca": certs.ca}))
    assert info.value.args[0] == 2026
    assert "mismatch" in info.value.args[1] or "match" in info.value.args[1]


async def test_host_name_check_can_be_turned_off(
    tls_server: TemporaryServer, certs: CertFiles
) -> None:
    options = {"ca": certs.ca, "check_hostname": False}
    version, _ = await tls_status(**kwargs_for(tls_server, ssl=options))
    assert version.startswith("TLSv1")


async def test_wrong_ca_is_rejected(tls_server: TemporaryServer, other_ca: CertFiles) -> None:
    with pytest.raises(OperationalError) as info:
        await aiomysql.connect(**kwargs_for(tls_server, host="localhost", ssl={"ca": other_ca.ca}))
    assert info.value.args[0] == 2026
    assert "certificate verify failed" in info.value.args[1]


async def test_ssl_true_verifies_against_system_cas(tls_server: TemporaryServer) -> None:
    # Our test CA is in no system store, so ssl=True must refuse the server.
    with pytest.raises(OperationalError, match="certificate verify failed"):
        await aiomysql.connect(**kwargs_for(tls_server, host="localhost", ssl=True))


async def test_unverified_tls_when_asked(tls_server: TemporaryServer) -> None:
    options = {"verify_mode": ssl.CERT_NONE}
    version, _ = await tls_status(**kwargs_for(tls_server, ssl=options))
    assert version.startswith("TLSv1")


async def test_option_file_ssl_settings(
    tls_server: TemporaryServer, certs: CertFiles, tmp_path: Any
) -> None:
    cnf = tmp_path / "my.cnf"
    cnf.write_text(
        f"[client]\nhost=localhost\nport={tls_server.port}\nuser=root\nssl-ca={certs.ca}\n"
    )
    version, _ = await tls_status(read_default_file=str(cnf))
    assert version.startswith("TLSv1")


async def test_bad_ssl_argument_is_a_clear_error() -> None:
    with pytest.raises(ProgrammingError, match="ssl must be"):
        await aiomysql.connect(host="127.0.0.1", port=1, ssl="yes")
    with pytest.raises(ProgrammingError, match="unknown ssl option"):
        await aiomysql.connect(host="127.0.0.1", port=1, ssl={"cafile": "x"})
    with pytest.raises(OperationalError, match="Cannot set up TLS"):
        await aiomysql.connect(host="127.0.0.1", port=1, ssl={"ca": "/nonexistent/ca.pem"})


async def test_tls_required_but_not_offered_by_mariadb(mysql_server: Any) -> None:
    """The session server runs without TLS: requiring TLS must fail, not fall back."""
    if mysql_server.server is None:
        pytest.fail("needs the session TemporaryServer (it runs without TLS)")
    with pytest.raises(OperationalError) as info:
        await aiomysql.connect(host=mysql_server.host, port=mysql_server.port,
                               user=mysql_server.user, ssl={"verify_mode": False})  # fmt: skip
    assert info.value.args[0] == 2026
    assert "does not offer it" in info.value.args[1]


async def test_tls_required_but_not_offered_sends_nothing() -> None:
    """Fake server (it can show what the client sent): no credentials go out in clear."""

    def script(c: FakeConnection) -> bool:
        c.send(sp.greeting(caps=sp.SERVER_CAPS))  # no CLIENT_SSL
        return c.wait_closed()

    async with FakeServer(script) as srv:
        with pytest.raises(OperationalError, match="does not offer it"):
            await aiomysql.connect(**srv.kwargs(password="secret", ssl=True))
    assert srv.results == [True]


async def test_big_values_and_many_rows_over_tls(
    tls_server: TemporaryServer, certs: CertFiles
) -> None:
    """The TLS layer writes decrypted bytes into the same receive buffer the plain socket
    does: a value over 16 MiB (several frames, joined in place) twice, then many rows."""
    conn = await aiomysql.connect(
        **kwargs_for(tls_server, host="localhost", ssl={"ca": certs.ca}),
        max_allowed_packet=64 * 1024 * 1024,
    )
    try:
        async with conn.cursor() as cur:
            for char in "ab":
                await cur.execute(f"SELECT REPEAT('{char}', 20 * 1024 * 1024), 7")
                big, seven = await cur.fetchone()
                assert big == char * (20 * 1024 * 1024) and seven == 7
            await cur.execute("SELECT seq, REPEAT('r', 90) FROM mysql.seq_1_to_50000")
            rows = await cur.fetchall()
            assert len(rows) == 50000 and rows[-1] == (50000, "r" * 90)
    finally:
        await conn.ensure_closed()
