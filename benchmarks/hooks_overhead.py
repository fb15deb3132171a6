"""Point-select cost with no hooks, with (empty) hooks, and with OpenTelemetry on, in one run.

Usage: python benchmarks/hooks_overhead.py [--statements N] [--rounds R]
       (needs opentelemetry-sdk, which the test extra installs; run it with .venv/bin/python
       from outside the source tree so the installed package is measured)

One TemporaryServer; three connections, one per mode (no hooks; on_query_start and
on_query_end that do nothing; ``aiomysql.opentelemetry.instrument()`` with the SDK's
tracer provider, a span processor that drops the spans, and a meter provider with an
in-memory reader). Each round times N point selects (``SELECT id, a FROM t WHERE id=%s``,
fetchall) on each connection in turn, so that the machine's drift hits the modes
alike; the medians over the rounds and their ratios to "none" are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

import aiomysql
from aiomysql.opentelemetry import instrument
from aiomysql.testing import TemporaryServer


class _Drop(SpanExporter):
    """Exports nothing: the cost measured is making the spans, not shipping them."""

    def export(self, spans: Any) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def _noop(info: Any) -> None:
    pass


def mode_options() -> dict[str, dict[str, Any]]:
    """connect() keywords of each mode."""
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(_Drop()))
    meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
    otel = instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
    return {
        "none": {},
        "hooks": {"on_query_start": _noop, "on_query_end": _noop},
        "otel": {"hooks": otel},
    }


async def run(server: TemporaryServer, statements: int, rounds: int) -> dict[str, list[float]]:
    """Seconds per round of each mode."""
    kwargs = dict(host=server.host, port=server.port, user=server.user,
                  password=server.password, autocommit=True)  # fmt: skip
    async with aiomysql.connect(**kwargs) as setup, setup.cursor() as cur:
        await cur.execute("CREATE DATABASE IF NOT EXISTS hooks_bench")
        await setup.select_db("hooks_bench")
        await cur.execute("CREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY, a VARCHAR(40))")
        await cur.execute("REPLACE INTO t SELECT seq, CONCAT('name ', seq) FROM seq_0_to_9999")
    conns = {name: await aiomysql.connect(**kwargs, db="hooks_bench", **extra)
             for name, extra in mode_options().items()}  # fmt: skip
    try:
        times: dict[str, list[float]] = {name: [] for name in conns}
        for _ in range(rounds + 1):  # the first round warms up and is not kept
            for name, conn in conns.items():
                async with conn.cursor() as cur:
                    started = time.perf_counter()
                    for i in range(statements):
                        await cur.execute("SELECT id, a FROM t WHERE id=%s", (i % 10000,))
                        await cur.fetchall()
                    times[name].append(time.perf_counter() - started)
        for samples in times.values():
            del samples[0]
        return times
    finally:
        for conn in conns.values():
            conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with TemporaryServer() as server:
        times = asyncio.run(run(server, args.statements, args.rounds))
    base = statistics.median(times["none"])
    print(f"{args.statements} point selects per round, {args.rounds} rounds "
          f"(compiled core: {aiomysql.USING_EXTENSIONS})")  # fmt: skip
    for name, samples in times.items():
        median = statistics.median(samples)
        per = median / args.statements * 1e6
        print(f"  {name:6} median {median:.3f} s  {per:.1f} us/statement  "
              f"x{median / base:.2f} of none")  # fmt: skip



if __name__ == "__main__":
    main()
