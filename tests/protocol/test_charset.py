"""Collation ids, charset names and Python codecs."""

from __future__ import annotations

import codecs
import dataclasses

import pytest

from aiomysql import charset as cs_mod
from aiomysql.charset import (
    BINARY_CHARSET_ID,
    Charset,
    charset_by_collation,
    charset_by_id,
    charset_by_name,
    encoding_for,
)


@pytest.mark.parametrize(
    ("id", "name", "collation"),
    [
        (8, "latin1", "latin1_swedish_ci"),
        (33, "utf8mb3", "utf8mb3_general_ci"),
        (45, "utf8mb4", "utf8mb4_general_ci"),
        (46, "utf8mb4", "utf8mb4_bin"),
        (63, "binary", "binary"),
        (83, "utf8mb3", "utf8mb3_bin"),
        (224, "utf8mb4", "utf8mb4_unicode_ci"),
        (246, "utf8mb4", "utf8mb4_unicode_520_ci"),
        (255, "utf8mb4", "utf8mb4_0900_ai_ci"),
        (278, "utf8mb4", "utf8mb4_0900_as_cs"),
        (305, "utf8mb4", "utf8mb4_0900_as_ci"),
        (309, "utf8mb4", "utf8mb4_0900_bin"),
        (323, "utf8mb4", "utf8mb4_mn_cyrl_0900_as_cs"),
        (248, "gb18030", "gb18030_chinese_ci"),
        (2048, "utf8mb3", "utf8mb3_uca1400_ai_ci"),
        (11, "ascii", "ascii_general_ci"),
        (28, "gbk", "gbk_chinese_ci"),
        (95, "cp932", "cp932_japanese_ci"),
        (1032, "latin1", "latin1_swedish_nopad_ci"),
    ],
)
def test_by_id(id: int, name: str, collation: str) -> None:
    cs = charset_by_id(id)
    assert (cs.id, cs.name, cs.collation) == (id, name, collation)
    assert charset_by_collation(collation) == cs


def test_uca1400_utf8mb4_present() -> None:
    # MariaDB 11's default collation family; its ids are above 2047.
    cs = charset_by_collation("utf8mb4_uca1400_ai_ci")
    assert cs.name == "utf8mb4" and cs.id >= 2048 and cs.encoding == "utf-8"


@pytest.mark.parametrize(
    ("name", "id", "encoding"),
    [
        ("utf8mb4", 45, "utf-8"),
        ("UTF8MB4", 45, "utf-8"),
        ("utf8mb3", 33, "utf-8"),
        ("utf8", 33, "utf-8"),
        ("latin1", 8, "cp1252"),
        ("binary", 63, "iso8859-1"),
        ("ascii", 11, "ascii"),
        ("ucs2", 35, "utf-16-be"),
        ("utf16le", 56, "utf-16-le"),
        ("utf32", 60, "utf-32-be"),
        ("sjis", 13, "shift_jis"),
        ("koi8r", 7, "koi8-r"),
        ("gb18030", 248, "gb18030"),
    ],
)
def test_by_name(name: str, id: int, encoding: str) -> None:
    cs = charset_by_name(name)
    assert cs.id == id
    assert cs.is_default
    assert cs.encoding == encoding
    assert encoding_for(name) == encoding


def test_unknown_raise_lookup_error() -> None:
    with pytest.raises(LookupError, match="collation id 4242"):
        charset_by_id(4242)
    with pytest.raises(LookupError, match="character set"):
        charset_by_name("klingon")
    with pytest.raises(LookupError):
        encoding_for("")
    with pytest.raises(LookupError):
        charset_by_collation("utf8mb4_nonsense_ci")


def test_utf8_collation_alias() -> None:
    assert charset_by_collation("utf8_general_ci").id == 33
    assert charset_by_collation("UTF8_BIN").id == 83


def test_binary() -> None:
    cs = charset_by_id(BINARY_CHARSET_ID)
    assert cs.is_binary and cs.name == "binary"
    assert not charset_by_id(45).is_binary
    data = bytes(range(256))
    assert data.decode(cs.encoding).encode(cs.encoding) == data


def test_whole_table_consistent() -> None:
    ids = list(cs_mod._ROWS)
    assert len(ids) > 1200
    defaults: dict[str, int] = {}
    for cs in map(charset_by_id, ids):
        assert isinstance(cs, Charset)
        assert 0 < cs.id < 65536
        codecs.lookup(cs.encoding)  # every codec exists in Python
        assert cs.collation == cs.name or cs.collation.startswith(cs.name + "_")
        assert charset_by_collation(cs.collation) is cs
        assert charset_by_id(cs.id) is cs
        if cs.is_default:
            assert cs.name not in defaults
            defaults[cs.name] = cs.id
    for name, id in defaults.items():
        assert charset_by_name(name).id == id
    # every charset the handshake can name has a default collation below 256
    assert all(id < 256 for id in defaults.values())


def test_frozen() -> None:
    cs = charset_by_id(45)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cs.id = 1  # type: ignore[misc]
