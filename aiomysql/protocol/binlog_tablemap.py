"""TABLE_MAP events: a table's column types, metadata and optional metadata -> a plan.

The plan (one ``(kind, p1, p2, extra)`` entry per column, see ``binlog_rows``) is made
here once per table map, so decoding rows only follows it.

``binlog_row_metadata=MINIMAL`` (the default) logs signedness and charsets but no
column names or ENUM/SET values: ENUM then decodes as its 1-based index and SET as its
bitmap (ints). Servers without optional metadata (before MariaDB 10.5 / MySQL 8.0) log
none of it: integers then decode as signed, CHAR/VARCHAR as UTF-8 text and BLOB/TEXT
as bytes (the two share a type code).
"""

from __future__ import annotations

from collections.abc import Callable

from ..constants import FIELD_TYPE as T
from . import binlog_rows as R
from .binlog_events import TableMapEvent
from .packets import ProtocolError, Reader

# Optional metadata field types (MySQL Table_map_event::Optional_metadata_field_type).
SIGNEDNESS, DEFAULT_CHARSET, COLUMN_CHARSET, COLUMN_NAME = 1, 2, 3, 4
SET_STR_VALUE, ENUM_STR_VALUE, GEOMETRY_TYPE, SIMPLE_PRIMARY_KEY = 5, 6, 7, 8
PRIMARY_KEY_WITH_PREFIX, ENUM_AND_SET_DEFAULT_CHARSET, ENUM_AND_SET_COLUMN_CHARSET = 9, 10, 11

#: Types whose metadata is 1 byte, 2 bytes; the rest have none.
_META_1 = frozenset(
    {T.FLOAT, T.DOUBLE, T.BLOB, T.TINY_BLOB, T.MEDIUM_BLOB, T.LONG_BLOB, T.GEOMETRY, T.JSON}
    | {T.TIME2, T.DATETIME2, T.TIMESTAMP2}
)
_META_2 = frozenset({T.VARCHAR, T.VAR_STRING, T.BIT, T.NEWDECIMAL, T.STRING, T.ENUM, T.SET})
#: Columns the SIGNEDNESS bitmap covers, in column order.
_NUMERIC = frozenset(
    {T.TINY, T.SHORT, T.INT24, T.LONG, T.LONGLONG, T.FLOAT, T.DOUBLE, T.NEWDECIMAL, T.DECIMAL}
)
_BLOBS = frozenset({T.BLOB, T.TINY_BLOB, T.MEDIUM_BLOB, T.LONG_BLOB})
_INT_KINDS = {
    T.TINY: R.K_INT8,
    T.SHORT: R.K_INT16,
    T.INT24: R.K_INT24,
    T.LONG: R.K_INT32,
    T.LONGLONG: R.K_INT64,
}
_FIXED_KINDS = {
    T.YEAR: R.K_YEAR,
    T.DATE: R.K_DATE,
    T.NEWDATE: R.K_DATE,
    T.TIME: R.K_TIME,
    T.DATETIME: R.K_DATETIME,
    T.TIMESTAMP: R.K_TIMESTAMP,
    T.NULL: R.K_NULL,
    T.DOUBLE: R.K_DOUBLE,
    T.FLOAT: R.K_FLOAT,
}
_FSP_KINDS = {T.TIME2: R.K_TIME2, T.DATETIME2: R.K_DATETIME2, T.TIMESTAMP2: R.K_TIMESTAMP2}


def real_type(column_type: int, meta: int) -> int:
    """The column's type: STRING columns carry ENUM, SET or STRING in their metadata."""
    if column_type == T.STRING and meta >= 256:
        b0 = meta >> 8
        return b0 | 0x30 if (b0 & 0x30) != 0x30 else b0
    return column_type


def _string_length(meta: int) -> int:
    """The byte length of a CHAR/BINARY column (its metadata packs it in 10 bits)."""
    b0, b1 = meta >> 8, meta & 0xFF
    if (b0 & 0x30) != 0x30:
        return b1 | (((b0 & 0x30) ^ 0x30) << 4)
    return b1


def is_character(column_type: int, meta: int, mariadb: bool) -> bool:
    """A column the charset fields of the optional metadata cover (MariaDB counts
    GEOMETRY columns, with the binary charset; MySQL does not)."""
    real = real_type(column_type, meta)
    if real in (T.STRING, T.VARCHAR, T.VAR_STRING) or column_type in _BLOBS:
        return True
    return mariadb and column_type == T.GEOMETRY


#: The collation id of the binary charset: values stay bytes.
BINARY_COLLATION = 63
#: Maps a collation id to a Python codec (None: binary). The replication layer hands in
#: one knowing every collation (aiomysql.charset); this default knows only binary.
EncodingOf = Callable[[int], "str | None"]


def utf8_unless_binary(collation: int) -> str | None:
    """The default EncodingOf: binary stays bytes, everything else is read as UTF-8."""
    return None if collation == BINARY_COLLATION else "utf-8"


def _encoding(collation: int | None, default: str | None, encoding_of: EncodingOf) -> str | None:
    """The Python codec of a collation id; None for binary (values stay bytes)."""
    if collation is None:
        return default
    return encoding_of(collation)


def column_plan(
    column_type: int,
    meta: int,
    unsigned: bool,
    collation: int | None,
    names: tuple[str, ...] | None,
    full_metadata: bool,
    encoding_of: EncodingOf = utf8_unless_binary,
) -> R.ColumnPlan:
    """How to decode one column (see binlog_rows); ProtocolError for impossible metadata."""
    plan = _plan(column_type, meta, unsigned, collation, names, full_metadata, encoding_of)
    kind, p1, p2 = plan[0], plan[1], plan[2]
    limits = _LIMITS.get(kind)
    if limits is not None and not limits[0] <= p1 <= limits[1]:
        raise ProtocolError(f"table map: metadata {meta} impossible for column type {column_type}")
    if kind == R.K_DECIMAL and (p2 > 30 or p2 > p1):
        raise ProtocolError(f"table map: DECIMAL({p1},{p2})")
    return plan


#: Bounds of p1 per kind: length-prefix bytes, fractional digits, storage bytes.
_LIMITS = {
    R.K_STRING: (1, 2),
    R.K_BLOB: (1, 4),
    R.K_JSON: (1, 4),
    R.K_ENUM: (1, 2),
    R.K_SET: (1, 8),
    R.K_BIT: (1, 8),
    R.K_DECIMAL: (1, 65),
    R.K_TIME2: (0, 6),
    R.K_DATETIME2: (0, 6),
    R.K_TIMESTAMP2: (0, 6),
}


def _plan(
    column_type: int,
    meta: int,
    unsigned: bool,
    collation: int | None,
    names: tuple[str, ...] | None,
    full_metadata: bool,
    encoding_of: EncodingOf,
) -> R.ColumnPlan:
    if column_type in _INT_KINDS:
        return (_INT_KINDS[column_type] + (1 if unsigned else 0), 0, 0, None)
    if column_type in _FIXED_KINDS:
        return (_FIXED_KINDS[column_type], 0, 0, None)
    if column_type in _FSP_KINDS:
        return (_FSP_KINDS[column_type], meta, 0, None)
    if column_type == T.NEWDECIMAL:
        return (R.K_DECIMAL, meta >> 8, meta & 0xFF, None)
    if column_type in (T.VARCHAR, T.VAR_STRING):
        text = _encoding(collation, None if full_metadata else "utf-8", encoding_of)
        return (R.K_STRING, 1 if meta < 256 else 2, 0, text)
    if column_type == T.STRING:
        real = real_type(column_type, meta)
        if real == T.ENUM:
            return (R.K_ENUM, meta & 0xFF, 0, names)
        if real == T.SET:
            return (R.K_SET, meta & 0xFF, 0, names)
        length = _string_length(meta)
        text = _encoding(collation, None if full_metadata else "utf-8", encoding_of)
        pad = length if text is None and full_metadata else 0  # BINARY(n) is zero-padded
        return (R.K_STRING, 1 if length < 256 else 2, pad, text)
    if column_type in _BLOBS:
        return (R.K_BLOB, meta, 0, _encoding(collation, None, encoding_of))
    if column_type == T.GEOMETRY:
        return (R.K_BLOB, meta, 0, None)
    if column_type == T.JSON:
        return (R.K_JSON, meta, 0, None)
    if column_type == T.BIT:
        return (R.K_BIT, (meta & 0xFF) + (1 if meta >> 8 else 0), 0, None)
    raise ProtocolError(f"table map: column type {column_type} is not supported")


def _packed_ints(r: Reader, end: int) -> list[int]:
    values = []
    while r.pos < end:
        values.append(_packed(r))
    return values


def _packed(r: Reader) -> int:
    value = r.lenenc_int()
    if value is None:
        raise ProtocolError("table map: NULL where a length was expected")
    return value


def _str_lists(r: Reader, end: int) -> list[tuple[str, ...]]:
    lists = []
    while r.pos < end:
        count = _packed(r)
        lists.append(tuple(r.take(_packed(r)).decode("utf-8") for _ in range(count)))
    return lists


def _charsets(r: Reader, end: int, kind: int, count: int) -> list[int]:
    """DEFAULT_CHARSET (a default and exceptions) or COLUMN_CHARSET, one per column."""
    if kind == COLUMN_CHARSET or kind == ENUM_AND_SET_COLUMN_CHARSET:
        return _packed_ints(r, end)
    default = _packed(r)
    result = [default] * count
    while r.pos < end:
        index, collation = _packed(r), _packed(r)
        if index >= count:
            raise ProtocolError(f"table map: charset for column {index} of {count}")
        result[index] = collation
    return result


def parse_optional(tm: TableMapEvent, data: bytes, pos: int, end: int, mariadb: bool) -> None:
    """The optional metadata (type, length, value fields) into ``tm``'s attributes."""
    r = Reader(data, pos, end)
    types, metas = tm.column_types, tm.column_meta
    # MariaDB counts YEAR (an unsigned number to it) in the signedness bitmap.
    numeric = [i for i, t in enumerate(types) if t in _NUMERIC or (mariadb and t == T.YEAR)]
    chars = [i for i, t in enumerate(types) if is_character(t, metas[i], mariadb)]
    enums = [i for i, t in enumerate(types) if real_type(t, metas[i]) == T.ENUM]
    sets = [i for i, t in enumerate(types) if real_type(t, metas[i]) == T.SET]
    n = len(types)
    while r.remaining():
        kind = r.u8()
        length = _packed(r)
        stop = r.pos + length
        if stop > end:
            raise ProtocolError("table map: optional metadata field runs past the event")
        if kind == SIGNEDNESS:
            bits = r.take(length)
            tm.unsigned = [False] * n
            for j, col in enumerate(numeric):
                if j >> 3 >= len(bits):
                    raise ProtocolError("table map: signedness bitmap too short")
                tm.unsigned[col] = bool(bits[j >> 3] & (0x80 >> (j & 7)))
        elif kind in (DEFAULT_CHARSET, COLUMN_CHARSET):
            values = _charsets(r, stop, kind, len(chars))
            if len(values) != len(chars):
                raise ProtocolError("table map: charset count does not match the columns")
            charsets: list[int | None] = tm.charsets or [None] * n
            for col, value in zip(chars, values, strict=False):
                charsets[col] = value
            tm.charsets = charsets
        elif kind == COLUMN_NAME:
            names = []
            while r.pos < stop:
                names.append(r.take(_packed(r)).decode("utf-8"))
            if len(names) != n:
                raise ProtocolError(f"table map: {len(names)} column names for {n} columns")
            tm.column_names = names
        elif kind in (ENUM_STR_VALUE, SET_STR_VALUE):
            lists = _str_lists(r, stop)
            cols = enums if kind == ENUM_STR_VALUE else sets
            if len(lists) != len(cols):
                raise ProtocolError("table map: ENUM/SET value lists do not match the columns")
            target: list[tuple[str, ...] | None] = [None] * n
            for col, values_ in zip(cols, lists, strict=False):
                target[col] = values_
            if kind == ENUM_STR_VALUE:
                tm.enum_values = target
            else:
                tm.set_values = target
        elif kind == SIMPLE_PRIMARY_KEY:
            tm.primary_key = _packed_ints(r, stop)
        elif kind == PRIMARY_KEY_WITH_PREFIX:
            pairs = _packed_ints(r, stop)
            tm.primary_key = pairs[0::2]
        r.pos = stop  # fields not interpreted here (geometry types, visibility, ...)


def parse_table_map(
    tm: TableMapEvent,
    data: bytes,
    pos: int,
    end: int,
    id_size: int,
    mariadb: bool,
    encoding_of: EncodingOf = utf8_unless_binary,
) -> None:
    """The TABLE_MAP body from ``pos`` (after the header) into ``tm``, plan included."""
    r = Reader(data, pos, end)
    tm.table_id = int.from_bytes(r.take(id_size), "little")
    r.u16()  # flags
    tm.schema = r.take(r.u8()).decode("utf-8")
    r.skip(1)
    tm.table = r.take(r.u8()).decode("utf-8")
    r.skip(1)
    n = _packed(r)
    if n > 4096:
        raise ProtocolError(f"table map: {n} columns")
    tm.column_types = types = r.take(n)
    meta_block = Reader(r.take(_packed(r)))
    metas: list[int] = []
    for t in types:
        if t in _META_1:
            metas.append(meta_block.u8())
        elif t in (T.STRING, T.ENUM, T.SET, T.NEWDECIMAL, T.BIT):
            metas.append(meta_block.u8() << 8 | meta_block.u8())  # big-endian pair
        elif t in _META_2:
            metas.append(meta_block.u16())
        else:
            metas.append(0)
    tm.column_meta = metas
    nulls = r.take((n + 7) // 8)
    tm.nullable = [bool(nulls[i >> 3] >> (i & 7) & 1) for i in range(n)]
    tm.column_names = tm.unsigned = tm.charsets = None
    tm.enum_values = tm.set_values = None
    tm.primary_key = None
    full = r.remaining() > 0
    if full:
        parse_optional(tm, data, r.pos, end, mariadb)
    unsigned, charsets = tm.unsigned, tm.charsets
    enums, sets = tm.enum_values, tm.set_values
    plan = []
    for i, t in enumerate(types):
        real = real_type(t, metas[i])
        names = (enums[i] if enums else None) if real == T.ENUM else None
        if real == T.SET:
            names = sets[i] if sets else None
        plan.append(
            column_plan(
                t,
                metas[i],
                bool(unsigned and unsigned[i]),
                charsets[i] if charsets else None,
                names,
                charsets is not None,
                encoding_of,
            )
        )
    tm.plan = tuple(plan)
