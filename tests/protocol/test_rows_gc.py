"""The compiled row decoder and the cyclic garbage collector: while a batch of rows whose
values are all made in C is built, no collection starts (the one the row tuples add up
to runs after the batch); the collector's state is left as it was, and a plan entry that
calls out to Python code sees the collector exactly as the application set it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import mysql_packets as sp
from speedups_support import compiled

from aiomysql import decoders
from aiomysql.protocol import rows as rows_module

ROWS = 5000


def batch(count: int) -> bytes:
    """``count`` row packets of (INT, DECIMAL) text values, sequence ids from 1."""
    payloads = []
    for n in range(count):
        values = [str(n).encode(), f"{n}.{n % 100:02d}".encode()]
        payloads.append(b"".join(bytes([len(v)]) + v for v in values))
    return sp.stream(payloads, seq=1)


@contextmanager
def collections_started() -> Iterator[list[int]]:
    """The generations of the collections that start inside the block."""
    started: list[int] = []

    def callback(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started.append(info["generation"])

    gc.callbacks.append(callback)
    try:
        yield started
    finally:
        gc.callbacks.remove(callback)


def test_no_collection_starts_while_a_batch_is_built() -> None:
    mod = compiled()
    data = batch(ROWS)
    plan = (int, decoders.decode_decimal)
    rows: list[Any] = []
    gc.collect()
    assert gc.isenabled()
    with collections_started() as started:
        pos, seq = mod.decode_text_rows(data, 0, len(data), 1, plan, rows)
    assert (pos, seq, len(rows)) == (len(data), (1 + ROWS) & 0xFF, ROWS)
    assert rows[7] == (7, Decimal("7.07"))
    # At most the one the batch owes, when the call allocates its result after it.
    assert len(started) <= 1 and gc.isenabled()
    # The pure twin, for comparison: a young collection every 700 row tuples or so.
    gc.collect()
    with collections_started() as started:
        rows_module.decode_text_rows(data, 0, len(data), 1, plan, [])
    assert len(started) >= ROWS // 1000


def test_a_disabled_collector_stays_disabled() -> None:
    mod = compiled()
    data = batch(50)
    gc.disable()
    try:
        mod.decode_text_rows(data, 0, len(data), 1, (int, decoders.decode_decimal), [])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_python_converters_see_the_collector_as_the_application_left_it() -> None:
    mod = compiled()
    data = batch(50)
    seen: list[bool] = []

    def convert(value: bytes) -> int:
        seen.append(gc.isenabled())
        return int(value)

    rows: list[Any] = []
    mod.decode_text_rows(data, 0, len(data), 1, (convert, decoders.decode_decimal), rows)
    assert len(rows) == 50 and seen == [True] * 50 and gc.isenabled()


def test_an_error_mid_batch_leaves_the_collector_enabled() -> None:
    mod = compiled()
    good = batch(20)
    bad = good + sp.stream([b"\x01" + b"1"], seq=99)  # wrong sequence id
    try:
        mod.decode_text_rows(bad, 0, len(bad), 1, (int, decoders.decode_decimal), [])
    except Exception as exc:
        assert "sequence" in str(exc)
    else:
        raise AssertionError("a wrong sequence id was accepted")
    assert gc.isenabled()
