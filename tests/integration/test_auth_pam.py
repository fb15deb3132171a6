"""mysql_clear_password against the real MariaDB, through its PAM plugin.

MariaDB asks a client for ``mysql_clear_password`` only from the ``pam`` plugin with
``pam_use_cleartext_plugin=ON``; these tests start a private server with exactly that
and show that the clear password is sent when allowed and refused when not:

* over plain TCP with ``allow_cleartext_password=True`` the PAM user logs in (and a
  wrong password is denied, so PAM really checks what arrives);
* over plain TCP without the flag the client refuses with an OperationalError naming
  mysql_clear_password, and a byte-recording relay between client and server shows
  that the password never left the client (the same relay does see it when allowed);
* over the server's unix socket the password is sent without the flag, since the
  driver counts a unix socket as a secure channel.

How PAM is set up: a service file ``/etc/pam.d/aiomysql_test_<random>`` written for
this module and removed in the fixture's teardown (also when a test or the server
start fails). Its ``auth`` line is ``pam_exec.so expose_authtok``: PAM hands the
password it received to a small script in a private temp dir, which accepts only the
expected user and the exact expected password bytes; ``account`` is ``pam_permit``.
Why not ``pam_permit`` for ``auth`` too: it accepts any password, so a login would not
show that the password arrived intact. Why not ``pam_unix`` with a throwaway
``useradd`` user: that edits the machine's /etc/passwd and /etc/shadow and leaves a
system account behind if the run is killed; pam_exec checks just as strictly and
leaves nothing but the service file, which the teardown removes. The server runs the
stock ``auth_pam`` (v2) plugin, which uses its setuid ``auth_pam_tool``; as root that
works here, so the in-process ``auth_pam_v1`` is not needed.

Nothing here skips: if PAM or the plugin cannot be set up, the fixture errors loudly.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

import aiomysql
from aiomysql.constants import CR
from aiomysql.errors import OperationalError
from aiomysql.testing import TemporaryServer

PAM_USER = "pamuser"
# Distinctive bytes (and not ASCII) so that a search of the recorded traffic is sound.
PASSWORD = f"clear-pässwörd-{secrets.token_hex(8)}"
PAM_DIR = "/etc/pam.d"

CHECK_SCRIPT = """\
#!/bin/sh
# pam_exec (expose_authtok) writes the password, then a NUL byte, to our stdin.
[ "$PAM_USER" = "{user}" ] || exit 1
/usr/bin/tr -d '\\000' | /usr/bin/cmp -s - "{expected}"
"""


class PamSetup:
    """The private server with auth_pam plus the PAM service it authenticates against."""

    def __init__(self, server: TemporaryServer, service: str) -> None:
        self.server = server
        self.service = service

    def tcp_kwargs(self, **extra: Any) -> dict[str, Any]:
        return {
            "host": self.server.host,
            "port": self.server.port,
            "user": PAM_USER,
            "password": PASSWORD,
            **extra,
        }


def _write_pam_service(service_path: str, workdir: str) -> None:
    expected = os.path.join(workdir, "expected-password")
    with open(expected, "wb") as f:
        f.write(PASSWORD.encode("utf-8"))
    script = os.path.join(workdir, "check-password.sh")
    with open(script, "w") as f:
        f.write(CHECK_SCRIPT.format(user=PAM_USER, expected=expected))
    os.chmod(script, 0o700)
    with open(service_path, "x") as f:
        f.write(
            "# aiomysql test service: written and removed by tests/integration/test_auth_pam.py\n"
            f"auth required pam_exec.so expose_authtok quiet {script}\n"
            "account required pam_permit.so\n"
        )


@pytest.fixture(scope="module")
def pam() -> Iterator[PamSetup]:
    """A MariaDB with auth_pam (cleartext mode) and a PAM user; the service file and
    the temp dir are removed afterwards whatever happens."""
    if not os.path.isdir(PAM_DIR) or not os.access(PAM_DIR, os.W_OK):
        raise RuntimeError(f"cannot write a PAM service file into {PAM_DIR} (need root)")
    service = f"aiomysql_test_{secrets.token_hex(6)}"
    service_path = os.path.join(PAM_DIR, service)
    workdir = tempfile.mkdtemp(prefix="aiomysql-pam-")
    try:
        _write_pam_service(service_path, workdir)
        init_sql = os.path.join(workdir, "init.sql")
        with open(init_sql, "w") as f:
            f.write(f"CREATE USER '{PAM_USER}'@'%' IDENTIFIED VIA pam USING '{service}';\n")
        args = [
            "--plugin-load-add=auth_pam",
            "--pam-use-cleartext-plugin=ON",
            f"--init-file={init_sql}",
        ]
        with TemporaryServer(extra_args=args) as srv:
            yield PamSetup(srv, service)
    finally:
        if os.path.exists(service_path):
            os.remove(service_path)
        shutil.rmtree(workdir, ignore_errors=True)


class RecordingRelay:
    """A loopback TCP relay to the server that records every byte the client sends."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.sent = bytearray()
        self.port = 0
        self._server: asyncio.Server | None = None
        self._handlers: list[asyncio.Task[Any]] = []

    async def __aenter__(self) -> RecordingRelay:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()
        for task in self._handlers:
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)

    async def finished(self, timeout: float = 5.0) -> None:
        """Wait until every relayed connection has been closed by both sides."""
        await asyncio.wait_for(asyncio.gather(*self._handlers), timeout)

    async def _handle(self, c_reader: asyncio.StreamReader, c_writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.append(task)
        s_reader, s_writer = await asyncio.open_connection(*self.target)
        await asyncio.gather(
            self._pump(c_reader, s_writer, record=True),
            self._pump(s_reader, c_writer, record=False),
        )

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, record: bool
    ) -> None:
        try:
            while data := await reader.read(65536):
                if record:
                    self.sent += data
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()


async def whoami(**kwargs: Any) -> tuple[str, str]:
    conn = await aiomysql.connect(**kwargs)
    try:
        async with conn.cursor() as cur:
            await cur.execute("SELECT CURRENT_USER(), USER()")
            current, user = await cur.fetchone()
    finally:
        await conn.ensure_closed()
    return current, user


async def test_server_asks_for_clear_password(pam: PamSetup) -> None:
    conn = await aiomysql.connect(**pam.server.connect_kwargs())
    try:
        async with conn.cursor() as cur:
            await cur.execute("SELECT @@pam_use_cleartext_plugin")
            assert (await cur.fetchone()) == (1,)
            await cur.execute(
                "SELECT JSON_VALUE(Priv, '$.plugin'), JSON_VALUE(Priv, '$.authentication_string')"
                " FROM mysql.global_priv WHERE User = %s AND Host = '%%'",
                (PAM_USER,),
            )
            assert (await cur.fetchone()) == ("pam", pam.service)
    finally:
        await conn.ensure_closed()


async def test_clear_password_over_tcp_when_allowed(pam: PamSetup) -> None:
    current, user = await whoami(**pam.tcp_kwargs(allow_cleartext_password=True))
    assert current == f"{PAM_USER}@%"
    assert user.startswith(f"{PAM_USER}@")


async def test_pam_checks_the_password(pam: PamSetup) -> None:
    kwargs = pam.tcp_kwargs(allow_cleartext_password=True, password=PASSWORD + "x")
    with pytest.raises(OperationalError) as info:
        await aiomysql.connect(**kwargs)
    assert info.value.args[0] == 1045  # ER_ACCESS_DENIED_ERROR


async def test_relay_sees_the_password_when_allowed(pam: PamSetup) -> None:
    # The control for the next test: the relay does record a clear password that is sent.
    async with RecordingRelay(pam.server.host, pam.server.port) as relay:
        kwargs = pam.tcp_kwargs(port=relay.port, allow_cleartext_password=True)
        current, _ = await whoami(**kwargs)
        await relay.finished()
    assert current == f"{PAM_USER}@%"
    assert PASSWORD.encode("utf-8") + b"\0" in relay.sent


async def test_clear_password_refused_over_tcp_and_never_sent(pam: PamSetup) -> None:
    async with RecordingRelay(pam.server.host, pam.server.port) as relay:
        with pytest.raises(OperationalError) as info:
            await aiomysql.connect(**pam.tcp_kwargs(port=relay.port))
        # The client closes its end; wait for the relay to have read all it sent.
        await relay.finished()
    code, message = info.value.args
    assert code == CR.CR_AUTH_PLUGIN_CANNOT_LOAD
    assert "mysql_clear_password" in message
    assert "allow_cleartext_password=True" in message
    # The relay did carry the login (the handshake response names the user) ...
    assert PAM_USER.encode() in relay.sent
    # ... but not the password, in any form that would reveal it.
    password = PASSWORD.encode("utf-8")
    assert password not in relay.sent
    assert PASSWORD.encode("latin-1", "replace") not in relay.sent
    assert password[-16:] not in relay.sent  # the random tail alone


async def test_clear_password_over_unix_socket_without_flag(pam: PamSetup) -> None:
    current, user = await whoami(unix_socket=pam.server.unix_socket, user=PAM_USER,
                                 password=PASSWORD)  # fmt: skip
    assert current == f"{PAM_USER}@%"
    assert user == f"{PAM_USER}@localhost"
