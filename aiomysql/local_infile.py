"""LOAD DATA LOCAL INFILE: which file a statement names, so only that one is ever sent."""

from __future__ import annotations

import re

_LOAD_LOCAL = re.compile(
    rb"""LOAD\s+(?:XML|DATA)\s+(?:LOW_PRIORITY\s+|CONCURRENT\s+)?LOCAL\s+INFILE\s+
         (?:'((?:[^'\\]|\\.|'')*)'|"((?:[^"\\]|\\.|"")*)")""",
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)

#: Cheap pre-check, so that ordinary statements (however long) are not scanned.
_MAYBE = re.compile(rb"LOCAL\s+INFILE", re.IGNORECASE)

# What may come between statements: whitespace, comments and ';'. Quoted strings and
# identifiers are skipped whole, so a LOAD DATA inside a string literal is never taken
# for a statement (a rogue server could otherwise ask for a file named in user data).
_GAP = re.compile(rb"(?:\s+|--[^\n]*|\#[^\n]*|/\*(?!!).*?\*/|;)*", re.DOTALL)
_TOKENS = {
    backslashes: re.compile(
        (
            rb"'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.|\"\")*\""
            if backslashes
            else rb"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\""
        )
        + rb"|`(?:[^`]|``)*`|--[^\n]*|\#[^\n]*|/\*.*?\*/|;",
        re.DOTALL,
    )
    for backslashes in (True, False)
}

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
    """The file the first LOAD DATA/XML LOCAL INFILE statement in ``sql`` names, else None.

    Only a statement that begins with LOAD counts (after comments; in a multi-statement
    string, after any ';'), never text inside a string literal.
    """
    if _MAYBE.search(sql) is None:
        return None
    backslashes = not no_backslash_escapes
    tokens = _TOKENS[backslashes]
    pos = 0
    n = len(sql)
    while pos < n:
        pos = _GAP.match(sql, pos).end()  # type: ignore[union-attr]  # always matches
        match = _LOAD_LOCAL.match(sql, pos)
        if match is not None:
            if match.group(1) is not None:
                return _unescape(match.group(1), b"'", backslashes)
            return _unescape(match.group(2), b'"', backslashes)
        # Skip to the end of this statement: the next ';' outside quotes.
        while True:
            token = tokens.search(sql, pos)
            if token is None:
                return None
            pos = token.end()
            if token.group() == b";":
                break
    return None
