"""executemany's INSERT rewriting: the rows joined into multi-row statements under a size cap."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from . import converters
from .charset import codec_errors

#: INSERT/REPLACE ... VALUES (<one row of placeholders>) [ON DUPLICATE KEY UPDATE ...]
INSERT_VALUES = re.compile(
    r"""\A\s*((?:INSERT|REPLACE)\b.+?\bVALUES?\s*)
        (\(\s*(?:%s|%\([^()]+\)s)\s*(?:,\s*(?:%s|%\([^()]+\)s)\s*)*\))
        (\s*(?:ON\s+DUPLICATE\s+KEY\s+UPDATE\b.*)?);?\s*\Z""",
    re.IGNORECASE | re.DOTALL | re.VERBOSE,
)

#: Bytes kept free under max_allowed_packet for the packet header and command byte.
_PACKET_MARGIN = 64
#: Statements stop near this size: small enough that the server runs one while the next
#: is formatted, big enough to keep round trips few.
_INSERT_CHUNK = 1 << 20


def split_insert(query: str) -> tuple[str, str, str] | None:
    """(head, one row of placeholders, tail) of ``INSERT ... VALUES (...)``, else None."""
    match = INSERT_VALUES.match(query)
    if match is None:
        return None
    return match.group(1), match.group(2).rstrip(), match.group(3)


def insert_statements(
    parts: tuple[str, str, str],
    args: Iterable[Any],
    *,
    encoding: str,
    encoders: dict[Any, Any],
    no_backslash_escapes: bool,
    max_allowed_packet: int,
) -> Iterator[bytes]:
    """Multi-row statements carrying every item of ``args``, each under the size cap.

    Lazy: each statement is formatted when asked for, so a caller can send one and
    format the next while the server runs it.
    """
    head, values, tail = parts
    errors = codec_errors(encoding)
    prefix = head.encode(encoding, errors)
    suffix = tail.encode(encoding, errors)
    limit = min(max_allowed_packet, _INSERT_CHUNK) - _PACKET_MARGIN - len(suffix)
    rows: list[bytes] = []
    size = len(prefix)
    for item in args:
        row = converters.format_query(
            values, item, encoders, no_backslash_escapes=no_backslash_escapes
        )
        encoded = row.encode(encoding, errors)
        if rows and size + 1 + len(encoded) > limit:
            yield prefix + b",".join(rows) + suffix
            rows = []
            size = len(prefix)
        rows.append(encoded)
        size += len(encoded) + 1
    yield prefix + b",".join(rows) + suffix
