"""sentry-sdk's AioMySQLIntegration on this driver: spans and breadcrumbs.

The integration patches ``Cursor.execute``, ``Cursor.executemany`` and
``Connection._connect`` on our classes (once per process) and sets an attribute on each
cursor. Envelopes are kept in memory by a transport; no event leaves the process.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sentry_sdk
from sentry_sdk.envelope import Envelope
from sentry_sdk.integrations.aiomysql import AioMySQLIntegration
from sentry_sdk.transport import Transport

import aiomysql
from aiomysql.connection import Connection
from aiomysql.cursors import Cursor


class MemoryTransport(Transport):
    """Keeps every envelope the SDK would send."""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        self.envelopes: list[Envelope] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)

    def payloads(self, kind: str) -> list[dict[str, Any]]:
        """The JSON payloads of the items of type ``kind`` ("transaction", "event")."""
        return [
            item.payload.json
            for envelope in self.envelopes
            for item in envelope.items
            if item.type == kind and item.payload.json is not None
        ]


@pytest.fixture(scope="module")
def _restore_patched_methods() -> Iterator[None]:
    """The integration patches our classes for good: put the originals back afterwards,
    so the rest of the session runs the driver unwrapped."""
    saved = (Cursor.execute, Cursor.executemany, Connection._connect)
    yield
    Cursor.execute, Cursor.executemany, Connection._connect = saved


@pytest.fixture
def sentry(_restore_patched_methods: None) -> Iterator[MemoryTransport]:
    """An initialised SDK (traces_sample_rate=1.0, only this integration) and its transport."""
    transport = MemoryTransport()
    sentry_sdk.init(
        dsn="http://public@127.0.0.1/1",
        transport=transport,
        traces_sample_rate=1.0,
        default_integrations=False,
        auto_enabling_integrations=False,
        integrations=[AioMySQLIntegration(record_params=True)],
        _experiments={"record_sql_params": True},  # the SDK's switch for parameters
    )
    sentry_sdk.get_isolation_scope().clear_breadcrumbs()  # none from earlier tests
    try:
        yield transport
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)


def _db_data(connect_kwargs: dict[str, Any]) -> dict[str, Any]:
    return {
        "db.system": "mysql",
        "db.driver.name": "aiomysql",
        "server.address": connect_kwargs["host"],
        "server.port": connect_kwargs["port"],
        "db.name": connect_kwargs["db"],
        "db.user": connect_kwargs["user"],
    }


async def test_connect_and_statement_spans(
    sentry: MemoryTransport, connect_kwargs: dict[str, Any]
) -> None:
    with sentry_sdk.start_transaction(name="work"):
        async with aiomysql.connect(**connect_kwargs) as conn, conn.cursor() as cur:
            await cur.execute("CREATE TEMPORARY TABLE s (a INT, b VARCHAR(10))")
            await cur.executemany("INSERT INTO s VALUES (%s, %s)", [(1, "x"), (2, "y")])
            await cur.executemany("UPDATE s SET b = %s WHERE a = %s", [("z", 1), ("w", 2)])
            await cur.execute("SELECT   a, b\n FROM s WHERE a > %s ORDER BY a", (0,))
            assert await cur.fetchall() == ((1, "z"), (2, "w"))
            with pytest.raises(aiomysql.ProgrammingError):
                await cur.execute("SELECT * FROM no_such_table")
    sentry_sdk.flush()

    (transaction,) = sentry.payloads("transaction")
    spans = transaction["spans"]
    assert [span["description"] for span in spans] == [
        "connect",
        "CREATE TEMPORARY TABLE s (a INT, b VARCHAR(10))",
        "INSERT INTO s VALUES (%s, %s)",  # one span: its execute() calls are not recorded
        "UPDATE s SET b = %s WHERE a = %s",  # again one span for the per-row execute()s
        "SELECT a, b FROM s WHERE a > %s ORDER BY a",
        "SELECT * FROM no_such_table",
    ]
    expected = _db_data(connect_kwargs)
    for span in spans:
        assert span["op"] == "db"
        assert span["origin"] == "auto.db.aiomysql"
        assert expected.items() <= span["data"].items()
    assert spans[2]["data"]["db.executemany"] is True
    assert spans[3]["data"]["db.executemany"] is True
    assert spans[4]["data"]["db.params"] == [0]
    assert spans[2]["data"]["db.params"] == [[1, "x"], [2, "y"]]
    assert spans[-1]["status"] == "internal_error"
    assert all(span.get("status", "ok") == "ok" for span in spans[:-1])


async def test_breadcrumbs_on_an_event(
    sentry: MemoryTransport, connect_kwargs: dict[str, Any]
) -> None:
    conn = await aiomysql.connect(**connect_kwargs)
    try:
        async with conn.cursor() as cur:
            await cur.execute("SELECT %s", ("hello",))
            assert await cur.fetchone() == ("hello",)
    finally:
        await conn.ensure_closed()
    sentry_sdk.capture_message("after the query")
    sentry_sdk.flush()

    (event,) = sentry.payloads("event")
    crumbs = [(c["category"], c["message"], c["data"]) for c in event["breadcrumbs"]["values"]]
    assert crumbs == [
        ("query", "connect", _db_data(connect_kwargs)),
        ("query", "SELECT %s", {"db.params": ["hello"], "db.paramstyle": "format"}),
    ]


async def test_pool_connections_get_connect_spans(
    sentry: MemoryTransport, connect_kwargs: dict[str, Any]
) -> None:
    with sentry_sdk.start_transaction(name="pooled"):
        async with aiomysql.create_pool(minsize=2, maxsize=2, **connect_kwargs) as pool:
            async with pool.acquire() as conn, conn.cursor() as cur:
                await cur.execute("SELECT 1")
                assert await cur.fetchone() == (1,)
    sentry_sdk.flush()

    (transaction,) = sentry.payloads("transaction")
    descriptions = [span["description"] for span in transaction["spans"]]
    assert descriptions == ["connect", "connect", "SELECT 1"]
