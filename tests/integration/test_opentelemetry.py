"""aiomysql.opentelemetry against the real server, read back with the OpenTelemetry SDK's
in-memory span exporter and metric reader."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fake_mysql_server import FakeConnection, FakeServer
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from pool_support import MakePool

import aiomysql
from aiomysql.hooks import QueryInfo
from aiomysql.opentelemetry import instrument, sanitize, sqlcomment, system_name
from aiomysql.pool import PoolTimeoutError


class Telemetry:
    """A tracer provider and a meter provider that keep everything in memory."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    def hooks(self, **options: Any) -> aiomysql.Hooks:
        return instrument(
            tracer_provider=self.tracer_provider, meter_provider=self.meter_provider, **options
        )

    def spans(self) -> list[ReadableSpan]:
        return [s for s in self.exporter.get_finished_spans() if s.name != "request"]

    def points(self, name: str) -> list[Any]:
        data = self.reader.get_metrics_data()
        assert data is not None
        return [
            point
            for rm in data.resource_metrics
            for sm in rm.scope_metrics
            for metric in sm.metrics
            if metric.name == name
            for point in metric.data.data_points
        ]


@pytest.fixture
def otel() -> Telemetry:
    return Telemetry()


@pytest.fixture
async def traced(
    otel: Telemetry, connect_kwargs: dict[str, Any]
) -> AsyncIterator[aiomysql.Connection]:
    conn = await aiomysql.connect(**connect_kwargs, autocommit=True, hooks=otel.hooks())
    try:
        yield conn
    finally:
        conn.close()


async def test_one_span_per_statement_with_attributes_and_parent(
    otel: Telemetry, traced: aiomysql.Connection, connect_kwargs: dict[str, Any]
) -> None:
    tracer = otel.tracer_provider.get_tracer("test")
    async with traced.cursor() as cur:
        with tracer.start_as_current_span("request") as parent:
            await cur.execute("SELECT id FROM (SELECT 1 id UNION SELECT 2) t WHERE id > %s", (0,))
            await cur.fetchall()
            await cur.execute("DO 1")
    first, second = otel.spans()
    assert first.name == "SELECT aiomysql_test" and second.name == "DO aiomysql_test"
    assert first.kind is SpanKind.CLIENT
    for span in (first, second):
        assert span.parent is not None
        assert span.parent.span_id == parent.get_span_context().span_id
        assert span.context.trace_id == parent.get_span_context().trace_id
        assert span.status.status_code is StatusCode.UNSET
    assert dict(first.attributes or {}) == {
        "db.system.name": "mariadb",
        "db.namespace": "aiomysql_test",
        "server.address": connect_kwargs["host"],
        "server.port": connect_kwargs["port"],
        "db.operation.name": "SELECT",
        "db.query.text": "SELECT id FROM (SELECT ? id UNION SELECT ?) t WHERE id > %s",
        "db.response.returned_rows": 2,
    }
    assert "db.response.returned_rows" not in (second.attributes or {})


async def test_error_span(otel: Telemetry, traced: aiomysql.Connection) -> None:
    async with traced.cursor() as cur:
        with pytest.raises(aiomysql.ProgrammingError):
            await cur.execute("SELECT * FROM no_such_table")
    (span,) = otel.spans()
    assert span.status.status_code is StatusCode.ERROR
    assert "ProgrammingError" in (span.status.description or "")
    attributes = dict(span.attributes or {})
    assert attributes["error.type"] == "1146" == attributes["db.response.status_code"]
    (event,) = span.events
    assert event.name == "exception"
    assert (event.attributes or {})["exception.type"].endswith("ProgrammingError")


async def test_batches_procedures_and_connection_statements(
    otel: Telemetry, traced: aiomysql.Connection
) -> None:
    async with traced.cursor() as cur:
        await cur.execute("CREATE TEMPORARY TABLE ot (id INT)")
        await cur.executemany("INSERT INTO ot VALUES (%s)", [(1,), (2,), (3,)])
        await cur.execute("CREATE PROCEDURE ot_proc() SELECT 5")
        await cur.callproc("ot_proc")
        await cur.fetchall()
        await cur.nextset()
        await cur.execute("DROP PROCEDURE ot_proc")
    await traced.begin()
    await traced.commit()
    names = [span.name for span in otel.spans()]
    assert names == [
        "CREATE aiomysql_test", "BATCH INSERT aiomysql_test", "CREATE aiomysql_test",
        "CALL ot_proc", "DROP aiomysql_test", "BEGIN aiomysql_test", "COMMIT aiomysql_test",
    ]  # fmt: skip
    batch, call = otel.spans()[1], otel.spans()[3]
    assert (batch.attributes or {})["db.operation.batch.size"] == 3
    assert (batch.attributes or {})["db.operation.name"] == "BATCH INSERT"
    assert (call.attributes or {})["db.stored_procedure.name"] == "ot_proc"
    assert (call.attributes or {})["db.response.returned_rows"] == 1


async def test_query_text_modes_and_parameters(
    otel: Telemetry, connect_kwargs: dict[str, Any]
) -> None:
    statement = "SELECT 'alice', %s, 3.5"
    for options in ({"query_text": "raw"}, {"query_text": "none"}, {"capture_parameters": True}):
        async with aiomysql.connect(**connect_kwargs, hooks=otel.hooks(**options)) as conn:
            async with conn.cursor() as cur:
                await cur.execute(statement, ("bob",))
    raw, none, with_parameters = (dict(s.attributes or {}) for s in otel.spans())
    assert raw["db.query.text"] == statement
    assert "db.query.text" not in none
    assert with_parameters["db.query.text"] == "SELECT ?, %s, ?"
    assert with_parameters["db.query.parameter.0"] == "bob"
    assert not any(key.startswith("db.query.parameter") for key in raw)
    with pytest.raises(ValueError, match="query_text"):
        otel.hooks(query_text="everything")


async def test_sqlcommenter_puts_the_span_context_in_the_statement(
    otel: Telemetry, connect_kwargs: dict[str, Any], traced: aiomysql.Connection
) -> None:
    query = "SELECT INFO FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()"
    async with traced.cursor() as cur:  # off by default
        await cur.execute(query)
        assert await cur.fetchone() == (query,)
    async with aiomysql.connect(**connect_kwargs, hooks=otel.hooks(sqlcommenter=True)) as conn:
        async with conn.cursor() as cur:
            await cur.execute(query + " AND %s", (1,))
            (seen,) = await cur.fetchone()
    span = otel.spans()[-1]
    context = span.get_span_context()
    assert seen == (
        f"{query} AND 1 /*traceparent='00-{context.trace_id:032x}-{context.span_id:016x}-"
        f"{int(context.trace_flags):02x}'*/"
    )
    assert (span.attributes or {})["db.query.text"] == query + " AND %s"  # no comment


async def test_operation_duration_metric(otel: Telemetry, traced: aiomysql.Connection) -> None:
    async with traced.cursor() as cur:
        for _ in range(3):
            await cur.execute("SELECT 1")
        with pytest.raises(aiomysql.ProgrammingError):
            await cur.execute("SELEC 1")
    points = otel.points("db.client.operation.duration")
    by_error = {p.attributes.get("error.type"): p for p in points}
    assert set(by_error) == {None, "1064"}
    ok = by_error[None]
    assert ok.count == 3 and ok.sum > 0
    assert ok.attributes["db.operation.name"] == "SELECT"
    assert ok.attributes["db.system.name"] == "mariadb"
    assert by_error["1064"].count == 1
    spans = otel.spans()
    assert len(spans) == 4
    assert ok.sum <= sum((s.end_time or 0) - (s.start_time or 0) for s in spans[:3]) / 1e9


@pytest.mark.timing
async def test_pool_metrics_add_up(otel: Telemetry, make_pool: MakePool) -> None:
    # Both connections open up front: no acquire has to open one within the timeout.
    pool = await make_pool(minsize=2, maxsize=2, acquire_timeout=0.05, hooks=otel.hooks())
    name = "db.client.connection.pool.name"

    def counts() -> dict[str, int]:
        return {
            p.attributes["db.client.connection.state"]: p.value
            for p in otel.points("db.client.connection.count")
        }

    first = await pool.acquire()
    second = await pool.acquire()
    assert counts() == {"used": 2, "idle": 0}
    with pytest.raises(PoolTimeoutError):
        await pool.acquire()
    (timeouts,) = otel.points("db.client.connection.timeouts")
    assert timeouts.value == pool.stats().timeouts == 1
    pool.release(first)
    await pool.release(second)
    assert counts() == {"used": 0, "idle": 2}
    stats = pool.stats()
    (waited,) = otel.points("db.client.connection.wait_time")
    (used,) = otel.points("db.client.connection.use_time")
    assert waited.count == stats.acquired == 2
    assert used.count == stats.released == 2
    assert waited.sum > 0 and used.sum > 0
    ((maximum,), (minimum,)) = (
        otel.points("db.client.connection.max"),
        otel.points("db.client.connection.idle.min"),
    )
    assert (maximum.value, minimum.value) == (2, 2)
    host_port = f"{first.host}:{first.port}/aiomysql_test"
    assert {p.attributes[name] for p in otel.points("db.client.connection.count")} == {host_port}


async def test_spans_from_pool_connections(otel: Telemetry, make_pool: MakePool) -> None:
    pool = await make_pool(minsize=1, maxsize=1, hooks=otel.hooks(pool_name="main"))
    async with pool.acquire() as conn:
        async with conn.cursor() as cur:
            await cur.execute("SELECT 1")
    assert [s.name for s in otel.spans()] == ["SELECT aiomysql_test"]
    (used,) = otel.points("db.client.connection.use_time")
    assert used.attributes == {"db.client.connection.pool.name": "main"}


async def test_combined_with_own_hooks(otel: Telemetry, connect_kwargs: dict[str, Any]) -> None:
    seen: list[Any] = []

    def mine(info: QueryInfo) -> None:
        info.state["mine"] = info.statement

    def end(info: QueryInfo) -> None:
        seen.append(info.state.get("mine"))

    hooks = aiomysql.Hooks.combine(otel.hooks(), aiomysql.Hooks(on_query_start=mine,
                                                                on_query_end=end))  # fmt: skip
    async with aiomysql.connect(**connect_kwargs, hooks=hooks) as conn:
        await conn.query("DO 2")
    assert seen == ["DO 2"]
    assert [s.name for s in otel.spans()] == ["DO aiomysql_test"]


def test_sanitize() -> None:
    assert sanitize("SELECT 'a''b', \"c\\\"d\", 12, -3.5e2, 0x1F, X'0A' FROM t1 WHERE id=%s") == (
        "SELECT ?, ?, ?, ?, ?, ? FROM t1 WHERE id=%s"
    )
    assert sanitize("SELECT a.b2, `x 1` FROM db1.t LIMIT 10") == (
        "SELECT a.b2, `x 1` FROM db1.t LIMIT ?"
    )


def test_sqlcomment_format() -> None:
    assert sqlcomment({"tracestate": "a=1,b=2", "traceparent": "00-ab-cd-01"}) == (
        "traceparent='00-ab-cd-01',tracestate='a%3D1%2Cb%3D2'"
    )


async def test_mysql_server_is_db_system_mysql(otel: Telemetry) -> None:
    """Against a MySQL server (the fake one, version 8.0.36-fake), answering OK."""

    def script(c: FakeConnection) -> None:
        c.greet("mysql_native_password")
        c.ok()
        c.serve_queries()

    async with FakeServer(script) as srv:
        conn = await aiomysql.connect(**srv.kwargs(password="", autocommit=None),
                                      hooks=otel.hooks())  # fmt: skip
        try:
            await conn.query("DO 1")
        finally:
            await conn.ensure_closed()
    (span,) = otel.spans()
    assert span.name == "DO"  # no database: the operation alone
    attributes = dict(span.attributes or {})
    assert attributes["db.system.name"] == "mysql"
    assert "db.namespace" not in attributes
    assert attributes["server.port"] == srv.port


def test_system_name() -> None:
    assert system_name("11.4.2-MariaDB-log") == "mariadb"
    assert system_name("8.0.36") == "mysql"
    assert re.fullmatch(r"mysql|mariadb", system_name(""))


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "opentelemetry_console.py"


async def test_console_example_runs(connect_kwargs: dict[str, Any]) -> None:
    env = {
        **os.environ,
        "AIOMYSQL_HOST": connect_kwargs["host"],
        "AIOMYSQL_PORT": str(connect_kwargs["port"]),
        "AIOMYSQL_USER": connect_kwargs["user"],
        "AIOMYSQL_PASSWORD": connect_kwargs["password"],
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-W", "error", str(EXAMPLE), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    assert err == b""
    decoder, text, spans = json.JSONDecoder(), out.decode(), []
    position = 0
    while text[position:].strip():
        while text[position].isspace():
            position += 1
        span, position = decoder.raw_decode(text, position)
        spans.append(span)
    assert [s["name"] for s in spans] == ["SELECT mysql", "SELECT mysql", "handle-request"]
    parent_id = spans[2]["context"]["span_id"]
    assert [s["parent_id"] for s in spans[:2]] == [parent_id, parent_id]
    assert spans[0]["attributes"]["db.query.text"] == "SELECT User FROM user WHERE User = %s"
    assert spans[1]["status"]["status_code"] == "ERROR"
    assert spans[1]["attributes"]["error.type"] == "1146"
