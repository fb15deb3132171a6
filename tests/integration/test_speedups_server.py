"""The compiled twin and the pure-Python reference reading the same real result sets."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

import aiomysql
from aiomysql.protocol import _impl, core, packets, rows

_HOT = ("decode_text_row", "decode_text_rows", "read_packet")


def _speedups() -> Any:
    if _impl.speedups is not None:
        return _impl.speedups
    try:
        return _impl.compiled()  # with the registered decoders, as when selected
    except ImportError:
        pytest.fail("aiomysql.protocol._speedups is not built")


async def _fetch(
    monkeypatch: pytest.MonkeyPatch, impl: Any, kwargs: dict[str, Any], sql: str
) -> list[tuple[Any, ...]]:
    """All rows of ``sql`` read by a connection whose core runs ``impl``'s hot functions."""
    with monkeypatch.context() as m:
        for name in _HOT:
            m.setattr(core, name, getattr(impl, name))
        conn = await aiomysql.connect(**kwargs)
        try:
            async with conn.cursor() as cur:
                await cur.execute(sql)
                return list(await cur.fetchall())
        finally:
            conn.close()


_SELECT = """
SELECT seq, -CAST(seq AS SIGNED) * 1000003, seq * 12345.678 / 7, CAST(seq / 3 AS DECIMAL(30,10)),
       CAST(seq * 1.5 AS DECIMAL(10,2)),
       DATE '2000-01-01' + INTERVAL seq DAY,
       TIMESTAMP '2001-02-03 04:05:06.789' + INTERVAL seq * 997 SECOND,
       CAST(TIMESTAMP '2020-01-01 00:00:00' + INTERVAL seq SECOND AS DATETIME(3)),
       CAST(seq / 7 AS FLOAT), CAST(seq % 128 AS SIGNED), 18446744073709551615 - seq,
       IF(seq % 5 = 0, NULL, REPEAT('Grüße 😀', seq % 40)),
       IF(seq % 7 = 0, NULL, REPEAT('x', seq * 13)),
       UNHEX(HEX(seq * 255)), CAST('0000-00-00' AS CHAR),
       SEC_TO_TIME(CAST(seq AS SIGNED) * 37 - 500)
FROM seq_1_to_3000
"""


async def test_both_implementations_read_the_same_rows(
    monkeypatch: pytest.MonkeyPatch, connect_kwargs: dict[str, Any]
) -> None:
    """3,000 rows of every common column kind, NULLs and long text, decoded both ways."""
    pure = type("Pure", (), {})
    pure.decode_text_row = staticmethod(rows.decode_text_row)  # type: ignore[attr-defined]
    pure.decode_text_rows = staticmethod(rows.decode_text_rows)  # type: ignore[attr-defined]
    pure.read_packet = staticmethod(packets.read_packet)  # type: ignore[attr-defined]
    slow = await _fetch(monkeypatch, pure, connect_kwargs, _SELECT)
    fast = await _fetch(monkeypatch, _speedups(), connect_kwargs, _SELECT)
    assert len(slow) == len(fast) == 3000
    for a, b in zip(slow, fast, strict=True):
        assert [type(v) for v in a] == [type(v) for v in b]
        assert [repr(v) for v in a] == [repr(v) for v in b]
    first = fast[0]
    assert first[0] == 1 and isinstance(first[3], Decimal) and first[4] == Decimal("1.50")
    assert first[5] == datetime.date(2000, 1, 2)
    assert first[6] == datetime.datetime(2001, 2, 3, 4, 21, 43, 789000)
    assert first[10] == 18446744073709551614
    assert fast[4][11] is None and fast[6][12] is None


async def test_a_value_over_16_mib_both_ways(
    monkeypatch: pytest.MonkeyPatch, connect_kwargs: dict[str, Any]
) -> None:
    """A row split over two frames is joined and decoded the same by both twins."""
    sql = "SELECT 7, REPEAT('ab', 8388700), 'tail'"
    pure = type("Pure", (), {})
    pure.decode_text_row = staticmethod(rows.decode_text_row)  # type: ignore[attr-defined]
    pure.decode_text_rows = staticmethod(rows.decode_text_rows)  # type: ignore[attr-defined]
    pure.read_packet = staticmethod(packets.read_packet)  # type: ignore[attr-defined]
    for impl in (pure, _speedups()):
        (row,) = await _fetch(monkeypatch, impl, connect_kwargs, sql)
        assert row[0] == 7 and row[2] == "tail"
        assert len(row[1]) == 2 * 8388700 and row[1][:4] == "abab"
