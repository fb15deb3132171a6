"""Fixtures for the SQLAlchemy tests: the async engine URL and a plain driver connection."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

import aiomysql


@pytest.fixture
def sa_url(connect_kwargs: dict[str, Any]) -> str:
    """``mysql+aiomysql://`` URL of the test server and database."""
    kw = connect_kwargs
    return f"mysql+aiomysql://{kw['user']}:{kw['password']}@{kw['host']}:{kw['port']}/{kw['db']}"


@pytest.fixture
async def raw_conn(connect_kwargs: dict[str, Any]) -> AsyncIterator[aiomysql.Connection]:
    """A plain driver connection with autocommit on, to check what others committed."""
    conn = await aiomysql.connect(autocommit=True, **connect_kwargs)
    try:
        yield conn
    finally:
        conn.close()
