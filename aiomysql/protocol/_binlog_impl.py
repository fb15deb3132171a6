"""The one place choosing the compiled or the pure-Python binlog row decoder.

It follows ``_impl``'s choice (``AIOMYSQL_IMPL`` / ``AIOMYSQL_NO_EXTENSIONS``): when
the compiled core is in use, the compiled row decoder ``_binlog_speedups`` is used too
if it was built (``AIOMYSQL_IMPL=c`` makes its absence an ImportError); otherwise the
pure-Python ``binlog_rows``.
"""

from __future__ import annotations

import os
from types import ModuleType

from . import _impl
from . import binlog_rows as _rows

#: Functions with a compiled twin in _binlog_speedups, by pure-Python home module.
TWINS: dict[str, tuple[str, ...]] = {"aiomysql.protocol.binlog_rows": ("decode_rows",)}


def _load() -> ModuleType | None:
    if _impl.IMPL != "c":
        return None
    try:
        from . import _binlog_speedups
    except ImportError as exc:
        if os.environ.get("AIOMYSQL_IMPL", "") == "c":
            raise ImportError(
                "AIOMYSQL_IMPL=c but the compiled binlog row decoder "
                f"aiomysql.protocol._binlog_speedups cannot be loaded ({exc})"
            ) from exc
        return None
    return _binlog_speedups


#: The compiled module in use, or None when the pure-Python reference runs.
speedups: ModuleType | None = _load()
#: "c" when the compiled row decoder is in use, "python" otherwise.
IMPL: str = "python" if speedups is None else "c"

decode_rows = _rows.decode_rows
if speedups is not None:
    decode_rows = speedups.decode_rows


def compiled() -> ModuleType:
    """The compiled module even when it is not the one in use (tests compare the twins)."""
    from . import _binlog_speedups

    return _binlog_speedups
