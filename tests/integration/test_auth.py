"""Logging in to the real MariaDB: native password, ed25519, wrong and empty passwords,
auth switch, forced plugins, UTF-8 passwords, connection attributes and the unix socket."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import aiomysql
from aiomysql.errors import OperationalError
from aiomysql.protocol import ed25519
from aiomysql.protocol.auth import AuthContext
from aiomysql.protocol.auth_plugins import plugin_for

PASSWORD = "pässwörd€ 密码"  # not Latin-1: aiomysql 0.2/asyncmy fail on such passwords
SUFFIX = f"{os.getpid()}"
NATIVE = f"aionative{SUFFIX}"
ED = f"aioed{SUFFIX}"
NOPW = f"aionopw{SUFFIX}"


def server_kwargs(info: Any, **extra: Any) -> dict[str, Any]:
    return {"host": info.host, "port": info.port, **extra}


async def root_connection(info: Any) -> aiomysql.Connection:
    return await aiomysql.connect(**server_kwargs(info, user=info.user, password=info.password))


@pytest.fixture
async def users(mysql_server: Any) -> AsyncIterator[None]:
    """Test accounts, created for each test and dropped after it."""
    conn = await root_connection(mysql_server)
    try:
        async with conn.cursor() as cur:
            await cur.execute(
                "SELECT COUNT(*) FROM information_schema.PLUGINS "
                "WHERE PLUGIN_NAME = 'ed25519' AND PLUGIN_STATUS = 'ACTIVE'"
            )
            row = await cur.fetchone()
            if not row[0]:
                await cur.execute("INSTALL SONAME 'auth_ed25519'")
            create = "CREATE OR REPLACE USER"
            await cur.execute(f"{create} '{NATIVE}'@'%%' IDENTIFIED BY %s", (PASSWORD,))
            await cur.execute(
                f"{create} '{ED}'@'%%' IDENTIFIED VIA ed25519 USING PASSWORD(%s)", (PASSWORD,)
            )
            await cur.execute(f"{create} '{NOPW}'@'%'")
        yield
    finally:
        async with conn.cursor() as cur:
            await cur.execute(
                "SELECT User FROM mysql.user WHERE User IN (%s, %s, %s)", (NATIVE, ED, NOPW)
            )
            for (user,) in await cur.fetchall():
                await cur.execute(f"DROP USER '{user}'@'%'")
        await conn.ensure_closed()


async def current_user(info: Any, **kwargs: Any) -> str:
    conn = await aiomysql.connect(**server_kwargs(info, **kwargs))
    try:
        async with conn.cursor() as cur:
            await cur.execute("SELECT CURRENT_USER()")
            row = await cur.fetchone()
    finally:
        await conn.ensure_closed()
    return str(row[0])


async def test_native_password_utf8(mysql_server: Any, users: None) -> None:
    who = await current_user(mysql_server, user=NATIVE, password=PASSWORD)
    assert who == f"{NATIVE}@%"


async def test_ed25519_login_through_auth_switch(mysql_server: Any, users: None) -> None:
    # The greeting offers mysql_native_password; the server then switches to client_ed25519.
    who = await current_user(mysql_server, user=ED, password=PASSWORD)
    assert who == f"{ED}@%"


@pytest.mark.parametrize("plugin", ["mysql_native_password", "client_ed25519"])
async def test_forced_plugin(mysql_server: Any, users: None, plugin: str) -> None:
    user = NATIVE if plugin == "mysql_native_password" else ED
    who = await current_user(mysql_server, user=user, password=PASSWORD, auth_plugin=plugin)
    assert who == f"{user}@%"


async def test_native_user_with_ed25519_forced_is_switched_back(
    mysql_server: Any, users: None
) -> None:
    # The client starts with client_ed25519; the server switches it to the user's plugin.
    who = await current_user(
        mysql_server, user=NATIVE, password=PASSWORD, auth_plugin="client_ed25519"
    )
    assert who == f"{NATIVE}@%"


@pytest.mark.parametrize("user", [NATIVE, ED, NOPW])
async def test_wrong_password_is_denied(mysql_server: Any, users: None, user: str) -> None:
    with pytest.raises(OperationalError) as info:
        await aiomysql.connect(**server_kwargs(mysql_server, user=user, password="wrong"))
    assert info.value.args[0] == 1045
    assert "Access denied" in info.value.args[1]


async def test_user_without_password(mysql_server: Any, users: None) -> None:
    assert await current_user(mysql_server, user=NOPW, password="") == f"{NOPW}@%"


async def test_unknown_user_is_denied(mysql_server: Any) -> None:
    with pytest.raises(OperationalError) as info:
        await aiomysql.connect(**server_kwargs(mysql_server, user="nobody_here", password="x"))
    assert info.value.args[0] == 1045


async def test_ed25519_public_key_matches_server(mysql_server: Any, users: None) -> None:
    """The derivation (SHA-512 of the password as the expanded secret) gives the very
    public key MariaDB stored for the account."""
    conn = await root_connection(mysql_server)
    try:
        async with conn.cursor() as cur:
            await cur.execute(
                "SELECT JSON_VALUE(Priv, '$.authentication_string') FROM mysql.global_priv "
                "WHERE User = %s",
                (ED,),
            )
            (stored,) = await cur.fetchone()
    finally:
        await conn.ensure_closed()
    ours = ed25519.public_key_from_hash(hashlib.sha512(PASSWORD.encode()).digest())
    assert base64.b64encode(ours).decode().rstrip("=") == stored


def test_ed25519_matches_stock_ed25519_for_a_32_byte_password() -> None:
    """With a 32-byte password, SHA-512(password) is exactly what stock Ed25519 derives
    from a 32-byte private key, so `cryptography` must produce the same signature."""
    password, nonce = os.urandom(32), os.urandom(32)
    ours = plugin_for("client_ed25519", AuthContext(password)).start(nonce)
    assert ours == Ed25519PrivateKey.from_private_bytes(password).sign(nonce)


async def test_connection_attributes(mysql_server: Any, connect_kwargs: dict) -> None:
    conn = await aiomysql.connect(
        program_name="aiomysql-tests", connect_attrs={"team": "db"}, **connect_kwargs
    )
    try:
        async with conn.cursor() as cur:
            await cur.execute(
                "SELECT ATTR_NAME, ATTR_VALUE FROM performance_schema.session_connect_attrs "
                "WHERE PROCESSLIST_ID = CONNECTION_ID()"
            )
            attrs = dict(await cur.fetchall())
    finally:
        await conn.ensure_closed()
    assert attrs["_client_name"] == "aiomysql"
    assert attrs["_client_version"] == aiomysql.__version__
    assert attrs["_pid"] == str(os.getpid())
    assert attrs["program_name"] == "aiomysql-tests"
    assert attrs["team"] == "db"


async def test_unix_socket(mysql_server: Any, connect_kwargs: dict) -> None:
    assert mysql_server.unix_socket, "set AIOMYSQL_TEST_UNIX_SOCKET to test unix sockets"
    kwargs = dict(connect_kwargs, unix_socket=mysql_server.unix_socket)
    kwargs.pop("host")
    kwargs.pop("port")
    conn = await aiomysql.connect(**kwargs)
    try:
        async with conn.cursor() as cur:
            await cur.execute("SELECT @@socket, CURRENT_USER()")
            socket_path, _ = await cur.fetchone()
            # A TCP session has a host:port in the process list; a socket one "localhost".
            await cur.execute(
                "SELECT HOST FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()"
            )
            (host,) = await cur.fetchone()
    finally:
        await conn.ensure_closed()
    assert os.path.samefile(socket_path, mysql_server.unix_socket)
    assert host == "localhost"
