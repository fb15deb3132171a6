"""aiomysql.sa: SQLAlchemy Core statements (1.4 or 2.x) on aiomysql's pool, as in aiomysql.

Needs ``pip install 'aiomysql[sa]'``. Run it with
``bash scripts/example.sh examples/aiomysql_sa.py``; it connects to the server named by
AIOMYSQL_HOST / AIOMYSQL_PORT / AIOMYSQL_USER / AIOMYSQL_PASSWORD and works in the
database ``aiomysql_examples`` (created if missing).
"""

from __future__ import annotations

import asyncio
import os
import warnings

import sqlalchemy as sa
from sqlalchemy.schema import CreateTable, DropTable

import aiomysql
from aiomysql.sa import create_engine

metadata = sa.MetaData()
tbl = sa.Table(
    "example_sa",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("val", sa.String(255)),
    sa.Column("done", sa.Boolean, default=False),
)


async def main() -> None:
    kwargs = {
        "host": os.environ.get("AIOMYSQL_HOST", "127.0.0.1"),
        "port": int(os.environ.get("AIOMYSQL_PORT", "3306")),
        "user": os.environ.get("AIOMYSQL_USER", "root"),
        "password": os.environ.get("AIOMYSQL_PASSWORD", ""),
    }
    async with aiomysql.connect(**kwargs) as conn:
        async with conn.cursor() as cur:
            with warnings.catch_warnings():  # "database exists" is only a note
                warnings.simplefilter("ignore", aiomysql.Warning)
                await cur.execute("CREATE DATABASE IF NOT EXISTS aiomysql_examples")

    async with create_engine(db="aiomysql_examples", autocommit=True, **kwargs) as engine:
        async with engine.acquire() as conn:
            with warnings.catch_warnings():  # "unknown table" note on the first run
                warnings.simplefilter("ignore", aiomysql.Warning)
                await conn.execute(DropTable(tbl, if_exists=True))
            await conn.execute(CreateTable(tbl))

            async with conn.begin():  # committed at the end of the block
                await conn.execute(tbl.insert().values(val="abc"))
                await conn.execute(tbl.insert(), [{"val": "xyz"}, {"val": "uvw"}])

            tx = await conn.begin()
            await conn.execute(tbl.update().values(done=True))
            await tx.rollback()  # really undone

            async for row in await conn.execute(tbl.select().order_by(tbl.c.id)):
                print(row.id, row["val"], row[tbl.c.done])
            count = await conn.scalar(sa.select(sa.func.count()).select_from(tbl))
            print("rows:", count)


if __name__ == "__main__":
    asyncio.run(main())
