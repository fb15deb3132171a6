"""my.cnf reading: the file format, and connecting from read_default_file/group with the
explicit arguments winning."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import aiomysql
from aiomysql.errors import OperationalError
from aiomysql.optionfile import connection_defaults, read_option_files


def test_format(tmp_path: Path) -> None:
    inc = tmp_path / "conf.d"
    inc.mkdir()
    (inc / "extra.cnf").write_text("[client]\ncompress\n")
    (inc / "ignored.txt").write_text("[client]\nignored=1\n")
    cnf = tmp_path / "my.cnf"
    cnf.write_text(
        "# comment\n; another\n[mysqld]\nport=1\n"
        "[client]\n"
        "  Host = db.example   # trailing comment\n"
        'password = "se#cret \\"q\\" \\s"\n'
        "user='bob'\n"
        "default_character_set=latin1\n"
        "ssl-ca=/x\\\\y\n"
        f"!includedir {inc}\n"
        "[app]\nhost=app.example\n"
    )
    opts = read_option_files([str(cnf)], ["client", "app"])
    assert opts["host"] == "app.example"  # the later group wins
    assert opts["password"] == 'se#cret "q"  '
    assert opts["user"] == "bob"
    assert opts["default-character-set"] == "latin1"
    assert opts["ssl-ca"] == "/x\\y"
    assert opts["compress"] == "1"
    assert "port" not in opts and "ignored" not in opts


def test_connection_defaults_mapping(tmp_path: Path) -> None:
    cnf = tmp_path / "my.cnf"
    cnf.write_text(
        "[client]\nhost=h\nport=3307\nuser=u\npassword=p\ndatabase=d\nsocket=/s\n"
        "default-character-set=latin1\nconnect-timeout=3\nssl-ca=/ca\nssl-verify-server-cert=0\n"
    )
    assert connection_defaults(str(cnf), None) == {
        "host": "h",
        "port": 3307,
        "user": "u",
        "password": "p",
        "database": "d",
        "unix_socket": "/s",
        "charset": "latin1",
        "connect_timeout": 3.0,
        "ssl": {"ca": "/ca", "verify_mode": False, "check_hostname": False},
    }


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(OperationalError, match="Cannot read option file"):
        aiomysql.Connection(read_default_file=str(tmp_path / "nope.cnf"))


def test_bad_port_is_an_error(tmp_path: Path) -> None:
    cnf = tmp_path / "my.cnf"
    cnf.write_text("[client]\nport=abc\n")
    with pytest.raises(OperationalError, match="port must be a number"):
        aiomysql.Connection(read_default_file=str(cnf))


def write_cnf(path: Path, info: Any, **client: Any) -> str:
    lines = ["[client]"] + [f"{k}={v}" for k, v in client.items()]
    lines += ["[aiomysql_app]", f"port={info.port}", f"host={info.host}"]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


async def session_facts(**kwargs: Any) -> tuple[Any, ...]:
    conn = await aiomysql.connect(**kwargs)
    try:
        async with conn.cursor() as cur:
            await cur.execute("SELECT CURRENT_USER(), DATABASE(), @@character_set_client")
            row = await cur.fetchone()
    finally:
        await conn.ensure_closed()
    return tuple(row)


async def test_connect_from_file_and_group(
    mysql_server: Any, connect_kwargs: dict, tmp_path: Path
) -> None:
    # [client] names a wrong port; the [aiomysql_app] group overrides it.
    cnf = write_cnf(
        tmp_path / "my.cnf",
        mysql_server,
        host="192.0.2.1",
        port=1,
        user=mysql_server.user,
        password=mysql_server.password,
        database=connect_kwargs["db"],
        default_character_set="latin1",
    )
    user, db, charset = await session_facts(
        read_default_file=cnf, read_default_group="aiomysql_app"
    )
    assert user.startswith(mysql_server.user + "@")
    assert db == connect_kwargs["db"]
    assert charset == "latin1"


async def test_explicit_arguments_win(
    mysql_server: Any, connect_kwargs: dict, tmp_path: Path
) -> None:
    cnf = write_cnf(
        tmp_path / "my.cnf",
        mysql_server,
        host=mysql_server.host,
        port=mysql_server.port,
        user="no_such_user",
        password="wrong",
        database="no_such_db",
    )
    _, db, _ = await session_facts(
        read_default_file=cnf,
        user=mysql_server.user,
        password=mysql_server.password or "",
        db=connect_kwargs["db"],
    )
    assert db == connect_kwargs["db"]


async def test_socket_from_file(mysql_server: Any, tmp_path: Path) -> None:
    assert mysql_server.unix_socket, "set AIOMYSQL_TEST_UNIX_SOCKET to test unix sockets"
    cnf = tmp_path / "my.cnf"
    cnf.write_text(f"[client]\nsocket={mysql_server.unix_socket}\nuser={mysql_server.user}\n")
    conn = await aiomysql.connect(read_default_file=str(cnf), password=mysql_server.password)
    try:
        assert conn.unix_socket == mysql_server.unix_socket
        await conn.ping(reconnect=False)
    finally:
        await conn.ensure_closed()
