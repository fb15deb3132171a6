"""Per-result-set decode plans for binary-protocol rows, derived from the text plans.

The text plan says what a column's value becomes (``decode_plan``); the binary plan keeps
that promise: a column whose text decoder is one of ours gets the natural value built from
its binary layout, which is the same Python value; a column with a ``conv=`` decoder of
the user's (or with none) gets the value rendered as the text the server would have sent,
then that decoder (or the text bytes), exactly as a text result would.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from .converters import is_builtin_decoder
from .decode_plan import build_text_plan
from .protocol.binary_rows import K_LENENC, K_NULL, TEXTUAL, BinaryPlan, kind_of
from .protocol.results import Column


def build_binary_plan(
    columns: list[Column],
    encoding: str,
    use_unicode: bool,
    decoders: Mapping[int, Callable[[Any], Any]],
) -> BinaryPlan:
    """One (kind, decoder, decimals) entry per column of a binary-protocol result set."""
    text_plan = build_text_plan(columns, encoding, use_unicode, decoders)
    plan = []
    for column, conv in zip(columns, text_plan, strict=True):
        kind = kind_of(column)
        if kind == K_LENENC or kind == K_NULL:
            plan.append((kind, conv, column.decimals))
        elif conv is not None and is_builtin_decoder(conv):
            plan.append((kind, None, column.decimals))
        else:
            plan.append((kind | TEXTUAL, conv, column.decimals))
    return tuple(plan)


def binary_plan_builder(
    encoding: str, use_unicode: bool, decoders: Mapping[int, Callable[[Any], Any]]
) -> Callable[[list[Column]], BinaryPlan]:
    """The core's binary plan builder for a connection's settings."""
    return functools.partial(
        build_binary_plan, encoding=encoding, use_unicode=use_unicode, decoders=decoders
    )
