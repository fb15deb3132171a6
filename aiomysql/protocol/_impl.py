"""The one place that chooses the compiled twin of the hot loops or the pure-Python reference.

``AIOMYSQL_IMPL`` decides, once, at import:

- ``python``: the pure-Python reference (``rows``, ``packets``, ``escaping``);
- ``c``: the compiled modules ``_speedups`` and ``_compression_speedups``; ImportError
  if they cannot be loaded;
- unset or empty: the compiled module when it was built, else the reference.

``AIOMYSQL_NO_EXTENSIONS`` set to anything but empty or ``0`` means ``python`` as well;
together with ``AIOMYSQL_IMPL=c`` it is a contradiction and raises ImportError.

Every module, in this package or above it, takes the hot functions from here and never
imports ``_speedups`` itself. The compiled module imports nothing from outside
``aiomysql.protocol`` (and the base modules ``errors``/``constants``): the upper layers
hand it the callables it may run in C through ``register_decoders`` and
``register_encoders``, which are no-ops when the reference runs.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from types import ModuleType
from typing import Any

from . import binary_rows as _binary_rows
from . import escaping as _escaping
from . import fast_path as _fast_path
from . import packets as _packets
from . import renumber as _renumber
from . import rows as _rows
from . import stmt_packets as _stmt_packets
from .escaping import Encoder
from .rows import Decoder

#: Functions with a compiled twin, by pure-Python home module (see the parity test).
TWINS: dict[str, tuple[str, ...]] = {
    "aiomysql.protocol.rows": ("decode_text_row", "decode_text_rows"),
    "aiomysql.protocol.packets": ("read_packet", "packets_end"),
    "aiomysql.protocol.escaping": ("escape_string", "escape_args"),
    "aiomysql.protocol.fast_path": ("query_packet", "read_whole_result"),
    "aiomysql.protocol.fast_path_binary": ("read_whole_binary",),
}
#: The same for the second compiled module, ``_compression_speedups`` (compressed
#: connections' per-packet loop).
COMPRESSION_TWINS: dict[str, tuple[str, ...]] = {
    "aiomysql.protocol.renumber": ("renumber_packets",),
}
#: Functions of the second compiled module, _binary_speedups (the binary protocol), by
#: pure-Python home module; selected with _speedups, by the same switches.
BINARY_TWINS: dict[str, tuple[str, ...]] = {
    "aiomysql.protocol.binary_rows": ("decode_binary_row", "decode_binary_rows"),
    "aiomysql.protocol.stmt_packets": (
        "encode_params",
        "execute_payload",
        "bulk_execute_payloads",
    ),
}
#: Functions of the compiled module with no pure twin: they tell it which callables of
#: the upper layers it may replace by C code (the reference simply calls them).
HOOKS: tuple[str, ...] = ("register_decoders", "register_encoders")

_OFF = ("", "0")  # AIOMYSQL_NO_EXTENSIONS values that leave it off


def pure_twin(name: str) -> Callable[..., Any]:
    """The pure-Python function twinned by the compiled ``name``."""
    for module_name, names in (
        *TWINS.items(), *COMPRESSION_TWINS.items(), *BINARY_TWINS.items()
    ):
        if name in names:
            fn: Callable[..., Any] = getattr(importlib.import_module(module_name), name)
            return fn
    raise KeyError(name)


def _requested() -> str:
    """What the environment asks for: "c", "python" or "" (compiled when available)."""
    impl = os.environ.get("AIOMYSQL_IMPL", "")
    no_extensions = os.environ.get("AIOMYSQL_NO_EXTENSIONS", "") not in _OFF
    if impl not in ("", "c", "python"):
        raise ImportError(f"AIOMYSQL_IMPL={impl!r} is not understood: use 'c' or 'python'")
    if impl == "c" and no_extensions:
        raise ImportError(
            "AIOMYSQL_IMPL=c asks for the compiled module but AIOMYSQL_NO_EXTENSIONS="
            f"{os.environ['AIOMYSQL_NO_EXTENSIONS']!r} forbids it: unset one of them"
        )
    return "python" if no_extensions else impl


def _load(requested: str, name: str = "_speedups") -> ModuleType | None:
    if requested == "python":
        return None
    try:
        module = importlib.import_module(f"{__package__}.{name}")
    except ImportError as exc:
        if requested == "c":
            raise ImportError(
                f"AIOMYSQL_IMPL=c but the compiled module aiomysql.protocol.{name} cannot "
                f"be loaded ({exc}); reinstall aiomysql with Cython and a C compiler, or "
                "unset AIOMYSQL_IMPL to fall back to pure Python"
            ) from exc
        return None
    return module


def _load_binary(requested: str) -> ModuleType | None:
    if requested == "python":
        return None
    try:
        from . import _binary_speedups
    except ImportError as exc:
        if requested == "c":
            raise ImportError(
                "AIOMYSQL_IMPL=c but aiomysql.protocol._binary_speedups cannot be loaded "
                f"({exc}); reinstall aiomysql with Cython and a C compiler"
            ) from exc
        return None
    return _binary_speedups


#: The compiled module in use, or None when the pure-Python reference runs.
speedups: ModuleType | None = _load(_requested())
#: The compiled compression loop in use (only along with ``speedups``), or None.
compression_speedups: ModuleType | None = (
    None if speedups is None else _load(_requested(), "_compression_speedups")
)
#: The compiled binary-protocol twin in use, or None (the pure-Python reference).
binary_speedups: ModuleType | None = _load_binary(_requested())
#: "c" when the compiled twin is in use, "python" for the pure-Python reference.
IMPL: str = "python" if speedups is None else "c"
#: True when the compiled twin is in use (``IMPL == "c"``).
USING_EXTENSIONS: bool = speedups is not None

decode_text_row = _rows.decode_text_row
decode_text_rows = _rows.decode_text_rows
read_packet = _packets.read_packet
packets_end = _packets.packets_end
escape_string = _escaping.escape_string
escape_args = _escaping.escape_args
renumber_packets = _renumber.renumber_packets
if compression_speedups is not None:
    renumber_packets = compression_speedups.renumber_packets
query_packet = _fast_path.query_packet
read_whole_result = _fast_path.read_whole_result
decode_binary_row = _binary_rows.decode_binary_row
decode_binary_rows = _binary_rows.decode_binary_rows
encode_params = _stmt_packets.encode_params
execute_payload = _stmt_packets.execute_payload
bulk_execute_payloads = _stmt_packets.bulk_execute_payloads
if binary_speedups is not None:
    bulk_execute_payloads = binary_speedups.bulk_execute_payloads
    execute_payload = binary_speedups.execute_payload
    decode_binary_row = binary_speedups.decode_binary_row
    decode_binary_rows = binary_speedups.decode_binary_rows
    encode_params = binary_speedups.encode_params
if speedups is not None:
    decode_text_row = speedups.decode_text_row
    decode_text_rows = speedups.decode_text_rows
    read_packet = speedups.read_packet
    packets_end = speedups.packets_end
    escape_string = speedups.escape_string
    escape_args = speedups.escape_args
    query_packet = speedups.query_packet
    read_whole_result = speedups.read_whole_result

# What the upper layers registered, kept so that compiled() can hand it on too.
_decoders: dict[str, Decoder] = {}
_encoders: dict[str, Encoder] = {}


def register_decoders(
    *, decode_decimal: Decoder, decode_date: Decoder, decode_datetime: Decoder
) -> None:
    """Name the standard DECIMAL, DATE and DATETIME decoders (``aiomysql.decoders``).

    The compiled row loop recognises these plan entries by identity and builds the
    value in C; for text it cannot parse it still calls the decoder. The reference
    always calls them, so this is a no-op for it.
    """
    _decoders.update(
        decode_decimal=decode_decimal, decode_date=decode_date, decode_datetime=decode_datetime
    )
    if speedups is not None:
        speedups.register_decoders(**_decoders)
    if binary_speedups is not None:
        binary_speedups.register_decoders(**_decoders)


def register_encoders(
    *,
    encode_none: Encoder,
    encode_int: Encoder,
    encode_float: Encoder,
    encode_str: Encoder,
    encode_str_no_backslash: Encoder,
    encode_bytes: Encoder,
) -> None:
    """Name the standard encoders (``aiomysql.converters``) the compiled escape_args may inline.

    Each must give exactly what the compiled fast path gives for a value of exactly
    that type: ``NULL``, ``repr``, a quoted escaped ASCII string, ``X'<hex>'``.
    """
    _encoders.update(
        encode_none=encode_none,
        encode_int=encode_int,
        encode_float=encode_float,
        encode_str=encode_str,
        encode_str_no_backslash=encode_str_no_backslash,
        encode_bytes=encode_bytes,
    )
    if speedups is not None:
        speedups.register_encoders(**_encoders)


def compiled_binary() -> ModuleType:
    """The compiled binary-protocol twin even when not in use; ImportError if not built."""
    from . import _binary_speedups

    if _decoders:
        _binary_speedups.register_decoders(**_decoders)
    return _binary_speedups


def compiled() -> ModuleType:
    """The compiled module even when it is not the one in use (tests compare the twins).

    It is given what the upper layers registered; ImportError when it was not built.
    """
    from . import _speedups

    if _decoders:
        _speedups.register_decoders(**_decoders)
    if _encoders:
        _speedups.register_encoders(**_encoders)
    return _speedups


def compiled_compression() -> ModuleType:
    """The compiled compression loop even when not in use; ImportError when not built."""
    from . import _compression_speedups

    return _compression_speedups
