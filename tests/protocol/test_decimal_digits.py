"""The compiled module's DECIMAL route: a Decimal filled in from the digits of a column's
text must be Decimal(text) in every respect (value, exponent, sign, str, hash, arithmetic,
pickling), and anything the route does not take (more than 18 digits, exponents, bad
text) must go through Decimal(text) as before, errors included.
"""

from __future__ import annotations

import copy
import decimal
import pickle
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from speedups_support import compiled

from aiomysql import decoders

PLAN = (decoders.decode_decimal,)


def decode(mod: Any, text: bytes) -> Any:
    """One DECIMAL value through the compiled row decoder (a one-column row)."""
    assert len(text) < 0xFB
    row = bytes([len(text)]) + text
    return mod.decode_text_row(row, 0, len(row), PLAN)[0]


def same(got: Any, text: bytes) -> None:
    want = Decimal(text.decode("ascii"))
    assert type(got) is Decimal
    assert got.as_tuple() == want.as_tuple() and str(got) == str(want) and repr(got) == repr(want)
    assert hash(got) == hash(want) and got == want and {want: 1}[got] == 1
    with decimal.localcontext(decimal.Context(prec=100)):  # 3.10: no keywords
        assert got + Decimal("0.001") == want + Decimal("0.001") and got * 3 == want * 3
        assert got.quantize(Decimal("0.1")) == want.quantize(Decimal("0.1"))
    assert got.is_signed() == want.is_signed() and got.adjusted() == want.adjusted()
    assert pickle.loads(pickle.dumps(got)).as_tuple() == want.as_tuple()
    assert copy.copy(got) == want and float(got) == float(want) and int(got) == int(want)


def test_the_route_is_on_in_this_build() -> None:
    mod = compiled()
    # CPython's C decimal on a 64-bit build: the layout check passes.
    assert mod._check_decimal_from_digits() is True


EDGES = [
    b"0",
    b"-0",
    b"0.00",
    b"-0.00",
    b"0.0000000000",
    b"1",
    b"-1",
    b"7.5",
    b"-123.45",
    b"100.000",
    b"99999999.99",
    b"-99999999.99",
    b"999999999999999999",  # 18 digits: the most the route takes
    b"-999999999999999999",
    b"0.00000000000000001",
    b"-12345678.9012345678",
    b".5",
    b"5.",
    b"00012.30",
]


@pytest.mark.parametrize("text", EDGES)
def test_edges(text: bytes) -> None:
    same(decode(compiled(), text), text)


@pytest.mark.parametrize(
    "text",
    [
        b"1234567890123456789",  # 19 digits: Decimal(str)
        b"-1234567890123456789.123456789",
        b"12345678901234567890123456789012345678901234567890123456789012345",  # DECIMAL(65)
        b"0." + b"0" * 29 + b"1",  # DECIMAL(65,30)
        b"1E+2",
        b"-1.5e-3",
        b"Infinity",
        b"NaN",
        b" 1",
    ],
)
def test_what_the_route_leaves_to_decimal_str(text: bytes) -> None:
    got = decode(compiled(), text)
    want = Decimal(text.decode("ascii"))
    assert type(got) is Decimal and repr(got) == repr(want)
    assert got.as_tuple() == want.as_tuple()


@pytest.mark.parametrize("text", [b"", b"-", b".", b"-.", b"1.2.3", b"--1", b"1-", b"abc"])
def test_bad_text_raises_as_decimal_str_does(text: bytes) -> None:
    with pytest.raises(decimal.InvalidOperation):
        Decimal(text.decode("ascii"))
    with pytest.raises(decimal.InvalidOperation):
        decode(compiled(), text)


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.integers(min_value=-(10**20), max_value=10**20),
    st.integers(min_value=0, max_value=20),
)
def test_matches_decimal_str(coefficient: int, scale: int) -> None:
    text = format(Decimal(coefficient).scaleb(-scale), "f").encode()
    same(decode(compiled(), text), text)
