"""SQL string escaping and by-type literal dispatch: the pure-Python reference.

``escape_string`` and ``escape_args`` have a compiled twin in ``_speedups``; the one in
use is chosen by ``_impl`` (never here, never in ``converters``). The encoders
themselves (Python value -> SQL literal, one per type) live in ``aiomysql.converters``,
which hands the standard ones to ``_impl.register_encoders`` so that the compiled
``escape_args`` may produce their output itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import ProgrammingError

__all__ = ["Encoder", "escape_args", "escape_string", "escape_value"]

#: ``(value, mapping) -> SQL literal``; the mapping is passed on for nested values.
Encoder = Callable[[Any, Mapping[type, "Encoder"]], str]

# Backslash mode (the server default) escapes what the MySQL lexer treats specially
# inside a quoted string. With NO_BACKSLASH_ESCAPES a backslash is an ordinary
# character and only the quote needs doubling.
_BACKSLASH_ESCAPES = (
    ("\\", "\\\\"),  # first, so the backslashes added below are not doubled
    ("\0", "\\0"),
    ("\n", "\\n"),
    ("\r", "\\r"),
    ("'", "\\'"),
    ('"', '\\"'),
    ("\x1a", "\\Z"),
)


def _check_encodable(s: str) -> None:
    # Lone surrogates ('\ud800') cannot be sent in any charset; reject them here, at
    # escaping time, with a clear error instead of a UnicodeEncodeError later.
    # Other characters the connection charset cannot represent (e.g. '€' on latin2)
    # are reported by the connection when it encodes the query.
    try:
        s.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ProgrammingError(
            f"string parameter contains a lone surrogate at index {exc.start} "
            f"({s[exc.start]!r}); it cannot be sent to the server"
        ) from None


def escape_string(s: str, no_backslash_escapes: bool = False) -> str:
    """Escape ``s`` for use between single quotes (the quotes are not added)."""
    if not s.isascii():
        _check_encodable(s)
    if no_backslash_escapes:
        return s.replace("'", "''")
    for char, escaped in _BACKSLASH_ESCAPES:
        if char in s:
            s = s.replace(char, escaped)
    return s


def escape_value(value: object, mapping: Mapping[type, Encoder]) -> str:
    """``value`` as an SQL literal by the encoder ``mapping`` holds for its type.

    The encoder is found by the exact type, then by walking the type's MRO (IntEnum,
    str subclasses, ...); a type with no encoder raises ProgrammingError.
    """
    cls = type(value)
    encoder = mapping.get(cls)
    if encoder is None:
        for base in cls.__mro__[1:]:
            encoder = mapping.get(base)
            if encoder is not None:
                break
        else:
            raise ProgrammingError(
                f"{cls.__module__}.{cls.__qualname__} is not supported as a query "
                "parameter; convert it first or pass an encoder for it in conv="
            )
    return encoder(value, mapping)


def escape_args(
    args: tuple[Any, ...] | list[Any], mapping: Mapping[type, Encoder]
) -> tuple[str, ...]:
    """Each of ``args`` as an SQL literal by ``mapping`` (hot: compiled twin in _speedups)."""
    return tuple([escape_value(arg, mapping) for arg in args])
