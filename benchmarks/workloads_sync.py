"""The workloads for blocking drivers: the same steps as workloads_async, without await."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import checks
import spec
from timer import Timer

Cfg = dict[str, Any]


def _session(ad: ModuleType, cfg: Cfg) -> tuple[Any, Any]:
    conn = ad.connect(cfg)
    cur = ad.cursor(conn)
    cur.execute("SELECT 1")  # warm-up: first-query code paths are not measured
    cur.fetchall()
    return conn, cur


def fetch(ad: ModuleType, cfg: Cfg, t: Timer) -> None:
    conn, cur = _session(ad, cfg)
    try:
        t.start()
        cur.execute(spec.SQL_FETCH)
        rows = cur.fetchall()
        t.stop()
        checks.fetched_rows(rows)
    finally:
        ad.close(conn)


def point(ad: ModuleType, cfg: Cfg, t: Timer) -> None:
    ids = spec.point_ids()
    results: list[Any] = []
    conn, cur = _session(ad, cfg)
    try:
        t.start()
        for n in ids:
            cur.execute(spec.SQL_POINT, (n,))
            results.append(cur.fetchall())
        t.stop()
        checks.point_results(results, ids)
    finally:
        ad.close(conn)


def insert(ad: ModuleType, cfg: Cfg, t: Timer) -> None:
    rows = [spec.row_values(n) for n in range(1, spec.INSERT_ROWS + 1)]
    conn, cur = _session(ad, cfg)
    try:
        cur.execute("TRUNCATE TABLE insert_rows")
        conn.commit()
        t.start()
        cur.executemany(spec.SQL_INSERT, rows)
        conn.commit()
        t.stop()
        cur.execute(checks.SQL_INSERT_CHECK)
        count_sum = cur.fetchall()[0]
        cur.execute(checks.SQL_INSERT_FIRST)
        checks.inserted(count_sum, cur.fetchall()[0])
    finally:
        ad.close(conn)


def blob_fetch(ad: ModuleType, cfg: Cfg, t: Timer) -> None:
    values: list[Any] = []
    conn, cur = _session(ad, cfg)
    try:
        t.start()
        for _ in range(spec.BLOB_REPEAT):
            cur.execute(spec.SQL_BLOB_FETCH)
            values.append(cur.fetchall()[0][0])
        t.stop()
        for value in values:
            checks.blob_value(value)
    finally:
        ad.close(conn)


def blob_insert(ad: ModuleType, cfg: Cfg, t: Timer) -> None:
    value = spec.blob()
    conn, cur = _session(ad, cfg)
    try:
        cur.execute("TRUNCATE TABLE blob_sink")
        conn.commit()
        t.start()
        for _ in range(spec.BLOB_REPEAT):
            cur.execute(spec.SQL_BLOB_INSERT, (value,))
        conn.commit()
        t.stop()
        cur.execute(checks.SQL_BLOB_CHECK)
        checks.blobs_inserted(cur.fetchall()[0])
        cur.execute("TRUNCATE TABLE blob_sink")
    finally:
        ad.close(conn)


def text(ad: ModuleType, cfg: Cfg, t: Timer) -> None:
    conn, cur = _session(ad, cfg)
    try:
        t.start()
        cur.execute(spec.SQL_TEXT)
        rows = cur.fetchall()
        t.stop()
        checks.text_rows(rows)
    finally:
        ad.close(conn)


#: "4-pool" is absent: a blocking driver has no asyncio pool (reported as n/a).
WORKLOADS: dict[str, Callable[[ModuleType, Cfg, Timer], None]] = {
    "1-fetch": fetch,
    "2-point": point,
    "3-insert": insert,
    "5-blob-fetch": blob_fetch,
    "5-blob-insert": blob_insert,
    "6-text": text,
}
