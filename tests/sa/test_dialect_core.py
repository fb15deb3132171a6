"""SQLAlchemy 2's own mysql+aiomysql dialect, running on us: Core statements and streaming."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
from sa_support import fetch
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

import aiomysql

metadata = sa.MetaData()
items = sa.Table(
    "sa_dialect_items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(40), nullable=False, unique=True),
    sa.Column("qty", sa.Integer, nullable=False, server_default="0"),
)


@pytest.fixture
async def engine(sa_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_async_engine(sa_url)
    async with eng.begin() as conn:
        await conn.run_sync(metadata.drop_all)
        await conn.run_sync(metadata.create_all)
    try:
        yield eng
    finally:
        await eng.dispose()


async def test_dialect_is_ours(engine: AsyncEngine) -> None:
    assert engine.dialect.driver == "aiomysql"
    assert engine.dialect.dbapi is not None
    assert engine.dialect.dbapi.aiomysql is aiomysql
    assert engine.dialect.dbapi.Error is aiomysql.Error
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.driver_connection, aiomysql.Connection)
        assert engine.dialect.server_version_info is not None
        assert engine.dialect._connection_charset == "utf8mb4"  # detected via our API


async def test_insert_select_update_delete(engine: AsyncEngine, raw_conn: Any) -> None:
    async with engine.begin() as conn:
        result = await conn.execute(items.insert().values(name="one", qty=1))
        assert result.inserted_primary_key == (1,)
        assert result.rowcount == 1
        # executemany: SQLAlchemy takes the driver's return value as the rowcount
        result = await conn.execute(
            items.insert(), [{"name": f"n{i}", "qty": i} for i in range(2, 12)]
        )
        assert result.rowcount == 10
        rows = (await conn.execute(sa.select(items).order_by(items.c.id))).all()
        assert len(rows) == 11
        assert rows[0] == (1, "one", 1)
        assert rows[0].name == "one"
        assert rows[0]._mapping[items.c.qty] == 1
        # FOUND_ROWS: an UPDATE that matches a row without changing it still counts
        result = await conn.execute(items.update().where(items.c.id == 1).values(qty=1))
        assert result.rowcount == 1
        result = await conn.execute(
            items.update().where(items.c.qty >= 5).values(qty=items.c.qty + 100)
        )
        assert result.rowcount == 7
        total = await conn.scalar(sa.select(sa.func.sum(items.c.qty)))
        assert total == sum([1, 2, 3, 4]) + sum(range(105, 112))
        result = await conn.execute(items.delete().where(items.c.qty > 100))
        assert result.rowcount == 7
        names = (
            (
                await conn.execute(
                    sa.select(items.c.name)
                    .where(items.c.name.in_(["one", "n2", "nope"]))
                    .order_by(items.c.name)
                )
            )
            .scalars()
            .all()
        )
        assert names == ["n2", "one"]
    # committed: visible from an unrelated connection
    assert await fetch(raw_conn, "SELECT COUNT(*) FROM sa_dialect_items") == [(4,)]


async def test_text_and_percent_signs(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        value = await conn.scalar(sa.text("SELECT CONCAT(:a, '%', '%%')"), {"a": "x"})
        assert value == "x%%%"  # text() is literal: its % signs reach the server as written
        value = await conn.scalar(sa.select(sa.literal_column("'100%'")))
        assert value == "100%"
        await conn.exec_driver_sql("INSERT INTO sa_dialect_items (name) VALUES (%s)", ("p%",))
        rows = await conn.exec_driver_sql(
            "SELECT name FROM sa_dialect_items WHERE name LIKE %s", ("p%%",)
        )
        assert rows.all() == [("p%",)]
        await conn.rollback()


async def test_integrity_error_is_wrapped(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(items.insert().values(name="dup"))
        with pytest.raises(sa.exc.IntegrityError) as info:
            await conn.execute(items.insert().values(name="dup"))
        assert isinstance(info.value.orig, aiomysql.IntegrityError)
        assert info.value.orig.args[0] == 1062
        await conn.rollback()
        # the connection is still good after the error
        assert await conn.scalar(sa.select(sa.func.count()).select_from(items)) == 0


async def test_stream_uses_a_server_side_cursor(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(items.insert(), [{"name": f"s{i}", "qty": i} for i in range(3000)])
    async with engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        result = await conn.stream(sa.select(items.c.qty).order_by(items.c.id))
        seen = []
        async for partition in result.partitions(500):
            # rows are still arriving: the driver connection is reading an unbuffered result
            assert raw.busy or len(seen) + len(partition) == 3000
            seen += [row.qty for row in partition]
        assert seen == list(range(3000))
        assert not raw.busy
        # execution_options(stream_results=True) on a plain execute also streams
        result = await conn.stream(sa.select(items.c.id).execution_options(yield_per=100))
        first = await result.fetchone()
        assert first is not None and raw.busy
        await result.close()
        assert not raw.busy
        assert await conn.scalar(sa.select(sa.func.count()).select_from(items)) == 3000


async def test_warnings_hook_is_overridden(engine: AsyncEngine) -> None:
    # The dialect subclasses our cursors to silence _show_warnings; with our own cursor
    # the same statement would surface the server's warning (an error in this test run).
    async with engine.connect() as conn:
        assert await conn.scalar(sa.text("SELECT CAST('12abc' AS SIGNED)")) == 12
        raw = (await conn.get_raw_connection()).driver_connection
        async with raw.cursor() as cur:
            with pytest.warns(aiomysql.Warning):
                await cur.execute("SELECT CAST('12abc' AS SIGNED)")
