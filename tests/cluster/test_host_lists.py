"""Host lists against real servers: a refused port, a silent listener, the live server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

import aiomysql
from aiomysql._targeting import HOST_STATES


@pytest.fixture(autouse=True)
def _fresh_host_states() -> Iterator[None]:
    HOST_STATES.clear()
    yield
    HOST_STATES.clear()


@pytest.fixture
def refused_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections and never says a word."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


def _kwargs(connect_kwargs: dict[str, Any], hosts: Any) -> dict[str, Any]:
    kwargs = dict(connect_kwargs, host=hosts)
    del kwargs["port"]
    return kwargs


async def test_down_host_then_live_one(connect_kwargs: dict[str, Any], refused_port: int) -> None:
    live = f"{connect_kwargs['host']}:{connect_kwargs['port']}"
    down = f"127.0.0.1:{refused_port}"
    async with aiomysql.connect(**_kwargs(connect_kwargs, [down, live])) as conn:
        assert conn.port == connect_kwargs["port"]
        async with conn.cursor() as cur:
            await cur.execute("SELECT 1")
            assert await cur.fetchone() == (1,)
        assert HOST_STATES.recently_down(("127.0.0.1", refused_port))
    # As a comma-separated string, and with the down host now tried last.
    async with aiomysql.connect(**_kwargs(connect_kwargs, f"{down},{live}")) as conn:
        assert conn.port == connect_kwargs["port"]
        assert repr(conn).endswith(f"'{connect_kwargs['host']}:{connect_kwargs['port']}'>")


@pytest.mark.timing
async def test_all_down_names_each_host(
    connect_kwargs: dict[str, Any], refused_port: int, silent_port: int
) -> None:
    hosts = [f"127.0.0.1:{refused_port}", f"127.0.0.1:{silent_port}"]
    kwargs = _kwargs(connect_kwargs, hosts)
    with pytest.raises(aiomysql.OperationalError) as info:
        await aiomysql.connect(**kwargs, connect_timeout=0.2)
    code, message = info.value.args
    assert code == 2003
    assert "any of 2 MySQL servers" in message
    assert f"127.0.0.1:{refused_port}: (2003)" in message
    assert f"127.0.0.1:{silent_port}: (2003)" in message and "timed out" in message


@pytest.mark.timing
async def test_overall_deadline(connect_kwargs: dict[str, Any], silent_port: int) -> None:
    """Two hosts that never answer: the first uses up the deadline, the second is not tried."""
    live = f"{connect_kwargs['host']}:{connect_kwargs['port']}"
    kwargs = _kwargs(connect_kwargs, [f"127.0.0.1:{silent_port}", live])
    with pytest.raises(aiomysql.OperationalError) as info:
        await aiomysql.connect(**kwargs, connect_timeout=30, connect_deadline=0.2)
    message = info.value.args[1]
    assert "overall connect deadline passed" in message
    assert f"{live}: not tried: the connect deadline passed" in message


async def test_wrong_password_is_reported_per_host(
    connect_kwargs: dict[str, Any], refused_port: int
) -> None:
    live = f"{connect_kwargs['host']}:{connect_kwargs['port']}"
    kwargs = _kwargs(connect_kwargs, [live, f"127.0.0.1:{refused_port}"])
    kwargs["password"] = "certainly-wrong"
    with pytest.raises(aiomysql.OperationalError) as info:
        await aiomysql.connect(**kwargs)
    assert f"{live}: (1045)" in info.value.args[1]


async def test_single_host_error_unchanged(
    connect_kwargs: dict[str, Any], refused_port: int
) -> None:
    kwargs = dict(connect_kwargs, host="127.0.0.1", port=refused_port)
    with pytest.raises(aiomysql.OperationalError) as info:
        await aiomysql.connect(**kwargs)
    assert "any of" not in info.value.args[1]


async def test_pool_with_host_list_connects(
    connect_kwargs: dict[str, Any], refused_port: int
) -> None:
    live = f"{connect_kwargs['host']}:{connect_kwargs['port']}"
    kwargs = _kwargs(connect_kwargs, [f"127.0.0.1:{refused_port}", live])
    async with aiomysql.create_pool(minsize=1, maxsize=2, **kwargs) as pool:
        async with pool.acquire() as conn:
            assert conn.port == connect_kwargs["port"]


async def test_host_list_from_an_option_file(
    connect_kwargs: dict[str, Any], refused_port: int, tmp_path: Any
) -> None:
    live = f"{connect_kwargs['host']}:{connect_kwargs['port']}"
    cnf = tmp_path / "my.cnf"
    cnf.write_text(f"[client]\nhost = 127.0.0.1:{refused_port},{live}\n")
    kwargs = {k: v for k, v in connect_kwargs.items() if k not in ("host", "port")}
    async with aiomysql.connect(**kwargs, read_default_file=str(cnf)) as conn:
        assert conn.port == connect_kwargs["port"]
