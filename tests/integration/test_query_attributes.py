"""Query attributes: ``cur.execute(sql, args, attributes={...})``.

MySQL 8.0.23+ (CLIENT_QUERY_ATTRIBUTES) is played by the fake server, which parses each
COM_QUERY by the documented layout (``fake_mysql_server.parse_com_query``) and the test
checks the bytes it received. MariaDB, the real test server, has no query attributes: a
clear NotSupportedError, and the connection stays usable.
"""

from __future__ import annotations

import datetime
import struct
from decimal import Decimal
from typing import Any

import mysql_packets as sp
import pytest
from fake_mysql_server import (
    CLIENT_QUERY_ATTRIBUTES,
    FakeConnection,
    FakeServer,
    QueryAttribute,
    parse_com_query,
)

import aiomysql
from aiomysql.errors import NotSupportedError, ProgrammingError

COM_QUIT = b"\x01"


def recording_server(caps: int) -> tuple[FakeServer, list[bytes]]:
    """A fake server offering ``caps`` that records each COM_QUERY and answers OK."""
    received: list[bytes] = []

    def script(conn: FakeConnection) -> None:
        conn.greet("mysql_native_password", caps=caps)
        conn.ok()
        while True:
            conn.new_command()
            try:
                payload = conn.recv()
            except EOFError:
                return
            if payload == COM_QUIT:
                return
            received.append(payload)
            conn.send(sp.ok())

    return FakeServer(script), received


async def test_plain_statements_carry_the_empty_attribute_counts() -> None:
    """Once CLIENT_QUERY_ATTRIBUTES is negotiated every COM_QUERY has the two counts."""
    server, received = recording_server(sp.SERVER_CAPS | CLIENT_QUERY_ATTRIBUTES)
    async with server:
        async with aiomysql.connect(**server.kwargs(autocommit=None)) as conn:
            async with conn.cursor() as cur:
                await cur.execute("SELECT %s", (1,))
                await cur.execute("SELECT 2", attributes={})
    assert received == [b"\x03\x00\x01SELECT 1", b"\x03\x00\x01SELECT 2"]


async def test_attributes_travel_in_the_documented_layout() -> None:
    server, received = recording_server(sp.SERVER_CAPS | CLIENT_QUERY_ATTRIBUTES)
    when = datetime.datetime(2024, 2, 29, 13, 14, 15, 123456)
    attributes: dict[str, Any] = {
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "n": -42,
        "none": None,
        "ratio": 1.5,
        "big": 2**64 - 1,
        "when": when,
        "day": datetime.date(2024, 1, 2),
        "took": datetime.timedelta(days=-1, seconds=3600),
        "raw": b"\x00\xff",
        "price": Decimal("12.50"),
        "ok": True,
    }
    async with server:
        async with aiomysql.connect(**server.kwargs(autocommit=None)) as conn:
            async with conn.cursor() as cur:
                await cur.execute("SELECT %s", ("é",), attributes=attributes)
                assert cur._executed == "SELECT 'é'"
    (payload,) = received
    parsed, statement = parse_com_query(payload, query_attributes=True)
    assert statement == "SELECT 'é'".encode()
    assert [a.name for a in parsed] == list(attributes)
    # the NULL bitmap: only "none" (parameter 2) is NULL
    assert payload[3:5] == bytes((0b100, 0))
    assert parsed == [
        QueryAttribute(0xFE, 0, "traceparent", b"\x37" + attributes["traceparent"].encode()),
        QueryAttribute(0x08, 0, "n", struct.pack("<q", -42)),
        QueryAttribute(0x06, 0, "none", None),
        QueryAttribute(0x05, 0, "ratio", struct.pack("<d", 1.5)),
        QueryAttribute(0x08, 0x80, "big", b"\xff" * 8),
        QueryAttribute(
            0x0C, 0, "when", b"\x0b" + struct.pack("<HBBBBBI", 2024, 2, 29, 13, 14, 15, 123456)
        ),
        QueryAttribute(0x0A, 0, "day", b"\x04" + struct.pack("<HBB", 2024, 1, 2)),
        # -1 day + 1 h = -23 h: negative, 0 days, 23:00:00
        QueryAttribute(0x0B, 0, "took", b"\x08" + struct.pack("<BIBBB", 1, 0, 23, 0, 0)),
        QueryAttribute(0xFC, 0, "raw", b"\x02\x00\xff"),
        QueryAttribute(0xF6, 0, "price", b"\x0512.50"),
        QueryAttribute(0x01, 0, "ok", b"\x01"),
    ]  # fmt: skip


async def test_bad_attributes_are_refused_before_anything_is_sent() -> None:
    server, received = recording_server(sp.SERVER_CAPS | CLIENT_QUERY_ATTRIBUTES)
    async with server:
        async with aiomysql.connect(**server.kwargs(autocommit=None)) as conn:
            async with conn.cursor() as cur:
                with pytest.raises(ProgrammingError, match="query attribute values"):
                    await cur.execute("SELECT 1", attributes={"x": object()})
                with pytest.raises(ProgrammingError, match="64 bits"):
                    await cur.execute("SELECT 1", attributes={"x": 2**64})
                with pytest.raises(ProgrammingError, match="names must be str"):
                    await cur.execute("SELECT 1", attributes={1: "x"})  # type: ignore[dict-item]
                await cur.execute("SELECT 3", attributes={"x": "y"})
    assert len(received) == 1
    assert parse_com_query(received[0], True)[1] == b"SELECT 3"


async def test_server_without_the_capability_gets_plain_queries() -> None:
    server, received = recording_server(sp.SERVER_CAPS)
    async with server:
        async with aiomysql.connect(**server.kwargs(autocommit=None)) as conn:
            async with conn.cursor() as cur:
                await cur.execute("SELECT 1")
                with pytest.raises(NotSupportedError, match="8.0.36-fake"):
                    await cur.execute("SELECT 2", attributes={"a": "b"})
                await cur.execute("SELECT 3")
    assert received == [b"\x03SELECT 1", b"\x03SELECT 3"]


async def test_mariadb_raises_not_supported_and_stays_usable(
    connect_kwargs: dict[str, Any],
) -> None:
    async with aiomysql.connect(**connect_kwargs) as conn:
        async with conn.cursor() as cur:
            with pytest.raises(NotSupportedError, match="MariaDB has no query attributes"):
                await cur.execute("SELECT 1", attributes={"trace": "x"})
            assert await cur.execute("SELECT 2", attributes={}) == 1
            assert await cur.fetchone() == (2,)
