"""SQLAlchemy 2's asyncio ORM and Core through its own mysql+aiomysql dialect, running on us.

Needs ``pip install 'sqlalchemy[asyncio]>=2' PyMySQL`` (SQLAlchemy's dialect imports
PyMySQL for a few constants). Run it with
``bash scripts/example.sh examples/sqlalchemy_async.py``; it connects to the server named
by AIOMYSQL_HOST / AIOMYSQL_PORT / AIOMYSQL_USER / AIOMYSQL_PASSWORD and works in the
database ``aiomysql_examples`` (created if missing).
"""

from __future__ import annotations

import asyncio
import os
import warnings

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload

import aiomysql


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "example_authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    books: Mapped[list[Book]] = relationship(back_populates="author", order_by="Book.id")


class Book(Base):
    __tablename__ = "example_books"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(100))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("example_authors.id"))
    author: Mapped[Author] = relationship(back_populates="books")


async def main() -> None:
    host = os.environ.get("AIOMYSQL_HOST", "127.0.0.1")
    port = int(os.environ.get("AIOMYSQL_PORT", "3306"))
    user = os.environ.get("AIOMYSQL_USER", "root")
    password = os.environ.get("AIOMYSQL_PASSWORD", "")
    async with aiomysql.connect(host=host, port=port, user=user, password=password) as conn:
        async with conn.cursor() as cur:
            with warnings.catch_warnings():  # "database exists" is only a note
                warnings.simplefilter("ignore", aiomysql.Warning)
                await cur.execute("CREATE DATABASE IF NOT EXISTS aiomysql_examples")

    url = f"mysql+aiomysql://{user}:{password}@{host}:{port}/aiomysql_examples?charset=utf8mb4"
    engine = create_async_engine(url, pool_pre_ping=True)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)

    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        session.add_all(
            [
                Author(name="Ann", books=[Book(title="First"), Book(title="Second")]),
                Author(name="Bob", books=[Book(title="Third")]),
            ]
        )
        await session.commit()

    async with sessions() as session:
        query = sa.select(Author).options(selectinload(Author.books)).order_by(Author.name)
        for author in await session.scalars(query):
            print(author.name, [book.title for book in author.books])

    # Core, with a server-side cursor: rows arrive while they are being read
    async with engine.connect() as conn:
        result = await conn.stream(sa.select(Book.title).order_by(Book.id))
        async for (title,) in result:
            print("streamed", title)

    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
