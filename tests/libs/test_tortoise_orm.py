"""tortoise-orm's MySQL backend on this driver (it takes aiomysql when asyncmy is absent).

It reads ``pool._free`` and every result's column names from
``cursor._result.fields[i].name``, runs savepoints with ``conn._execute_command()`` +
``conn._read_ok_packet()``, and expires free connections with
``conn._reader.set_exception(exc)``: thin shims in aiomysql/_compat_shims.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from tortoise import Tortoise, connections, fields
from tortoise.backends.mysql import client as tortoise_mysql
from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.models import Model
from tortoise.transactions import in_transaction

import aiomysql
from aiomysql.connection import Connection

TEAM, PLAYER = "libs_tortoise_team", "libs_tortoise_player"


class Team(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=50, unique=True)

    class Meta:
        app = "models"
        table = TEAM


class Player(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=50)
    goals = fields.IntField(default=0)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="players"
    )

    class Meta:
        app = "models"
        table = PLAYER


def _config(kw: dict[str, Any], **extra: Any) -> dict[str, Any]:
    credentials = {
        "host": kw["host"],
        "port": kw["port"],
        "user": kw["user"],
        "password": kw["password"],
        "database": kw["db"],
        **extra,
    }
    return {
        "connections": {
            "default": {"engine": "tortoise.backends.mysql", "credentials": credentials}
        },
        "apps": {"models": {"models": [__name__], "default_connection": "default"}},
    }


@pytest.fixture
async def orm(
    connect_kwargs: dict[str, Any], tables: Callable[..., Awaitable[None]]
) -> AsyncIterator[tortoise_mysql.MySQLClient]:
    """Tortoise on the test database with the schema generated."""
    await tables(PLAYER, TEAM)
    # generate_schemas() sends the whole schema as one ;-separated statement.
    await Tortoise.init(config=_config(connect_kwargs))
    try:
        await Tortoise.generate_schemas()
        client = connections.get("default")
        assert isinstance(client, tortoise_mysql.MySQLClient)
        yield client
    finally:
        await Tortoise.close_connections()


def test_tortoise_picked_this_driver() -> None:
    assert tortoise_mysql.mysql is aiomysql  # asyncmy is not installed


async def test_models_relations_and_raw_queries(orm: tortoise_mysql.MySQLClient) -> None:
    reds = await Team.create(name="reds")
    blues = await Team.create(name="blues")
    await Player.bulk_create(
        [Player(name="ann", goals=3, team=reds), Player(name="bob", goals=1, team=reds)]
    )
    await Player.create(name="cy", goals=7, team=blues)

    scorers = await Player.filter(team__name="reds", goals__gt=0).order_by("-goals")
    assert [p.name for p in scorers] == ["ann", "bob"]
    assert await Player.filter(goals__gte=3).count() == 2
    assert sorted(await Team.all().values_list("name", flat=True)) == ["blues", "reds"]
    team = await Team.get(name="reds").prefetch_related("players")
    assert sorted(p.name for p in team.players) == ["ann", "bob"]
    assert await Player.filter(name="cy").update(goals=8) == 1
    assert (await Player.get(name="cy")).goals == 8
    await Player.filter(name="bob").delete()
    assert await Player.all().count() == 2

    # Column names of every result come from cursor._result.fields[i].name.
    rows = await orm.execute_query_dict(
        f"SELECT t.name AS team, COUNT(*) AS n, SUM(p.goals) AS goals FROM {PLAYER} p"
        f" JOIN {TEAM} t ON t.id = p.team_id GROUP BY t.name ORDER BY t.name"
    )
    assert [(r["team"], r["n"], int(r["goals"])) for r in rows] == [("blues", 1, 8), ("reds", 1, 3)]

    with pytest.raises(IntegrityError, match="Duplicate entry 'reds'"):
        await Team.create(name="reds")
    with pytest.raises(OperationalError):
        await orm.execute_query("SELECT no_such_column FROM " + TEAM)


async def test_savepoints_through_execute_command(
    orm: tortoise_mysql.MySQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[str] = []
    execute_command = Connection._execute_command

    async def spy(self: Connection, command: int, sql: str | bytes) -> None:
        sent.append(sql if isinstance(sql, str) else sql.decode())
        await execute_command(self, command, sql)

    monkeypatch.setattr(Connection, "_execute_command", spy)

    async with in_transaction() as outer:
        await Team.create(name="kept", using_db=outer)
        with pytest.raises(RuntimeError):
            async with in_transaction() as inner:  # a savepoint, rolled back
                await Team.create(name="undone", using_db=inner)
                raise RuntimeError
        async with in_transaction() as inner:  # a savepoint, released
            await Team.create(name="also kept", using_db=inner)
    assert sorted(await Team.all().values_list("name", flat=True)) == ["also kept", "kept"]
    assert [sql.split(" tortoise_savepoint_")[0] for sql in sent] == [
        "SAVEPOINT",
        "ROLLBACK TO SAVEPOINT",
        "SAVEPOINT",
        "RELEASE SAVEPOINT",
    ]

    # A savepoint the server does not know: its error comes through _read_ok_packet().
    async with in_transaction() as outer:
        conn = outer._connection
        await conn._execute_command(aiomysql.constants.COMMAND.COM_QUERY, "RELEASE SAVEPOINT x")
        with pytest.raises(aiomysql.DatabaseError, match="SAVEPOINT x does not exist") as err:
            await conn._read_ok_packet()
        assert err.value.args[0] == 1305
        assert await Team.filter(name="kept").using_db(outer).count() == 1


async def test_expired_free_connections_are_replaced(orm: tortoise_mysql.MySQLClient) -> None:
    pool = orm._pool
    assert isinstance(pool, aiomysql.Pool)
    free = list(pool._free)
    assert free
    await orm._expire_connections()  # conn._reader.set_exception(EOFError("EOF"))
    assert all(conn.closed for conn in free)
    assert await orm.execute_query_dict("SELECT 1 AS one") == [{"one": 1}]
    assert not set(pool._free) & set(free)
    assert pool.stats().closed >= len(free)


async def test_schema_without_passing_client_flag(
    connect_kwargs: dict[str, Any], tables: Callable[..., Awaitable[None]]
) -> None:
    await tables(PLAYER, TEAM)
    await Tortoise.init(config=_config(connect_kwargs))
    try:
        await Tortoise.generate_schemas()
    finally:
        await Tortoise.close_connections()
