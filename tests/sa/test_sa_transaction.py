"""aiomysql.sa transactions: root, marker, nested (savepoints) and two-phase (XA), each
checked from another connection."""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
from sa_support import end_prepared_xids, fetch
from sqlalchemy.schema import CreateTable, DropTable

import aiomysql
from aiomysql.sa import (
    Engine,
    InvalidRequestError,
    NestedTransaction,
    ResourceClosedError,
    RootTransaction,
    SAConnection,
    Transaction,
    TwoPhaseTransaction,
    create_engine,
)

tbl = sa.Table(
    "sa_tx_items",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(30)),
    mysql_engine="InnoDB",
)


@pytest.fixture
async def engine(connect_kwargs: dict[str, Any], raw_conn: Any) -> AsyncIterator[Engine]:
    await end_prepared_xids(raw_conn)
    async with create_engine(maxsize=2, **connect_kwargs) as eng:
        async with eng.acquire() as conn:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", aiomysql.Warning)
                await conn.execute(DropTable(tbl, if_exists=True))
            await conn.execute(CreateTable(tbl))
        try:
            yield eng
        finally:
            await end_prepared_xids(raw_conn)


@pytest.fixture
async def conn(engine: Engine) -> AsyncIterator[SAConnection]:
    async with engine.acquire() as c:
        yield c


async def names(raw_conn: aiomysql.Connection) -> list[str]:
    """What another connection (autocommit) sees committed."""
    return [r[0] for r in await fetch(raw_conn, "SELECT name FROM sa_tx_items ORDER BY id")]


async def test_commit_and_rollback(conn: SAConnection, raw_conn: Any) -> None:
    assert not conn.in_transaction
    tx = await conn.begin()
    assert isinstance(tx, RootTransaction) and tx.is_active and tx.connection is conn
    assert conn.in_transaction
    await conn.execute(tbl.insert(), id=1, name="kept")
    assert await names(raw_conn) == []  # not yet committed
    await tx.commit()
    assert not tx.is_active and not conn.in_transaction
    assert await names(raw_conn) == ["kept"]
    with pytest.raises(InvalidRequestError, match="inactive"):
        await tx.commit()

    tx = await conn.begin()
    await conn.execute(tbl.insert(), [{"id": 2, "name": "x"}, {"id": 3, "name": "y"}])
    await conn.execute(tbl.update().values(name="changed"))
    assert await conn.scalar(sa.select(sa.func.count()).select_from(tbl)) == 3
    await tx.rollback()
    await tx.rollback()  # a second rollback does nothing
    assert await names(raw_conn) == ["kept"]  # the rollback really undid the rows
    assert await conn.scalar(sa.select(sa.func.count()).select_from(tbl)) == 1


async def test_async_with_commits_or_rolls_back(conn: SAConnection, raw_conn: Any) -> None:
    async with conn.begin() as tx:
        await conn.execute(tbl.insert(), id=1, name="ok")
    assert not tx.is_active
    assert await names(raw_conn) == ["ok"]
    with pytest.raises(ZeroDivisionError):
        async with conn.begin():
            await conn.execute(tbl.insert(), id=2, name="undone")
            1 / 0  # noqa: B018
    assert not conn.in_transaction
    assert await names(raw_conn) == ["ok"]
    # a transaction already ended inside the block is left alone at exit
    async with conn.begin() as tx:
        await conn.execute(tbl.insert(), id=3, name="rolled")
        await tx.rollback()
    assert await names(raw_conn) == ["ok"]


async def test_marker_transaction(conn: SAConnection, raw_conn: Any) -> None:
    outer = await conn.begin()
    inner = await conn.begin()  # a marker inside the open transaction
    assert type(inner) is Transaction
    await conn.execute(tbl.insert(), id=1, name="a")
    await inner.commit()  # ends the marker only
    assert outer.is_active and await names(raw_conn) == []
    inner = await conn.begin()
    await inner.rollback()  # rolls back the whole transaction
    assert not outer.is_active and not conn.in_transaction
    assert await names(raw_conn) == []
    assert await conn.scalar(sa.select(sa.func.count()).select_from(tbl)) == 0


async def test_nested_transactions(conn: SAConnection, raw_conn: Any) -> None:
    root = await conn.begin_nested()  # without a transaction: a plain BEGIN
    assert isinstance(root, RootTransaction)
    await conn.execute(tbl.insert(), id=1, name="root")
    sp1 = await conn.begin_nested()
    assert isinstance(sp1, NestedTransaction) and sp1.savepoint
    await conn.execute(tbl.insert(), id=2, name="sp1")
    sp2 = await conn.begin_nested()
    await conn.execute(tbl.insert(), id=3, name="sp2")
    await sp2.rollback()  # undoes only id 3
    assert conn.in_transaction and sp1.is_active and root.is_active
    ids = await conn.execute(sa.select(tbl.c.id).order_by(tbl.c.id))
    assert [r.id for r in await ids.fetchall()] == [1, 2]
    await sp1.commit()  # RELEASE SAVEPOINT: id 2 stays, inside the root transaction
    assert await names(raw_conn) == []
    async with conn.begin_nested():
        await conn.execute(tbl.insert(), id=4, name="sp3")
    with pytest.raises(aiomysql.IntegrityError):
        async with conn.begin_nested():
            await conn.execute(tbl.insert(), id=5, name="sp4")
            await conn.execute(tbl.insert(), id=1, name="duplicate")
    await root.commit()
    assert await names(raw_conn) == ["root", "sp1", "sp3"]
    # a root rollback also ends the savepoints inside it
    root = await conn.begin()
    sp = await conn.begin_nested()
    await conn.execute(tbl.insert(), id=6, name="gone")
    await root.rollback()
    assert not sp.is_active and not conn.in_transaction
    assert await names(raw_conn) == ["root", "sp1", "sp3"]


async def test_two_phase_commit(conn: SAConnection, raw_conn: Any) -> None:
    tx = await conn.begin_twophase("aiomysql-sa-2pc-1")
    assert isinstance(tx, TwoPhaseTransaction) and tx.xid == "aiomysql-sa-2pc-1"
    await conn.execute(tbl.insert(), id=1, name="xa")
    await tx.prepare()
    assert tx.is_prepared
    assert "aiomysql-sa-2pc-1" in await conn.recover_twophase()
    assert await names(raw_conn) == []
    await tx.commit()
    assert not conn.in_transaction
    assert await names(raw_conn) == ["xa"]
    assert "aiomysql-sa-2pc-1" not in await conn.recover_twophase()

    # prepared, then rolled back
    tx = await conn.begin_twophase()
    assert tx.xid.startswith("aiomysql_sa_")  # a generated xid
    await conn.execute(tbl.insert(), id=2, name="xa-undone")
    await tx.prepare()
    await tx.rollback()
    # one phase: commit without prepare; and rollback without prepare
    async with conn.begin_twophase():
        await conn.execute(tbl.insert(), id=3, name="one-phase")
    tx = await conn.begin_twophase()
    await conn.execute(tbl.insert(), id=4, name="unprepared-undone")
    await tx.rollback()
    assert await names(raw_conn) == ["xa", "one-phase"]
    with pytest.raises(InvalidRequestError, match="in progress"):
        async with conn.begin():
            await conn.begin_twophase()


async def test_prepared_transaction_finished_elsewhere(engine: Engine, raw_conn: Any) -> None:
    """A prepared XA transaction outlives its connection; another one commits it."""
    async with engine.acquire() as first:
        tx = await first.begin_twophase("aiomysql-sa-recover")
        await first.execute(tbl.insert(), id=1, name="recovered")
        await tx.prepare()
        first_raw = first.connection
        assert first_raw is not None
        first_raw.close()  # the client goes away after the first phase
    async with engine.acquire() as second:
        assert "aiomysql-sa-recover" in await second.recover_twophase()
        await second.commit_prepared("aiomysql-sa-recover")
    assert await names(raw_conn) == ["recovered"]
    async with engine.acquire() as third:
        tx = await third.begin_twophase("aiomysql-sa-recover-2")
        await third.execute(tbl.insert(), id=2, name="never")
        await tx.prepare()
        third_raw = third.connection
        assert third_raw is not None
        third_raw.close()
    async with engine.acquire() as fourth:
        async with fourth.begin():
            with pytest.raises(InvalidRequestError, match="transaction open"):
                await fourth.rollback_prepared("aiomysql-sa-recover-2")
        await fourth.rollback_prepared("aiomysql-sa-recover-2")
        assert "aiomysql-sa-recover-2" not in await fourth.recover_twophase()
        raw = fourth.connection
        assert raw is not None and not raw.get_autocommit()  # restored
    assert await names(raw_conn) == ["recovered"]


async def test_close_rolls_back(engine: Engine, raw_conn: Any) -> None:
    conn = await engine.acquire()
    await conn.begin()
    await conn.begin_nested()
    await conn.execute(tbl.insert(), id=1, name="lost")
    await conn.close()
    assert conn.closed and not conn.in_transaction
    assert await names(raw_conn) == []
    assert engine.freesize == engine.size  # the connection went back, clean
    with pytest.raises(ResourceClosedError):
        await conn.begin()
    async with engine.acquire() as again:
        assert await again.scalar(sa.select(sa.func.count()).select_from(tbl)) == 0
