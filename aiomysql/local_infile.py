"""LOAD DATA LOCAL INFILE: which file a statement names, and sending only that one."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._wire import Wire
    from .protocol.core import ClientCore

#: Size of each packet when streaming a file for LOAD DATA LOCAL INFILE.
INFILE_CHUNK = 1 << 16

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


async def send_local_file(
    core: ClientCore, wire: Wire, requested: bytes, named: bytes | None, enabled: bool
) -> str | None:
    """Answer the server's request for ``requested``: stream it when LOCAL INFILE is
    ``enabled`` and it is the file the statement ``named``, then end the file.

    Returns why the file was refused (or could not be read), None when it was sent.
    The exchange is always completed, so the connection stays usable either way.
    """
    refusal = None
    if not enabled:
        refusal = (
            f"The server asked for local file {requested!r}, but LOAD DATA LOCAL INFILE "
            "is disabled; connect with local_infile=True"
        )
    elif named is None or requested != named:
        refusal = (
            f"The server asked for local file {requested!r}, but the statement named "
            f"{named!r}; refused"
        )
    else:
        refusal = await _stream_file(core, wire, requested)
    wire.write(core.local_infile_done())
    return refusal


async def _stream_file(core: ClientCore, wire: Wire, requested: bytes) -> str | None:
    """Send the file's contents; why it could not be read, if it could not. Only file
    errors are caught here: a lost wire propagates to the caller."""
    try:
        f = open(os.fsdecode(requested), "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        return f"Can't read local file {requested!r}: {exc}"
    with f:
        while True:
            try:
                chunk = f.read(INFILE_CHUNK)
            except OSError as exc:
                return f"Can't read local file {requested!r}: {exc}"
            if not chunk:
                return None
            wire.write(core.local_infile_chunk(chunk))
            await wire.drain()
