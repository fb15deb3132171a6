"""SQLAlchemy 2 on us: reflection through inspect(), and common types round-tripping."""

from __future__ import annotations

import datetime
import decimal
import enum
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


@pytest.fixture
async def engine(sa_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_async_engine(sa_url)
    try:
        yield eng
    finally:
        await eng.dispose()


schema = sa.MetaData()
parents = sa.Table(
    "sa_refl_parent",
    schema,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(20), nullable=False),
    sa.Column("note", sa.Text, nullable=True, comment="free text"),
    sa.UniqueConstraint("code", name="uq_parent_code"),
    mysql_engine="InnoDB",
)
children = sa.Table(
    "sa_refl_child",
    schema,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("sa_refl_parent.id", ondelete="CASCADE")),
    sa.Column("amount", sa.Numeric(12, 3), server_default="0"),
    sa.Column("created", sa.DateTime, nullable=False),
    sa.Index("ix_child_created_amount", "created", "amount"),
    mysql_engine="InnoDB",
)


async def test_reflection(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(schema.drop_all)
        await conn.run_sync(schema.create_all)

    def inspect_all(sync_conn: sa.Connection) -> dict[str, Any]:
        insp = sa.inspect(sync_conn)
        return {
            "tables": insp.get_table_names(),
            "columns": insp.get_columns("sa_refl_child"),
            "parent_columns": insp.get_columns("sa_refl_parent"),
            "pk": insp.get_pk_constraint("sa_refl_child"),
            "indexes": insp.get_indexes("sa_refl_child"),
            "unique": insp.get_unique_constraints("sa_refl_parent"),
            "fks": insp.get_foreign_keys("sa_refl_child"),
            "has": (insp.has_table("sa_refl_child"), insp.has_table("sa_refl_nope")),
        }

    async with engine.connect() as conn:
        info = await conn.run_sync(inspect_all)
        reflected = sa.MetaData()
        await conn.run_sync(reflected.reflect, only=["sa_refl_parent", "sa_refl_child"])

    assert {"sa_refl_parent", "sa_refl_child"} <= set(info["tables"])
    cols = {c["name"]: c for c in info["columns"]}
    assert list(cols) == ["id", "parent_id", "amount", "created"]
    assert isinstance(cols["id"]["type"], sa.BigInteger)
    assert isinstance(cols["amount"]["type"], sa.Numeric)
    assert (cols["amount"]["type"].precision, cols["amount"]["type"].scale) == (12, 3)
    assert isinstance(cols["created"]["type"], sa.DateTime)
    assert cols["created"]["nullable"] is False
    assert cols["amount"]["default"] is not None and "0" in cols["amount"]["default"]
    note = {c["name"]: c for c in info["parent_columns"]}["note"]
    assert note["comment"] == "free text"
    assert info["pk"]["constrained_columns"] == ["id"]
    indexes = {ix["name"]: ix for ix in info["indexes"]}
    assert indexes["ix_child_created_amount"]["column_names"] == ["created", "amount"]
    assert [u["column_names"] for u in info["unique"]] == [["code"]]
    (fk,) = info["fks"]
    assert fk["referred_table"] == "sa_refl_parent"
    assert fk["constrained_columns"] == ["parent_id"]
    assert fk["referred_columns"] == ["id"]
    assert fk["options"].get("ondelete") == "CASCADE"
    assert info["has"] == (True, False)
    child = reflected.tables["sa_refl_child"]
    assert [c.name for c in child.primary_key] == ["id"]
    assert child.c.parent_id.references(reflected.tables["sa_refl_parent"].c.id)


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


types_table = sa.Table(
    "sa_types",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("small", sa.SmallInteger),
    sa.Column("big", sa.BigInteger),
    sa.Column("flag", sa.Boolean),
    sa.Column("name", sa.String(100)),
    sa.Column("body", sa.Text),
    sa.Column("blob", sa.LargeBinary),
    sa.Column("price", sa.Numeric(20, 6)),
    sa.Column("ratio", sa.Float),
    sa.Column("day", sa.Date),
    sa.Column("moment", mysql.DATETIME(fsp=6)),
    sa.Column("clock", mysql.TIME(fsp=6)),
    sa.Column("span", sa.Interval),
    sa.Column("color", sa.Enum(Color)),
    sa.Column("doc", sa.JSON),
    sa.Column("uid", sa.Uuid),
    sa.Column("year", mysql.YEAR),
    sa.Column("tags", mysql.SET("a", "b", "c")),
    sa.Column("bits", mysql.BIT(12)),
)

VALUES: dict[str, Any] = {
    "small": -32768,
    "big": 2**63 - 1,
    "flag": True,
    "name": "naïve ☃ 😀",
    "body": "x" * 60_000,
    "blob": bytes(range(256)) * 10,
    "price": decimal.Decimal("-12345678901234.123456"),
    "ratio": 0.125,
    "day": datetime.date(1999, 12, 31),
    "moment": datetime.datetime(2024, 2, 29, 23, 59, 58, 123456),
    "clock": datetime.time(13, 14, 15, 5),
    "span": datetime.timedelta(days=3, seconds=7),  # stored in a DATETIME (whole seconds)
    "color": Color.GREEN,
    "doc": {"a": [1, 2.5, None, True], "b": {"ü": "ok"}},
    "uid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "year": 2021,
    "tags": {"a", "c"},
    "bits": 0b101000000001,
}


async def test_types_round_trip(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(types_table.metadata.drop_all)
        await conn.run_sync(types_table.metadata.create_all)
        await conn.execute(types_table.insert(), {"id": 1, **VALUES})
        await conn.execute(types_table.insert(), {"id": 2})
        got = (await conn.execute(sa.select(types_table).where(types_table.c.id == 1))).one()
        nulls = (await conn.execute(sa.select(types_table).where(types_table.c.id == 2))).one()
        # the same values through a server-side cursor
        streamed = await (
            await conn.stream(sa.select(types_table).order_by(types_table.c.id))
        ).all()
    for key, value in VALUES.items():
        assert getattr(got, key) == value, key
        assert getattr(streamed[0], key) == value, key
        assert type(getattr(got, key)) is type(value), key
    assert all(v is None for k, v in nulls._mapping.items() if k != "id")
    assert streamed[1] == nulls
