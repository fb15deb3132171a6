"""The compiled binlog row decoder against the pure-Python twin: selection, and the same
values (or both a ProtocolError) for random column plans and random row bytes."""

from __future__ import annotations

import inspect
import os
import shutil
import types
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiomysql.constants import FIELD_TYPE as T
from aiomysql.protocol import _binlog_impl, _impl, binlog_decoder, binlog_rows
from aiomysql.protocol.binlog_tablemap import column_plan
from aiomysql.protocol.packets import ProtocolError

EXAMPLES = int(os.environ.get("AIOMYSQL_FUZZ_EXAMPLES", "150"))


def compiled() -> types.ModuleType:
    """The compiled row decoder; missing fails unless pure Python was asked for or no C
    compiler exists."""
    try:
        return _binlog_impl.compiled()
    except ImportError:
        if os.environ.get("AIOMYSQL_IMPL") == "python" or os.environ.get(
            "AIOMYSQL_NO_EXTENSIONS", ""
        ) not in ("", "0"):
            pytest.skip("pure Python asked for and the compiled row decoder is not built")
        if shutil.which("cc") or shutil.which("gcc"):
            pytest.fail("a C compiler is available but _binlog_speedups is not built")
        pytest.skip("no C compiler: the compiled row decoder cannot be built")


def test_selection_follows_the_core() -> None:
    assert _binlog_impl.IMPL == _impl.IMPL or _binlog_impl.speedups is None
    if _impl.IMPL == "python":
        assert binlog_decoder.decode_rows is binlog_rows.decode_rows
    else:
        assert binlog_decoder.decode_rows is compiled().decode_rows
    assert _binlog_impl.TWINS == {"aiomysql.protocol.binlog_rows": ("decode_rows",)}


def test_the_stub_matches_the_compiled_module() -> None:
    stub = (Path(binlog_rows.__file__).parent / "_binlog_speedups.pyi").read_text()
    mod = compiled()
    names = {n for n in dir(mod) if not n.startswith("_") and callable(getattr(mod, n))}
    assert names == {"decode_rows"}
    params = list(inspect.signature(mod.decode_rows).parameters)
    assert params == ["data", "pos", "end", "plan", "present", "present_after"]
    assert "def decode_rows(" in stub and all(f"{p}:" in stub for p in params)


@st.composite
def column(draw: Any) -> tuple[int, int, bool, int | None, tuple[str, ...] | None]:
    kind = draw(st.sampled_from(["int", "float", "decimal", "fixed", "fsp", "varchar",
                                 "char", "enum", "set", "bit", "blob"]))  # fmt: skip
    if kind == "int":
        t = draw(st.sampled_from([T.TINY, T.SHORT, T.INT24, T.LONG, T.LONGLONG]))
        return t, 0, draw(st.booleans()), None, None
    if kind == "float":
        return draw(st.sampled_from([(T.FLOAT, 4), (T.DOUBLE, 8)])) + (False, None, None)
    if kind == "decimal":
        p = draw(st.integers(1, 65))
        return T.NEWDECIMAL, p << 8 | draw(st.integers(0, min(30, p))), False, None, None
    if kind == "fixed":
        t = draw(st.sampled_from([T.YEAR, T.DATE, T.NEWDATE, T.TIME, T.DATETIME, T.TIMESTAMP]))
        return t, 0, False, None, None
    if kind == "fsp":
        t = draw(st.sampled_from([T.TIME2, T.DATETIME2, T.TIMESTAMP2]))
        return t, draw(st.integers(0, 6)), False, None, None
    collation = draw(st.sampled_from([None, 63, 45, 8]))
    if kind == "varchar":
        return T.VARCHAR, draw(st.integers(1, 1000)), False, collation, None
    if kind == "char":
        return T.STRING, 0xFE << 8 | draw(st.integers(1, 255)), False, collation, None
    names = draw(st.one_of(st.none(), st.lists(st.text(max_size=3), min_size=1, max_size=8)))
    names = tuple(names) if names is not None else None
    if kind == "enum":
        return T.STRING, 0xF7 << 8 | draw(st.integers(1, 2)), False, None, names
    if kind == "set":
        return T.STRING, 0xF8 << 8 | draw(st.integers(1, 8)), False, None, names
    if kind == "bit":
        nbytes = draw(st.integers(0, 8))
        bits = draw(st.integers(1 if nbytes == 0 else 0, 7 if nbytes < 8 else 0))
        return T.BIT, bits << 8 | nbytes, False, None, None
    t = draw(st.sampled_from([T.BLOB, T.GEOMETRY, T.JSON]))
    return t, draw(st.integers(1, 4)), False, collation if t == T.BLOB else None, None


@st.composite
def cases(draw: Any) -> tuple[bytes, tuple[Any, ...], tuple[int, ...], tuple[int, ...] | None]:
    specs = draw(st.lists(column(), min_size=1, max_size=8))
    full = draw(st.booleans())
    plan = tuple(column_plan(t, m, u, c, n, full) for t, m, u, c, n in specs)
    n = len(plan)
    present = tuple(sorted(draw(st.sets(st.integers(0, n - 1), min_size=1))))
    after = None
    if draw(st.booleans()):
        after = tuple(sorted(draw(st.sets(st.integers(0, n - 1), min_size=1))))
    body = draw(st.binary(max_size=200))
    return body, plan, present, after


def _outcome(fn: Any, body: bytes, plan: Any, present: Any, after: Any) -> str:
    try:
        return repr(fn(body, 0, len(body), plan, present, after))
    except ProtocolError:
        return "ProtocolError"


@settings(max_examples=EXAMPLES * 2, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(cases())
def test_compiled_rows_equal_pure_rows(case: Any) -> None:
    mod = compiled()
    body, plan, present, after = case
    pure = _outcome(binlog_rows.decode_rows, body, plan, present, after)
    fast = _outcome(mod.decode_rows, body, plan, present, after)
    assert fast == pure
    OUTCOMES.append(pure != "ProtocolError")


OUTCOMES: list[bool] = []


def test_the_differential_decoded_rows() -> None:
    """Random bytes must often be decodable rows, or the comparison above says little."""
    if OUTCOMES:
        assert sum(OUTCOMES) >= len(OUTCOMES) // 10
