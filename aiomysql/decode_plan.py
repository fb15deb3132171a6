"""Per-result-set decode plans: which function turns each column's bytes into a value."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from .charset import BINARY_CHARSET_ID, charset_by_id
from .charset import codec_errors as _errors_for
from .constants import FIELD_TYPE
from .converters import is_builtin_decoder
from .protocol.results import Column
from .protocol.rows import Decoder, Plan

#: Column types the server sends as text in the column's character set.
TEXT_TYPES = frozenset(
    {
        FIELD_TYPE.VARCHAR,
        FIELD_TYPE.VAR_STRING,
        FIELD_TYPE.STRING,
        FIELD_TYPE.TINY_BLOB,
        FIELD_TYPE.MEDIUM_BLOB,
        FIELD_TYPE.LONG_BLOB,
        FIELD_TYPE.BLOB,
        FIELD_TYPE.ENUM,
        FIELD_TYPE.SET,
        FIELD_TYPE.JSON,
    }
)


def _text_decoder(encoding: str) -> Decoder:
    if encoding in ("utf-8", "utf8"):
        return bytes.decode  # UTF-8 is bytes.decode's default: no extra argument to pass
    errors = _errors_for(encoding)

    def decode(value: bytes) -> str:
        return value.decode(encoding, errors)

    return decode


def _with_text(user: Callable[[Any], Any], encoding: str | None) -> Decoder:
    """Wrap a user decoder from ``conv=``: like PyMySQL's, it receives text, not bytes."""
    if encoding is None:
        return user
    errors = _errors_for(encoding)

    def decode(value: bytes) -> Any:
        return user(value.decode(encoding, errors))

    return decode


def column_encoding(column: Column, connection_encoding: str, use_unicode: bool) -> str | None:
    """The codec for a text column's values, None when they stay bytes."""
    if column.type_code == FIELD_TYPE.JSON:
        return connection_encoding
    if column.type_code not in TEXT_TYPES:
        return "ascii"
    if column.charset_id == BINARY_CHARSET_ID or not use_unicode:
        return None
    try:
        encoding = charset_by_id(column.charset_id).encoding
    except LookupError:
        return connection_encoding
    return encoding or connection_encoding


def build_text_plan(
    columns: list[Column],
    encoding: str,
    use_unicode: bool,
    decoders: Mapping[int, Callable[[Any], Any]],
) -> Plan:
    """One decoder (or None for raw bytes) per column of a text-protocol result set."""
    plan: list[Decoder | None] = []
    for column in columns:
        text_encoding = column_encoding(column, encoding, use_unicode)
        user_or_builtin = decoders.get(column.type_code)
        if user_or_builtin is not None:
            if is_builtin_decoder(user_or_builtin):
                plan.append(user_or_builtin)
            else:
                plan.append(_with_text(user_or_builtin, text_encoding))
        elif column.type_code in TEXT_TYPES and text_encoding is not None:
            plan.append(_text_decoder(text_encoding))
        else:
            plan.append(None)
    return tuple(plan)


def plan_builder(
    encoding: str, use_unicode: bool, decoders: Mapping[int, Callable[[Any], Any]]
) -> Callable[[list[Column]], Plan]:
    """The core's plan builder for a connection's settings (refers to no Connection, so
    an unreferenced Connection stays collectable while its transport lives)."""
    return functools.partial(
        build_text_plan, encoding=encoding, use_unicode=use_unicode, decoders=decoders
    )
