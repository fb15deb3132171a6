"""What the upper layers hand the compiled module, and what it does with it.

``aiomysql.decoders`` and ``aiomysql.converters`` register their standard callables with
``_impl`` at import; the compiled loops then build those values in C instead of calling
them (and still call them for input C does not handle). Registration only speeds things
up: an unregistered callable is called, as the pure-Python reference always does.
"""

from __future__ import annotations

import datetime
import types
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from speedups_support import compiled

from aiomysql import converters, decoders
from aiomysql.protocol import _impl


@pytest.fixture
def mod() -> Iterator[types.ModuleType]:
    """The compiled module; whatever a test registers is undone afterwards."""
    module = compiled()
    try:
        yield module
    finally:
        _impl.compiled()  # hands it the upper layers' registrations again


def _row(*values: bytes) -> bytes:
    assert all(len(v) < 0xFB for v in values)
    return b"".join(bytes([len(v)]) + v for v in values)


def test_the_upper_layers_registered_their_standard_callables() -> None:
    assert _impl._decoders == {
        "decode_decimal": decoders.decode_decimal,
        "decode_date": decoders.decode_date,
        "decode_datetime": decoders.decode_datetime,
    }
    assert _impl._encoders == {
        "encode_none": converters._encode_none,
        "encode_int": converters._encode_int,
        "encode_float": converters._encode_float,
        "encode_str": converters._encode_str,
        "encode_str_no_backslash": converters._encode_str_no_backslash,
        "encode_bytes": converters._encode_bytes,
    }


def test_a_registered_decoder_is_called_only_for_what_c_cannot_build(
    mod: types.ModuleType,
) -> None:
    calls: list[bytes] = []

    def date_spy(value: bytes) -> Any:
        calls.append(value)
        return decoders.decode_date(value)

    payload = _row(b"2020-01-02", b"0000-00-00", b"2021-02-03")
    plan = (date_spy, date_spy, decoders.decode_date)
    # Not registered: called for every value, like the reference.
    assert mod.decode_text_row(payload, 0, len(payload), plan)[0] == datetime.date(2020, 1, 2)
    assert calls == [b"2020-01-02", b"0000-00-00"]
    calls.clear()
    mod.register_decoders(
        decode_decimal=decoders.decode_decimal,
        decode_date=date_spy,
        decode_datetime=decoders.decode_datetime,
    )
    row = mod.decode_text_row(payload, 0, len(payload), plan)
    assert row == (datetime.date(2020, 1, 2), "0000-00-00", datetime.date(2021, 2, 3))
    assert calls == [b"0000-00-00"]  # the zero date is the decoder's to answer


def test_an_unregistered_module_still_decodes_every_kind(mod: types.ModuleType) -> None:
    """With nothing registered, the standard decoders are simply called."""
    mod.register_decoders(decode_decimal=None, decode_date=None, decode_datetime=None)
    payload = _row(b"1.50", b"2020-01-02", b"2020-01-02 03:04:05.5", b"7", b"x")
    plan = (
        decoders.decode_decimal,
        decoders.decode_date,
        decoders.decode_datetime,
        decoders.decode_int,
        bytes.decode,
    )
    assert mod.decode_text_row(payload, 0, len(payload), plan) == (
        Decimal("1.50"),
        datetime.date(2020, 1, 2),
        datetime.datetime(2020, 1, 2, 3, 4, 5, 500000),
        7,
        "x",
    )


def test_a_registered_encoder_is_inlined_for_its_exact_type(mod: types.ModuleType) -> None:
    calls: list[object] = []

    def int_spy(value: object, mapping: Any) -> str:
        calls.append(value)
        return converters._encode_int(value, mapping)  # type: ignore[arg-type]

    mapping = {**converters.encoders, int: int_spy, bool: int_spy}
    args = (5, True, "a'b", None)
    expected = ("5", "1", "'a\\'b'", "NULL")
    assert mod.escape_args(args, mapping) == expected
    assert calls == [5, True]  # not registered: called
    calls.clear()
    mod.register_encoders(**{**_impl._encoders, "encode_int": int_spy})
    assert mod.escape_args(args, mapping) == expected
    assert calls == [True]  # bool is not exactly int: its encoder is called

