"""Decode every rows event from a binlog position with asyncmy's replication module.

Its non-blocking mode never ends (at the end of the binlog it reconnects and dumps
again), so it streams in blocking mode and stops after the expected number of rows."""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time


async def main(host: str, port: int, log_file: str, log_pos: int, want: int) -> dict[str, float]:
    import asyncmy
    from asyncmy.replication import BinLogStream
    from asyncmy.replication.row_events import WriteRowsEvent

    conn = await asyncmy.connect(host=host, port=port, user="root", password="")
    ctl = await asyncmy.connect(host=host, port=port, user="root", password="")
    stream = BinLogStream(
        conn, ctl, server_id=4103, master_log_file=log_file, master_log_position=log_pos,
        resume_stream=True, blocking=True, only_events=[WriteRowsEvent],
    )  # fmt: skip
    rows = events = 0
    checksum = 0
    async for event in stream:
        events += 1
        for row in event.rows:
            rows += 1
            checksum += row["values"]["id"]
        if rows >= want:  # its non-blocking mode reconnects at the end, forever
            break
    await stream.close()
    return {"rows": rows, "events": events, "checksum": checksum}


if __name__ == "__main__":
    start_cpu = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    args = sys.argv[1:]
    out = asyncio.run(main(args[0], int(args[1]), args[2], int(args[3]), int(args[4])))
    end_cpu = resource.getrusage(resource.RUSAGE_SELF)
    out["wall"] = time.perf_counter() - start
    out["cpu"] = (end_cpu.ru_utime - start_cpu.ru_utime) + (end_cpu.ru_stime - start_cpu.ru_stime)
    print(json.dumps(out))
