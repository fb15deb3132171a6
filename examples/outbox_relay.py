"""Transactional outbox relay: publish every row inserted into `app.outbox` exactly once.

The application writes its business rows and an `outbox` row in one transaction; this
relay follows the binlog and hands each committed outbox row to `publish`. It saves the
stream's checkpoint after each transaction, so a restarted relay resumes right after the
last transaction it finished; the stream itself reconnects through cuts and server
restarts without losing or repeating an event.

Run it against a server with the binlog on (log_bin, binlog_format=ROW,
binlog_row_metadata=FULL) and a user with REPLICATION SLAVE and REPLICATION CLIENT:

    python examples/outbox_relay.py --host 127.0.0.1 --port 3306 --user root

With `--demo` it creates the table, inserts a few outbox rows itself and stops once it
has relayed them (what scripts and tests run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
from typing import Any

import aiomysql
from aiomysql.replication import BinlogStream, Checkpoint, GtidEvent, WriteRowsEvent, XidEvent

CREATE = """CREATE TABLE IF NOT EXISTS app.outbox (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    topic VARCHAR(100) NOT NULL,
    payload JSON NOT NULL,
    created DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))"""


class CheckpointFile:
    """The relay's position, saved atomically (write a temp file, then rename)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def load(self) -> Checkpoint | None:
        try:
            with open(self.path) as f:
                return Checkpoint.loads(f.read())
        except FileNotFoundError:
            return None

    def save(self, token: Checkpoint) -> None:
        folder = os.path.dirname(os.path.abspath(self.path))
        fd, tmp = tempfile.mkstemp(dir=folder)
        with os.fdopen(fd, "w") as f:
            f.write(token.dumps())
        os.replace(tmp, self.path)


async def publish(topic: str, payload: Any) -> None:
    """Send one message to the broker (here: print it). Make it idempotent on the
    outbox id if the broker can be written to twice around a crash."""
    print(f"{topic}: {json.dumps(payload)}")


async def relay(connect: dict[str, Any], state: CheckpointFile, stop_after: int | None) -> int:
    """Follow the binlog and publish outbox rows, transaction by transaction."""
    token = state.load()
    stream = BinlogStream(
        **connect,
        server_id=4242,  # unique among the server's replicas
        resume_from=token,  # None the first time: start at the current position
        only_tables=["app.outbox"],
        only_events=[GtidEvent, WriteRowsEvent, XidEvent],
        heartbeat=5.0,
    )
    published = 0
    pending: list[dict[str, Any]] = []
    async with stream:
        async for event in stream:
            if isinstance(event, GtidEvent):
                pending = []
            elif isinstance(event, WriteRowsEvent):
                pending.extend(event.as_dicts())
            elif isinstance(event, XidEvent):
                # The transaction committed: publish its rows, then remember where we are.
                for row in pending:
                    await publish(row["topic"], json.loads(row["payload"]))
                    published += 1
                pending = []
                state.save(event.checkpoint)
                if stop_after is not None and published >= stop_after:
                    break
    return published


async def demo(connect: dict[str, Any], state: CheckpointFile) -> None:
    """Create the outbox, start the relay at the current position, write three events."""
    conn = await aiomysql.connect(**connect, autocommit=True)
    async with conn.cursor() as cur:
        await cur.execute("CREATE DATABASE IF NOT EXISTS app")
        await cur.execute(CREATE)
    start = BinlogStream(**connect, server_id=4243)
    state.save(await start.checkpoint())  # "now": before the writes below
    await start.close()
    async with conn.cursor() as cur:
        for n in range(3):
            await cur.execute("BEGIN")
            await cur.execute(
                "INSERT INTO app.outbox (topic, payload) VALUES (%s, %s)",
                ("orders", json.dumps({"order": n, "total": 10 * n})),
            )
            await cur.execute("COMMIT")
    conn.close()
    count = await relay(connect, state, stop_after=3)
    print(f"relayed {count} messages; checkpoint: {state.load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3306)
    parser.add_argument("--user", default="root")
    parser.add_argument("--password", default="")
    parser.add_argument("--state", default="outbox_relay.checkpoint")
    parser.add_argument("--demo", action="store_true")
    opts = parser.parse_args()
    connect = {"host": opts.host, "port": opts.port, "user": opts.user, "password": opts.password}
    state = CheckpointFile(opts.state)
    if opts.demo:
        asyncio.run(demo(connect, state))
    else:
        asyncio.run(relay(connect, state, None))


if __name__ == "__main__":
    main()
