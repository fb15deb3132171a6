"""The shims for libraries' use of aiomysql 0.3 private names, on their own."""

from __future__ import annotations

from typing import Any

import pytest

import aiomysql
from aiomysql._context import ReadyContext
from aiomysql.constants import COMMAND, CR


class Closable:
    closed = False

    async def close(self) -> None:
        self.closed = True


async def _make(obj: Closable) -> Closable:
    return obj


async def test_ready_context_rebuilt_from_a_coroutine() -> None:
    # ddtrace: type(conn.cursor())(coroutine), aiomysql 0.3's _ContextManager(coro) form.
    obj = Closable()
    assert await ReadyContext(_make(obj)) is obj
    assert not obj.closed
    async with ReadyContext(_make(obj)) as entered:
        assert entered is obj and not obj.closed
    assert obj.closed


async def test_ready_context_rebuilt_from_a_real_cursor_context(
    connect_kwargs: dict[str, Any],
) -> None:
    async with aiomysql.connect(**connect_kwargs) as conn:
        context = conn.cursor()

        async def wrapped() -> Any:
            return await context

        async with type(context)(wrapped()) as cur:
            await cur.execute("SELECT 5")
            assert await cur.fetchone() == (5,)
        assert cur.closed


async def test_execute_command_and_read_ok_packet(connect_kwargs: dict[str, Any]) -> None:
    async with aiomysql.connect(**connect_kwargs) as conn:
        await conn._execute_command(COMMAND.COM_QUERY, "SET @x = 1")
        ok = await conn._read_ok_packet()
        assert ok.columns is None
        await conn._execute_command(COMMAND.COM_QUERY, b"SELECT 1")
        with pytest.raises(aiomysql.OperationalError) as err:
            await conn._read_ok_packet()
        assert err.value.args[0] == CR.CR_COMMANDS_OUT_OF_SYNC
        with pytest.raises(aiomysql.NotSupportedError):
            await conn._execute_command(COMMAND.COM_PING, "")
        async with conn.cursor() as cur:  # still in step with the server
            await cur.execute("SELECT @x")
            assert await cur.fetchone() == (1,)
            assert [column.name for column in cur._result.fields] == ["@x"]


async def test_reader_set_exception_closes_and_the_pool_replaces(
    connect_kwargs: dict[str, Any],
) -> None:
    async with aiomysql.create_pool(minsize=1, maxsize=1, **connect_kwargs) as pool:
        (conn,) = pool._free
        conn._reader.set_exception(EOFError("EOF"))
        assert conn.closed
        async with pool.acquire() as fresh:
            assert fresh is not conn and not fresh.closed
