"""Type stubs of the compiled binlog row decoder (_binlog_speedups.pyx); the pure twin
``binlog_rows`` documents the behaviour."""

from typing import Any

from .binlog_rows import ColumnPlan

def decode_rows(
    data: bytes,
    pos: int,
    end: int,
    plan: tuple[ColumnPlan, ...],
    present: tuple[int, ...],
    present_after: tuple[int, ...] | None,
) -> list[Any]: ...
