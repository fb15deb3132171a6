"""What a user observes, upstream aiomysql 0.3.2 against this package, scenario by scenario.

Each scenario script (``scenarios/*.py``) prints one JSON object: step name -> the
value returned (with its Python types), or the exception raised (class name, args,
str, which DB-API/builtin classes catch it), and the warnings issued. Every key must be
equal on both sides except the ones in ``DELIBERATE`` (docs/compat.md says why).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from compat_support import run_both

#: (scenario, key) -> why we differ on purpose. Keep in step with docs/compat.md.
DELIBERATE: dict[tuple[str, str], str] = {
    # Unbuffered rowcount: DB-API's -1 while unknown, the row count once read; upstream
    # reports 2**64-1 (the unsigned form of -1) throughout.
    **{
        ("cursors", f"{cls}.{key}"): "unbuffered rowcount is -1, then the count"
        for cls in ("SSCursor", "SSDictCursor")
        for key in ("rowcount", "rowcount_end")
    },
    # A parameter type without an encoder raises ProgrammingError; upstream sent str(obj).
    ("cursors", "bad_param"): "no silent str() of unknown parameter types",
    # Placeholder/argument mismatch: ProgrammingError (DB-API) instead of TypeError.
    ("cursors", "few_params"): "ProgrammingError for a placeholder mismatch",
    # bytes are sent as hex literals (X'..'), charset-independent; upstream _binary'..'.
    ("cursors", "last_executed.execute_dict"): "bytes as X'..' hex literals",
    ("connection", "escape.5"): "bytes as X'..' hex literals",
    ("connection", "literal.5"): "bytes as X'..' hex literals",
    # _last_executed is always the str sent; upstream's multi-row executemany left the
    # bytearray it built there.
    ("cursors", "last_executed.executemany_insert"): "_last_executed is always a str",
    # MariaDB JSON columns are recognised (extended metadata) and decoded.
    ("cursors", "deser.fetchall"): "MariaDB JSON columns decoded",
    # conn.encoding is Python's codec name ('utf-8'); upstream PyMySQL's alias ('utf8').
    ("connection", "attr.encoding"): "codec name spelling",
    ("connection", "encoding_after_set"): "codec name spelling",
    # An unknown charset raises LookupError; upstream crashed with AttributeError.
    ("connection", "connect_bad_charset"): "LookupError for an unknown charset",
    ("connection", "set_charset_bad"): "LookupError for an unknown charset",
    # Closed-connection errors: same class and str, args (0, 'Not connected') instead of
    # the one string "(0, 'Not connected')"; ping(False) on a closed connection raises
    # that InterfaceError (an Error) instead of Error('Already closed').
    ("connection", "cursor_after_close"): "args of the closed-connection error",
    ("connection", "execute_after_close"): "args of the closed-connection error",
    ("connection", "ping_after_close_no_reconnect"): "InterfaceError 'Not connected'",
    # Pool: closed is true from close() on (upstream: once wait_closed() has run);
    # a connection released after close() is closed in the background (by wait_closed).
    ("pool", "closed_after_close"): "closed is true from close() on",
    ("pool", "conn_closed_after_release"): "closed in the background after close()",
    # acquire() on a closed pool: PoolClosedError (RuntimeError first, InterfaceError).
    ("pool", "acquire_after_close"): "PoolClosedError, a RuntimeError and InterfaceError",
    # wait_closed() without close() closes the pool (the user's spec calls it so).
    ("pool", "wait_closed_without_close"): "wait_closed() closes the pool itself",
    # aiomysql.sa rows iterate over values (SQLAlchemy's Row); upstream's over keys.
    ("sa", "fetchmany"): "sa rows iterate values",
    ("sa", "fetchall"): "sa rows iterate values",
    ("sa", "string_query.first"): "sa rows iterate values",
    # fetchone() after fetchall() returns None (DB-API); upstream raised ResourceClosedError.
    ("sa", "fetchone_end"): "exhausted result returns None",
}

SCENARIOS = ["connection", "cursors", "pool", "sa"]


def differences(
    scenario: str, upstream: dict[str, Any], ours: dict[str, Any]
) -> tuple[list[str], list[str]]:
    """(unexpected differences, deliberate keys that no longer differ)."""
    unexpected, stale = [], []
    for key in sorted(set(upstream) | set(ours)):
        same = upstream.get(key) == ours.get(key)
        if (scenario, key) in DELIBERATE:
            if same:
                stale.append(key)
            continue
        if not same:
            unexpected.append(
                f"{key}:\n  upstream: {json.dumps(upstream.get(key))}"
                f"\n  ours:     {json.dumps(ours.get(key))}"
            )
    return unexpected, stale


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario(scenario: str, oracle_python: str, connect_kwargs: dict[str, Any]) -> None:
    upstream, ours = run_both(oracle_python, f"{scenario}.py", json.dumps(connect_kwargs))
    assert len(upstream) > 10
    unexpected, stale = differences(scenario, upstream, ours)
    assert not unexpected, f"{len(unexpected)} difference(s):\n" + "\n".join(unexpected)
    assert not stale, f"DELIBERATE lists keys that now match upstream: {stale}"
