"""OpenTelemetry: a span per statement, printed to the console.

Needs ``pip install aiomysql[otel] opentelemetry-sdk``. Run it with
``bash scripts/example.sh examples/opentelemetry_console.py``; it connects to the server
named by AIOMYSQL_HOST / AIOMYSQL_PORT / AIOMYSQL_USER / AIOMYSQL_PASSWORD.
"""

from __future__ import annotations

import asyncio
import os

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

import aiomysql
from aiomysql.opentelemetry import instrument

# The application's tracing set-up: every finished span is printed as JSON.
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
trace.set_tracer_provider(provider)
tracer = trace.get_tracer("example")


async def main() -> None:
    pool = await aiomysql.create_pool(
        host=os.environ.get("AIOMYSQL_HOST", "127.0.0.1"),
        port=int(os.environ.get("AIOMYSQL_PORT", "3306")),
        user=os.environ.get("AIOMYSQL_USER", "root"),
        password=os.environ.get("AIOMYSQL_PASSWORD", ""),
        db="mysql",
        autocommit=True,
        hooks=instrument(),  # spans and metrics for every statement of every connection
    )
    try:
        with tracer.start_as_current_span("handle-request"):  # the statements' parent
            async with pool.acquire() as conn:
                async with conn.cursor() as cur:
                    await cur.execute("SELECT User FROM user WHERE User = %s", ("root",))
                    await cur.fetchall()
                    try:
                        await cur.execute("SELECT * FROM no_such_table")
                    except aiomysql.ProgrammingError:
                        pass  # its span has status ERROR and error.type "1146"
    finally:
        pool.close()
        await pool.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
