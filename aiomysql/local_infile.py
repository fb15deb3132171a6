"""LOAD DATA LOCAL INFILE: which file a statement names, so only that one is ever sent."""

from __future__ import annotations

import re

_LOAD_LOCAL = re.compile(
    rb"""\bLOAD\s+(?:XML|DATA)\s+(?:LOW_PRIORITY\s+|CONCURRENT\s+)?LOCAL\s+INFILE\s+
         (?:'((?:[^'\\]|\\.|'')*)'|"((?:[^"\\]|\\.|"")*)")""",
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)

_UNESCAPE = {
    b"0": b"\0",
    b"b": b"\b",
    b"n": b"\n",
    b"r": b"\r",
    b"t": b"\t",
    b"Z": b"\x1a",
}


def _unescape(literal: bytes, quote: bytes, backslashes: bool) -> bytes:
    out = bytearray()
    i = 0
    n = len(literal)
    while i < n:
        ch = literal[i : i + 1]
        if backslashes and ch == b"\\" and i + 1 < n:
            nxt = literal[i + 1 : i + 2]
            out += _UNESCAPE.get(nxt, nxt)
            i += 2
        elif ch == quote and literal[i + 1 : i + 2] == quote:
            out += quote
            i += 2
        else:
            out += ch
            i += 1
    return bytes(out)


def named_local_file(sql: bytes, no_backslash_escapes: bool = False) -> bytes | None:
    """The file name a LOAD DATA/XML LOCAL INFILE statement names, None if it names none."""
    match = _LOAD_LOCAL.search(sql)
    if match is None:
        return None
    if match.group(1) is not None:
        return _unescape(match.group(1), b"'", not no_backslash_escapes)
    return _unescape(match.group(2), b'"', not no_backslash_escapes)
