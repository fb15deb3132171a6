"""Decode every rows event from a binlog position with python-mysql-replication."""

from __future__ import annotations

import json
import resource
import sys
import time


def main(host: str, port: int, log_file: str, log_pos: int, want: int) -> dict[str, float]:
    from pymysqlreplication import BinLogStreamReader
    from pymysqlreplication.row_event import WriteRowsEvent

    stream = BinLogStreamReader(
        connection_settings={"host": host, "port": port, "user": "root", "passwd": ""},
        server_id=4102, blocking=False, resume_stream=True, log_file=log_file,
        log_pos=log_pos, only_events=[WriteRowsEvent],
    )  # fmt: skip
    rows = events = 0
    checksum = 0
    for event in stream:
        events += 1
        for row in event.rows:
            rows += 1
            checksum += row["values"]["id"]
        if rows >= want:
            break
    stream.close()
    return {"rows": rows, "events": events, "checksum": checksum}


if __name__ == "__main__":
    start_cpu = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    out = main(sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    end_cpu = resource.getrusage(resource.RUSAGE_SELF)
    out["wall"] = time.perf_counter() - start
    out["cpu"] = (end_cpu.ru_utime - start_cpu.ru_utime) + (end_cpu.ru_stime - start_cpu.ru_stime)
    print(json.dumps(out))
