"""Correctness checks run after each measured part: a wrong answer is a failure, not a time."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import Any

import spec


class WrongResult(AssertionError):
    """The driver returned something other than what the server holds."""


def _same(got: Any, want: Any) -> bool:
    if isinstance(want, float):
        return isinstance(got, float) and math.isclose(got, want, rel_tol=1e-5)
    return type(got) is type(want) and bool(got == want)


def row(got: Sequence[Any], n: int) -> None:
    want = spec.row_values(n)
    if len(got) != len(want) or not all(_same(g, w) for g, w in zip(got, want, strict=True)):
        raise WrongResult(f"row {n}: got {tuple(got)!r}, want {want!r}")


def fetched_rows(rows: Sequence[Sequence[Any]]) -> None:
    if len(rows) != spec.FETCH_ROWS:
        raise WrongResult(f"fetched {len(rows)} rows, want {spec.FETCH_ROWS}")
    for n in (1, 77, 4321, spec.FETCH_ROWS):
        row(rows[n - 1], n)


def point_results(results: Sequence[Sequence[Sequence[Any]]], ids: Sequence[int]) -> None:
    if len(results) != len(ids):
        raise WrongResult(f"{len(results)} results for {len(ids)} selects")
    for got, n in zip(results, ids, strict=True):
        if len(got) != 1 or got[0][0] != n:
            raise WrongResult(f"point select of {n} returned {got!r}")
    row(results[0][0], ids[0])


def blob_value(value: Any) -> None:
    if not isinstance(value, (bytes, bytearray)) or len(value) != spec.BLOB_SIZE:
        size = len(value) if hasattr(value, "__len__") else "?"
        raise WrongResult(f"blob: got {type(value).__name__} of {size} bytes")
    if hashlib.md5(value).hexdigest() != spec.blob_md5():
        raise WrongResult("blob: bytes differ from the stored value")


def text_rows(rows: Sequence[Sequence[Any]]) -> None:
    if len(rows) != spec.TEXT_ROWS:
        raise WrongResult(f"fetched {len(rows)} text rows, want {spec.TEXT_ROWS}")
    for n in (1, 1234, spec.TEXT_ROWS):
        got = tuple(rows[n - 1])
        want = (n, *(spec.text_value(n, c) for c in range(spec.TEXT_COLUMNS)))
        if got != want:
            raise WrongResult(f"text row {n}: got {got!r}, want {want!r}")


def inserted(count_sum: Sequence[Any], first: Sequence[Any]) -> None:
    n = spec.INSERT_ROWS
    if tuple(int(v) for v in count_sum) != (n, n * (n + 1) // 2):
        raise WrongResult(f"after executemany: COUNT, SUM(id) = {tuple(count_sum)!r}")
    row(first, 1)


def blobs_inserted(summary: Sequence[Any]) -> None:
    want = (spec.BLOB_REPEAT, spec.blob_md5(), spec.blob_md5(), spec.BLOB_SIZE)
    got = tuple(v.decode() if isinstance(v, (bytes, bytearray)) else v for v in summary)
    if (int(got[0]), got[1], got[2], int(got[3])) != want:
        raise WrongResult(f"after blob inserts: {got!r}, want {want!r}")


SQL_INSERT_CHECK = "SELECT COUNT(*), SUM(id) FROM insert_rows"
SQL_INSERT_FIRST = "SELECT id, amount, day, ts, ratio, name, flag FROM insert_rows WHERE id = 1"
SQL_BLOB_CHECK = "SELECT COUNT(*), MIN(MD5(data)), MAX(MD5(data)), MIN(LENGTH(data)) FROM blob_sink"
