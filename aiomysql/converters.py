"""Python value -> SQL literal text, query formatting, and the conv= registry."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping
from decimal import Decimal
from math import isfinite as _isfinite
from typing import Any

from .decoders import decoders, is_builtin_decoder
from .errors import ProgrammingError
from .protocol import _impl
from .protocol import escaping as _escaping
from .protocol.escaping import Encoder
from .protocol.escaping import escape_value as _escape

__all__ = [
    "Encoder",
    "conversions",
    "decoders",
    "encoders",
    "escape_bytes",
    "escape_item",
    "escape_string",
    "format_query",
    "is_builtin_decoder",
    "literal",
]

# --- strings --------------------------------------------------------------------------

# The implementation _impl chose: the compiled twin or protocol.escaping's reference
# (reachable here as py_escape_string and py_escape_args too).
escape_string = _impl.escape_string
escape_args = _impl.escape_args
py_escape_string = _escaping.escape_string
py_escape_args = _escaping.escape_args


def escape_bytes(b: bytes | bytearray | memoryview) -> str:
    """``b`` as a hex literal ``X'..'``: charset-independent and fast for big values."""
    return "X'" + b.hex() + "'"


# --- encoders: (value, mapping) -> SQL literal ---------------------------------------


def _encode_none(value: None, mapping: Mapping[type, Encoder]) -> str:
    return "NULL"


def _encode_bool(value: bool, mapping: Mapping[type, Encoder]) -> str:
    return "1" if value else "0"


def _encode_int(value: int, mapping: Mapping[type, Encoder]) -> str:
    return int.__repr__(value)  # the number even for IntEnum members


def _encode_float(value: float, mapping: Mapping[type, Encoder]) -> str:
    if not _isfinite(value):
        raise ProgrammingError(f"{value!r} cannot be sent: MySQL has no NaN or infinity")
    # Shortest exact repr, with an exponent so that MySQL reads a DOUBLE, not a DECIMAL
    # (as PyMySQL: '1.5e0'; '1e+16' is valid SQL as it is).
    text = float.__repr__(value)
    return text if "e" in text else text + "e0"


def _encode_decimal(value: Decimal, mapping: Mapping[type, Encoder]) -> str:
    if not value.is_finite():
        raise ProgrammingError(f"{value!r} cannot be sent: MySQL has no NaN or infinity")
    return format(value, "f")  # positional notation: an exact DECIMAL literal


def _encode_str(value: str, mapping: Mapping[type, Encoder]) -> str:
    return "'" + escape_string(value) + "'"


def _encode_str_no_backslash(value: str, mapping: Mapping[type, Encoder]) -> str:
    return "'" + escape_string(value, True) + "'"


def _encode_bytes(value: bytes | bytearray | memoryview, mapping: Mapping[type, Encoder]) -> str:
    return "X'" + value.hex() + "'"


def _encode_date(value: datetime.date, mapping: Mapping[type, Encoder]) -> str:
    return "'" + value.isoformat() + "'"


def _encode_datetime(value: datetime.datetime, mapping: Mapping[type, Encoder]) -> str:
    # Aware datetimes are sent as given (their wall-clock time); tzinfo is dropped.
    if value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    return "'" + value.isoformat(" ") + "'"


def _encode_time(value: datetime.time, mapping: Mapping[type, Encoder]) -> str:
    if value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    return "'" + value.isoformat() + "'"


def _encode_timedelta(value: datetime.timedelta, mapping: Mapping[type, Encoder]) -> str:
    total = (value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds
    sign = "-" if total < 0 else ""
    seconds, micro = divmod(abs(total), 1_000_000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    frac = f".{micro:06d}" if micro else ""
    return f"'{sign}{hours}:{minutes:02d}:{seconds:02d}{frac}'"


def _encode_uuid(value: uuid.UUID, mapping: Mapping[type, Encoder]) -> str:
    # The canonical 36-character form: what MariaDB's UUID type and CHAR(36) columns take,
    # and what SQLAlchemy's Uuid type sends on MariaDB >= 10.7.
    return "'" + str(value) + "'"


def _encode_sequence(value: tuple[Any, ...] | list[Any], mapping: Mapping[type, Encoder]) -> str:
    # For IN (...) and multi-row VALUES; nested sequences become row constructors.
    return "(" + ",".join([_escape(item, mapping) for item in value]) + ")"


def _encode_set(value: set[Any] | frozenset[Any], mapping: Mapping[type, Encoder]) -> str:
    # A set is a value for a SET column: one quoted string of comma-separated members,
    # sorted so that the statement text is deterministic.
    for member in value:
        if not isinstance(member, str) or "," in member:
            raise ProgrammingError(
                f"set parameter members must be str without commas (SET column values), "
                f"got {member!r}; use a tuple for IN (...)"
            )
    return _escape(",".join(sorted(value)), mapping)


def _encode_dict(value: Mapping[Any, Any], mapping: Mapping[type, Encoder]) -> str:
    raise ProgrammingError(
        "a dict cannot be a parameter value; pass it as the args of execute() "
        "to fill %(name)s placeholders"
    )


encoders: dict[type, Encoder] = {
    type(None): _encode_none,
    bool: _encode_bool,
    int: _encode_int,
    float: _encode_float,
    Decimal: _encode_decimal,
    str: _encode_str,
    bytes: _encode_bytes,
    bytearray: _encode_bytes,
    memoryview: _encode_bytes,
    datetime.date: _encode_date,
    datetime.datetime: _encode_datetime,
    datetime.time: _encode_time,
    datetime.timedelta: _encode_timedelta,
    tuple: _encode_sequence,
    list: _encode_sequence,
    set: _encode_set,
    frozenset: _encode_set,
    dict: _encode_dict,
    uuid.UUID: _encode_uuid,
}

_NO_BACKSLASH_ENCODERS: dict[type, Encoder] = {**encoders, str: _encode_str_no_backslash}


def _effective(
    mapping: Mapping[type, Encoder] | None, no_backslash: bool
) -> Mapping[type, Encoder]:
    if mapping is None or mapping is encoders:
        return _NO_BACKSLASH_ENCODERS if no_backslash else encoders
    if no_backslash and mapping.get(str) is _encode_str:
        return {**mapping, str: _encode_str_no_backslash}
    return mapping


def escape_item(
    value: object,
    mapping: Mapping[type, Encoder] | None = None,
    *,
    no_backslash_escapes: bool = False,
) -> str:
    """``value`` as an SQL literal, using ``mapping`` (default: ``encoders``).

    The encoder is found by the exact type, then by walking the type's MRO; a type
    with no encoder raises ProgrammingError (never a silent ``str(value)``).
    """
    return _escape(value, _effective(mapping, no_backslash_escapes))


literal = escape_item


class _EscapedMapping:
    """What ``%(name)s`` formatting reads: escapes only the values the query uses."""

    __slots__ = ("_args", "_mapping")

    def __init__(self, args: Mapping[Any, Any], mapping: Mapping[type, Encoder]) -> None:
        self._args = args
        self._mapping = mapping

    def __getitem__(self, key: Any) -> str:
        return _escape(self._args[key], self._mapping)

    def __str__(self) -> str:
        # Reached only for a positional %s: mapping args need %(name)s placeholders.
        raise TypeError("a mapping of args needs %(name)s placeholders, not %s")


def format_query(
    query: str,
    args: object,
    mapping: Mapping[type, Encoder] | None = None,
    no_backslash_escapes: bool = False,
) -> str:
    """Fill DB-API ``format``/``pyformat`` placeholders with escaped literals.

    ``args`` may be a tuple or list (``%s``), a mapping (``%(name)s``) or a single
    other value (one ``%s``). With ``args=None`` the query is returned unchanged,
    ``%%`` included; otherwise ``%%`` becomes ``%``.
    """
    if args is None:
        return query
    if mapping is not None and not no_backslash_escapes:
        enc = mapping  # what _effective() gives then, without the call (a hot path)
    else:
        enc = _effective(mapping, no_backslash_escapes)
    values: tuple[str, ...] | _EscapedMapping
    if isinstance(args, (tuple, list)):
        values = escape_args(args, enc)
    elif type(args) is dict or isinstance(args, Mapping):
        values = _EscapedMapping(args, enc)
    else:
        values = (_escape(args, enc),)
    try:
        return query % values
    except KeyError as exc:
        raise ProgrammingError(f"no value for placeholder %({exc.args[0]})s in args") from None
    except (TypeError, ValueError) as exc:
        kind = "a mapping" if isinstance(values, _EscapedMapping) else f"{len(values)} value(s)"
        raise ProgrammingError(
            f"query placeholders do not match the arguments ({kind} given): {exc}"
        ) from None


# The compiled escape_args writes these encoders' output itself for values of exactly
# their type (a no-op when the pure-Python reference runs).
_impl.register_encoders(
    encode_none=_encode_none,
    encode_int=_encode_int,
    encode_float=_encode_float,
    encode_str=_encode_str,
    encode_str_no_backslash=_encode_str_no_backslash,
    encode_bytes=_encode_bytes,
)

# --- conv= ------------------------------------------------------------------------------

# The registry users pass as conv=: Python types map to encoders, FIELD_TYPE codes to
# decoders. Built-in decoders receive the raw bytes; decoders users add receive the
# value decoded to str, as with PyMySQL (the row layer wraps them; see
# is_builtin_decoder).
conversions: dict[Any, Any] = {**encoders, **decoders}
