"""Scenario: aiomysql.sa (SQLAlchemy Core): engine, connection, results, transactions."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from harness import Recorder, run

from aiomysql.sa import create_engine

meta = sa.MetaData()
tbl = sa.Table(
    "compat_sa", meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(20)),
)  # fmt: skip


async def main(rec: Recorder, kwargs: dict[str, Any]) -> None:
    engine = await create_engine(minsize=1, maxsize=2, **kwargs)
    rec.note("engine.sizes", [engine.size, engine.freesize])
    async with engine.acquire() as conn:
        await conn.execute("DROP TABLE IF EXISTS compat_sa")
        await conn.execute(
            "CREATE TABLE compat_sa (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20))"
        )
        res = await conn.execute(tbl.insert().values(name="a"))
        rec.note("insert.rowcount", res.rowcount)
        rec.note("insert.lastrowid", res.lastrowid)
        rec.note("insert.returns_rows", res.returns_rows)
        await conn.execute(tbl.insert().values(name="b"))
        await conn.execute(tbl.insert().values(name="c"))
        res = await conn.execute(tbl.select().order_by(tbl.c.id))
        rec.note("select.keys", list(res.keys()))
        rec.note("select.returns_rows", res.returns_rows)
        row = await res.fetchone()
        rec.note("row.by_index", [row[0], row[1]])
        rec.note("row.by_name", [row["id"], row["name"], row.name])
        rec.note("row.by_column", row[tbl.c.name])
        rec.note("fetchmany", [tuple(r) for r in await res.fetchmany(1)])
        rec.note("fetchall", [tuple(r) for r in await res.fetchall()])
        await rec.step("fetchone_end", res.fetchone)
        await rec.step("scalar", conn.scalar, sa.select([sa.func.count()]).select_from(tbl)
                       if sa.__version__.startswith("1.3") else
                       sa.select(sa.func.count()).select_from(tbl))
        res = await conn.execute("SELECT name FROM compat_sa WHERE id = %s", 2)
        rec.note("string_query.first", tuple(await res.first()))
        rec.note("in_transaction.before", conn.in_transaction)
        tr = await conn.begin()
        rec.note("in_transaction.inside", conn.in_transaction)
        await conn.execute(tbl.delete())
        await tr.rollback()
        rec.note("count_after_rollback", await conn.scalar("SELECT COUNT(*) FROM compat_sa"))
        async with conn.begin():
            await conn.execute(tbl.delete().where(tbl.c.id == 1))
        rec.note("count_after_commit", await conn.scalar("SELECT COUNT(*) FROM compat_sa"))
        await rec.effect("syntax_error", conn.execute, "SELEC 1")
        await rec.effect("dup_key", conn.execute, tbl.insert().values(id=2, name="x"))
        await conn.execute("DROP TABLE compat_sa")
    engine.close()
    await engine.wait_closed()
    rec.note("engine.closed_sizes", [engine.size, engine.freesize])


if __name__ == "__main__":
    run(main)
