"""Runs queries under ddtrace's aiomysql integration; prints the finished spans as JSON.

Run by test_ddtrace.py in a child process: importing ddtrace installs an import hook and
an excepthook for the rest of the process, which the test session must not inherit.
Usage: python ddtrace_app.py '<connect kwargs as JSON>'
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from ddtrace import patch
from ddtrace.trace import Span, TraceFilter, tracer

finished: list[Span] = []


class KeepInMemory(TraceFilter):
    """Keeps every finished span and drops the trace, so nothing is sent anywhere."""

    def process_trace(self, trace: list[Span]) -> list[Span] | None:
        finished.extend(trace)
        return None


tracer.configure(trace_processors=[KeepInMemory()])
patch(aiomysql=True)

import aiomysql  # noqa: E402  (after patch(), as ddtrace's docs do it)


async def run(kwargs: dict[str, Any]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    conn = await aiomysql.connect(**kwargs)
    seen["connection_type"] = type(conn).__name__
    async with conn.cursor() as cur:
        await cur.execute("CREATE TEMPORARY TABLE d (a INT)")
        await cur.executemany("INSERT INTO d VALUES (%s)", [(1,), (2,), (3,)])
        await cur.execute("SELECT a FROM d WHERE a >= %s ORDER BY a", (2,))
        seen["fetchone"] = await cur.fetchone()
        seen["fetchall"] = await cur.fetchall()
    cur = await conn.cursor(aiomysql.DictCursor)
    await cur.execute("SELECT COUNT(*) AS n FROM d")
    seen["dict_row"] = await cur.fetchone()
    try:
        await cur.execute("SELECT * FROM no_such_table")
    except aiomysql.ProgrammingError as exc:
        seen["error"] = exc.args[0]
    await cur.close()
    seen["cursor_closed"] = cur.closed
    await conn.ensure_closed()

    async with aiomysql.create_pool(minsize=1, maxsize=1, **kwargs) as pool:
        async with pool.acquire() as pooled, pooled.cursor() as cur:
            await cur.execute("SELECT 42")
            seen["pooled"] = await cur.fetchone()
        seen["pool_free_after_release"] = pool.freesize
    return seen


def main() -> None:
    seen = asyncio.run(run(json.loads(sys.argv[1])))
    tracer.flush()
    spans = [
        {
            "name": span.name,
            "resource": span.resource,
            "service": span.service,
            "span_type": span.span_type,
            "error": span.error,
            "tags": span.get_tags(),
            "metrics": span.get_metrics(),
        }
        for span in finished
    ]
    print(json.dumps({"seen": seen, "spans": spans}))


if __name__ == "__main__":
    main()
