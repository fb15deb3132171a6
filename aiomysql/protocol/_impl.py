"""The one place that picks the compiled twin of the hot loops or the pure-Python reference.

The compiled module (``_speedups``, built from Cython when a C compiler is present) is
used unless it was not built or ``AIOMYSQL_NO_EXTENSIONS`` is set to a non-empty value
other than ``0``. Everything else imports the hot functions from here.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from types import ModuleType
from typing import Any

from . import packets as _packets
from . import rows as _rows

#: Functions with a compiled twin, by pure-Python home module (see the parity test).
TWINS: dict[str, tuple[str, ...]] = {
    "aiomysql.protocol.rows": ("decode_text_row", "decode_text_rows"),
    "aiomysql.protocol.packets": ("read_packet", "packets_end"),
    "aiomysql.converters": ("escape_string", "escape_args"),
}


def pure_twin(name: str) -> Callable[..., Any]:
    """The pure-Python function twinned by the compiled ``name``.

    A module that swaps in the compiled twin under the public name keeps its own
    definition as ``py_<name>`` (converters does).
    """
    for module_name, names in TWINS.items():
        if name in names:
            module = importlib.import_module(module_name)
            fn: Callable[..., Any] = getattr(module, "py_" + name, None) or getattr(module, name)
            return fn
    raise KeyError(name)


def _load() -> ModuleType | None:
    if os.environ.get("AIOMYSQL_NO_EXTENSIONS", "") not in ("", "0"):
        return None
    try:
        from . import _speedups
    except ImportError:
        return None
    return _speedups


#: The compiled module in use, or None when the pure-Python reference runs.
speedups: ModuleType | None = _load()
#: True when the compiled twin is in use.
USING_EXTENSIONS: bool = speedups is not None

decode_text_row = _rows.decode_text_row
decode_text_rows = _rows.decode_text_rows
read_packet = _packets.read_packet
packets_end = _packets.packets_end
if speedups is not None:
    decode_text_row = speedups.decode_text_row
    decode_text_rows = speedups.decode_text_rows
    read_packet = speedups.read_packet
    packets_end = speedups.packets_end
