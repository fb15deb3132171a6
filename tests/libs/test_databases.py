"""encode/databases with ``mysql+aiomysql://`` on this driver (SQLAlchemy core queries).

databases 0.9 needs SQLAlchemy >= 2.0.7, which our test extras' SQLAlchemy 2.0 pin
satisfies, so it runs in the main test environment.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import sqlalchemy as sa
from databases import Database
from sqlalchemy.dialects import mysql
from sqlalchemy.schema import CreateTable

import aiomysql

TABLE = "libs_databases_note"

metadata = sa.MetaData()
notes = sa.Table(
    TABLE,
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("text", sa.String(100), nullable=False, unique=True),
    sa.Column("done", sa.Boolean, nullable=False),
    sa.Column("amount", sa.Numeric(10, 2)),
    sa.Column("at", sa.DateTime),
)


def _url(kw: dict[str, Any]) -> str:
    auth = kw["user"] + (f":{kw['password']}" if kw["password"] else "")
    return f"mysql+aiomysql://{auth}@{kw['host']}:{kw['port']}/{kw['db']}"


async def test_queries_transactions_and_iteration(
    connect_kwargs: dict[str, Any], tables: Callable[..., Awaitable[None]]
) -> None:
    await tables(TABLE)
    async with Database(_url(connect_kwargs), min_size=1, max_size=2) as db:
        await db.execute(str(CreateTable(notes).compile(dialect=mysql.dialect())))
        at = datetime.datetime(2024, 1, 2, 3, 4, 5, 678000)
        new_id = await db.execute(
            notes.insert(),
            {"text": "first", "done": True, "amount": decimal.Decimal("1.50"), "at": at},
        )
        assert new_id == 1
        await db.execute_many(
            notes.insert(),
            [
                {"text": "second", "done": False, "amount": 2, "at": None},
                {"text": "third", "done": False, "amount": None, "at": None},
            ],
        )

        rows = await db.fetch_all(notes.select().order_by(notes.c.id))
        assert [tuple(row._mapping.values()) for row in rows] == [
            (1, "first", True, decimal.Decimal("1.50"), at.replace(microsecond=0)),
            (2, "second", False, decimal.Decimal("2.00"), None),
            (3, "third", False, None, None),
        ]
        row = await db.fetch_one(notes.select().where(notes.c.text == "second"))
        assert row is not None and row["id"] == 2 and row.done is False
        count = sa.select(sa.func.count()).select_from(notes)
        assert await db.fetch_val(count) == 3
        assert await db.fetch_one(notes.select().where(notes.c.id == 99)) is None
        raw = await db.fetch_all("SELECT text FROM " + TABLE + " WHERE id < :n", {"n": 3})
        assert [r["text"] for r in raw] == ["first", "second"]

        with pytest.raises(RuntimeError):
            async with db.transaction():
                await db.execute(notes.delete())
                async with db.transaction():  # nested: a savepoint
                    await db.execute(notes.update().values(done=True))
                raise RuntimeError
        assert await db.fetch_val(count) == 3
        async with db.transaction():
            await db.execute(notes.update().where(notes.c.id == 3).values(done=True))
        done = sa.select(sa.func.count()).select_from(notes).where(notes.c.done)
        assert await db.fetch_val(done) == 2

        assert [r.text async for r in db.iterate(notes.select().order_by(notes.c.id))] == [
            "first",
            "second",
            "third",
        ]
        with pytest.raises(aiomysql.IntegrityError):
            await db.execute(notes.insert(), {"text": "first", "done": True})
