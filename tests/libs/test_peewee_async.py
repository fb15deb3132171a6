"""peewee-async's MySQLDatabase (its aiomysql pool backend) on this driver.

The backend reads ``pool._used``, calls ``pool.release(conn)`` without awaiting it and
closes with ``terminate()``; peewee maps driver exceptions onto its own by class name.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import peewee
import peewee_async
import pytest
from peewee_async import AioModel

TABLE = "libs_peewee_item"


@pytest.fixture
async def db(
    connect_kwargs: dict[str, Any], tables: Callable[..., Awaitable[None]]
) -> AsyncIterator[peewee_async.MySQLDatabase]:
    await tables(TABLE)
    kwargs = dict(connect_kwargs)
    database = peewee_async.MySQLDatabase(
        kwargs.pop("db"), pool_params={"minsize": 1, "maxsize": 3}, **kwargs
    )
    Item._meta.database = database
    await database.aio_connect()
    await database.aio_create_tables([Item])
    yield database
    await database.aio_close()


class Item(AioModel):
    name = peewee.CharField(max_length=40, unique=True)
    qty = peewee.IntegerField(default=0)

    class Meta:
        table_name = TABLE


async def test_models_queries_and_errors(db: peewee_async.MySQLDatabase) -> None:
    first = await Item.aio_create(name="bolt", qty=3)
    await Item.aio_create(name="nut", qty=5)
    assert first.id == 1
    rows = await Item.select().order_by(Item.name).aio_execute()
    assert [(item.name, item.qty) for item in rows] == [("bolt", 3), ("nut", 5)]
    assert await Item.update(qty=Item.qty + 1).where(Item.qty > 3).aio_execute() == 1
    assert (await Item.aio_get(Item.name == "nut")).qty == 6
    assert await Item.select().aio_count() == 2
    assert TABLE in await db.aio_get_tables()  # other tests leave tables of their own

    with pytest.raises(peewee.IntegrityError, match="Duplicate entry 'bolt'"):
        await Item.aio_create(name="bolt")
    with pytest.raises(peewee.OperationalError):  # 1054: OperationalError, as in PyMySQL
        await db.aio_execute_sql("SELECT no_such_column FROM " + TABLE)
    with pytest.raises(Item.DoesNotExist):
        await Item.aio_get(Item.name == "washer")


async def test_transactions_and_savepoints(db: peewee_async.MySQLDatabase) -> None:
    async with db.aio_atomic():
        await Item.aio_create(name="kept")
        with pytest.raises(RuntimeError):
            async with db.aio_atomic():  # nested: a savepoint
                await Item.aio_create(name="undone")
                raise RuntimeError
    with pytest.raises(RuntimeError):
        async with db.aio_atomic():
            await Item.aio_create(name="rolled back")
            raise RuntimeError
    names = await Item.select(Item.name).order_by(Item.name).aio_execute()
    assert [item.name for item in names] == ["kept"]


async def test_pool_backend_private_names(db: peewee_async.MySQLDatabase) -> None:
    backend = db.pool_backend
    assert not backend.has_acquired_connections()  # len(pool._used)
    async with db.aio_connection():
        assert backend.has_acquired_connections()
        await Item.aio_create(name="inside")
    assert not backend.has_acquired_connections()  # pool.release(conn), not awaited
    pool = backend.pool
    assert pool is not None and pool.freesize == 1
    await db.aio_close()  # pool.terminate(), then wait_closed()
    assert pool.closed and pool.size == 0
    await db.aio_connect()  # the fixture closes it again
    assert await Item.select().aio_count() == 1
