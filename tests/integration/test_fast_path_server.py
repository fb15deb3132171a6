"""The one-step per-statement path (protocol/fast_path.py) against the real server.

Every statement is run on a connection whose channel never takes the one-step path and on
one whose channel does: rows, description, counters, messages, warnings and errors must
be the same, and the one-step path must actually have served the repeated statements.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest

import aiomysql
from aiomysql import _channel

STATEMENTS: list[tuple[str, Any]] = [
    ("SELECT 1, 'a', NULL, 1.5e0, CAST(2.25 AS DECIMAL(5,2)), DATE '2024-01-02'", None),
    ("SELECT TIMESTAMP '2024-01-02 03:04:05.5', _binary 'x\\0y', -7", None),
    ("DO %s", (1,)),
    ("CREATE TEMPORARY TABLE fp (id INT AUTO_INCREMENT PRIMARY KEY, a VARCHAR(300))", None),
    ("INSERT INTO fp (a) VALUES (%s), (%s)", ("x", "y" * 300)),
    ("UPDATE fp SET a = CONCAT(a, 'z')", None),  # an OK packet with an info message
    ("SELECT * FROM fp ORDER BY id", None),
    ("SELECT * FROM fp WHERE id < 0", None),  # no rows
    ("SELECT id, a FROM fp WHERE id = %s", (2,)),
    ("SELECT REPEAT('x', 70000) AS big", None),  # a value with a 3-byte length
    (  # several reads' worth of rows
        "WITH RECURSIVE s (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 3000) "
        "SELECT n, n * 2 FROM s",
        None,
    ),
    ("SELECT CAST('12abc' AS SIGNED)", None),  # a warning
    ("SELECT * FROM no_such_table", None),  # the server's error
    ("SELECT 1 FROM fp WHERE a = %s", ("é" * 10,)),
]


async def _run_all(conn: aiomysql.Connection) -> list[Any]:
    out: list[Any] = []
    async with conn.cursor() as cur:
        for _round in range(2):  # the second round finds its column definitions known
            for sql, args in STATEMENTS:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    try:
                        await cur.execute(sql, args)
                    except aiomysql.Error as exc:
                        out.append(("error", type(exc), exc.args))
                        continue
                    rows = await cur.fetchall()
                out.append(
                    (
                        sql,
                        rows,
                        cur.description,
                        cur.rowcount,
                        cur.lastrowid,
                        cur.warning_count,
                        cur._result.message if cur._result is not None else None,
                        [str(w.message) for w in caught],
                    )
                )
    return out


async def test_the_one_step_path_gives_what_the_general_path_gives(
    conn: aiomysql.Connection,
    connect_kwargs: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    served = 0
    fast = _channel.read_whole_result

    def counting(core: Any, result_type: type[Any]) -> Any:
        nonlocal served
        result = fast(core, result_type)
        served += result is not None
        return result

    monkeypatch.setattr(_channel, "read_whole_result", counting)
    with_fast = await _run_all(conn)
    assert served >= len(STATEMENTS)  # most of the second round at least
    monkeypatch.setattr(_channel, "read_whole_result", lambda core, result_type: None)
    general_conn = await aiomysql.connect(**connect_kwargs)
    try:
        general = await _run_all(general_conn)
    finally:
        await general_conn.ensure_closed()
    assert with_fast == general
    assert any(item[0] == "error" for item in general)
    assert any(item[-1] for item in general if item[0] != "error")  # a warning was seen
