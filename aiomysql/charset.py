"""Collation id <-> character set name <-> Python codec."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from ._charset_table import CHARSETS

__all__ = [
    "BINARY_CHARSET_ID",
    "codec_errors",
    "Charset",
    "charset_by_collation",
    "charset_by_id",
    "charset_by_name",
    "encoding_for",
]

BINARY_CHARSET_ID = 63


@dataclass(frozen=True, slots=True)
class Charset:
    """One collation: its id, charset and collation names, and the Python codec.

    ``encoding`` is a name ``codecs.lookup`` accepts. Choices worth knowing:

    * utf8mb4 and utf8mb3 (alias utf8) use ``utf-8``;
    * latin1 uses ``cp1252``, which is what MySQL's latin1 really is (Python's cp1252
      leaves 0x81 0x8D 0x8F 0x90 0x9D undefined where MySQL has C1 controls);
    * ucs2/utf16/utf32 are big-endian (``utf-16-be``, ``utf-32-be``);
    * binary has no text encoding; it maps to ``iso8859-1`` so that bytes survive a
      round trip, but columns of charset 63 should be returned as ``bytes``;
    * dec8, swe7, armscii8, keybcs2 and geostd8 have no Python codec and use
      ``iso8859-1`` (byte-preserving; characters above 0x7F may differ).
    """

    id: int
    name: str
    collation: str
    encoding: str
    is_default: bool

    @property
    def is_binary(self) -> bool:
        """True for the ``binary`` pseudo charset (collation id 63)."""
        return self.id == BINARY_CHARSET_ID


# id -> (charset, collation, codec, is_default); Charset objects are made on first use.
_ROWS: dict[int, tuple[str, str, str, bool]] = {}
_ID_BY_NAME: dict[str, int] = {}
_ID_BY_COLLATION: dict[str, int] = {}
_CACHE: dict[int, Charset] = {}


def _load() -> None:
    for name, encoding, entries in CHARSETS:
        words = entries.split()
        _ID_BY_NAME[name] = int(words[0])
        for i in range(0, len(words), 2):
            ident = int(words[i])
            suffix = words[i + 1]
            collation = name if suffix == "-" else f"{name}_{suffix}"
            _ROWS[ident] = (name, collation, encoding, i == 0)
            _ID_BY_COLLATION[collation] = ident
            if name == "utf8mb3":
                _ID_BY_COLLATION["utf8_" + suffix] = ident
    # "utf8" means utf8mb3 (MariaDB's default old_mode, MySQL 8's deprecated alias).
    _ID_BY_NAME["utf8"] = _ID_BY_NAME["utf8mb3"]


_load()


def charset_by_id(id: int) -> Charset:
    """Return the collation with this id; raise LookupError if it is unknown."""
    cs = _CACHE.get(id)
    if cs is None:
        row = _ROWS.get(id)
        if row is None:
            raise LookupError(f"unknown collation id {id!r}")
        cs = _CACHE[id] = Charset(id, *row)
    return cs


def charset_by_name(name: str) -> Charset:
    """Return the default collation of a charset (case-insensitive; 'utf8' is utf8mb3).

    The default is MariaDB's: utf8mb4 gives utf8mb4_general_ci (45), which MySQL
    understands too (MySQL 8's own default, utf8mb4_0900_ai_ci, is 255).
    """
    ident = _ID_BY_NAME.get(name.lower())
    if ident is None:
        raise LookupError(f"unknown character set {name!r}")
    return charset_by_id(ident)


def charset_by_collation(collation: str) -> Charset:
    """Return the collation with this name (case-insensitive; ``utf8_`` means ``utf8mb3_``)."""
    ident = _ID_BY_COLLATION.get(collation.lower())
    if ident is None:
        raise LookupError(f"unknown collation {collation!r}")
    return charset_by_id(ident)


def encoding_for(name: str) -> str:
    """Return the Python codec name for a MySQL charset name (see Charset)."""
    return charset_by_name(name).encoding


_LATIN1_UNASSIGNED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def _latin1_unassigned(exc: UnicodeError) -> tuple[str | bytes, int]:
    # MySQL's latin1 is cp1252 except that the five bytes cp1252 leaves unassigned
    # (0x81, 0x8D, 0x8F, 0x90, 0x9D) stand for the code points of the same value;
    # Python's cp1252 codec rejects them in both directions.
    if isinstance(exc, UnicodeDecodeError):
        return "".join(map(chr, exc.object[exc.start : exc.end])), exc.end
    if isinstance(exc, UnicodeEncodeError):
        chunk = exc.object[exc.start : exc.end]
        if all(ord(c) in _LATIN1_UNASSIGNED for c in chunk):
            return chunk.encode("latin-1"), exc.end
    raise exc


codecs.register_error("aiomysql.latin1", _latin1_unassigned)


def codec_errors(encoding: str) -> str:
    """The codec error handler that makes ``encoding`` match MySQL's charset exactly."""
    return "aiomysql.latin1" if encoding == "cp1252" else "strict"
