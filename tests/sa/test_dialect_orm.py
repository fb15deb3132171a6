"""SQLAlchemy 2 ORM (AsyncSession) on us: relationships, transactions and savepoints."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
from sa_support import fetch
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "sa_orm_authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50), unique=True)
    books: Mapped[list[Book]] = relationship(
        back_populates="author", cascade="all, delete-orphan", order_by="Book.id"
    )


class Book(Base):
    __tablename__ = "sa_orm_books"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(100))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("sa_orm_authors.id"))
    author: Mapped[Author] = relationship(back_populates="books")


@pytest.fixture
async def engine(sa_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_async_engine(sa_url, pool_size=2)
    async with eng.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
    try:
        yield eng
    finally:
        await eng.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def test_orm_relationships(sessions: async_sessionmaker[AsyncSession], raw_conn: Any) -> None:
    async with sessions() as session:
        ann = Author(name="Ann", books=[Book(title="A1"), Book(title="A2")])
        bob = Author(name="Bob", books=[Book(title="B1")])
        session.add_all([ann, bob])
        await session.commit()
        assert ann.id is not None and all(b.id for b in ann.books)

    async with sessions() as session:
        authors = (
            await session.scalars(
                sa.select(Author).options(selectinload(Author.books)).order_by(Author.name)
            )
        ).all()
        assert [(a.name, [b.title for b in a.books]) for a in authors] == [
            ("Ann", ["A1", "A2"]),
            ("Bob", ["B1"]),
        ]
        book = await session.scalar(sa.select(Book).where(Book.title == "B1"))
        assert book is not None
        author = await session.get(Author, book.author_id)
        assert author is not None and author.name == "Bob"
        # move a book, rename an author, delete with cascade
        ann = authors[0]
        moved = ann.books.pop()
        authors[1].books.append(moved)
        authors[1].name = "Robert"
        await session.commit()
        await session.delete(authors[1])
        await session.commit()

    assert await fetch(raw_conn, "SELECT name FROM sa_orm_authors") == [("Ann",)]
    assert await fetch(raw_conn, "SELECT title FROM sa_orm_books") == [("A1",)]


async def test_session_rollback_undoes(
    sessions: async_sessionmaker[AsyncSession], raw_conn: Any
) -> None:
    async with sessions() as session:
        session.add(Author(name="kept"))
        await session.commit()
        session.add(Author(name="gone"))
        await session.flush()  # the row is on the server, inside the transaction
        assert await fetch(raw_conn, "SELECT COUNT(*) FROM sa_orm_authors") == [(1,)]
        await session.rollback()
    assert await fetch(raw_conn, "SELECT name FROM sa_orm_authors") == [("kept",)]


async def test_savepoints(sessions: async_sessionmaker[AsyncSession], raw_conn: Any) -> None:
    async with sessions() as session:
        async with session.begin():
            session.add(Author(name="outer"))
            nested = await session.begin_nested()
            session.add(Author(name="inner-rolled-back"))
            await session.flush()
            await nested.rollback()
            async with session.begin_nested():
                session.add(Author(name="inner-kept"))
            # a failing savepoint leaves the outer transaction usable
            with pytest.raises(sa.exc.IntegrityError):
                async with session.begin_nested():
                    session.add(Author(name="outer"))
                    await session.flush()
    rows = await fetch(raw_conn, "SELECT name FROM sa_orm_authors ORDER BY name")
    assert rows == [("inner-kept",), ("outer",)]


async def test_core_transactions_and_savepoints(engine: AsyncEngine, raw_conn: Any) -> None:
    authors = Author.__table__
    async with engine.connect() as conn:
        await conn.execute(authors.insert().values(name="t1"))
        savepoint = await conn.begin_nested()
        await conn.execute(authors.insert().values(name="t2"))
        await savepoint.rollback()
        async with conn.begin_nested():
            await conn.execute(authors.insert().values(name="t3"))
        assert conn.in_transaction()
        assert await fetch(raw_conn, "SELECT COUNT(*) FROM sa_orm_authors") == [(0,)]
        await conn.commit()
    rows = await fetch(raw_conn, "SELECT name FROM sa_orm_authors ORDER BY name")
    assert rows == [("t1",), ("t3",)]

    with pytest.raises(RuntimeError):
        async with engine.begin() as conn:
            await conn.execute(authors.insert().values(name="t4"))
            raise RuntimeError("roll me back")
    assert await fetch(raw_conn, "SELECT COUNT(*) FROM sa_orm_authors WHERE name = 't4'") == [(0,)]


async def test_isolation_level_and_autocommit(engine: AsyncEngine, raw_conn: Any) -> None:
    authors = Author.__table__
    auto = engine.execution_options(isolation_level="AUTOCOMMIT")
    async with auto.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw.get_autocommit()
        await conn.execute(authors.insert().values(name="auto"))
        # visible at once, without a commit
        assert await fetch(raw_conn, "SELECT COUNT(*) FROM sa_orm_authors") == [(1,)]
    serial = engine.execution_options(isolation_level="SERIALIZABLE")
    async with serial.connect() as conn:
        assert await conn.get_isolation_level() == "SERIALIZABLE"
        raw = (await conn.get_raw_connection()).driver_connection
        assert not raw.get_autocommit()
    # the pool resets the connection's isolation level on return
    async with engine.connect() as conn:
        assert await conn.get_isolation_level() == "REPEATABLE READ"
