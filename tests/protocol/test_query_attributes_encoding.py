"""The COM_QUERY query-attribute encoding (sans-IO): value boundaries, the plain encoders.

Expected bytes are written from the documented binary-protocol layouts (MySQL internals
manual: COM_QUERY, Binary Protocol Value), not produced by the code under test.
"""

from __future__ import annotations

import datetime
import struct

import pytest

from aiomysql.constants import CLIENT
from aiomysql.errors import NotSupportedError, ProgrammingError
from aiomysql.protocol import commands
from aiomysql.protocol.query_attributes import (
    attributes_command,
    com_query_no_attributes,
    encode_attributes,
    encode_value,
    query_command,
)


def test_plain_encoder_depends_on_the_capability() -> None:
    assert query_command(0) is commands.com_query
    assert query_command(CLIENT.QUERY_ATTRIBUTES) is com_query_no_attributes
    assert com_query_no_attributes(b"SELECT 1") == b"\x03\x00\x01SELECT 1"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (-(2**63), (0x08, 0, struct.pack("<q", -(2**63)))),
        (2**63 - 1, (0x08, 0, struct.pack("<q", 2**63 - 1))),
        (2**63, (0x08, 0x80, struct.pack("<Q", 2**63))),
        (False, (0x01, 0, b"\x00")),
        ("", (0xFE, 0, b"\x00")),
        ("x" * 300, (0xFE, 0, b"\xfc\x2c\x01" + b"x" * 300)),
        (datetime.date(1, 1, 1), (0x0A, 0, b"\x04\x01\x00\x01\x01")),
        (datetime.datetime(2000, 1, 2, 3, 4, 5), (0x0C, 0, b"\x07\xd0\x07\x01\x02\x03\x04\x05")),
        (datetime.time(1, 2, 3, 4), (0x0B, 0, b"\x0c" + struct.pack("<BIBBBI", 0, 0, 1, 2, 3, 4))),
        (
            datetime.timedelta(microseconds=-1),
            (0x0B, 0, b"\x0c" + struct.pack("<BIBBBI", 1, 0, 0, 0, 0, 1)),
        ),
        (
            datetime.timedelta(days=40, hours=5),
            (0x0B, 0, b"\x08" + struct.pack("<BIBBB", 0, 40, 5, 0, 0)),
        ),
    ],
)
def test_values(value: object, expected: tuple[int, int, bytes]) -> None:
    assert encode_value(value, "utf-8") == expected


@pytest.mark.parametrize("value", [-(2**63) - 1, 2**64, object(), [1], {"a": 1}])
def test_values_that_cannot_be_sent(value: object) -> None:
    with pytest.raises(ProgrammingError):
        encode_value(value, "utf-8")


def test_null_bitmap_spans_bytes() -> None:
    attributes = {f"a{i}": (None if i in (0, 8, 9) else i) for i in range(10)}
    encoded = encode_attributes(attributes, "utf-8")
    assert encoded[:2] == b"\x0a\x01"  # 10 parameters, 1 set
    assert encoded[2:4] == bytes((0b00000001, 0b00000011))
    assert encoded[4] == 1  # new_params_bind_flag


def test_no_attributes_is_the_plain_prefix() -> None:
    command = attributes_command(CLIENT.QUERY_ATTRIBUTES, {}, "utf-8")
    assert command(b"SELECT 1") == com_query_no_attributes(b"SELECT 1")


def test_without_the_capability() -> None:
    with pytest.raises(NotSupportedError, match="MySQL 8.0.23"):
        attributes_command(0, {"a": 1}, "utf-8", "this server (10.11.6-MariaDB)")
